"""Telling the other party of a case what happened: in the notification centre and by email.

Called in the transaction of the step itself, so a step that is rolled back
tells nobody; emails go through the outbox and are sent after the commit.
"""

from __future__ import annotations

import datetime as dt

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
from portal.cases.models import Case
from portal.core.clock import local_today
from portal.notifications.kinds import register_kind
from portal.notifications.services import notify

#: Steps the other party hears of, with the text of their notification.
KINDS = {
    "case.opened": (_l("New rectification case %(reference)s"),
                    _l("Case %(reference)s was opened: %(problem)s")),
    "case.submitted": (_l("Rectification report for case %(reference)s"),
                       _l("%(enterprise)s submitted a rectification report for case "
                          "%(reference)s.")),
    "case.withdrawn": (_l("Report withdrawn: case %(reference)s"),
                       _l("%(enterprise)s withdrew its report for case %(reference)s "
                          "before review.")),
    "case.supplement_requested": (_l("More information needed: case %(reference)s"),
                                  _l("The department asks for more information on case "
                                     "%(reference)s.")),
    "case.rectified": (_l("Case %(reference)s: put right"),
                       _l("The department found case %(reference)s put right and "
                          "closed it.")),
    "case.not_rectified": (_l("Case %(reference)s: not put right"),
                           _l("The department found case %(reference)s not put right and "
                              "closed it.")),
    "case.extended": (_l("Deadline extended: case %(reference)s"),
                      _l("The department extended the deadline of case %(reference)s.")),
    "case.reinspected": (_l("On-site re-inspection: case %(reference)s"),
                         _l("The department recorded an on-site re-inspection of case "
                            "%(reference)s.")),
}

for _kind, (_subject, _text) in KINDS.items():
    register_kind(_kind, subject=_subject, text=_text)


def enterprise_people(session: Session, case: Case) -> list[User]:
    """Return the active people acting for the case's enterprise (agents while mandated)."""
    today = local_today()
    memberships = session.scalars(
        select(Membership).where(Membership.enterprise_id == case.enterprise_id,
                                 Membership.status == MembershipStatus.ACTIVE))
    return [membership.user for membership in memberships
            if membership.user.is_active and not (
                membership.role == MembershipRole.AGENT
                and membership.mandate_expires_on is not None
                and membership.mandate_expires_on < today)]


def department_officers(session: Session, case: Case) -> list[User]:
    """Return the active officers of the case's department."""
    return list(session.scalars(
        select(User).join(Department, Department.id == User.department_id)
        .where(Department.code == case.department_code, User.kind == UserKind.OFFICER,
               User.is_active.is_(True))))


def tell_other_party(session: Session, case: Case, step: str, *, actor: User,
                     now: dt.datetime) -> None:
    """Notify the side that did not take ``step`` (an audit action such as ``case.submitted``)."""
    if step not in KINDS:
        return
    recipients = (enterprise_people(session, case) if actor.staff_role is not None
                  else department_officers(session, case))
    recipients = [user for user in recipients if user.id != actor.id]
    if not recipients:
        return
    notify(session, recipients, step,
           params={"reference": case.reference or "", "problem": case.problem[:80],
                   "enterprise": case.enterprise.name},
           link=("cases.show", {"case_id": case.id}), now=now)
