"""Row builders for generated casework: cases with reports, evidence and audit events,
credit records, and exemption applications with their decisions (``benchmarks/generate.py``).

Rows are tuples in the column order of the ``*_COLUMNS`` constants, built in Python with
a seeded ``random.Random`` so that two runs load the same rows. Audit events are chained
as ``record_event`` chains them: each stores the previous event's hash and its own hash
of ``portal.core.audit.canonical_form``, so ``flask audit verify`` passes afterwards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from benchmarks.case_queue import DEPARTMENTS as CASE_DEPARTMENTS
from portal.cases.models import CaseStatus
from portal.core.audit import canonical_form
from portal.credit import rules as credit_rules
from portal.credit.models import MarketCategory, PenaltyType, RecordClass

CASE_COLUMNS = (
    "id", "reference", "enterprise_id", "department_code", "origin", "industry_code", "town",
    "problem", "requirement", "status", "issued_on", "working_days", "due_date",
    "due_estimated", "review_due", "action_due", "opened_by_id", "created_at", "updated_at",
    "closed_at", "conclusion", "version")
SUBMISSION_COLUMNS = ("id", "case_id", "description", "completed_on", "commitment_text",
                      "submitted_by_id", "submitted_at")
EVIDENCE_COLUMNS = ("id", "case_id", "submission_id", "sha256", "name", "size", "content_type",
                    "uploaded_by_id", "uploaded_at", "effective_on")
AUDIT_COLUMNS = ("id", "occurred_at", "actor_id", "actor_label", "action", "object_type",
                 "object_id", "from_state", "to_state", "request_id", "details", "prev_hash",
                 "hash", "note")
CREDIT_COLUMNS = (
    "id", "decision_number", "enterprise_id", "department_code", "violation", "penalty_types",
    "fine_amount", "decision_date", "record_class", "market_category",
    "food_drug_special_equipment", "performed_on", "publication_status",
    "publication_starts_on", "publication_ends_on", "earliest_repair_on", "created_by_id",
    "created_at", "version")

PROBLEMS = ("未按规定公示食品经营许可证", "进货查验记录不完整", "消防器材未定期检查",
            "从业人员健康证明过期", "价格标签不规范", "仓库物品堆放堵塞安全出口",
            "户外招牌设置不规范", "危险化学品台账未及时更新")
COMMITMENT = "本单位承诺所报整改情况属实。"
#: Share of cases in each status (as in ``benchmarks/case_queue.py``).
STATUS_DRAWS = ((0.55, CaseStatus.RECTIFIED), (0.70, CaseStatus.NOT_RECTIFIED),
                (0.85, CaseStatus.OPEN), (0.95, CaseStatus.SUBMITTED),
                (1.0, CaseStatus.SUPPLEMENT_REQUESTED))


@dataclass
class AuditChain:
    """The end of the audit chain, extended one event at a time in id order."""

    next_id: int
    last_hash: str

    def event(self, *, occurred_at: dt.datetime, actor_id: int | None, actor_label: str,
              action: str, object_type: str, object_id: str, from_state: str | None,
              to_state: str | None, details: dict[str, Any], note: str | None = None,
              ) -> tuple[Any, ...]:
        """Return the next event's row, hashed exactly as ``record_event`` hashes it."""
        digest = hashlib.sha256(canonical_form(
            occurred_at=occurred_at, actor_id=actor_id, actor_label=actor_label, action=action,
            object_type=object_type, object_id=object_id, from_state=from_state,
            to_state=to_state, request_id=None, details=details, note=note,
            prev_hash=self.last_hash)).hexdigest()
        row = (self.next_id, occurred_at, actor_id, actor_label, action, object_type,
               object_id, from_state, to_state, None, details, self.last_hash, digest, note)
        self.next_id += 1
        self.last_hash = digest
        return row


@dataclass(frozen=True)
class Evidence:
    """The one stored file every generated evidence row points at."""

    sha256: str
    name: str
    size: int
    content_type: str


@dataclass(frozen=True)
class Actors:
    """Who opens, reports and decides generated cases (ids and audit labels)."""

    officer_id: int
    officer_label: str
    owner_id: int
    owner_label: str


@dataclass
class CaseBatch:
    """One batch of generated cases with the rows that belong to them."""

    cases: list[tuple[Any, ...]] = field(default_factory=list)
    submissions: list[tuple[Any, ...]] = field(default_factory=list)
    evidence: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)


def _department(draw: float) -> str:
    total = sum(share for _code, share in CASE_DEPARTMENTS)
    upper = 0.0
    for code, share in CASE_DEPARTMENTS:
        upper += share / total
        if draw < upper:
            return code
    return CASE_DEPARTMENTS[-1][0]


def case_batches(count: int, *, first_ids: tuple[int, int, int], owner_enterprise: int,
                 own_cases: int, enterprise_ids: Sequence[int],
                 places: dict[int, tuple[str, str]], actors: Actors, evidence: Evidence,
                 chain: AuditChain, today: dt.date, now: dt.datetime, rng: random.Random,
                 batch_size: int = 50_000) -> Iterator[CaseBatch]:
    """Yield ``count`` cases in batches, with a report, an evidence file and audit events.

    ``first_ids`` are the first ids of cases, submissions and evidence rows. The first
    ``own_cases`` belong to ``owner_enterprise`` (the bench accounts' enterprise), the
    rest to ``enterprise_ids`` at random. Every case but an open one has a report with one
    evidence file; its events are ``case.opened``, ``case.submitted`` and the decision or
    supplement request that brought it to its status, as the workflow records them.
    """
    case_id, submission_id, file_id = first_ids
    batch = CaseBatch()
    for n in range(count):
        enterprise = owner_enterprise if n < own_cases else rng.choice(enterprise_ids)
        industry, town = places[enterprise]
        draw = rng.random()
        status = next(s for limit, s in STATUS_DRAWS if draw < limit)
        final = status in (CaseStatus.RECTIFIED, CaseStatus.NOT_RECTIFIED)
        age = rng.random()
        issued = today - dt.timedelta(days=120 + int(age * 1400) if final else int(age * 120))
        working_days = 5 + rng.randrange(6) * 5
        due = issued + dt.timedelta(days=working_days * 7 // 5)
        review_due = due + dt.timedelta(days=3) if status == CaseStatus.SUBMITTED else None
        action_due = (None if final else review_due if status == CaseStatus.SUBMITTED
                      else due)
        opened_at = now - dt.timedelta(days=(today - issued).days, seconds=rng.randrange(36000))
        reported_at = opened_at + dt.timedelta(days=max(1, working_days // 2))
        closed_at = opened_at + dt.timedelta(days=20) if final else None
        reference = f"ZG{issued.year}{case_id:07d}"
        problem = f"{rng.choice(PROBLEMS)}（{case_id}）"
        department = ("market_regulation" if n < own_cases else _department(rng.random()))
        conclusion = ("复查合格。" if status == CaseStatus.RECTIFIED
                      else "逾期未整改。" if final else None)
        batch.cases.append((
            case_id, reference, enterprise, department, "order", industry, town, problem,
            "按要求整改并提交整改报告", status.value, issued, working_days, due, False,
            review_due, action_due, actors.officer_id, opened_at,
            closed_at or reported_at if status != CaseStatus.OPEN else opened_at,
            closed_at, conclusion, 1))
        batch.events.append(chain.event(
            occurred_at=opened_at, actor_id=actors.officer_id, actor_label=actors.officer_label,
            action="case.opened", object_type="case", object_id=str(case_id), from_state=None,
            to_state=CaseStatus.OPEN.value,
            details={"reference": reference, "origin": "order", "due_date": due.isoformat()}))
        if status != CaseStatus.OPEN:
            completed = reported_at.date() - dt.timedelta(days=1)
            batch.submissions.append((submission_id, case_id, "已按要求完成整改，附整改照片。",
                                      completed, COMMITMENT, actors.owner_id, reported_at))
            batch.evidence.append((file_id, case_id, submission_id, evidence.sha256,
                                   evidence.name, evidence.size, evidence.content_type,
                                   actors.owner_id, reported_at, completed))
            batch.events.append(chain.event(
                occurred_at=reported_at, actor_id=actors.owner_id,
                actor_label=actors.owner_label, action="case.submitted", object_type="case",
                object_id=str(case_id), from_state=CaseStatus.OPEN.value,
                to_state=CaseStatus.SUBMITTED.value,
                details={"submission": submission_id, "files": [file_id], "superseded": [],
                         "completed_on": completed.isoformat(),
                         "review_due": (due + dt.timedelta(days=3)).isoformat(),
                         "supplement": False}))
            if status != CaseStatus.SUBMITTED:
                batch.events.append(chain.event(
                    occurred_at=closed_at or reported_at + dt.timedelta(days=2),
                    actor_id=actors.officer_id, actor_label=actors.officer_label,
                    action=f"case.{status.value}", object_type="case", object_id=str(case_id),
                    from_state=CaseStatus.SUBMITTED.value, to_state=status.value,
                    details={}, note=conclusion or "请补充整改前后对比照片。"))
            submission_id += 1
            file_id += 1
        case_id += 1
        if len(batch.cases) >= batch_size:
            yield batch
            batch = CaseBatch()
    if batch.cases:
        yield batch


VIOLATIONS = ("未按规定公示食品经营许可证", "销售过期食品", "未按规定明码标价",
              "未按规定进行安全生产教育培训", "擅自改变房屋用途", "超范围经营")
PENALTIES = ((PenaltyType.WARNING,), (PenaltyType.FINE,), (PenaltyType.WARNING, PenaltyType.FINE),
             (PenaltyType.FINE, PenaltyType.CONFISCATION), (PenaltyType.NOTICE_OF_CRITICISM,))
CREDIT_DEPARTMENTS = ("market_regulation", "emergency_management", "ecology_environment",
                      "housing_construction", "comprehensive_enforcement")


def credit_rows(count: int, first_id: int, *, owner_enterprise: int, own_records: int,
                enterprise_ids: Sequence[int], officer_id: int,
                credit: credit_rules.CreditRules, today: dt.date, now: dt.datetime,
                rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """Yield penalty records with their publication dates computed by the credit rules."""
    for n in range(count):
        record_id = first_id + n
        enterprise = owner_enterprise if n < own_records else rng.choice(enterprise_ids)
        department = CREDIT_DEPARTMENTS[n % len(CREDIT_DEPARTMENTS)]
        penalties = rng.choice(PENALTIES)
        decided = today - dt.timedelta(days=rng.randrange(1, 1500))
        record_class = rng.choice((RecordClass.MINOR, RecordClass.GENERAL, RecordClass.GENERAL,
                                   RecordClass.SERIOUS))
        category = None
        if department == "market_regulation":
            category = (MarketCategory.WARNING if penalties == (PenaltyType.WARNING,)
                        else MarketCategory.LOW_FINE_OR_CRITICISM if n % 3
                        else MarketCategory.OTHER)
        special = n % 11 == 0
        published = credit_rules.publication(
            decision_date=decided, record_class=record_class, market_category=category,
            food_drug_special_equipment=special, rules=credit)
        if not published.published:
            status = "unpublished"
        elif published.ends_on is not None and published.ends_on <= today:
            status = "expired"
        else:
            status = "published"
        fine = (Decimal(500 + rng.randrange(200) * 100) if PenaltyType.FINE in penalties
                else Decimal(0))
        yield (record_id, f"穗南基准罚〔{decided.year}〕{record_id}号", enterprise, department,
               f"{rng.choice(VIOLATIONS)}（{record_id}）", [p.value for p in penalties], fine,
               decided, record_class.value, category.value if category else None, special,
               decided + dt.timedelta(days=15) if n % 2 else None, status,
               published.starts_on, published.ends_on, published.earliest_repair_on,
               officer_id, now - dt.timedelta(days=(today - decided).days), 1)


@dataclass(frozen=True)
class DecisionTemplate:
    """A demo application and its published grant, copied column by column."""

    application: dict[str, Any]
    decision: dict[str, Any]


def _replace_text(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {key: _replace_text(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace_text(item, old, new) for item in value]
    return value


def decision_rows(count: int, first_ids: tuple[int, int], template: DecisionTemplate, *,
                  owner_enterprise: int, own: int, enterprise_ids: Sequence[int],
                  open_share: float, today: dt.date, now: dt.datetime, rng: random.Random,
                  party: Callable[[int], dict[str, str]] | None = None,
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Return applications and the published grants that answer them.

    Each is a copy of the demo template (a real grant, so every column holds what the
    services write) with its own ids, enterprise, dates, reference and document number;
    ``open_share`` of the applications still wait for the officer (no decision), so the
    department's queue has rows. The first ``own`` belong to ``owner_enterprise``.
    ``party`` gives the name and USCC shown for another enterprise (else the template's).
    """
    application_id, decision_id = first_ids
    applications, decisions = [], []
    old_number = template.decision["document_number"]
    for n in range(count):
        # One enterprise per id until they run out, and a day per id modulo 700: never the
        # same enterprise, entry and violation day twice (a unique index refuses that).
        enterprise = (owner_enterprise if n < own
                      else enterprise_ids[(application_id * 7919) % len(enterprise_ids)])
        issued = today - dt.timedelta(days=30 + application_id % 700)
        violation = issued - dt.timedelta(days=20)
        submitted_on = issued - dt.timedelta(days=10)
        moment = now - dt.timedelta(days=(today - issued).days)
        pending = rng.random() < open_share
        application = dict(template.application)
        application.update(
            id=application_id, reference=f"MF{submitted_on.year}{application_id:07d}",
            enterprise_id=enterprise, violation_on=violation, corrected_on=violation,
            violation_ended_on=None, submitted_on=submitted_on,
            created_at=moment - dt.timedelta(days=10), updated_at=moment,
            facts=f"{template.application['facts']}（基准{application_id}）")
        if pending:
            due = today + dt.timedelta(days=rng.randrange(-5, 20))
            application.update(status="submitted", review_due=due, action_due=due,
                               closed_at=None, education_form=None, education_on=None,
                               education_content=None, discretion_reason=None,
                               economic_impact=None, proposal=None, proposed_by_id=None)
        else:
            application.update(status="granted", action_due=None, closed_at=moment,
                               education_on=issued)
            number = 100_000 + decision_id
            document_number = old_number.replace(
                f"〔{template.decision['year']}〕{template.decision['number']}号",
                f"〔{issued.year}〕{number}号")
            decision = dict(template.decision)
            decision.update(
                id=decision_id, application_id=application_id, enterprise_id=enterprise,
                year=issued.year, number=number, document_number=document_number,
                verification_code=f"{rng.getrandbits(128):032x}", issued_on=issued,
                issued_at=moment, publish_on=issued + dt.timedelta(days=7),
                disclosure="published", withdrawn_at=None, withdrawal_kind=None,
                withdrawal_reason=None,
                content=_replace_text(template.decision["content"], old_number,
                                      document_number),
                public_content=_replace_text(template.decision["public_content"], old_number,
                                             document_number))
            if party is not None and enterprise != owner_enterprise:
                for document in ("content", "public_content"):
                    if isinstance(decision[document], dict) and "party" in decision[document]:
                        decision[document] = {**decision[document], "party": {
                            **decision[document]["party"], **party(enterprise)}}
            decisions.append(decision)
            decision_id += 1
        applications.append(application)
        application_id += 1
    return applications, decisions
