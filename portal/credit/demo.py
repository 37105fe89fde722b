"""Demo credit records (``flask demo load``) in each eligibility state; never in production.

Each record is made by ``services.create_record`` with the configured rules, so its
dates are the real ones; one of them has a repair application waiting for the
market-regulation officer. A record is recognised by its decision number, so
loading twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise, User
from portal.accounts.services import DEMO_EMAIL_DOMAIN
from portal.cases.demo import demo_pdf
from portal.core.identifiers import make_uscc
from portal.core.storage import EVIDENCE_KINDS, Storage, accept_upload
from portal.credit import services
from portal.credit.models import CreditRecord, RepairMaterial
from portal.credit.notices import send_repair_notices
from portal.credit.rules import CreditRules


@dataclass(frozen=True)
class DemoRecord:
    """One demo record: whose, which state it shows, and its facts."""

    enterprise_key: str
    number: str
    department_code: str
    violation: str
    penalties: tuple[str, ...]
    fine: int
    decided_days_ago: int
    record_class: str
    market_category: str | None
    performed_days_after: int | None
    #: Apply for repair (by the enterprise's administrator) once created.
    apply: bool = False


DEMO_RECORDS = (
    # Eligible now: general, performed, minimum period over.
    DemoRecord("catering", "穗南市监罚〔2025〕801号", "market_regulation",
               "未按规定公示食品经营许可证（演示）", ("warning", "fine"), 2000, 220, "general",
               "other", 10),
    # Minimum period not over yet (market regulation, other: 6 months).
    DemoRecord("catering", "穗南市监罚〔2026〕802号", "market_regulation",
               "从业人员未取得健康证明（演示）", ("fine",), 3000, 40, "general", "other", 5),
    # Not performed: the fine is unpaid.
    DemoRecord("logistics", "穗南市监罚〔2025〕803号", "market_regulation",
               "未按规定建立出入库台账（演示）", ("fine",), 5000, 300, "general", "other", None),
    # No early repair: suspension.
    DemoRecord("construction", "穗南综执罚〔2025〕804号", "comprehensive_enforcement",
               "未取得施工许可擅自施工（演示）", ("fine", "suspension"), 50000, 200, "serious",
               None, 15),
    # A market-regulation warning: not published.
    DemoRecord("logistics", "穗南市监罚〔2026〕805号", "market_regulation",
               "户外广告未按规定登记（演示）", ("warning",), 0, 30, "minor", "warning", 1),
    # Past its maximum period: `flask credit expire` ends it.
    DemoRecord("construction", "穗南综执罚〔2025〕806号", "comprehensive_enforcement",
               "施工现场未设置围挡（演示）", ("fine",), 1000, 150, "minor", None, 7),
    # Eligible, and applied for: waiting for the department.
    DemoRecord("logistics", "穗南市监罚〔2025〕807号", "market_regulation",
               "仓库消防通道堆放货物（演示）", ("fine",), 8000, 240, "general", "other", 20,
               apply=True),
)


def _uscc_of(key: str) -> str:
    from portal.accounts.demo import ENTERPRISES

    return make_uscc("91440115", next(row[1] for row in ENTERPRISES if row[0] == key))


def load_demo_credit(session: Session, storage: Storage, *, today: dt.date, now: dt.datetime,
                     credit_rules: CreditRules, review_working_days: int) -> int:
    """Create the missing demo records (and one application); return how many records."""
    created = 0
    for spec in DEMO_RECORDS:
        enterprise = session.scalar(select(Enterprise).where(
            Enterprise.uscc == _uscc_of(spec.enterprise_key)))
        if enterprise is None or session.scalar(select(CreditRecord.id).where(
                CreditRecord.decision_number == spec.number)) is not None:
            continue
        decided = today - dt.timedelta(days=spec.decided_days_ago)
        performed = (decided + dt.timedelta(days=spec.performed_days_after)
                     if spec.performed_days_after is not None else None)
        record = services.create_record(session, services.RecordValues(
            decision_number=spec.number, enterprise_id=enterprise.id,
            department_code=spec.department_code, violation=spec.violation,
            penalty_types=spec.penalties, fine_amount=Decimal(spec.fine),
            decision_date=decided, record_class=spec.record_class,
            market_category=spec.market_category, food_drug_special_equipment=False,
            performed_on=performed), actor=None, credit_rules=credit_rules, now=now)
        send_repair_notices(session, [record], today=today, now=now)
        if spec.apply:
            admin = session.scalar(select(User).where(
                User.email == f"{spec.enterprise_key}-admin@{DEMO_EMAIL_DOMAIN}"))
            if admin is not None:
                proof = accept_upload(io.BytesIO(demo_pdf(f"缴款凭证 {spec.number}")),
                                      "罚款缴款凭证.pdf", kinds=EVIDENCE_KINDS, max_bytes=2**24)
                services.apply_for_repair(
                    session, storage, record, actor=admin, by_agent=False,
                    statement="罚款已全额缴纳，消防通道已清理并建立巡查制度。（演示）",
                    commitment_text=f"本单位承诺：处罚决定{spec.number}已全部履行……（演示）",
                    uploads=[services.MaterialUpload(proof, RepairMaterial.PROOF_OF_PERFORMANCE)],
                    today=today, now=now, credit_rules=credit_rules,
                    review_working_days=review_working_days)
        session.flush()
        created += 1
    return created
