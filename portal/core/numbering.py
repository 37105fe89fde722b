"""Document numbers (文号) of decisions: unique and gap-free per authority, type and year.

A number reads ``{authority}{type}〔{year}〕{n}号`` (GB/T 9704, DOMAIN.md §6), e.g.
``穗南市监不罚〔2026〕12号``: hexagonal brackets, no 第, no zero padding. One row of
``document_counters`` per (authority short name, document type, year) holds the last
number given.

``next_document_number`` takes the next number **in the caller's transaction**: the
counter row stays locked until that transaction ends, so concurrent grants (in any
process) wait for each other and each gets the next number, and a grant that is
rolled back gives its number back (no gap). Call it as the last step before the
commit: the lock serialises every grant of the same authority, type and year.

On PostgreSQL, ``INSERT … ON CONFLICT DO NOTHING`` creates a missing counter without
racing, and ``UPDATE … RETURNING`` takes the row lock and the number in one statement
(READ COMMITTED re-reads the row once the lock is free). On SQLite (development and
tests only; ``portal.core.db`` opens deferred transactions) the INSERT takes the
database's write lock, which lasts until the transaction ends, and other writers wait
for it up to the busy timeout (5 s); one that had only read before may be refused
("database is locked") rather than wait, which rolls it back and costs no number.
"""

from __future__ import annotations

import logging
import re
from enum import StrEnum
from typing import Any, Protocol, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Enum, String, Table, UniqueConstraint, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.core.db import Base
from portal.core.errors import DomainError

logger = logging.getLogger(__name__)

#: An authority short name: Chinese characters only (穗南市监), as GB/T 9704 writes them.
AUTHORITY_PATTERN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]{2,20}")
#: Years a decision can be numbered in (a bound, not a policy).
FIRST_YEAR, LAST_YEAR = 2000, 2999


class DocumentType(StrEnum):
    """The type code written in a document number, after the authority's short name.

    Only 不罚 is sourced (DOMAIN.md §6, ``穗南市监不罚〔2026〕12号``); the others are the
    portal's codes until a department confirms its own practice.
    """

    #: 不予行政处罚决定书 — no penalty (Art. 33), including 首违不罚.
    NO_PENALTY = "不罚"
    #: 行政处罚决定书 with a mitigated penalty (减轻处罚, below the range).
    MITIGATED = "减罚"
    #: 行政处罚决定书 with a lenient penalty (从轻处罚, at the lower end of the range).
    LENIENT = "从轻"
    #: 免予行政强制决定 — no administrative compulsion.
    NO_COMPULSION = "免强"

    @property
    def label(self) -> Any:
        """Return what the document is, as a lazy translation."""
        return DOCUMENT_TYPE_LABELS[self]


DOCUMENT_TYPE_LABELS: dict[DocumentType, Any] = {
    DocumentType.NO_PENALTY: _l("Decision not to impose an administrative penalty"),
    DocumentType.MITIGATED: _l("Administrative penalty decision (mitigated penalty)"),
    DocumentType.LENIENT: _l("Administrative penalty decision (lenient penalty)"),
    DocumentType.NO_COMPULSION: _l("Decision not to take administrative compulsory measures"),
}


class DocumentCounter(Base):
    """The last document number given for one authority, document type and year."""

    __tablename__ = "document_counters"
    __table_args__ = (
        UniqueConstraint("authority", "doc_type", "year"),
        CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year_range"),
        CheckConstraint("last_number >= 0", name="last_number_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The authority's confirmed short name (穗南市监).
    authority: Mapped[str] = mapped_column(String(20))
    #: The document type code (不罚).
    doc_type: Mapped[DocumentType] = mapped_column(Enum(
        DocumentType, name="document_type", native_enum=False, create_constraint=True,
        values_callable=lambda members: [member.value for member in members], length=10))
    year: Mapped[int]
    #: The last number given; 0 until the first.
    last_number: Mapped[int] = mapped_column(default=0)


class NumberingError(DomainError):
    """A document number cannot be given."""

    status_code = 409


class ShortNameNotConfirmed(NumberingError):
    """The department has no short name confirmed by an administrator."""

    def __init__(self) -> None:
        super().__init__(_l("This department's document short name has not been confirmed "
                            "by an administrator; numbered decisions cannot be issued yet."))


class NumberedAuthority(Protocol):
    """What numbering needs of a department (core knows no feature's model)."""

    short_name: str
    short_name_confirmed: bool


def format_document_number(authority: str, doc_type: DocumentType | str, year: int,
                           number: int) -> str:
    """Return the document number as written: ``穗南市监不罚〔2026〕12号``."""
    return f"{authority}{DocumentType(doc_type).value}〔{year}〕{number}号"


def confirmed_authority(department: NumberedAuthority) -> str:
    """Return the department's confirmed short name.

    :raises ShortNameNotConfirmed: no administrator has confirmed one.
    """
    short_name = (department.short_name or "").strip()
    if not department.short_name_confirmed or not AUTHORITY_PATTERN.fullmatch(short_name):
        raise ShortNameNotConfirmed()
    return short_name


def next_document_number(session: Session, *, authority: str, doc_type: DocumentType | str,
                         year: int) -> tuple[int, str]:
    """Take the next number for ``authority``, ``doc_type`` and ``year`` in this transaction.

    Returns the number and its written form. The counter stays locked until the caller's
    transaction ends; a rollback gives the number back.

    :raises ValueError: the authority, type or year is not one a number can have.
    """
    if not AUTHORITY_PATTERN.fullmatch(authority):
        raise ValueError(f"not an authority short name: {authority!r}")
    doc_type = DocumentType(doc_type)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"year out of range: {year}")
    table = cast(Table, DocumentCounter.__table__)
    key = {"authority": authority, "doc_type": doc_type, "year": year}
    conflict_key = ["authority", "doc_type", "year"]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(table).values(**key, last_number=0)
                        .on_conflict_do_nothing(index_elements=conflict_key))
    else:
        session.execute(sqlite.insert(table).values(**key, last_number=0)
                        .on_conflict_do_nothing(index_elements=conflict_key))
    number = session.execute(
        update(table)
        .where(table.c.authority == authority, table.c.doc_type == doc_type,
               table.c.year == year)
        .values(last_number=table.c.last_number + 1)
        .returning(table.c.last_number)).scalar_one()
    text = format_document_number(authority, doc_type, year, number)
    logger.info("document number %s taken", text)
    return number, text


def next_department_document_number(session: Session, department: NumberedAuthority, *,
                                    doc_type: DocumentType | str, year: int) -> tuple[int, str]:
    """Take the next number of ``department``'s documents of ``doc_type`` in ``year``.

    :raises ShortNameNotConfirmed: the department has no confirmed short name.
    """
    return next_document_number(session, authority=confirmed_authority(department),
                                doc_type=doc_type, year=year)
