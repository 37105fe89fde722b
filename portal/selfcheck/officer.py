"""The officers' list of self-checks: one screen of rows at a time, keyset-paginated.

Only the columns the list shows are read, and the number of findings of the
officer's department is counted by the database, so a page costs the same few
queries whatever the number of self-checks, findings or enterprises.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise
from portal.guides.queries import current_guides
from portal.selfcheck.models import Finding, SelfCheck, SelfCheckDepartment, SelfCheckStatus
from portal.selfcheck.results import obligation_codes_of_department
from portal.selfcheck.services import (
    OfficerFilters,
    band_codes_in_force,
    department_industries,
)


@dataclass(frozen=True)
class OfficerListContent:
    """What the list needs of the content in force: it changes only on a content sync."""

    #: The industries whose guide names the department (the industry filter).
    industries: frozenset[str]
    #: The risk bands of the questionnaires in force, highest risk first.
    bands: tuple[str, ...]
    #: The obligations the department is responsible for (its findings are counted).
    obligations: frozenset[str]
    #: The title of each guide in force, by slug.
    guide_titles: Mapping[str, Mapping[str, str]]


def read_officer_list_content(session: Session, department_code: str) -> OfficerListContent:
    """Return what the list of ``department_code`` needs of the content in force."""
    guides = current_guides(session)
    return OfficerListContent(
        industries=frozenset(department_industries(session, department_code, guides=guides)),
        bands=tuple(band_codes_in_force(session)),
        obligations=frozenset(obligation_codes_of_department(session, department_code)),
        guide_titles={version.guide.slug: version.title for version in guides})


#: Rows on one page of the list (one screen).
PER_PAGE = 25
CURSOR_MESSAGE = _l("This page of the list is not available. Start again from the first page.")


@dataclass(frozen=True)
class OfficerRow:
    """One line of the list: what it shows, nothing more."""

    id: int
    reference: str
    submitted_at: dt.datetime
    score: int
    band: str
    enterprise_name: str
    town: str
    department_findings: int


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the row submitted at ``submitted_at`` with ``id``."""

    submitted_at: dt.datetime
    id: int

    def encode(self) -> str:
        """Return the cursor as a query-string value."""
        return f"{self.submitted_at.astimezone(dt.UTC).strftime('%Y%m%dT%H%M%S.%f')}_{self.id}"

    @classmethod
    def decode(cls, raw: str) -> Cursor | None:
        """Return the cursor written as ``raw`` (None when it is not one)."""
        moment, _, number = raw.partition("_")
        try:
            submitted_at = dt.datetime.strptime(moment, "%Y%m%dT%H%M%S.%f").replace(
                tzinfo=dt.UTC)
            return cls(submitted_at, int(number)) if number.isdigit() else None
        except ValueError:
            return None


@dataclass(frozen=True)
class OfficerPage:
    """A page of rows and the cursor of the next page, if there is one."""

    rows: list[OfficerRow]
    next_cursor: Cursor | None


def officer_page(session: Session, department_code: str, filters: OfficerFilters, *,
                 obligations: Collection[str], after: Cursor | None = None,
                 per_page: int = PER_PAGE) -> OfficerPage:
    """Return a page of submitted self-checks in the department's scope, newest first."""
    conditions = [SelfCheck.status == SelfCheckStatus.SUBMITTED,
                  SelfCheck.id.in_(select(SelfCheckDepartment.self_check_id).where(
                      SelfCheckDepartment.department_code == department_code))]
    if filters.industry:
        conditions.append(SelfCheck.industry == filters.industry)
    if filters.band:
        conditions.append(SelfCheck.band == filters.band)
    if filters.town:
        conditions.append(Enterprise.town == filters.town)
    if filters.submitted_from:
        conditions.append(SelfCheck.submitted_at >= filters.submitted_from)
    if filters.submitted_before:
        conditions.append(SelfCheck.submitted_at < filters.submitted_before)
    if after is not None:
        conditions.append(or_(SelfCheck.submitted_at < after.submitted_at,
                              and_(SelfCheck.submitted_at == after.submitted_at,
                                   SelfCheck.id < after.id)))
    findings = (select(func.count(Finding.id))
                .where(Finding.self_check_id == SelfCheck.id,
                       Finding.obligation_code.in_(sorted(obligations)))
                .correlate(SelfCheck).scalar_subquery() if obligations else literal(0))
    statement = (
        select(SelfCheck.id, SelfCheck.reference, SelfCheck.submitted_at, SelfCheck.score,
               SelfCheck.band, Enterprise.name, Enterprise.town,
               findings.label("department_findings"))
        .join(Enterprise, Enterprise.id == SelfCheck.enterprise_id)
        .where(and_(*conditions))
        .order_by(SelfCheck.submitted_at.desc(), SelfCheck.id.desc()).limit(per_page + 1))
    rows = [OfficerRow(id=row.id, reference=row.reference or "",
                       submitted_at=cast(dt.datetime, row.submitted_at), score=row.score or 0,
                       band=row.band or "", enterprise_name=row.name, town=row.town,
                       department_findings=int(row.department_findings))
            for row in session.execute(statement)]
    more = len(rows) > per_page
    rows = rows[:per_page]
    return OfficerPage(rows=rows, next_cursor=(
        Cursor(rows[-1].submitted_at, rows[-1].id) if more else None))
