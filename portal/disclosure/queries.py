"""Read side of public disclosure: which decisions show, filters, pages, verification codes.

The rule "shown at ``/decisions``" is written here once, as a query, for the list,
each decision's page and the JSON API: a grant from its ``publish_on`` day on, while
not withdrawn (``Decision.is_public``), and a grant withdrawn after it was published,
shown as withdrawn with its reason (Art. 48). Refusals are served on the party and
never disclosed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, defer

from portal.core.input import parse_positive_int
from portal.exemptions.documents import CODE_ALPHABET, CODE_LENGTH
from portal.exemptions.models import Decision, DecisionKind, DisclosureStatus
from portal.exemptions.redaction import redact
from portal.guides.queries import current_guides, departments_by_code

#: Rows on one page of the list (HTML and API).
PER_PAGE = 20
#: The last page number accepted; beyond it the request is refused, not queried.
MAX_PAGE = 10_000
#: An entry key as content files write it (letters, digits, - and _).
ENTRY_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,59}")
#: A verification code as ``new_verification_code`` makes it.
VERIFICATION_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")

FILTER_MESSAGES = {
    "department": _l("There is no department with this code. Choose one from the list."),
    "industry": _l("There is no industry with this code. Choose one from the list."),
    "entry": _l("There is no exemption entry with this key."),
    "issued_from": _l("Enter the date as YYYY-MM-DD, for example 2026-11-25."),
    "issued_to": _l("Enter the date as YYYY-MM-DD, for example 2026-11-25."),
    "range": _l("The start of the date range must not be after its end."),
    "page": _l("The page number must be a whole number of 1 or more."),
    "per_page": _l("The number of results per page must be between 1 and 20."),
}


def published_condition(today: dt.date) -> ColumnElement[bool]:
    """Return the SQL form of ``Decision.is_public`` (kind grant, published, not withdrawn)."""
    return and_(Decision.kind == DecisionKind.GRANT, Decision.publish_on.is_not(None),
                Decision.publish_on <= today,
                Decision.disclosure != DisclosureStatus.WITHDRAWN)


def withdrawn_after_publication_condition(today: dt.date) -> ColumnElement[bool]:
    """Return the condition of a grant withdrawn once it had been published.

    ``withdrawn_at`` is a UTC moment and ``publish_on`` a Nansha date: the comparison
    treats the publication day as starting at midnight UTC, so a decision withdrawn in
    the first hours of its publication day (Nansha time) stays hidden — never the other
    way round.
    """
    return and_(Decision.kind == DecisionKind.GRANT,
                Decision.disclosure == DisclosureStatus.WITHDRAWN,
                Decision.publish_on.is_not(None), Decision.publish_on <= today,
                Decision.withdrawn_at.is_not(None),
                Decision.publish_on <= Decision.withdrawn_at)


def disclosed_condition(today: dt.date) -> ColumnElement[bool]:
    """Return the condition of every decision ``/decisions`` shows on ``today``."""
    return or_(published_condition(today), withdrawn_after_publication_condition(today))


@dataclass(frozen=True)
class DecisionFilters:
    """What the list is filtered by (None: any)."""

    department: str | None = None
    industry: str | None = None
    entry: str | None = None
    issued_from: dt.date | None = None
    issued_to: dt.date | None = None

    def as_args(self) -> dict[str, str]:
        """Return the filters as query arguments (for links to other pages)."""
        values = {"department": self.department, "industry": self.industry,
                  "entry": self.entry,
                  "issued_from": self.issued_from.isoformat() if self.issued_from else None,
                  "issued_to": self.issued_to.isoformat() if self.issued_to else None}
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class ParsedDecisionFilters:
    """Filters read from request arguments, with an error message per bad argument."""

    filters: DecisionFilters
    page: int
    per_page: int
    errors: dict[str, str] = field(default_factory=dict)


def known_industries(session: Session) -> list[str]:
    """Return the industry slugs a decision can be filtered by (the current guides')."""
    return sorted({version.guide.slug for version in current_guides(session)})


def _date(raw: str | None, name: str, errors: dict[str, str]) -> dt.date | None:
    if not raw:
        return None
    # ``date.fromisoformat`` also takes 20261125 and week dates: only YYYY-MM-DD here.
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        errors[name] = str(FILTER_MESSAGES[name])
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = str(FILTER_MESSAGES[name])
        return None


def _bounded(raw: str | None, default: int, name: str, maximum: int,
             errors: dict[str, str]) -> int:
    if raw in (None, ""):
        return default
    number = parse_positive_int(raw, maximum=maximum)
    if number is None:
        errors[name] = str(FILTER_MESSAGES[name])
        return default
    return number


def parse_decision_filters(session: Session, args: Mapping[str, str]) -> ParsedDecisionFilters:
    """Validate browser or API arguments; unknown departments and industries and malformed
    values are errors, never guessed."""
    errors: dict[str, str] = {}
    department = args.get("department") or None
    if department is not None and department not in departments_by_code(session):
        errors["department"] = str(FILTER_MESSAGES["department"])
        department = None
    industry = args.get("industry") or None
    if industry is not None and industry not in known_industries(session):
        errors["industry"] = str(FILTER_MESSAGES["industry"])
        industry = None
    # A well-formed key that no entry has matches no decision (an empty list, as for a
    # date range without decisions); only a malformed one is an error.
    entry = args.get("entry") or None
    if entry is not None and not ENTRY_KEY.fullmatch(entry):
        errors["entry"] = str(FILTER_MESSAGES["entry"])
        entry = None
    issued_from = _date(args.get("issued_from"), "issued_from", errors)
    issued_to = _date(args.get("issued_to"), "issued_to", errors)
    if issued_from and issued_to and issued_from > issued_to:
        errors["issued_from"] = str(FILTER_MESSAGES["range"])
    page = _bounded(args.get("page"), 1, "page", MAX_PAGE, errors)
    per_page = _bounded(args.get("per_page"), PER_PAGE, "per_page", PER_PAGE, errors)
    return ParsedDecisionFilters(
        filters=DecisionFilters(department=department, industry=industry, entry=entry,
                                issued_from=issued_from, issued_to=issued_to),
        page=page, per_page=per_page, errors=errors)


@dataclass(frozen=True)
class DecisionPage:
    """One page of disclosed decisions."""

    items: list[Decision]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Return the number of pages (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def _filtered(filters: DecisionFilters, today: dt.date) -> Select[Decision]:
    query = select(Decision).where(disclosed_condition(today))
    if filters.department:
        query = query.where(Decision.department_code == filters.department)
    if filters.industry:
        query = query.where(Decision.industry == filters.industry)
    if filters.entry:
        query = query.where(Decision.entry_key == filters.entry)
    if filters.issued_from:
        query = query.where(Decision.issued_on >= filters.issued_from)
    if filters.issued_to:
        query = query.where(Decision.issued_on <= filters.issued_to)
    return query


def list_disclosed(session: Session, filters: DecisionFilters, *, today: dt.date, page: int,
                   per_page: int = PER_PAGE) -> DecisionPage:
    """Return one page of the decisions shown on ``today``, newest first."""
    per_page = min(per_page, PER_PAGE)
    query = _filtered(filters, today)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # The list shows the public extract: the served document (``content``) stays unread.
    items = list(session.scalars(query.order_by(Decision.issued_on.desc(), Decision.id.desc())
                                 .options(defer(Decision.content))
                                 .limit(per_page).offset((page - 1) * per_page)))
    return DecisionPage(items=items, page=page, per_page=per_page, total=total)


def disclosure_version(session: Session) -> tuple[str, dt.datetime | None]:
    """Return the version of what ``/decisions`` shows, and when it last changed.

    A new decision or a withdrawal changes it (publication on its day is covered by the
    page cache's key, which holds the day): the page cache keys the public decision pages
    with it, so a withdrawal leaves every cached page within a second.
    """
    row = session.execute(select(
        select(func.max(Decision.id)).scalar_subquery(),
        select(func.max(Decision.withdrawn_at)).scalar_subquery(),
        select(func.max(Decision.issued_at)).scalar_subquery())).one()
    withdrawn = row[1].timestamp() if row[1] else 0
    changed = max((moment for moment in (row[1], row[2]) if moment is not None), default=None)
    return f"{row[0] or 0}.{int(withdrawn)}", changed


def get_disclosed(session: Session, decision_id: int, *, today: dt.date) -> Decision | None:
    """Return the decision if ``/decisions`` shows it on ``today``, else None."""
    return session.scalar(select(Decision).where(Decision.id == decision_id,
                                                 disclosed_condition(today)))


def is_well_formed_code(code: str) -> bool:
    """Return whether ``code`` could be a verification code (checked before any query)."""
    return bool(VERIFICATION_CODE.fullmatch(code))


def get_by_code(session: Session, code: str) -> Decision | None:
    """Return the decision printed with verification code ``code``, if any."""
    if not is_well_formed_code(code):
        return None
    return session.scalar(select(Decision).where(Decision.verification_code == code))


def withdrawal_reason(decision: Decision) -> str | None:
    """Return the withdrawal reason as the public sees it (natural persons' data masked)."""
    if decision.withdrawal_reason is None:
        return None
    person = (decision.content.get("party") or {}).get("legal_representative") or ""
    return redact(decision.withdrawal_reason, names=[person])


def public_json(decision: Decision, *, url: str) -> dict[str, Any]:
    """Return a disclosed decision as the API shows it (the redacted content only)."""
    public = decision.public_content or {}
    withdrawn = decision.disclosure == DisclosureStatus.WITHDRAWN
    return {
        "id": decision.id,
        "document_number": decision.document_number,
        "status": "withdrawn" if withdrawn else "in_force",
        "withdrawal": ({"kind": decision.withdrawal_kind.value if decision.withdrawal_kind
                        else None, "reason": withdrawal_reason(decision)}
                       if withdrawn else None),
        "department": decision.department_code,
        "industry": decision.industry,
        "outcome": decision.outcome.value if decision.outcome else None,
        "issued_on": decision.issued_on.isoformat(),
        "publish_on": decision.publish_on.isoformat() if decision.publish_on else None,
        "party": public.get("party"),
        "facts": public.get("facts"),
        "violation_on": public.get("violation_on"),
        "entry": public.get("entry"),
        "penalty": public.get("penalty"),
        "authority": public.get("authority"),
        "url": url,
    }
