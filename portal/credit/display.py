"""What the public sees of credit records: the published records and their version."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise
from portal.credit.models import CreditRecord, PublicationStatus


def public_records_version(session: Session) -> str:
    """Return the version of every enterprise's public credit page (for the page cache).

    A record imported, repaired, ended or changed in any way bumps its row version, and
    an enterprise renamed bumps its own: the sums change (and a new record is a new
    highest id), so cached pages are not used again. Publication ending on a date is
    covered by the page cache's key (the day).
    """
    row = session.execute(select(
        select(func.count(CreditRecord.id)).scalar_subquery(),
        select(func.coalesce(func.max(CreditRecord.id), 0)).scalar_subquery(),
        select(func.coalesce(func.sum(CreditRecord.version), 0)).scalar_subquery(),
        select(func.coalesce(func.sum(Enterprise.version), 0)).scalar_subquery())).one()
    return ".".join(str(part) for part in row)


def list_published_records(session: Session, enterprise_id: int, *,
                           today: dt.date) -> list[CreditRecord]:
    """Return the records shown publicly today: published, within their maximum period."""
    return list(session.scalars(select(CreditRecord).where(
        CreditRecord.enterprise_id == enterprise_id,
        CreditRecord.publication_status == PublicationStatus.PUBLISHED,
        (CreditRecord.publication_ends_on.is_(None))
        | (CreditRecord.publication_ends_on > today))
        .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())))
