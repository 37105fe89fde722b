"""Lists of cases: the enterprise's, and a department's queue with filters and keyset pages.

The queue reads only the columns it shows, one page (plus one row to know
whether there is a next page) in one query, whatever the number of cases:
open cases by the date their next step is due, closed ones newest first.
The cursor is the last row's sort key, so a page never skips or repeats a
case when others are added meanwhile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise
from portal.cases.models import FINAL, Case, CaseStatus
from portal.core.deadlines import add_working_days
from portal.core.input import parse_positive_int

#: Rows per page of the queue.
PAGE_SIZE = 25
#: Largest "due within N working days" accepted.
MAX_DUE_WITHIN = 60


@dataclass(frozen=True)
class QueueFilters:
    """What the officer asked the queue for; unknown values were dropped."""

    status: CaseStatus | None = None
    due_within: int | None = None
    overdue: bool = False
    industry: str | None = None
    town: str | None = None
    #: The cursor: the last row's (due date, id), or (None, id) for closed cases.
    after_due: dt.date | None = None
    after_id: int | None = None

    @property
    def closed(self) -> bool:
        """Return whether the queue lists closed cases (newest first)."""
        return self.status in FINAL

    def as_args(self) -> dict[str, str]:
        """Return the filters (without the cursor) as query arguments."""
        args = {"status": self.status.value if self.status else None,
                "due_within": str(self.due_within) if self.due_within else None,
                "overdue": "1" if self.overdue else None,
                "industry": self.industry, "town": self.town}
        return {key: value for key, value in args.items() if value}


def parse_queue_filters(args: Mapping[str, str], *, industries: set[str],
                        towns: set[str]) -> QueueFilters:
    """Read the queue's query arguments, ignoring what is not one of the options."""
    try:
        status = CaseStatus(args.get("status", ""))
    except ValueError:
        status = None
    due_within = parse_positive_int(args.get("due_within"), maximum=MAX_DUE_WITHIN)
    after_id = parse_positive_int(args.get("after_id"))
    try:
        after_due = dt.date.fromisoformat(args.get("after_due", ""))
    except ValueError:
        after_due = None
    industry = args.get("industry")
    town = args.get("town")
    return QueueFilters(status=status, due_within=due_within,
                        overdue=args.get("overdue") == "1",
                        industry=industry if industry in industries else None,
                        town=town if town in towns else None,
                        after_due=after_due, after_id=after_id)


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and the cursor of the next, if any."""

    rows: Sequence[Any]
    next_filters: QueueFilters | None


def department_queue(session: Session, department_code: str, filters: QueueFilters, *,
                     today: dt.date, page_size: int = PAGE_SIZE) -> QueuePage:
    """Return one page of the department's cases (one query)."""
    columns = (Case.id, Case.reference, Case.status, Case.origin, Case.action_due,
               Case.due_date, Case.review_due, Case.problem, Case.industry_code, Case.town,
               Case.closed_at, Enterprise.name.label("enterprise_name"))
    query = (select(*columns).join(Enterprise, Enterprise.id == Case.enterprise_id)
             .where(Case.department_code == department_code))
    if filters.status is not None:
        query = query.where(Case.status == filters.status)
    if filters.industry:
        query = query.where(Case.industry_code == filters.industry)
    if filters.town:
        query = query.where(Case.town == filters.town)
    if filters.closed:
        query = query.order_by(Case.id.desc())
        if filters.after_id:
            query = query.where(Case.id < filters.after_id)
    else:
        query = query.where(Case.action_due.is_not(None))
        if filters.overdue:
            query = query.where(Case.action_due < today)
        if filters.due_within:
            query = query.where(Case.action_due <= add_working_days(
                today, filters.due_within).date)
        if filters.after_due is not None and filters.after_id:
            # The first condition repeats what the second implies so that the index
            # scan starts at the cursor instead of filtering every earlier row.
            query = query.where(Case.action_due >= filters.after_due, or_(
                Case.action_due > filters.after_due, and_(
                    Case.action_due == filters.after_due, Case.id > filters.after_id)))
        query = query.order_by(Case.action_due, Case.id)
    rows = list(session.execute(query.limit(page_size + 1)))
    next_filters = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_filters = replace(filters, after_id=last.id,
                               after_due=None if filters.closed else last.action_due)
    return QueuePage(rows, next_filters)


def enterprise_cases(session: Session, enterprise_id: int, *, limit: int = 200) -> list[Case]:
    """Return the enterprise's cases: those waiting on it first, by due date, then the rest."""
    return list(session.scalars(
        select(Case).where(Case.enterprise_id == enterprise_id)
        .order_by(Case.action_due.is_(None), Case.action_due, Case.id.desc()).limit(limit)))
