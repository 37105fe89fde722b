"""Compliance content in the database: versioned, never deleted.

Each guide, obligation, exemption entry and questionnaire has a stable key and
a row per version. ``guides sync`` adds a version when the content changes and
retires items that left the content; self-checks and decisions point at the
exact version they used, which therefore never changes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import ColumnElement

from portal.core.db import Base, utcnow
from portal.guides.content import LIST_TYPES, in_force

__all__ = ["LIST_TYPES"]


class ContentSync(Base):
    """One run of ``guides sync``: what changed."""

    __tablename__ = "content_syncs"

    id: Mapped[int] = mapped_column(primary_key=True)
    synced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: SHA-256 over every item's digest: equal digests mean identical content.
    content_digest: Mapped[str] = mapped_column(String(64))
    #: Counts of created, changed, retired and unchanged items by kind.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SourceListRecord(Base):
    """A published exemption list that entries cite (its metadata as loaded)."""

    __tablename__ = "source_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(30), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    #: The list's fields (names, issuer, document number, dates, addresses).
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IndustryGuide(Base):
    """An industry guide (行业合规指引) by its slug."""

    __tablename__ = "industry_guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    retired_at: Mapped[dt.datetime | None]

    versions: Mapped[list[IndustryGuideVersion]] = relationship(
        back_populates="guide", order_by="IndustryGuideVersion.version_no")


class IndustryGuideVersion(Base):
    """One version of a guide's text and metadata."""

    __tablename__ = "industry_guide_versions"
    __table_args__ = (UniqueConstraint("guide_id", "version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("industry_guides.id"), index=True)
    version_no: Mapped[int]
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[str] = mapped_column(String(64))
    #: The version number the content file gives.
    content_version: Mapped[int]
    reviewed_on: Mapped[dt.date] = mapped_column(Date)
    #: Texts by language: {"zh_Hans": …, "en": …, "zh_Hant": …}.
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    summary: Mapped[dict[str, str]] = mapped_column(JSON)
    body: Mapped[dict[str, str]] = mapped_column(JSON)
    zh_hant_generated: Mapped[bool] = mapped_column(Boolean, default=True)
    #: GB/T 4754-2017 divisions the guide applies to.
    divisions: Mapped[list[str]] = mapped_column(JSON)
    lead_department: Mapped[str] = mapped_column(String(40))
    other_departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    guide: Mapped[IndustryGuide] = relationship(back_populates="versions")


class ObligationRecord(Base):
    """A compliance obligation (合规义务) by its code."""

    __tablename__ = "obligations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    #: Industry slug, or ``common`` for every industry.
    industry: Mapped[str] = mapped_column(String(40), index=True)
    retired_at: Mapped[dt.datetime | None]

    versions: Mapped[list[ObligationVersion]] = relationship(
        back_populates="obligation", order_by="ObligationVersion.version_no")


class ObligationVersion(Base):
    """One version of an obligation."""

    __tablename__ = "obligation_versions"
    __table_args__ = (
        UniqueConstraint("obligation_id", "version_no"),
        CheckConstraint("severity IN ('low', 'medium', 'high')", name="severity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    version_no: Mapped[int]
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[str] = mapped_column(String(64))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str]] = mapped_column(JSON)
    #: Citations: [{"law": key, "law_name": {…}, "article": {…} | null, "note": …}].
    legal_basis: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    department: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    verify: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    obligation: Mapped[ObligationRecord] = relationship(back_populates="versions")


class ExemptionEntryRecord(Base):
    """An exemption-list entry (减免责清单事项) by its key."""

    __tablename__ = "exemption_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    retired_at: Mapped[dt.datetime | None]

    versions: Mapped[list[ExemptionEntryVersion]] = relationship(
        back_populates="entry", order_by="ExemptionEntryVersion.version_no")


class ExemptionEntryVersion(Base):
    """One version of an exemption entry, with columns for filtering and search."""

    __tablename__ = "exemption_entry_versions"
    __table_args__ = (
        UniqueConstraint("entry_id", "version_no"),
        CheckConstraint("list_type IN ('no_penalty', 'first_violation', 'mitigated', "
                        "'lenient', 'no_compulsion')", name="list_type"),
        CheckConstraint("effective_until IS NULL OR effective_from IS NULL "
                        "OR effective_from <= effective_until", name="dates_in_order"),
        Index("ix_exemption_entry_versions_current_list", "is_current", "list_type"),
        # Search: LIKE '%term%' on PostgreSQL goes through trigrams (pg_trgm).
        Index("ix_exemption_entry_versions_search_text_trgm", "search_text",
              postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("exemption_entries.id"), index=True)
    version_no: Mapped[int]
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[str] = mapped_column(String(64))
    #: 基本编码 as published (12 digits), when the list gives one.
    item_code: Mapped[str | None] = mapped_column(String(12), index=True)
    list_type: Mapped[str] = mapped_column(String(20))
    department: Mapped[str] = mapped_column(String(40), index=True)
    #: Main industry slug (``common`` for all industries).
    industry: Mapped[str] = mapped_column(String(40))
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    source_key: Mapped[str | None] = mapped_column(String(30))
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    effective_until: Mapped[dt.date | None] = mapped_column(Date)
    #: Violation (事项名称) lower-cased in every language, for ranking title matches.
    title_search: Mapped[str] = mapped_column(Text)
    #: Every text of the entry, lower-cased, in every language, for search.
    search_text: Mapped[str] = mapped_column(Text)
    #: The whole entry as loaded (violation, citations, conditions, measures …).
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    entry: Mapped[ExemptionEntryRecord] = relationship(back_populates="versions")
    industries: Mapped[list[ExemptionEntryIndustry]] = relationship(
        cascade="all, delete-orphan", back_populates="version")

    @hybrid_method
    def in_force(self, *, on: dt.date) -> bool:
        """Return whether this version is in force on ``on`` (the content model's rule)."""
        return in_force(self.effective_from, self.effective_until, on=on)

    # SQLAlchemy 2.1's stubs type the hybrid as its instance-level function here.
    @in_force.inplace.expression  # type: ignore[attr-defined]
    @classmethod
    def _in_force_expression(cls, *, on: dt.date) -> ColumnElement[bool]:
        # The same rule as ``portal.guides.content.in_force``, for a WHERE clause;
        # tests/unit/guides/test_in_force.py checks that both agree at the boundaries.
        return and_(or_(cls.effective_from.is_(None), cls.effective_from <= on),
                    or_(cls.effective_until.is_(None), cls.effective_until >= on))


class ExemptionEntryIndustry(Base):
    """An industry an entry version applies to (``common`` applies to all)."""

    __tablename__ = "exemption_entry_industries"

    version_id: Mapped[int] = mapped_column(ForeignKey("exemption_entry_versions.id"),
                                            primary_key=True)
    industry: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    version: Mapped[ExemptionEntryVersion] = relationship(back_populates="industries")


class QuestionnaireVersion(Base):
    """One version of an industry's self-check questionnaire (its whole definition)."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (UniqueConstraint("industry", "version_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    industry: Mapped[str] = mapped_column(String(40), index=True)
    version_no: Mapped[int]
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    digest: Mapped[str] = mapped_column(String(64))
    content_version: Mapped[int]
    #: The questionnaire as loaded: sections, questions, findings, bands. Loaded when
    #: read: pages use the typed copy kept per version (``typed_questionnaire``).
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    retired_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
