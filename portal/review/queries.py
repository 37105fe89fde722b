"""A department's exemption applications for its officers and legal reviewers: filters and
keyset pages.

Like the case queue (``portal/cases/queries.py``): one query per page, reading only the
columns shown, open applications by the date their next step is due, closed ones newest
first; the cursor is the last row's sort key. The legal-review tab lists what waits for a
legal reviewer — never what they proposed themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise
from portal.core.input import parse_positive_int
from portal.exemptions.models import FINAL, ApplicationStatus, ExemptionApplication
from portal.guides.models import ExemptionEntryVersion

#: Rows per page of the queue.
PAGE_SIZE = 25


@dataclass(frozen=True)
class QueueFilters:
    """What the queue was asked for; unknown values were dropped."""

    status: ApplicationStatus | None = None
    overdue: bool = False
    #: The legal-review tab: proposals waiting for a legal reviewer.
    legal: bool = False
    #: The cursor: the last row's (due date, id), or (None, id) for closed applications.
    after_due: dt.date | None = None
    after_id: int | None = None

    @property
    def closed(self) -> bool:
        """Return whether the queue lists closed applications (newest first)."""
        return self.status in FINAL

    def as_args(self) -> dict[str, str]:
        """Return the filters (without the cursor) as query arguments."""
        args = {"status": self.status.value if self.status and not self.legal else None,
                "overdue": "1" if self.overdue else None,
                "tab": "legal" if self.legal else None}
        return {key: value for key, value in args.items() if value}


def parse_queue_filters(args: Mapping[str, str], *, legal_allowed: bool) -> QueueFilters:
    """Read the queue's query arguments, ignoring what is not one of the options."""
    try:
        status: ApplicationStatus | None = ApplicationStatus(args.get("status", ""))
    except ValueError:
        status = None
    legal = legal_allowed and args.get("tab") == "legal"
    try:
        after_due = dt.date.fromisoformat(args.get("after_due", ""))
    except ValueError:
        after_due = None
    return QueueFilters(status=ApplicationStatus.LEGAL_REVIEW if legal else status,
                        overdue=args.get("overdue") == "1", legal=legal,
                        after_due=after_due, after_id=parse_positive_int(args.get("after_id")))


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and the cursor of the next, if any."""

    rows: Sequence[Any]
    next_filters: QueueFilters | None


def list_department_applications(session: Session, department_code: str,
                                 filters: QueueFilters, *, today: dt.date, reader_id: int,
                                 page_size: int = PAGE_SIZE) -> QueuePage:
    """Return one page of the department's applications (one query).

    ``reader_id`` is left out of the legal-review tab when they proposed the decision.
    """
    A = ExemptionApplication
    columns = (A.id, A.reference, A.status, A.action_due, A.entry_key, A.violation_on,
               A.submitted_on, A.closed_at, A.proposal, A.proposed_by_id,
               ExemptionEntryVersion.data.label("entry_data"),
               ExemptionEntryVersion.list_type, Enterprise.name.label("enterprise_name"))
    query = (select(*columns).join(Enterprise, Enterprise.id == A.enterprise_id)
             .join(ExemptionEntryVersion, ExemptionEntryVersion.id == A.entry_version_id)
             .where(A.department_code == department_code))
    if filters.status is not None:
        query = query.where(A.status == filters.status)
    if filters.legal:
        query = query.where(or_(A.proposed_by_id.is_(None), A.proposed_by_id != reader_id))
    if filters.closed:
        query = query.order_by(A.id.desc())
        if filters.after_id:
            query = query.where(A.id < filters.after_id)
    else:
        query = query.where(A.action_due.is_not(None))
        if filters.overdue:
            query = query.where(A.action_due < today)
        if filters.after_due is not None and filters.after_id:
            # As in the case queue: the first condition lets the index scan start at the
            # cursor.
            query = query.where(A.action_due >= filters.after_due, or_(
                A.action_due > filters.after_due, and_(
                    A.action_due == filters.after_due, A.id > filters.after_id)))
        query = query.order_by(A.action_due, A.id)
    rows = list(session.execute(query.limit(page_size + 1)))
    next_filters = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_filters = replace(filters, after_id=last.id,
                               after_due=None if filters.closed else last.action_due)
    return QueuePage(rows, next_filters)
