"""Credit records and repairs: every change, in the caller's transaction (never committed here).

A record's dates come from ``rules.publication`` when it is created and are
stored. A repair application's status moves through ``REPAIR_WORKFLOW``
(version, table, permission, audit event); the review deadline runs in
working days from a complete application and stops while a supplement is
awaited. Approving a repair ends the record's publication (the record stays
in the history).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Enterprise, User
from portal.cases.models import Case, CaseStatus
from portal.core.audit import record_event
from portal.core.deadlines import add_working_days, resume_clock, stop_clock
from portal.core.errors import DomainError
from portal.core.permissions import Permission, role_has
from portal.core.storage import CheckedUpload, Storage, put_checked, record_stored_file
from portal.core.workflow import TransitionForbidden
from portal.credit import rules
from portal.credit.display import list_published_records
from portal.credit.models import (
    CreditRecord,
    CreditStanding,
    PublicationStatus,
    RepairApplication,
    RepairFile,
    RepairMaterial,
    RepairStatus,
    RiskClass,
)
from portal.credit.workflow import REPAIR_WORKFLOW
from portal.selfcheck.models import SelfCheck, SelfCheckStatus

logger = logging.getLogger(__name__)


class CreditError(DomainError):
    """A credit step refused for a reason the user can act on (nothing was changed)."""

    status_code = 400


class NotEligible(CreditError):
    """A repair applied for while a condition does not hold; ``unmet`` says which."""

    status_code = 409

    def __init__(self, unmet: Sequence[rules.Unmet]) -> None:
        super().__init__(_l("This record cannot be repaired now."))
        self.unmet = list(unmet)


@dataclass(frozen=True)
class RecordValues:
    """The facts of one penalty record as entered or imported (already checked in shape)."""

    decision_number: str
    enterprise_id: int
    department_code: str
    violation: str
    penalty_types: tuple[str, ...]
    fine_amount: Decimal
    decision_date: dt.date
    record_class: str
    market_category: str | None
    food_drug_special_equipment: bool
    performed_on: dt.date | None


def record_columns(values: RecordValues, *, credit_rules: rules.CreditRules) -> dict[str, Any]:
    """Return the stored columns of a new record, with its computed and fixed dates."""
    period = rules.publication(decision_date=values.decision_date,
                               record_class=values.record_class,
                               market_category=values.market_category,
                               food_drug_special_equipment=values.food_drug_special_equipment,
                               rules=credit_rules)
    return {
        "decision_number": values.decision_number, "enterprise_id": values.enterprise_id,
        "department_code": values.department_code, "violation": values.violation,
        "penalty_types": list(values.penalty_types), "fine_amount": values.fine_amount,
        "decision_date": values.decision_date, "record_class": values.record_class,
        "market_category": values.market_category,
        "food_drug_special_equipment": values.food_drug_special_equipment,
        "performed_on": values.performed_on,
        "publication_status": (PublicationStatus.PUBLISHED if period.published
                               else PublicationStatus.UNPUBLISHED).value,
        "publication_starts_on": period.starts_on, "publication_ends_on": period.ends_on,
        "earliest_repair_on": period.earliest_repair_on,
    }


def create_record(session: Session, values: RecordValues, *, actor: User | None,
                  credit_rules: rules.CreditRules, now: dt.datetime) -> CreditRecord:
    """Record one penalty record (manual entry) with its stored dates and an audit event.

    :raises CreditError: the decision number is taken.
    """
    if session.scalar(select(CreditRecord.id).where(
            CreditRecord.decision_number == values.decision_number)) is not None:
        raise CreditError(_l("A record with this decision number exists already."),
                          field="decision_number")
    record = CreditRecord(**record_columns(values, credit_rules=credit_rules),
                          created_by_id=actor.id if actor else None, created_at=now)
    session.add(record)
    session.flush()
    record_event(session, action="credit.record_created", object_type="credit_record",
                 object_id=record.id, actor=actor, now=now,
                 details={"decision_number": record.decision_number,
                          "enterprise": record.enterprise_id})
    logger.info("credit record %s created by %s", record.id, getattr(actor, "id", "system"))
    return record


# -- Facts and eligibility ------------------------------------------------------------------


#: For a ``standing`` argument the caller has not read (a missing standing is None, and
#: the session cannot remember that a row is missing: each read would query again).
UNREAD: Any = object()


def get_standing(session: Session, enterprise_id: int) -> CreditStanding | None:
    """Return what is known of the enterprise's lists and risk override, if anything."""
    return session.get(CreditStanding, enterprise_id)


def _approved_repair_days(session: Session, enterprise_id: int, *,
                          except_record: int | None = None) -> tuple[dt.date, ...]:
    query = select(CreditRecord.ended_on).join(
        RepairApplication, RepairApplication.record_id == CreditRecord.id).where(
        RepairApplication.enterprise_id == enterprise_id,
        RepairApplication.status == RepairStatus.APPROVED, CreditRecord.ended_on.is_not(None))
    if except_record is not None:
        query = query.where(CreditRecord.id != except_record)
    return tuple(day for day in session.scalars(query) if day is not None)


def _normalised_violation(text: str) -> str:
    return "".join(text.split())


def has_new_penalty_same_kind(session: Session, record: CreditRecord) -> bool:
    """Return whether the enterprise was penalised later for the same kind of violation.

    "The same kind" is, until violations are coded, the same authority and the same
    violation text (spaces ignored).
    """
    later = session.scalars(select(CreditRecord.violation).where(
        CreditRecord.enterprise_id == record.enterprise_id,
        CreditRecord.department_code == record.department_code,
        CreditRecord.id != record.id, CreditRecord.decision_date > record.decision_date))
    own = _normalised_violation(record.violation)
    return any(_normalised_violation(text) == own for text in later)


def record_facts(session: Session, record: CreditRecord, *,
                 ignore_application: bool = False) -> rules.RecordFacts:
    """Return the facts eligibility depends on for ``record``."""
    standing = get_standing(session, record.enterprise_id)
    return rules.RecordFacts(
        published=record.is_published,
        earliest_repair_on=record.earliest_repair_on,
        publication_ends_on=record.publication_ends_on,
        performed_on=record.performed_on,
        penalty_types=tuple(record.penalty_types),
        has_application=record.repair is not None and not ignore_application,
        new_penalty_same_kind=has_new_penalty_same_kind(session, record),
        on_abnormal_list=bool(standing and standing.on_abnormal_list),
        on_serious_violation_list=bool(standing and standing.on_serious_violation_list),
        approved_repairs=_approved_repair_days(session, record.enterprise_id,
                                               except_record=record.id),
        false_materials=_barred_for_false_materials(session, record.enterprise_id),
    )


def _barred_for_false_materials(session: Session, enterprise_id: int) -> bool:
    """Return whether an application of the enterprise was refused for false materials."""
    return session.scalar(select(RepairApplication.id).where(
        RepairApplication.enterprise_id == enterprise_id,
        RepairApplication.false_materials.is_(True)).limit(1)) is not None


def unmet_conditions(session: Session, record: CreditRecord, *, today: dt.date,
                     credit_rules: rules.CreditRules) -> list[rules.Unmet]:
    """Return the conditions of repair that ``record`` does not meet on ``today``."""
    return rules.unmet_conditions(record_facts(session, record), today=today,
                                  rules=credit_rules)


def list_enterprise_records(session: Session, enterprise_id: int) -> list[CreditRecord]:
    """Return the enterprise's records, newest decision first, with their repairs."""
    return list(session.scalars(select(CreditRecord).where(
        CreditRecord.enterprise_id == enterprise_id)
        .options(selectinload(CreditRecord.repair))
        .order_by(CreditRecord.decision_date.desc(), CreditRecord.id.desc())))


def enterprise_record_facts(session: Session, enterprise_id: int,
                            records: Sequence[CreditRecord], *,
                            standing: Any = UNREAD,
                            ) -> dict[int, rules.RecordFacts]:
    """Return ``record_facts`` of each of the enterprise's ``records``, by record id.

    Reads as many rows as ``record_facts`` does for one record, in four queries
    whatever the number of records (their repairs must be loaded, as
    ``list_enterprise_records`` loads them); three when the caller passes the
    enterprise's ``standing`` (``get_standing``) it has read already.
    """
    if standing is UNREAD:
        standing = get_standing(session, enterprise_id)
    # The latest decision of each kind (same authority, same violation text).
    latest: dict[tuple[str, str], dt.date] = {}
    for department, violation, decided in session.execute(select(
            CreditRecord.department_code, CreditRecord.violation, CreditRecord.decision_date)
            .where(CreditRecord.enterprise_id == enterprise_id)):
        key = (department, _normalised_violation(violation))
        latest[key] = max(decided, latest.get(key, decided))
    approved = session.execute(select(CreditRecord.id, CreditRecord.ended_on).join(
        RepairApplication, RepairApplication.record_id == CreditRecord.id).where(
        RepairApplication.enterprise_id == enterprise_id,
        RepairApplication.status == RepairStatus.APPROVED,
        CreditRecord.ended_on.is_not(None))).all()
    barred = _barred_for_false_materials(session, enterprise_id)
    facts = {}
    for record in records:
        kind = (record.department_code, _normalised_violation(record.violation))
        facts[record.id] = rules.RecordFacts(
            published=record.is_published,
            earliest_repair_on=record.earliest_repair_on,
            publication_ends_on=record.publication_ends_on,
            performed_on=record.performed_on,
            penalty_types=tuple(record.penalty_types),
            has_application=record.repair is not None,
            new_penalty_same_kind=latest.get(kind, record.decision_date) > record.decision_date,
            on_abnormal_list=bool(standing and standing.on_abnormal_list),
            on_serious_violation_list=bool(standing and standing.on_serious_violation_list),
            approved_repairs=tuple(day for other, day in approved
                                   if other != record.id and day is not None),
            false_materials=barred)
    return facts


# -- Risk class -----------------------------------------------------------------------------


def risk_facts(session: Session, enterprise_id: int, *, today: dt.date,
               standing: Any = UNREAD) -> rules.RiskFacts:
    """Return the facts the risk class of an enterprise is computed from.

    ``standing`` is the enterprise's ``get_standing``, when the caller has read it.
    """
    if standing is UNREAD:
        standing = get_standing(session, enterprise_id)
    published = tuple(str(record.record_class)
                      for record in list_published_records(session, enterprise_id, today=today))
    two_years_ago = rules.add_months(today, -24)
    year_ago = dt.datetime.combine(rules.add_months(today, -12), dt.time(), tzinfo=dt.UTC)
    # The three facts of the enterprise's cases and self-checks in one statement.
    not_rectified, overdue, self_checked = session.execute(select(
        exists().where(Case.enterprise_id == enterprise_id,
                       Case.status == CaseStatus.NOT_RECTIFIED, Case.issued_on > two_years_ago),
        exists().where(Case.enterprise_id == enterprise_id,
                       Case.status.in_([CaseStatus.OPEN, CaseStatus.SUPPLEMENT_REQUESTED]),
                       Case.due_date < today),
        exists().where(SelfCheck.enterprise_id == enterprise_id,
                       SelfCheck.status == SelfCheckStatus.SUBMITTED,
                       SelfCheck.submitted_at >= year_ago))).one()
    return rules.RiskFacts(
        published_classes=published,
        on_abnormal_list=bool(standing and standing.on_abnormal_list),
        on_serious_violation_list=bool(standing and standing.on_serious_violation_list),
        not_rectified_recently=bool(not_rectified), overdue_cases=bool(overdue),
        self_check_in_last_year=bool(self_checked))


@dataclass(frozen=True)
class RiskAssessment:
    """The computed class, the override if any, and the class that applies."""

    computed: RiskClass
    override: RiskClass | None
    reason: str | None

    @property
    def effective(self) -> RiskClass:
        """Return the class that applies (the override wins)."""
        return self.override or self.computed


def assess_risk(session: Session, enterprise_id: int, *, today: dt.date,
                standing: Any = UNREAD) -> RiskAssessment:
    """Return the enterprise's risk class, computed and as overridden."""
    if standing is UNREAD:
        standing = get_standing(session, enterprise_id)
    computed = rules.risk_class(risk_facts(session, enterprise_id, today=today,
                                           standing=standing))
    if standing is None or standing.risk_override is None:
        return RiskAssessment(computed, None, None)
    return RiskAssessment(computed, RiskClass(standing.risk_override), standing.override_reason)


def _standing_for_update(session: Session, enterprise_id: int) -> CreditStanding:
    standing = get_standing(session, enterprise_id)
    if standing is None:
        standing = CreditStanding(enterprise_id=enterprise_id, on_abnormal_list=False,
                                  on_serious_violation_list=False)
        session.add(standing)
        session.flush()
    return standing


def _require_officer(actor: User) -> None:
    if not role_has(actor.staff_role, Permission.CREDIT_DEPARTMENT_DECIDE):
        raise TransitionForbidden(f"user {actor.id} may not decide on credit")


def override_risk(session: Session, enterprise: Enterprise, *, actor: User,
                  risk: RiskClass | None, reason: str, now: dt.datetime) -> None:
    """Set (or, with ``risk`` None, remove) an officer's risk class for the enterprise.

    :raises TransitionForbidden: the actor is not an officer who decides on credit.
    :raises CreditError: no reason given.
    """
    _require_officer(actor)
    if not reason.strip():
        raise CreditError(_l("Give the reason for the risk class."), field="reason")
    standing = _standing_for_update(session, enterprise.id)
    before = standing.risk_override
    standing.risk_override = risk
    standing.override_reason = reason if risk else None
    standing.overridden_by_id = actor.id if risk else None
    standing.overridden_at = now if risk else None
    session.flush()
    record_event(session, action="credit.risk_overridden", object_type="enterprise",
                 object_id=enterprise.id, actor=actor, now=now, note=reason,
                 from_state=before.value if before else None,
                 to_state=risk.value if risk else None)


def set_lists(session: Session, enterprise: Enterprise, *, actor: User, abnormal: bool,
              serious_violation: bool, now: dt.datetime) -> None:
    """Record whether the enterprise is on the abnormal-operations and serious-violation lists."""
    _require_officer(actor)
    standing = _standing_for_update(session, enterprise.id)
    standing.on_abnormal_list = abnormal
    standing.on_serious_violation_list = serious_violation
    session.flush()
    record_event(session, action="credit.lists_changed", object_type="enterprise",
                 object_id=enterprise.id, actor=actor, now=now,
                 details={"abnormal": abnormal, "serious_violation": serious_violation})


# -- Repair applications --------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialUpload:
    """A checked upload and the material it is offered as."""

    upload: CheckedUpload
    material: RepairMaterial


def _store(session: Session, storage: Storage, application: RepairApplication,
           uploads: Iterable[MaterialUpload], *, actor: User, now: dt.datetime,
           ) -> list[RepairFile]:
    rows = []
    for item in uploads:
        kept = put_checked(storage, item.upload)
        record_stored_file(session, kept, uploaded_by=actor.id, now=now)
        row = RepairFile(application=application, material=item.material, sha256=kept.sha256,
                         name=kept.name, size=kept.size, content_type=kept.content_type,
                         uploaded_by_id=actor.id, uploaded_at=now)
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def apply_for_repair(session: Session, storage: Storage, record: CreditRecord, *,
                     actor: User, by_agent: bool, statement: str, commitment_text: str,
                     uploads: Sequence[MaterialUpload], today: dt.date, now: dt.datetime,
                     credit_rules: rules.CreditRules, review_working_days: int,
                     ) -> RepairApplication:
    """Apply for repair of ``record`` with its materials; the review clock starts.

    :raises TransitionForbidden: the actor does not act for the record's enterprise.
    :raises NotEligible: a condition of repair does not hold (or it was applied for).
    :raises CreditError: a required material is missing.
    """
    if not role_has(actor.role_toward(record.enterprise_id), Permission.CREDIT_OWN_EDIT):
        raise TransitionForbidden(f"user {actor.id} does not act for the enterprise")
    unmet = unmet_conditions(session, record, today=today, credit_rules=credit_rules)
    if unmet:
        raise NotEligible(unmet)
    materials = {item.material for item in uploads}
    if RepairMaterial.PROOF_OF_PERFORMANCE not in materials:
        raise CreditError(_l("Attach the proof of performance (payment receipt or "
                             "rectification proof)."), field="proof")
    if by_agent and RepairMaterial.AUTHORISATION not in materials:
        raise CreditError(_l("An agent applying attaches the authorisation (授权委托书)."),
                          field="authorisation")
    deadline = add_working_days(today, review_working_days)
    application = RepairApplication(
        record=record, enterprise_id=record.enterprise_id,
        department_code=record.department_code, status=RepairStatus.SUBMITTED,
        commitment_text=commitment_text, statement=statement, by_agent=by_agent,
        submitted_by_id=actor.id, submitted_at=now, review_due=deadline.date,
        review_due_estimated=deadline.estimated)
    session.add(application)
    session.flush()
    files = _store(session, storage, application, uploads, actor=actor, now=now)
    record_event(session, action="credit_repair.submitted", object_type="credit_repair",
                 object_id=application.id, actor=actor, now=now,
                 to_state=RepairStatus.SUBMITTED.value,
                 details={"record": record.id, "files": [row.id for row in files],
                          "review_due": deadline.date.isoformat()})
    logger.info("repair %s of record %s applied for by %s", application.id, record.id,
                actor.id)
    return application


def supplement(session: Session, storage: Storage, application: RepairApplication, *,
               actor: User, statement: str, uploads: Sequence[MaterialUpload],
               expected_version: int, today: dt.date, now: dt.datetime) -> None:
    """Send the materials asked for; the review clock resumes with the days it had left."""
    REPAIR_WORKFLOW.check(application, RepairStatus.SUBMITTED, actor=actor,
                          expected_version=expected_version)
    with session.no_autoflush:
        _store(session, storage, application, uploads, actor=actor, now=now)
        if statement.strip():
            application.statement = f"{application.statement}\n\n{statement.strip()}"
        resumed = resume_clock(today, application.review_days_left or 0)
        application.review_due = resumed.date
        application.review_due_estimated = resumed.estimated
        application.review_stopped_on, application.review_days_left = None, None
    REPAIR_WORKFLOW.transition(application, RepairStatus.SUBMITTED, actor=actor, now=now,
                               details={"review_due": resumed.date.isoformat()})


def request_supplement(session: Session, application: RepairApplication, *, actor: User,
                       reasons: str, expected_version: int, today: dt.date,
                       now: dt.datetime) -> None:
    """Ask for missing materials (补正); the review clock stops."""
    REPAIR_WORKFLOW.check(application, RepairStatus.SUPPLEMENT_REQUESTED, actor=actor,
                          expected_version=expected_version)
    with session.no_autoflush:
        application.review_days_left = (stop_clock(today, application.review_due)
                                        if application.review_due else 0)
        application.review_stopped_on = today
        application.reasons = reasons
    REPAIR_WORKFLOW.transition(application, RepairStatus.SUPPLEMENT_REQUESTED, actor=actor,
                               now=now, reason=reasons,
                               details={"review_days_left": application.review_days_left})


def decide(session: Session, application: RepairApplication, to: RepairStatus, *,
           actor: User, reasons: str, expected_version: int, today: dt.date,
           now: dt.datetime, false_materials: bool = False) -> None:
    """Accept, not accept (不予受理), approve or refuse; approval ends the record's publication.

    A refusal or non-acceptance for false materials bars the enterprise from later repair.

    :raises CreditError: a refusal without reasons; false materials on another step.
    """
    REPAIR_WORKFLOW.check(application, to, actor=actor, expected_version=expected_version)
    if to in (RepairStatus.NOT_ACCEPTED, RepairStatus.REFUSED) and not reasons.strip():
        raise CreditError(_l("Give the reasons for the decision."), field="reasons")
    if false_materials and to not in (RepairStatus.NOT_ACCEPTED, RepairStatus.REFUSED):
        raise CreditError(_l("False materials are a reason to refuse or not accept the "
                             "application."), field="false_materials")
    with session.no_autoflush:
        application.false_materials = application.false_materials or false_materials
        application.reasons = reasons or application.reasons
        if to != RepairStatus.ACCEPTED:
            application.decided_by_id, application.decided_at = actor.id, now
        if to == RepairStatus.APPROVED:
            _end_publication(application.record, PublicationStatus.REPAIRED, today)
    REPAIR_WORKFLOW.transition(application, to, actor=actor, now=now, reason=reasons or None,
                               details={"record": application.record_id,
                                        "false_materials": false_materials})


def _end_publication(record: CreditRecord, status: PublicationStatus, today: dt.date) -> None:
    record.publication_status = status
    record.ended_on = today


def object_to_refusal(session: Session, application: RepairApplication, *, actor: User,
                      objection: str, expected_version: int, now: dt.datetime) -> None:
    """Object (异议) to a refusal; the department answers."""
    REPAIR_WORKFLOW.check(application, RepairStatus.OBJECTED, actor=actor,
                          expected_version=expected_version)
    if not objection.strip():
        raise CreditError(_l("Say why you object to the refusal."), field="objection")
    application.objection = objection
    REPAIR_WORKFLOW.transition(application, RepairStatus.OBJECTED, actor=actor, now=now,
                               reason=objection)


def answer_objection(session: Session, application: RepairApplication, *, actor: User,
                     upheld: bool, answer: str, expected_version: int, today: dt.date,
                     now: dt.datetime) -> None:
    """Answer an objection: grant it (the repair is approved) or keep the refusal."""
    to = RepairStatus.APPROVED if upheld else RepairStatus.REFUSAL_UPHELD
    REPAIR_WORKFLOW.check(application, to, actor=actor, expected_version=expected_version)
    if not answer.strip():
        raise CreditError(_l("Give the answer to the objection."), field="answer")
    with session.no_autoflush:
        application.objection_answer = answer
        application.decided_by_id, application.decided_at = actor.id, now
        if upheld:
            _end_publication(application.record, PublicationStatus.REPAIRED, today)
    REPAIR_WORKFLOW.transition(application, to, actor=actor, now=now, reason=answer,
                               details={"record": application.record_id})


def referenced_digests(session: Session, digests: Iterable[str]) -> set[str]:
    """Return those of ``digests`` that a repair file points at (for the storage sweep)."""
    wanted = list(digests)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(session.scalars(select(RepairFile.sha256).where(
            RepairFile.sha256.in_(wanted[start:start + 500]))))
    return found


# -- Expiry ---------------------------------------------------------------------------------


def expire_records(session: Session, *, today: dt.date, now: dt.datetime) -> int:
    """End the publication of every record whose maximum period is over (idempotent).

    Returns how many records it ended; a second run on the same day ends none.
    """
    result = session.execute(
        update(CreditRecord)
        .where(CreditRecord.publication_status == PublicationStatus.PUBLISHED,
               CreditRecord.publication_ends_on <= today)
        .values(publication_status=PublicationStatus.EXPIRED, ended_on=today,
                version=CreditRecord.version + 1)
        .execution_options(synchronize_session=False))
    count = int(getattr(result, "rowcount", 0) or 0)
    if count:
        record_event(session, action="credit.expired", object_type="credit_record",
                     now=now, details={"count": count, "on": today.isoformat()})
    logger.info("%d credit records reached their maximum period on %s", count, today)
    return count


# -- Export ---------------------------------------------------------------------------------


#: The columns of the repair-results export, in order (documented in the README).
EXPORT_FIELDS = ("decision_number", "uscc", "enterprise_name", "department_code",
                 "decision_date", "application_id", "status", "decided_on",
                 "publication_status", "publication_ended_on", "reasons")


def repair_results(session: Session, *, department_code: str | None = None,
                   since: dt.date | None = None) -> list[dict[str, Any]]:
    """Return the decided repair applications as export rows (see ``EXPORT_FIELDS``)."""
    query = (select(RepairApplication, CreditRecord, Enterprise)
             .join(CreditRecord, CreditRecord.id == RepairApplication.record_id)
             .join(Enterprise, Enterprise.id == RepairApplication.enterprise_id)
             .where(RepairApplication.decided_at.is_not(None))
             .order_by(RepairApplication.decided_at, RepairApplication.id))
    if department_code is not None:
        query = query.where(RepairApplication.department_code == department_code)
    rows = []
    for application, record, enterprise in session.execute(query).all():
        decided = application.decided_at
        if since is not None and decided is not None and decided.date() < since:
            continue
        rows.append({
            "decision_number": record.decision_number, "uscc": enterprise.uscc,
            "enterprise_name": enterprise.name, "department_code": record.department_code,
            "decision_date": record.decision_date.isoformat(),
            "application_id": application.id, "status": application.status.value,
            "decided_on": decided.date().isoformat() if decided else "",
            "publication_status": record.publication_status.value,
            "publication_ended_on": record.ended_on.isoformat() if record.ended_on else "",
            "reasons": application.objection_answer or application.reasons or "",
        })
    return rows
