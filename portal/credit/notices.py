"""Telling the enterprise about its credit records and repairs, in the app and by email.

With each new record the enterprise receives the repair notice (两书同达): when
publication ends, from when and how it may apply for repair. Called in the
transaction that creates the record, so a rolled-back import tells nobody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import (
    Department,
    Membership,
    MembershipRole,
    MembershipStatus,
    User,
    UserKind,
)
from portal.credit.labels import REPAIR_LABELS
from portal.credit.models import CreditRecord, RepairApplication
from portal.notifications.kinds import register_kind
from portal.notifications.services import notify

KINDS = {
    "credit.repair_notice": (
        _l("Credit repair notice for decision %(decision)s"),
        _l("Penalty decision %(decision)s is published on the credit platforms until "
           "%(ends)s. Once the decision is fully performed you may apply for credit repair "
           "from %(earliest)s: open the record on the portal, sign the credit commitment and "
           "attach the proof of performance.")),
    "credit.repair_submitted": (
        _l("Credit repair application for decision %(decision)s"),
        _l("%(enterprise)s applied for credit repair of decision %(decision)s.")),
    "credit.repair_decided": (
        _l("Credit repair of decision %(decision)s: %(outcome)s"),
        _l("The department's step on the credit repair of decision %(decision)s: "
           "%(outcome)s.")),
}


def _outcome_in_words(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """Name the stored status in the reader's language."""
    return {**params, "outcome": str(REPAIR_LABELS.get(params.get("status", ""), ""))}


for _kind, (_subject, _text) in KINDS.items():
    register_kind(_kind, subject=_subject, text=_text,
                  prepare=_outcome_in_words if _kind == "credit.repair_decided" else None)


def enterprise_people(session: Session, enterprise_ids: Iterable[int], *,
                      today: dt.date) -> dict[int, list[User]]:
    """Return the active people acting for each enterprise (agents while mandated)."""
    ids = sorted(set(enterprise_ids))
    people: dict[int, list[User]] = {}
    for start in range(0, len(ids), 1000):
        for membership in session.scalars(select(Membership).where(
                Membership.enterprise_id.in_(ids[start:start + 1000]),
                Membership.status == MembershipStatus.ACTIVE)):
            if not membership.user.is_active or (
                    membership.role == MembershipRole.AGENT
                    and membership.mandate_expires_on is not None
                    and membership.mandate_expires_on < today):
                continue
            people.setdefault(membership.enterprise_id, []).append(membership.user)
    return people


def send_repair_notices(session: Session, records: Sequence[CreditRecord], *,
                        today: dt.date, now: dt.datetime) -> int:
    """Send the repair notice of each published record to its enterprise; return how many."""
    published = [record for record in records if record.is_published]
    people = enterprise_people(session, (record.enterprise_id for record in published),
                               today=today)
    sent = 0
    for record in published:
        recipients = people.get(record.enterprise_id)
        if not recipients:
            continue
        notify(session, recipients, "credit.repair_notice",
               params={"decision": record.decision_number,
                       "ends": record.publication_ends_on.isoformat()
                       if record.publication_ends_on else "",
                       "earliest": record.earliest_repair_on.isoformat()
                       if record.earliest_repair_on else ""},
               link=("credit.index", {}), now=now)
        sent += 1
    return sent


def notices_for_ids(session: Session, record_ids: Sequence[int], *, today: dt.date,
                    now: dt.datetime) -> int:
    """Send the repair notices of newly imported records (only those with people to tell)."""
    if not record_ids:
        return 0
    enterprise_of: dict[int, int] = {}
    for start in range(0, len(record_ids), 1000):
        enterprise_of.update(session.execute(select(CreditRecord.id, CreditRecord.enterprise_id)
                                             .where(CreditRecord.id.in_(
                                                 record_ids[start:start + 1000]))).all())
    people = enterprise_people(session, enterprise_of.values(), today=today)
    wanted = [record_id for record_id, enterprise_id in enterprise_of.items()
              if enterprise_id in people]
    records: list[CreditRecord] = []
    for start in range(0, len(wanted), 1000):
        records.extend(session.scalars(select(CreditRecord).where(
            CreditRecord.id.in_(wanted[start:start + 1000]))))
    return send_repair_notices(session, records, today=today, now=now)


def department_officers(session: Session, department_code: str) -> list[User]:
    """Return the active officers of a department."""
    return list(session.scalars(
        select(User).join(Department, Department.id == User.department_id)
        .where(Department.code == department_code, User.kind == UserKind.OFFICER,
               User.is_active.is_(True))))


def tell_department(session: Session, application: RepairApplication, *,
                    now: dt.datetime) -> None:
    """Tell the deciding department's officers of a new or supplemented application."""
    notify(session, department_officers(session, application.department_code),
           "credit.repair_submitted",
           params={"decision": application.record.decision_number,
                   "enterprise": application.enterprise.name},
           link=("credit.review", {"application_id": application.id}), now=now)


def tell_enterprise(session: Session, application: RepairApplication, *,
                    today: dt.date, now: dt.datetime) -> None:
    """Tell the enterprise of the step the department just took (its new status)."""
    people = enterprise_people(session, [application.enterprise_id], today=today)
    notify(session, people.get(application.enterprise_id, []), "credit.repair_decided",
           params={"decision": application.record.decision_number,
                   "status": application.status.value},
           link=("credit.repair", {"record_id": application.record_id}), now=now)
