"""The exemption application's state machine (STYLE.md 7): one table on the generic helper.

=========================  ======================  ==================  ==========================
action                     from                    to                  who (guard)
=========================  ======================  ==================  ==========================
resubmit (补正 answered)     supplement_requested    submitted           enterprise
withdraw                   submitted, supplement   withdrawn           enterprise
request_supplement         submitted               supplement_req.     officer
grant                      submitted               granted             officer (not major)
propose_grant              submitted               legal_review        officer (major)
propose_refusal            submitted               refusal_proposed    officer (defence not
                                                                       accepted before)
defend (陈述申辩)            refusal_proposed        defence_submitted   enterprise (in time)
refuse                     refusal_proposed        refused             officer (period over,
                                                                       not major)
refuse_after_defence       defence_submitted       refused             officer (answered,
                                                                       not major)
accept_defence             defence_submitted       submitted           officer
propose_refusal_review     refusal_proposed,       legal_review        officer (major; period
                           defence_submitted                           over or answered)
approve_grant              legal_review            granted             legal reviewer ≠ proposer
approve_refusal            legal_review            refused             legal reviewer ≠ proposer
return                     legal_review            submitted           legal reviewer ≠ proposer
=========================  ======================  ==================  ==========================

"Enterprise" is anyone acting for the application's enterprise; "officer" and "legal
reviewer" must belong to the entry's department. The rules a guard checks live in
``portal/exemptions/rules.py`` (one place, shared with the pages).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.core.clock import local_today
from portal.core.permissions import Permission, Role
from portal.core.workflow import Transition, Workflow
from portal.exemptions import rules
from portal.exemptions.models import ApplicationStatus, ExemptionApplication, Proposal

S = ApplicationStatus


def role_of(application: ExemptionApplication, actor: User) -> Role | None:
    """Return the role ``actor`` holds toward ``application``: staff only within its department."""
    if actor.staff_role is not None:
        department = actor.department
        if department is None or department.code != application.department_code:
            return None
        return actor.staff_role
    return actor.role_toward(application.enterprise_id)


def _grantable(_session: Session, application: ExemptionApplication, _actor: User) -> Any:
    return rules.grant_refusal(application)


def _not_major(session: Session, application: ExemptionApplication, actor: User) -> Any:
    if rules.needs_legal_review(application):
        return _l("This decision needs legal review (法制审核) first: propose it for review.")
    return None


def _major(_session: Session, application: ExemptionApplication, _actor: User) -> Any:
    if not rules.needs_legal_review(application):
        return _l("This decision does not need legal review: decide it yourself.")
    return None


def _grant_directly(session: Session, application: ExemptionApplication, actor: User) -> Any:
    return _not_major(session, application, actor) or _grantable(session, application, actor)


def _grant_through_review(session: Session, application: ExemptionApplication,
                          actor: User) -> Any:
    return _major(session, application, actor) or _grantable(session, application, actor)


def _refusal_allowed(_session: Session, application: ExemptionApplication, _actor: User) -> Any:
    if application.defence_accepted:
        return _l("The enterprise's defence was accepted: the outcome cannot become worse "
                  "because of its defence, so a refusal can no longer be proposed.")
    return None


def _in_defence_period(_session: Session, application: ExemptionApplication,
                       _actor: User) -> Any:
    if application.defence_due is not None and local_today() > application.defence_due:
        return _l("The period to state your case has ended.")
    return None


def _defence_period_over(_session: Session, application: ExemptionApplication,
                         _actor: User) -> Any:
    if application.defence_due is not None and local_today() <= application.defence_due:
        return _l("The enterprise may still state its case and defend itself: the refusal "
                  "can become final only after its period ends.")
    return None


def _answered(_session: Session, application: ExemptionApplication, _actor: User) -> Any:
    if not (application.defence_answer or "").strip():
        return _l("Answer the enterprise's statement and defence first.")
    return None


def _refuse_directly(session: Session, application: ExemptionApplication, actor: User) -> Any:
    return _not_major(session, application, actor) or _defence_period_over(
        session, application, actor)


def _refuse_after_defence(session: Session, application: ExemptionApplication,
                          actor: User) -> Any:
    return _not_major(session, application, actor) or _answered(session, application, actor)


def _refusal_to_review(session: Session, application: ExemptionApplication,
                       actor: User) -> Any:
    refusal = _major(session, application, actor)
    if refusal is not None:
        return refusal
    if application.status == S.REFUSAL_PROPOSED:
        return _defence_period_over(session, application, actor)
    return _answered(session, application, actor)


def _not_proposer(_session: Session, application: ExemptionApplication, actor: User) -> Any:
    if application.proposed_by_id == actor.id:
        return _l("You proposed this decision: another legal reviewer must review it.")
    return None


def _proposal_is(proposal: Proposal) -> Any:
    def guard(session: Session, application: ExemptionApplication, actor: User) -> Any:
        if application.proposal != proposal:
            return _l("This is not the decision that was proposed.")
        refusal = _not_proposer(session, application, actor)
        if refusal is None and proposal == Proposal.GRANT:
            # The conditions are checked again: nothing may have been unconfirmed since.
            refusal = rules.grant_refusal(application)
        return refusal
    return guard


EXEMPTION_WORKFLOW: Workflow[ApplicationStatus] = Workflow(
    ExemptionApplication, states=ApplicationStatus, audit_area="exemption",
    object_type="exemption_application", role_of=role_of,
    invalid_message=_l("This application has moved on since; here is where it stands now."),
    transitions=[
        Transition(S.SUPPLEMENT_REQUESTED, S.SUBMITTED, permission=Permission.EXEMPTION_OWN_EDIT,
                   name="resubmit", event="resubmitted"),
        Transition((S.SUBMITTED, S.SUPPLEMENT_REQUESTED), S.WITHDRAWN,
                   permission=Permission.EXEMPTION_OWN_EDIT, name="withdraw"),
        Transition(S.SUBMITTED, S.SUPPLEMENT_REQUESTED,
                   permission=Permission.EXEMPTION_DEPARTMENT_DECIDE, name="request_supplement"),
        Transition(S.SUBMITTED, S.GRANTED, permission=Permission.EXEMPTION_DEPARTMENT_DECIDE,
                   name="grant", guard=_grant_directly),
        Transition(S.SUBMITTED, S.LEGAL_REVIEW, permission=Permission.EXEMPTION_DEPARTMENT_DECIDE,
                   name="propose_grant", guard=_grant_through_review, event="grant_proposed"),
        Transition(S.SUBMITTED, S.REFUSAL_PROPOSED,
                   permission=Permission.EXEMPTION_DEPARTMENT_DECIDE, name="propose_refusal",
                   guard=_refusal_allowed),
        Transition(S.REFUSAL_PROPOSED, S.DEFENCE_SUBMITTED,
                   permission=Permission.EXEMPTION_OWN_EDIT, name="defend",
                   guard=_in_defence_period),
        Transition(S.REFUSAL_PROPOSED, S.REFUSED,
                   permission=Permission.EXEMPTION_DEPARTMENT_DECIDE, name="refuse",
                   guard=_refuse_directly),
        Transition(S.DEFENCE_SUBMITTED, S.REFUSED,
                   permission=Permission.EXEMPTION_DEPARTMENT_DECIDE, name="refuse_after_defence",
                   guard=_refuse_after_defence),
        Transition(S.DEFENCE_SUBMITTED, S.SUBMITTED,
                   permission=Permission.EXEMPTION_DEPARTMENT_DECIDE, name="accept_defence",
                   event="defence_accepted"),
        Transition((S.REFUSAL_PROPOSED, S.DEFENCE_SUBMITTED), S.LEGAL_REVIEW,
                   permission=Permission.EXEMPTION_DEPARTMENT_DECIDE,
                   name="propose_refusal_review", guard=_refusal_to_review,
                   event="refusal_sent_to_review"),
        Transition(S.LEGAL_REVIEW, S.GRANTED, permission=Permission.EXEMPTION_DEPARTMENT_REVIEW,
                   name="approve_grant", guard=_proposal_is(Proposal.GRANT)),
        Transition(S.LEGAL_REVIEW, S.REFUSED, permission=Permission.EXEMPTION_DEPARTMENT_REVIEW,
                   name="approve_refusal", guard=_proposal_is(Proposal.REFUSE)),
        Transition(S.LEGAL_REVIEW, S.SUBMITTED, permission=Permission.EXEMPTION_DEPARTMENT_REVIEW,
                   name="return", guard=_not_proposer, event="returned"),
    ])
