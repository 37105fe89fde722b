"""Opening rectification cases and every change to them, each in the caller's transaction.

Status changes go through ``CASE_WORKFLOW.transition`` (version check, table,
permission, guard, audit event); changes that keep the status (a
re-inspection, an extension) check the version the user saw the same way and
write their own audit event. Nothing here commits: the route commits once, so
a refused step leaves nothing behind. Dates are computed once and stored.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.accounts.models import Enterprise, User, UserKind
from portal.cases.models import (
    Case,
    CaseOrigin,
    CaseStatus,
    CaseSubmission,
    EvidenceFile,
    Reinspection,
    ReinspectionOfficer,
)
from portal.cases.workflow import CASE_WORKFLOW
from portal.core.audit import record_event
from portal.core.deadlines import add_working_days, resume_clock, stop_clock
from portal.core.errors import DomainError
from portal.core.permissions import Permission, role_has
from portal.core.storage import CheckedUpload, Storage, put_checked, record_stored_file
from portal.core.workflow import ConcurrentUpdate, StaleObject, TransitionForbidden
from portal.guides.models import ObligationRecord, ObligationVersion
from portal.selfcheck.models import Finding, FindingStatus, SelfCheckStatus

logger = logging.getLogger(__name__)

#: Working days an officer has to review a report (a service commitment; a setting).
DEFAULT_REVIEW_WORKING_DAYS = 5
#: Longest period an order or a supplement request may give, in working days.
MAX_WORKING_DAYS = 90


class CaseError(DomainError):
    """A case step refused for a reason the user can act on (nothing was changed)."""

    status_code = 400


class FindingAlreadyHasCase(CaseError):
    """The finding has a case already: the route shows it."""

    status_code = 409

    def __init__(self, case: Case) -> None:
        super().__init__(_l("This problem already has a rectification case."))
        self.case = case


class CaseMovedOn(CaseError):
    """The step no longer fits the case's state (closed, or not the enterprise's turn)."""

    status_code = 409


class EvidenceTooLarge(CaseError):
    """The case's files would exceed the per-case total."""

    status_code = 413


@dataclass(frozen=True)
class EvidenceUpload:
    """A checked upload and what its uploader says of it."""

    upload: CheckedUpload
    #: EXIF capture time of a photo ("YYYY-MM-DD HH:MM:SS"), if present.
    captured_at: str | None = None


def _reference(case: Case) -> str:
    return f"ZG{case.issued_on.year}{case.id:07d}"


def _open(session: Session, case: Case, *, actor: User, now: dt.datetime,
          details: dict[str, Any]) -> Case:
    session.add(case)
    session.flush()
    case.reference = _reference(case)
    case.action_due = case.due_date
    session.flush()
    record_event(session, action="case.opened", object_type="case", object_id=case.id,
                 actor=actor, to_state=case.status.value, now=now,
                 details={"reference": case.reference, "origin": case.origin.value,
                          "due_date": case.due_date.isoformat(), **details})
    logger.info("case %s opened (%s) by %s", case.reference, case.origin.value, actor.id)
    return case


def _enterprise_fields(enterprise: Enterprise) -> dict[str, Any]:
    return {"enterprise_id": enterprise.id, "industry_code": enterprise.industry_code,
            "town": enterprise.town}


def department_of_finding(session: Session, finding: Finding) -> str | None:
    """Return the department responsible for the finding's obligation, as it stands now."""
    return session.scalar(
        select(ObligationVersion.department).join(ObligationRecord)
        .where(ObligationRecord.code == finding.obligation_code,
               ObligationVersion.is_current.is_(True)))


def open_from_finding(session: Session, finding: Finding, *, actor: User, problem: str,
                      requirement: str, today: dt.date, now: dt.datetime) -> Case:
    """Open the case that puts a self-check finding right, with the finding's stored deadline.

    ``problem`` and ``requirement`` are the finding's texts in the language of the
    page the user acted on.

    :raises FindingAlreadyHasCase: it has one (another tab, a double click).
    :raises TransitionForbidden: the actor does not act for the enterprise.
    :raises CaseError: the finding is closed, or no department answers for it.
    """
    existing = session.scalar(select(Case).where(Case.finding_id == finding.id))
    if existing is not None:
        raise FindingAlreadyHasCase(existing)
    self_check = finding.self_check
    if self_check.status != SelfCheckStatus.SUBMITTED or finding.status != FindingStatus.OPEN:
        raise CaseError(_l("This problem is no longer open."))
    if not role_has(actor.role_toward(self_check.enterprise_id), Permission.CASE_OWN_EDIT):
        raise TransitionForbidden(f"user {actor.id} does not act for the enterprise")
    department = department_of_finding(session, finding)
    if department is None:
        raise CaseError(_l("No department answers for this problem any more; "
                           "contact the department that supervises your industry."))
    if finding.deadline is not None:
        due, estimated = finding.deadline, finding.deadline_estimated
    else:  # a finding without a period: put right at once, reviewed within the usual time
        deadline = add_working_days(today, DEFAULT_REVIEW_WORKING_DAYS)
        due, estimated = deadline.date, deadline.estimated
    case = Case(**_enterprise_fields(self_check.enterprise), department_code=department,
                origin=CaseOrigin.FINDING, finding_id=finding.id, problem=problem,
                requirement=requirement, issued_on=today,
                working_days=finding.correction_working_days, due_date=due,
                due_estimated=estimated, opened_by_id=actor.id, created_at=now, updated_at=now)
    finding.status = FindingStatus.RECTIFYING
    return _open(session, case, actor=actor, now=now,
                 details={"finding": finding.id, "self_check": self_check.reference})


def issue_order(session: Session, enterprise: Enterprise, *, actor: User, problem: str,
                requirement: str, legal_basis: str | None, working_days: int,
                today: dt.date, now: dt.datetime) -> Case:
    """Record an officer's order to correct (责令改正通知) with its deadline in working days.

    :raises TransitionForbidden: the actor is not an officer with a department.
    """
    if (actor.kind != UserKind.OFFICER or actor.department is None
            or not role_has(actor.staff_role, Permission.CASE_DEPARTMENT_DECIDE)):
        raise TransitionForbidden(f"user {actor.id} may not issue orders")
    if not 1 <= working_days <= MAX_WORKING_DAYS:
        raise ValueError("working_days out of range")  # the form validates first
    deadline = add_working_days(today, working_days)
    case = Case(**_enterprise_fields(enterprise), department_code=actor.department.code,
                origin=CaseOrigin.ORDER, problem=problem, requirement=requirement,
                legal_basis=legal_basis or None, issued_on=today, working_days=working_days,
                due_date=deadline.date, due_estimated=deadline.estimated,
                opened_by_id=actor.id, created_at=now, updated_at=now)
    return _open(session, case, actor=actor, now=now, details={"working_days": working_days})


def open_own_initiative(session: Session, enterprise: Enterprise, *, actor: User,
                        department_code: str, problem: str, requirement: str,
                        due_date: dt.date, today: dt.date, now: dt.datetime) -> Case:
    """Open a case on the enterprise's own initiative, with the date it sets itself.

    :raises TransitionForbidden: the actor does not act for the enterprise.
    """
    if not role_has(actor.role_toward(enterprise.id), Permission.CASE_OWN_EDIT):
        raise TransitionForbidden(f"user {actor.id} does not act for enterprise {enterprise.id}")
    case = Case(**_enterprise_fields(enterprise), department_code=department_code,
                origin=CaseOrigin.OWN_INITIATIVE, problem=problem, requirement=requirement,
                issued_on=today, due_date=due_date, opened_by_id=actor.id, created_at=now,
                updated_at=now)
    return _open(session, case, actor=actor, now=now, details={})


# -- Evidence -----------------------------------------------------------------------------


def case_total_bytes(session: Session, case: Case) -> int:
    """Return the size of every file the case holds (superseded ones included)."""
    return session.scalar(select(func.coalesce(func.sum(EvidenceFile.size), 0))
                          .where(EvidenceFile.case_id == case.id)) or 0


def _store_files(session: Session, storage: Storage, case: Case,
                 uploads: Sequence[EvidenceUpload], *, actor: User, now: dt.datetime,
                 effective_on: dt.date | None, max_case_bytes: int,
                 submission: CaseSubmission | None = None,
                 reinspection: Reinspection | None = None) -> list[EvidenceFile]:
    """Store checked uploads under their digest and add their rows; flag repeated content."""
    if case_total_bytes(session, case) + sum(u.upload.checked.size for u in uploads) \
            > max_case_bytes:
        raise EvidenceTooLarge(_l("These files would take the case over its limit of "
                                  "%(size)s MB in all.", size=max_case_bytes // 2**20))
    earlier = {row.sha256: row.id for row in session.execute(
        select(EvidenceFile.sha256, EvidenceFile.id).where(EvidenceFile.case_id == case.id)
        .order_by(EvidenceFile.id.desc()))}
    rows = []
    for item in uploads:
        kept = put_checked(storage, item.upload)
        record_stored_file(session, kept, uploaded_by=actor.id, now=now)
        row = EvidenceFile(case_id=case.id, submission=submission, reinspection=reinspection,
                           sha256=kept.sha256, name=kept.name, size=kept.size,
                           content_type=kept.content_type, uploaded_by_id=actor.id,
                           uploaded_at=now, effective_on=effective_on,
                           captured_at=item.captured_at, duplicate_of_id=earlier.get(kept.sha256))
        session.add(row)
        session.flush()
        earlier.setdefault(kept.sha256, row.id)
        rows.append(row)
    return rows


def referenced_digests(session: Session, digests: Collection[str]) -> set[str]:
    """Return those of ``digests`` that a case file points at (for the storage sweep)."""
    wanted = list(digests)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(session.scalars(select(EvidenceFile.sha256).where(
            EvidenceFile.sha256.in_(wanted[start:start + 500]))))
    return found


# -- Steps --------------------------------------------------------------------------------


def _check_version(case: Case, expected_version: int) -> None:
    """Refuse a form made from an older version of the case (checked before anything else)."""
    if case.version != expected_version:
        raise StaleObject(f"case {case.id}: version {case.version}, form had {expected_version}")


def _touch(session: Session, case: Case, *, expected_version: int, now: dt.datetime) -> None:
    """Check the version the user saw and bump it (a change that keeps the status)."""
    _check_version(case, expected_version)
    case.updated_at = now
    try:
        session.flush()
    except StaleDataError as error:
        raise ConcurrentUpdate(f"case {case.id} changed in another transaction") from error


def submit_report(session: Session, storage: Storage, case: Case, *, actor: User,
                  description: str, completed_on: dt.date, commitment_text: str,
                  uploads: Sequence[EvidenceUpload], supersedes: Sequence[int],
                  expected_version: int, today: dt.date, now: dt.datetime,
                  review_working_days: int, max_case_bytes: int) -> CaseSubmission:
    """Submit a rectification report (or the supplement asked for) with its evidence.

    The officer's review clock starts, or resumes with the days it had left when a
    supplement was asked for.
    """
    CASE_WORKFLOW.check(case, CaseStatus.SUBMITTED, actor=actor,
                        expected_version=expected_version)
    answering_supplement = case.status == CaseStatus.SUPPLEMENT_REQUESTED
    current = {row.id: row for row in session.scalars(select(EvidenceFile).where(
        EvidenceFile.case_id == case.id, EvidenceFile.superseded_by_id.is_(None),
        EvidenceFile.reinspection_id.is_(None)))}
    submission = CaseSubmission(case=case, description=description, completed_on=completed_on,
                                commitment_text=commitment_text, submitted_by_id=actor.id,
                                submitted_at=now)
    with session.no_autoflush:
        session.add(submission)
        rows = _store_files(session, storage, case, uploads, actor=actor, now=now,
                            effective_on=completed_on, max_case_bytes=max_case_bytes,
                            submission=submission)
        replaced = [current[file_id] for file_id in supersedes if file_id in current]
        if replaced and rows:
            for row in replaced:
                row.superseded_by_id = rows[0].id
        if answering_supplement and case.review_days_left is not None:
            review = resume_clock(today, case.review_days_left)
        else:
            review = add_working_days(today, review_working_days)
        case.review_due, case.review_stopped_on, case.review_days_left = review.date, None, None
        case.action_due = review.date
        case.updated_at = now
    CASE_WORKFLOW.transition(
        case, CaseStatus.SUBMITTED, actor=actor, now=now,
        details={"submission": submission.id, "files": [row.id for row in rows],
                 "superseded": [row.id for row in replaced if rows],
                 "completed_on": completed_on.isoformat(),
                 "review_due": review.date.isoformat(), "supplement": answering_supplement})
    return submission


def withdraw_report(session: Session, case: Case, *, actor: User, expected_version: int,
                    now: dt.datetime) -> None:
    """Withdraw the report before the officer reviewed it; the enterprise's deadline stands."""
    CASE_WORKFLOW.check(case, CaseStatus.OPEN, actor=actor, expected_version=expected_version)
    with session.no_autoflush:
        latest = case.submissions[-1] if case.submissions else None
        if latest is not None:
            latest.withdrawn_at = now
        case.review_due = None
        case.action_due = case.due_date
        case.updated_at = now
    CASE_WORKFLOW.transition(case, CaseStatus.OPEN, actor=actor, now=now,
                             details={"submission": latest.id if latest else None})


def request_supplement(session: Session, case: Case, *, actor: User, reasons: str,
                       working_days: int, expected_version: int, today: dt.date,
                       now: dt.datetime) -> None:
    """Ask for more (补正) by a new deadline; the review clock stops until the answer."""
    CASE_WORKFLOW.check(case, CaseStatus.SUPPLEMENT_REQUESTED, actor=actor,
                        expected_version=expected_version)
    deadline = add_working_days(today, working_days)
    with session.no_autoflush:
        case.review_days_left = stop_clock(today, case.review_due) if case.review_due else 0
        case.review_stopped_on = today
        case.due_date, case.due_estimated = deadline.date, deadline.estimated
        case.action_due = deadline.date
        case.updated_at = now
    CASE_WORKFLOW.transition(case, CaseStatus.SUPPLEMENT_REQUESTED, actor=actor, now=now,
                             reason=reasons,
                             details={"due_date": deadline.date.isoformat(),
                                      "working_days": working_days,
                                      "review_days_left": case.review_days_left})


def _close(session: Session, case: Case, to: CaseStatus, *, actor: User, conclusion: str,
           expected_version: int, now: dt.datetime) -> None:
    CASE_WORKFLOW.check(case, to, actor=actor, expected_version=expected_version)
    with session.no_autoflush:
        case.conclusion = conclusion
        case.closed_at = now
        case.action_due = None
        case.updated_at = now
        if case.finding_id is not None:
            finding = session.get(Finding, case.finding_id)
            if finding is not None:
                finding.status = (FindingStatus.CLOSED if to == CaseStatus.RECTIFIED
                                  else FindingStatus.OPEN)
    CASE_WORKFLOW.transition(case, to, actor=actor, now=now, reason=conclusion)


def accept(session: Session, case: Case, *, actor: User, conclusion: str,
           expected_version: int, now: dt.datetime) -> None:
    """Find the case put right (复查合格) and close it; the finding closes with it."""
    _close(session, case, CaseStatus.RECTIFIED, actor=actor, conclusion=conclusion,
           expected_version=expected_version, now=now)


def find_not_rectified(session: Session, case: Case, *, actor: User, reasons: str,
                       expected_version: int, now: dt.datetime) -> None:
    """Find the case not put right and close it; the finding is open again."""
    _close(session, case, CaseStatus.NOT_RECTIFIED, actor=actor, conclusion=reasons,
           expected_version=expected_version, now=now)


def record_reinspection(session: Session, storage: Storage, case: Case, *, actor: User,
                        inspected_on: dt.date, officers: Sequence[User], findings: str,
                        photos: Sequence[EvidenceUpload], expected_version: int,
                        now: dt.datetime, max_case_bytes: int) -> Reinspection:
    """Record an on-site re-inspection by at least two officers of the case's department.

    :raises CaseError: fewer than two officers, or one outside the department.
    """
    _check_version(case, expected_version)
    if CASE_WORKFLOW.role_of(case, actor) is None or not role_has(
            actor.staff_role, Permission.CASE_DEPARTMENT_DECIDE):
        raise TransitionForbidden(f"user {actor.id} may not record a re-inspection")
    if case.is_final:
        raise CaseMovedOn(_l("This case is closed; nothing more can be recorded."))
    present = {officer.id: officer for officer in officers}
    if len(present) < 2:
        raise CaseError(_l("A re-inspection is made by at least two officers: choose them."),
                        field="officers")
    if any(officer.department_id != actor.department_id or officer.kind != UserKind.OFFICER
           for officer in present.values()):
        raise CaseError(_l("Choose officers of your department."), field="officers")
    _touch(session, case, expected_version=expected_version, now=now)
    reinspection = Reinspection(case=case, inspected_on=inspected_on, findings=findings,
                                recorded_by_id=actor.id, created_at=now,
                                officers=[ReinspectionOfficer(user_id=officer_id)
                                          for officer_id in sorted(present)])
    session.add(reinspection)
    session.flush()
    rows = _store_files(session, storage, case, photos, actor=actor, now=now,
                        effective_on=inspected_on, max_case_bytes=max_case_bytes,
                        reinspection=reinspection)
    record_event(session, action="case.reinspected", object_type="case", object_id=case.id,
                 actor=actor, now=now, note=findings,
                 details={"reinspection": reinspection.id, "on": inspected_on.isoformat(),
                          "officers": sorted(present), "files": [row.id for row in rows]})
    return reinspection


def extend_deadline(session: Session, case: Case, *, actor: User, working_days: int,
                    reason: str, expected_version: int, now: dt.datetime) -> dt.date:
    """Give the enterprise more working days (延期), with the reason; return the new date."""
    _check_version(case, expected_version)
    if CASE_WORKFLOW.role_of(case, actor) is None or not role_has(
            actor.staff_role, Permission.CASE_DEPARTMENT_DECIDE):
        raise TransitionForbidden(f"user {actor.id} may not extend case {case.id}")
    if case.status not in (CaseStatus.OPEN, CaseStatus.SUPPLEMENT_REQUESTED):
        raise CaseMovedOn(_l("Only a deadline the enterprise is working to can be extended."))
    before = case.due_date
    deadline = add_working_days(before, working_days)
    case.due_date = deadline.date
    case.due_estimated = case.due_estimated or deadline.estimated
    case.action_due = deadline.date
    _touch(session, case, expected_version=expected_version, now=now)
    record_event(session, action="case.extended", object_type="case", object_id=case.id,
                 actor=actor, now=now, note=reason,
                 details={"from": before.isoformat(), "to": deadline.date.isoformat(),
                          "working_days": working_days})
    return deadline.date
