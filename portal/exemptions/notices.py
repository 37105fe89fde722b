"""Telling the other side of an application what happened: notification centre and email.

Called in the step's own transaction (a rolled-back step tells nobody); emails leave
through the outbox after the commit. Officers hear of the enterprise's steps, the
enterprise of the department's; legal reviewers hear of proposals sent to them.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Department, User, UserKind
from portal.cases.notices import enterprise_people
from portal.exemptions.models import ExemptionApplication
from portal.notifications.kinds import register_kind
from portal.notifications.services import notify

#: Steps the other side hears of, with the text of their notification.
KINDS = {
    "exemption.submitted": (_l("New exemption application %(reference)s"),
                            _l("%(enterprise)s applied for exemption from penalty "
                               "(%(reference)s).")),
    "exemption.resubmitted": (_l("Supplement received: application %(reference)s"),
                              _l("%(enterprise)s sent what was asked for on application "
                                 "%(reference)s.")),
    "exemption.withdrawn": (_l("Application %(reference)s withdrawn"),
                            _l("%(enterprise)s withdrew application %(reference)s.")),
    "exemption.supplement_requested": (_l("More information needed: application "
                                          "%(reference)s"),
                                       _l("The department asks for more information on "
                                          "application %(reference)s.")),
    "exemption.refusal_proposed": (_l("Refusal proposed: application %(reference)s — you may "
                                      "state your case"),
                                   _l("The department proposes to refuse application "
                                      "%(reference)s. You may state your case and defend "
                                      "yourself by the date shown.")),
    "exemption.defence_submitted": (_l("Statement and defence received: application "
                                       "%(reference)s"),
                                    _l("%(enterprise)s stated its case on application "
                                       "%(reference)s; it must be answered.")),
    "exemption.defence_accepted": (_l("Your defence was accepted: application %(reference)s"),
                                   _l("The department accepted your statement and defence on "
                                      "application %(reference)s and verifies it again.")),
    "exemption.grant_proposed": (_l("Legal review needed: application %(reference)s"),
                                 _l("A grant on application %(reference)s waits for your "
                                    "legal review.")),
    "exemption.refusal_sent_to_review": (_l("Legal review needed: application %(reference)s"),
                                         _l("A refusal on application %(reference)s waits "
                                            "for your legal review.")),
    "exemption.granted": (_l("Exemption granted: application %(reference)s"),
                          _l("The department granted application %(reference)s. The decision "
                             "document is on the application's page.")),
    "exemption.refused": (_l("Exemption refused: application %(reference)s"),
                          _l("The department refused application %(reference)s. The decision "
                             "states how to seek administrative review or litigation.")),
    "exemption.returned": (_l("Returned by legal review: application %(reference)s"),
                           _l("Legal review returned the proposal on application "
                              "%(reference)s with comments.")),
    "exemption.objection_filed": (_l("Objection filed: application %(reference)s"),
                                  _l("%(enterprise)s objected to the refusal of application "
                                     "%(reference)s; it must be answered.")),
    "exemption.objection_answered": (_l("Objection answered: application %(reference)s"),
                                     _l("The department answered your objection on "
                                        "application %(reference)s.")),
}

#: Steps that go to the department's legal reviewers rather than its officers.
FOR_REVIEWERS = frozenset({"exemption.grant_proposed", "exemption.refusal_sent_to_review"})
#: Steps the proposing officer hears of from a legal reviewer.
FOR_PROPOSER = frozenset({"exemption.returned"})

for _kind, (_subject, _text) in KINDS.items():
    register_kind(_kind, subject=_subject, text=_text)


def department_staff(session: Session, application: ExemptionApplication,
                     kind: UserKind) -> list[User]:
    """Return the active officers (or legal reviewers) of the application's department."""
    return list(session.scalars(
        select(User).join(Department, Department.id == User.department_id)
        .where(Department.code == application.department_code, User.kind == kind,
               User.is_active.is_(True))))


def tell(session: Session, application: ExemptionApplication, step: str, *, actor: User,
         now: dt.datetime, proposer: User | None = None) -> None:
    """Notify whoever must hear of ``step`` (an audit action such as ``exemption.granted``).

    Staff get a link to the officers' page of the application (``review.show``), the
    enterprise's people to theirs (``exemptions.show``).
    """
    if step not in KINDS:
        return
    staff: list[User] = []
    people: list[User] = []
    if step in FOR_REVIEWERS:
        staff = department_staff(session, application, UserKind.LEGAL_REVIEWER)
    elif step in FOR_PROPOSER:
        staff = [proposer] if proposer is not None else []
    elif actor.staff_role is not None:
        people = enterprise_people(session, application)  # type: ignore[arg-type]
    else:
        staff = department_staff(session, application, UserKind.OFFICER)
    params = {"reference": application.reference or "",
              "enterprise": application.enterprise.name}
    for recipients, endpoint in ((staff, "review.show"), (people, "exemptions.show")):
        recipients = [user for user in dict.fromkeys(recipients) if user.id != actor.id]
        if recipients:
            notify(session, recipients, step, params=params,
                   link=(endpoint, {"application_id": application.id}), now=now)
