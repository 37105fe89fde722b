"""The decision document of an application, what follows it, and its disclosure.

``issue_decision`` numbers a grant (last, just before the caller commits: the counter row
stays locked until then), stores every Art. 59 element with its digest, and schedules its
publication. Objections to a refusal are filed and answered here; a changed or revoked
decision is withdrawn from disclosure with its reason (Art. 48).
"""

from __future__ import annotations

import datetime as dt
import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import Department, User
from portal.core.audit import record_event
from portal.core.deadlines import add_working_days
from portal.core.numbering import next_department_document_number
from portal.core.permissions import Permission, role_has
from portal.core.workflow import ConcurrentUpdate, TransitionForbidden
from portal.exemptions import documents
from portal.exemptions.base import ExemptionError, check_version, touch
from portal.exemptions.models import (
    ApplicationStatus,
    Decision,
    DecisionKind,
    DisclosureStatus,
    ExemptionApplication,
    Objection,
    WithdrawalKind,
)
from portal.exemptions.workflow import EXEMPTION_WORKFLOW
from portal.selfcheck.services import industry_for

logger = logging.getLogger(__name__)

#: Working days within which a changed or revoked decision leaves disclosure (Art. 48).
WITHDRAWAL_WORKING_DAYS = 3


def _decision_year(today: dt.date) -> int:
    return today.year


def issue_decision(session: Session, application: ExemptionApplication, *, kind: DecisionKind,
                   actor: User, today: dt.date, now: dt.datetime,
                   disclosure_delay_working_days: int) -> Decision:
    """Issue the decision document of a granted or finally refused application.

    A grant takes the department's next document number (last, so the counter's lock is
    held as briefly as possible) and is published after the configured delay.

    :raises ShortNameNotConfirmed: the department has no confirmed short name.
    """
    department = session.scalar(select(Department).where(
        Department.code == application.department_code))
    if department is None:
        raise ExemptionError(_l("The department of this application is unknown."))
    number = text = authority = doc_type = None
    if kind == DecisionKind.GRANT:
        doc_type = application.outcome.document_type
        number, text = next_department_document_number(
            session, department, doc_type=doc_type, year=_decision_year(today))
        authority = department.short_name
    content = documents.build_content(application, department, kind=kind,
                                      document_number=text, issued_on=today)
    publish_on = None
    disclosure = DisclosureStatus.NOT_PUBLISHED
    if kind == DecisionKind.GRANT:
        publish_on = add_working_days(today, disclosure_delay_working_days).date
        disclosure = DisclosureStatus.PUBLISHED
    decision = Decision(
        application_id=application.id, kind=kind,
        outcome=application.outcome if kind == DecisionKind.GRANT else None,
        department_code=application.department_code, enterprise_id=application.enterprise_id,
        entry_key=application.entry_key, industry=industry_for(session, application.enterprise),
        authority=authority, doc_type=doc_type.value if doc_type else None,
        year=_decision_year(today) if number else None, number=number, document_number=text,
        verification_code=documents.new_verification_code(),
        digest=documents.digest_of(content), content=content,
        public_content=documents.public_content(content) if kind == DecisionKind.GRANT
        else None,
        issued_on=today, issued_at=now, issued_by_id=actor.id, disclosure=disclosure,
        publish_on=publish_on)
    session.add(decision)
    session.flush()
    record_event(session, action=f"exemption.decision_{kind.value}", object_type="decision",
                 object_id=decision.id, actor=actor, now=now,
                 details={"application": application.reference, "number": text,
                          "digest": decision.digest,
                          "publish_on": publish_on.isoformat() if publish_on else None})
    logger.info("decision %s (%s) issued on %s by %s", text or decision.id, kind.value,
                application.reference, actor.id)
    return decision


def file_objection(session: Session, application: ExemptionApplication, *, actor: User,
                   text: str, expected_version: int, now: dt.datetime) -> Objection:
    """File an objection (异议) to a final refusal; the department must answer it.

    :raises ExemptionError: the application was not refused, or an objection waits.
    """
    check_version(application, expected_version)
    if not role_has(EXEMPTION_WORKFLOW.role_of(application, actor),
                    Permission.EXEMPTION_OWN_EDIT):
        raise TransitionForbidden(f"user {actor.id} may not object for application "
                                  f"{application.id}")
    if application.status != ApplicationStatus.REFUSED:
        raise ExemptionError(_l("Only a refusal can be objected to here."))
    if any(objection.answered_at is None for objection in application.objections):
        raise ExemptionError(_l("Your earlier objection has not been answered yet."))
    objection = Objection(text=text, filed_by_id=actor.id, filed_at=now)
    application.objections.append(objection)
    touch(session, application, expected_version=expected_version, now=now)
    record_event(session, action="exemption.objection_filed",
                 object_type="exemption_application", object_id=application.id, actor=actor,
                 now=now, note=text, details={"objection": objection.id})
    return objection


def answer_objection(session: Session, application: ExemptionApplication,
                     objection: Objection, *, actor: User, answer: str,
                     expected_version: int, now: dt.datetime) -> None:
    """Answer an objection (the department's duty)."""
    check_version(application, expected_version)
    if not role_has(EXEMPTION_WORKFLOW.role_of(application, actor),
                    Permission.EXEMPTION_DEPARTMENT_DECIDE):
        raise TransitionForbidden(f"user {actor.id} may not answer for application "
                                  f"{application.id}")
    if objection.application_id != application.id or objection.answered_at is not None:
        raise ExemptionError(_l("This objection has already been answered."))
    objection.answer, objection.answered_by_id, objection.answered_at = answer, actor.id, now
    touch(session, application, expected_version=expected_version, now=now)
    record_event(session, action="exemption.objection_answered",
                 object_type="exemption_application", object_id=application.id, actor=actor,
                 now=now, note=answer, details={"objection": objection.id})


def withdraw_from_disclosure(session: Session, decision: Decision, *, actor: User,
                             kind: WithdrawalKind, reason: str, expected_version: int,
                             today: dt.date, now: dt.datetime) -> None:
    """Withdraw a changed or revoked decision from disclosure at once, with its reason
    shown (Art. 48: within 3 working days).

    :raises ExemptionError: it is not a published grant, or was withdrawn already.
    """
    check_version(decision, expected_version)
    application = decision.application
    if not role_has(EXEMPTION_WORKFLOW.role_of(application, actor),
                    Permission.EXEMPTION_DEPARTMENT_DECIDE):
        raise TransitionForbidden(f"user {actor.id} may not withdraw decision {decision.id}")
    if decision.kind != DecisionKind.GRANT or decision.disclosure != DisclosureStatus.PUBLISHED:
        raise ExemptionError(_l("Only a published decision can be withdrawn from disclosure."))
    if not reason.strip():
        raise ExemptionError(_l("Give the reason shown to the public."), field="reason")
    decision.disclosure = DisclosureStatus.WITHDRAWN
    decision.withdrawn_at, decision.withdrawal_kind = now, kind
    decision.withdrawal_reason = reason
    try:
        session.flush()
    except StaleDataError as error:
        raise ConcurrentUpdate(f"decision {decision.id} changed in another transaction") \
            from error
    record_event(session, action="decision.withdrawn", object_type="decision",
                 object_id=decision.id, actor=actor, now=now, note=reason,
                 details={"kind": kind.value, "number": decision.document_number,
                          "due": add_working_days(today, WITHDRAWAL_WORKING_DAYS)
                          .date.isoformat()})
    logger.info("decision %s withdrawn from disclosure (%s) by %s", decision.document_number,
                kind.value, actor.id)
