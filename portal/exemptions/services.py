"""Exemption applications and decisions: every step, each in the caller's transaction.

Status changes go through ``EXEMPTION_WORKFLOW.transition`` (version check, table,
permission, guard, audit event); steps that keep the status (the officer's
verification, an objection, a withdrawal from disclosure) check the version the
user saw the same way and write their own audit event. Nothing here commits: the
route commits once, so a refused step leaves nothing behind. Deadlines are
computed once and stored (Art. 85: working days).

A grant takes its document number last, just before the caller commits: the
counter row stays locked until then (``portal/core/numbering.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise, User
from portal.cases.models import Case
from portal.core.audit import record_event
from portal.core.deadlines import add_working_days, resume_clock, stop_clock
from portal.core.permissions import Permission, role_has
from portal.core.storage import CheckedUpload, Storage, put_checked, record_stored_file
from portal.core.workflow import TransitionForbidden
from portal.exemptions import rules
from portal.exemptions.base import ExemptionError, check_version, touch
from portal.exemptions.decisions import (
    WITHDRAWAL_WORKING_DAYS,
    answer_objection,
    file_objection,
    issue_decision,
    withdraw_from_disclosure,
)
from portal.exemptions.models import (
    FINAL,
    ApplicationFile,
    ApplicationStatus,
    ConditionVerification,
    Decision,
    DecisionKind,
    EducationForm,
    ExemptionApplication,
    FilePurpose,
    LegalReview,
    Proposal,
    ReviewResult,
    WithdrawalKind,
)
from portal.exemptions.timeline import INTERNAL_NOTE
from portal.exemptions.workflow import EXEMPTION_WORKFLOW
from portal.guides.conditions import Corrected, Harm
from portal.guides.models import (
    ExemptionEntryIndustry,
    ExemptionEntryRecord,
    ExemptionEntryVersion,
)
from portal.selfcheck.models import Finding
from portal.selfcheck.services import industry_for

logger = logging.getLogger(__name__)

S = ApplicationStatus
#: Longest period a supplement request may give, in working days.
MAX_WORKING_DAYS = 90


class DuplicateApplication(ExemptionError):
    """The enterprise already applied for this violation (another tab, a double click)."""

    status_code = 409

    def __init__(self, existing: ExemptionApplication | None) -> None:
        super().__init__(_l("You have already applied for this violation under this entry."),
                         field="violation_on")
        self.existing = existing


@dataclass(frozen=True)
class ApplicationInput:
    """What the enterprise states in its application."""

    facts: str
    violation_on: dt.date
    harm: Harm
    harm_statement: str
    first_violation: bool
    exempted_before: bool
    corrected: Corrected
    commitment_text: str
    violation_ended_on: dt.date | None = None
    corrected_on: dt.date | None = None
    no_fault_claim: str | None = None


def _reference(application: ExemptionApplication) -> str:
    return f"MF{application.submitted_on.year}{application.id:07d}"


# -- Entries --------------------------------------------------------------------------------


def entry_version_on(session: Session, entry_key: str,
                     day: dt.date) -> ExemptionEntryVersion | None:
    """Return the version of entry ``entry_key`` in force on ``day`` (the newest such)."""
    return session.scalar(
        select(ExemptionEntryVersion)
        .join(ExemptionEntryRecord, ExemptionEntryRecord.id == ExemptionEntryVersion.entry_id)
        .where(ExemptionEntryRecord.key == entry_key,
               ExemptionEntryVersion.in_force(on=day))
        .order_by(ExemptionEntryVersion.version_no.desc()).limit(1))


def entry_applies_to(session: Session, version: ExemptionEntryVersion,
                     enterprise: Enterprise) -> bool:
    """Return whether the entry version covers the enterprise's industry (or all industries)."""
    industries = set(session.scalars(select(ExemptionEntryIndustry.industry).where(
        ExemptionEntryIndustry.version_id == version.id)))
    if "common" in industries:
        return True
    industry = industry_for(session, enterprise)
    return industry is not None and industry in industries


def _check_entry(session: Session, enterprise: Enterprise, entry_key: str,
                 violation_on: dt.date) -> ExemptionEntryVersion:
    record = session.scalar(select(ExemptionEntryRecord).where(
        ExemptionEntryRecord.key == entry_key))
    if record is None:
        raise ExemptionError(_l("This exemption entry does not exist."), field="entry")
    version = entry_version_on(session, entry_key, violation_on)
    if version is None:
        raise ExemptionError(_l("This entry was not in force on the day of the violation: "
                                "it cannot be applied to it."), field="violation_on")
    if not entry_applies_to(session, version, enterprise):
        raise ExemptionError(_l("This entry does not cover your enterprise's industry."),
                             field="entry")
    return version


# -- Applying -------------------------------------------------------------------------------


def open_application(session: Session, storage: Storage, enterprise: Enterprise, *,
                     actor: User, entry_key: str, statement: ApplicationInput,
                     uploads: Sequence[CheckedUpload] = (), case: Case | None = None,
                     finding: Finding | None = None, today: dt.date, now: dt.datetime,
                     review_working_days: int) -> ExemptionApplication:
    """Apply for exemption under ``entry_key`` for one violation; the review clock starts.

    :raises TransitionForbidden: the actor does not act for the enterprise.
    :raises ExemptionError: the entry does not exist, was not in force on the violation's
        day or does not cover the enterprise's industry; the date is in the future; the
        case or finding is another enterprise's; a no-fault ground without its reasons.
    :raises DuplicateApplication: the enterprise already applied for this violation.
    """
    if not role_has(actor.role_toward(enterprise.id), Permission.EXEMPTION_OWN_EDIT):
        raise TransitionForbidden(f"user {actor.id} does not act for enterprise {enterprise.id}")
    if statement.violation_on > today:
        raise ExemptionError(_l("The day of the violation cannot be in the future."),
                             field="violation_on")
    if statement.violation_ended_on is not None and not (
            statement.violation_on <= statement.violation_ended_on <= today):
        raise ExemptionError(_l("The violation must end after it started and not in the "
                                "future."), field="violation_ended_on")
    if statement.corrected_on is not None and not (
            statement.violation_on <= statement.corrected_on <= today):
        raise ExemptionError(_l("The correction must be dated between the violation and "
                                "today."), field="corrected_on")
    if case is not None and case.enterprise_id != enterprise.id:
        raise ExemptionError(_l("This rectification case is not your enterprise's."),
                             field="case")
    if finding is not None and finding.self_check.enterprise_id != enterprise.id:
        raise ExemptionError(_l("This finding is not your enterprise's."), field="finding")
    version = _check_entry(session, enterprise, entry_key, statement.violation_on)
    if version.data.get("legal_basis_ground") == "art33_2_no_fault" and not (
            statement.no_fault_claim or "").strip():
        raise ExemptionError(_l("Explain why you had no fault: this entry rests on proving it."),
                             field="no_fault_claim")
    existing = session.scalar(select(ExemptionApplication).where(
        ExemptionApplication.enterprise_id == enterprise.id,
        ExemptionApplication.entry_key == entry_key,
        ExemptionApplication.violation_on == statement.violation_on,
        ExemptionApplication.status != S.WITHDRAWN))
    if existing is not None:
        raise DuplicateApplication(existing)
    review = add_working_days(today, review_working_days)
    application = ExemptionApplication(
        enterprise_id=enterprise.id, department_code=version.department, entry_key=entry_key,
        entry_version=version, case_id=case.id if case else None,
        finding_id=finding.id if finding else None, facts=statement.facts,
        violation_on=statement.violation_on, violation_ended_on=statement.violation_ended_on,
        harm=statement.harm, harm_statement=statement.harm_statement,
        first_violation_declared=statement.first_violation,
        exempted_before_declared=statement.exempted_before, corrected=statement.corrected,
        corrected_on=statement.corrected_on, no_fault_claim=statement.no_fault_claim or None,
        commitment_text=statement.commitment_text, submitted_by_id=actor.id,
        submitted_on=today, review_due=review.date, review_due_estimated=review.estimated,
        action_due=review.date, created_at=now, updated_at=now)
    application.enterprise = enterprise
    application.case = case
    try:
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError:
        # Another request applied for the same violation at the same moment.
        raise DuplicateApplication(None) from None
    application.reference = _reference(application)
    purpose = FilePurpose.NO_FAULT if statement.no_fault_claim else FilePurpose.APPLICATION
    files = _store_files(session, storage, application, uploads, purpose=purpose, actor=actor,
                         now=now)
    session.flush()
    record_event(session, action="exemption.submitted", object_type="exemption_application",
                 object_id=application.id, actor=actor, to_state=application.status.value,
                 now=now, details={"reference": application.reference, "entry": entry_key,
                                   "entry_version": version.version_no,
                                   "violation_on": statement.violation_on.isoformat(),
                                   "case": case.reference if case else None,
                                   "files": [row.id for row in files],
                                   "review_due": review.date.isoformat()})
    logger.info("exemption application %s opened under %s by %s", application.reference,
                entry_key, actor.id)
    return application


def _store_files(session: Session, storage: Storage, application: ExemptionApplication,
                 uploads: Sequence[CheckedUpload], *, purpose: FilePurpose, actor: User,
                 now: dt.datetime) -> list[ApplicationFile]:
    rows = []
    for upload in uploads:
        kept = put_checked(storage, upload)
        record_stored_file(session, kept, uploaded_by=actor.id, now=now)
        row = ApplicationFile(application_id=application.id, purpose=purpose,
                              sha256=kept.sha256, name=kept.name, size=kept.size,
                              content_type=kept.content_type, uploaded_by_id=actor.id,
                              uploaded_at=now)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def referenced_digests(session: Session, digests: Collection[str]) -> set[str]:
    """Return those of ``digests`` that an application file points at (storage sweep)."""
    wanted = list(digests)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(session.scalars(select(ApplicationFile.sha256).where(
            ApplicationFile.sha256.in_(wanted[start:start + 500]))))
    return found


def withdraw(session: Session, application: ExemptionApplication, *, actor: User,
             expected_version: int, now: dt.datetime) -> None:
    """Withdraw the application before a decision (the violation may be applied for again)."""
    EXEMPTION_WORKFLOW.check(application, S.WITHDRAWN, actor=actor,
                             expected_version=expected_version)
    with session.no_autoflush:
        application.action_due = None
        application.closed_at = application.updated_at = now
    EXEMPTION_WORKFLOW.transition(application, S.WITHDRAWN, actor=actor, now=now)


# -- Supplement (补正) -----------------------------------------------------------------------


def request_supplement(session: Session, application: ExemptionApplication, *, actor: User,
                       reasons: str, working_days: int, expected_version: int,
                       today: dt.date, now: dt.datetime) -> None:
    """Ask for more by a deadline; the review clock stops until the answer."""
    EXEMPTION_WORKFLOW.check(application, S.SUPPLEMENT_REQUESTED, actor=actor,
                             expected_version=expected_version)
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise ExemptionError(_l("Give between 1 and %(max)d working days.",
                                max=MAX_WORKING_DAYS), field="working_days")
    deadline = add_working_days(today, working_days)
    with session.no_autoflush:
        application.review_days_left = (stop_clock(today, application.review_due)
                                        if application.review_due else 0)
        application.review_stopped_on = today
        application.supplement_reasons = reasons
        application.supplement_answer = None
        application.supplement_due = deadline.date
        application.action_due = deadline.date
        application.updated_at = now
    EXEMPTION_WORKFLOW.transition(
        application, S.SUPPLEMENT_REQUESTED, actor=actor, now=now, reason=reasons,
        details={"due": deadline.date.isoformat(),
                 "review_days_left": application.review_days_left})


def answer_supplement(session: Session, storage: Storage, application: ExemptionApplication,
                      *, actor: User, answer: str, uploads: Sequence[CheckedUpload],
                      expected_version: int, today: dt.date, now: dt.datetime) -> None:
    """Send what was asked for; the review clock resumes with the days it had left."""
    EXEMPTION_WORKFLOW.check(application, S.SUBMITTED, actor=actor,
                             expected_version=expected_version)
    review = resume_clock(today, application.review_days_left or 0)
    with session.no_autoflush:
        files = _store_files(session, storage, application, uploads,
                             purpose=FilePurpose.SUPPLEMENT, actor=actor, now=now)
        application.supplement_answer = answer
        application.review_due, application.review_due_estimated = review.date, review.estimated
        application.review_stopped_on = application.review_days_left = None
        application.action_due = review.date
        application.updated_at = now
    EXEMPTION_WORKFLOW.transition(application, S.SUBMITTED, actor=actor, now=now,
                                  details={"files": [row.id for row in files],
                                           "review_due": review.date.isoformat()})


# -- Verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The officer's verification form: one finding per condition key, and the record."""

    checks: Mapping[str, tuple[bool, str | None]]
    discretion_reason: str | None = None
    education_form: EducationForm | None = None
    education_on: dt.date | None = None
    education_content: str | None = None
    economic_impact: str | None = None
    mitigation_detail: str | None = None
    fine_yuan: Decimal | None = None
    internal_note: str | None = None


def record_verification(session: Session, application: ExemptionApplication, *,
                        actor: User, verification: Verification, expected_version: int,
                        today: dt.date, now: dt.datetime) -> None:
    """Record the officer's finding on each condition and the decision's record.

    :raises ExemptionError: a condition key is not one of the application's, or the
        education is dated in the future.
    :raises TransitionForbidden: the actor may not decide this application.
    :raises StaleObject, ConcurrentUpdate: the application changed meanwhile.
    """
    check_version(application, expected_version)
    if application.status not in {S.SUBMITTED, S.DEFENCE_SUBMITTED}:
        raise ExemptionError(_l("This application is not waiting for verification."))
    if not role_has(EXEMPTION_WORKFLOW.role_of(application, actor),
                    Permission.EXEMPTION_DEPARTMENT_DECIDE):
        raise TransitionForbidden(f"user {actor.id} may not verify application {application.id}")
    keys = {condition.key for condition in rules.conditions_of(application)}
    unknown = set(verification.checks) - keys
    if unknown:
        raise ExemptionError(_l("The conditions changed since the form was shown; "
                                "reload the page."))
    if verification.education_on is not None and verification.education_on > today:
        raise ExemptionError(_l("The education cannot be dated in the future."),
                             field="education_on")
    if verification.fine_yuan is not None and verification.fine_yuan < 0:
        raise ExemptionError(_l("A fine cannot be negative."), field="fine_yuan")
    existing = {check.code: check for check in application.checks}
    with session.no_autoflush:
        for key, (confirmed, note) in verification.checks.items():
            row = existing.get(key)
            if row is None:
                application.checks.append(ConditionVerification(
                    code=key, confirmed=confirmed, note=note or None, checked_by_id=actor.id,
                    checked_at=now))
            elif row.confirmed != confirmed or (row.note or None) != (note or None):
                row.confirmed, row.note = confirmed, note or None
                row.checked_by_id, row.checked_at = actor.id, now
        for name in ("discretion_reason", "education_form", "education_on",
                     "education_content", "economic_impact", "mitigation_detail",
                     "fine_yuan", "internal_note"):
            setattr(application, name, getattr(verification, name))
    touch(session, application, expected_version=expected_version, now=now)
    record_event(session, action="exemption.verified", object_type="exemption_application",
                 object_id=application.id, actor=actor, now=now,
                 details={"confirmed": sorted(k for k, (ok, _n) in verification.checks.items()
                                              if ok),
                          "not_confirmed": sorted(k for k, (ok, _n) in
                                                  verification.checks.items() if not ok),
                          "internal": True})


# -- Granting -----------------------------------------------------------------------------------


def _close(application: ExemptionApplication, now: dt.datetime) -> None:
    application.action_due = None
    application.closed_at = application.updated_at = now


def grant(session: Session, application: ExemptionApplication, *, actor: User,
          expected_version: int, today: dt.date, now: dt.datetime,
          disclosure_delay_working_days: int) -> Decision | None:
    """Grant the application, or propose the grant for legal review when the case is major.

    Returns the decision when granted, None when sent to legal review.

    :raises InvalidTransition: a condition is unconfirmed, the education or a reasoned
        choice is missing (the guard's message says which), or the state has moved on.
    """
    if rules.needs_legal_review(application):
        EXEMPTION_WORKFLOW.check(application, S.LEGAL_REVIEW, actor=actor,
                                 expected_version=expected_version)
        with session.no_autoflush:
            application.proposal, application.proposed_by_id = Proposal.GRANT, actor.id
            application.updated_at = now
        EXEMPTION_WORKFLOW.transition(application, S.LEGAL_REVIEW, actor=actor, now=now,
                                      details={"proposal": Proposal.GRANT.value})
        return None
    EXEMPTION_WORKFLOW.check(application, S.GRANTED, actor=actor,
                             expected_version=expected_version)
    with session.no_autoflush:
        _close(application, now)
    EXEMPTION_WORKFLOW.transition(application, S.GRANTED, actor=actor, now=now,
                                  details={"outcome": application.outcome.value})
    return issue_decision(session, application, kind=DecisionKind.GRANT, actor=actor,
                          today=today, now=now,
                          disclosure_delay_working_days=disclosure_delay_working_days)


# -- Refusal, statement and defence (Arts. 44, 45, 62) --------------------------------------------


def propose_refusal(session: Session, application: ExemptionApplication, *, actor: User,
                    facts: str, reasons: str, basis: str, expected_version: int,
                    today: dt.date, now: dt.datetime, defence_working_days: int) -> None:
    """Propose a refusal and tell the enterprise the facts, reasons and basis, and its right
    to state its case and defend itself within ``defence_working_days``."""
    EXEMPTION_WORKFLOW.check(application, S.REFUSAL_PROPOSED, actor=actor,
                             expected_version=expected_version)
    due = add_working_days(today, defence_working_days)
    with session.no_autoflush:
        application.refusal_facts, application.refusal_reasons = facts, reasons
        application.refusal_basis = basis
        application.refusal_proposed_on = today
        application.defence_due, application.defence_due_estimated = due.date, due.estimated
        application.defence_text = application.defence_answer = None
        application.defence_at = None
        application.action_due = due.date
        application.updated_at = now
    EXEMPTION_WORKFLOW.transition(application, S.REFUSAL_PROPOSED, actor=actor, now=now,
                                  reason=reasons, details={"defence_due": due.date.isoformat()})


def submit_defence(session: Session, storage: Storage, application: ExemptionApplication, *,
                   actor: User, text: str, uploads: Sequence[CheckedUpload],
                   expected_version: int, today: dt.date, now: dt.datetime,
                   answer_working_days: int) -> None:
    """State the enterprise's case and defence (陈述、申辩) within its period."""
    EXEMPTION_WORKFLOW.check(application, S.DEFENCE_SUBMITTED, actor=actor,
                             expected_version=expected_version)
    due = add_working_days(today, answer_working_days)
    with session.no_autoflush:
        files = _store_files(session, storage, application, uploads,
                             purpose=FilePurpose.DEFENCE, actor=actor, now=now)
        application.defence_text, application.defence_at = text, now
        application.action_due = due.date
        application.updated_at = now
    EXEMPTION_WORKFLOW.transition(application, S.DEFENCE_SUBMITTED, actor=actor, now=now,
                                  details={"files": [row.id for row in files]})


def answer_defence(session: Session, application: ExemptionApplication, *, actor: User,
                   answer: str, accepted: bool, expected_version: int, today: dt.date,
                   now: dt.datetime, disclosure_delay_working_days: int) -> Decision | None:
    """Answer the defence: accept it (back to verification; a refusal can no longer be
    proposed) or maintain the refusal (final, or to legal review when major).

    Returns the refusal decision when the refusal became final.
    """
    if accepted:
        EXEMPTION_WORKFLOW.check(application, S.SUBMITTED, actor=actor,
                                 expected_version=expected_version)
        with session.no_autoflush:
            application.defence_answer, application.defence_accepted = answer, True
            application.action_due = application.review_due
            application.updated_at = now
        EXEMPTION_WORKFLOW.transition(application, S.SUBMITTED, actor=actor, now=now,
                                      reason=answer)
        return None
    return finalise_refusal(session, application, actor=actor, answer=answer,
                            expected_version=expected_version, today=today, now=now,
                            disclosure_delay_working_days=disclosure_delay_working_days)


def finalise_refusal(session: Session, application: ExemptionApplication, *, actor: User,
                     expected_version: int, today: dt.date, now: dt.datetime,
                     disclosure_delay_working_days: int,
                     answer: str | None = None) -> Decision | None:
    """Make the proposed refusal final (after the defence period or the answer), or send it
    to legal review when the case is major. The reasons stay those notified: a defence
    never makes the outcome worse.

    Returns the refusal decision when final, None when sent to legal review.
    ``answer`` is the officer's answer to the defence, when there was one.
    """
    check_version(application, expected_version)
    with session.no_autoflush:
        if answer is not None:
            application.defence_answer = answer
        major = rules.needs_legal_review(application)
    if major:
        EXEMPTION_WORKFLOW.check(application, S.LEGAL_REVIEW, actor=actor)
        with session.no_autoflush:
            application.proposal, application.proposed_by_id = Proposal.REFUSE, actor.id
            application.updated_at = now
        EXEMPTION_WORKFLOW.transition(application, S.LEGAL_REVIEW, actor=actor, now=now,
                                      details={"proposal": Proposal.REFUSE.value})
        return None
    EXEMPTION_WORKFLOW.check(application, S.REFUSED, actor=actor)
    with session.no_autoflush:
        _close(application, now)
    EXEMPTION_WORKFLOW.transition(application, S.REFUSED, actor=actor, now=now,
                                  reason=application.refusal_reasons)
    return issue_decision(session, application, kind=DecisionKind.REFUSAL, actor=actor,
                          today=today, now=now,
                          disclosure_delay_working_days=disclosure_delay_working_days)


# -- Legal review (法制审核, Art. 58) ------------------------------------------------------------


def review_proposal(session: Session, application: ExemptionApplication, *, reviewer: User,
                    approve: bool, comments: str | None, expected_version: int,
                    today: dt.date, now: dt.datetime,
                    disclosure_delay_working_days: int) -> Decision | None:
    """Approve the proposed decision (it is issued) or return it with comments.

    :raises InvalidTransition: the reviewer proposed it (never their own), or it moved on.
    :raises TransitionForbidden: the reviewer is not a legal reviewer of the department.
    """
    proposal = application.proposal
    if approve:
        target = S.GRANTED if proposal == Proposal.GRANT else S.REFUSED
    else:
        target = S.SUBMITTED
        if not (comments or "").strip():
            raise ExemptionError(_l("Say why the proposal is returned."), field="comments")
    EXEMPTION_WORKFLOW.check(application, target, actor=reviewer,
                             expected_version=expected_version)
    proposer_id = application.proposed_by_id
    with session.no_autoflush:
        session.add(LegalReview(
            application_id=application.id, proposal=proposal, proposed_by_id=proposer_id,
            reviewer_id=reviewer.id,
            result=ReviewResult.APPROVED if approve else ReviewResult.RETURNED,
            comments=comments or None, reviewed_at=now))
        if approve:
            _close(application, now)
        else:
            application.proposal = application.proposed_by_id = None
            application.action_due = application.review_due
            application.updated_at = now
    EXEMPTION_WORKFLOW.transition(application, target, actor=reviewer, now=now,
                                  reason=comments or None,
                                  details={"proposal": proposal.value if proposal else None,
                                           "proposed_by": proposer_id,
                                           INTERNAL_NOTE: True})
    if not approve:
        return None
    kind = DecisionKind.GRANT if proposal == Proposal.GRANT else DecisionKind.REFUSAL
    return issue_decision(session, application, kind=kind, actor=reviewer, today=today,
                          now=now, disclosure_delay_working_days=disclosure_delay_working_days)


def is_final(application: ExemptionApplication) -> bool:
    """Return whether nothing more happens to the application."""
    return application.status in FINAL


__all__ = ["WITHDRAWAL_WORKING_DAYS", "ApplicationInput", "DuplicateApplication",
           "ExemptionError", "Verification", "WithdrawalKind", "answer_defence",
           "answer_objection", "answer_supplement", "check_version", "entry_applies_to",
           "entry_version_on", "file_objection", "finalise_refusal", "grant", "is_final",
           "issue_decision", "open_application", "propose_refusal", "record_verification",
           "referenced_digests", "request_supplement", "review_proposal", "submit_defence",
           "touch", "withdraw", "withdraw_from_disclosure"]
