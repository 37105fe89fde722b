"""Credit records for tests, made by the same services as the portal's pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import current_app

from portal.core.db import utcnow
from portal.credit import services
from portal.credit.rules import CreditRules
from portal.extensions import db

_numbers = iter(range(1, 10**6))


def rules() -> CreditRules:
    """Return the configured credit rules."""
    return CreditRules.from_config(current_app.config)


def make_record(enterprise, department, *, decided: dt.date, record_class: str = "general",
                performed: dt.date | None = None, penalties=("fine",), market=None,
                special=False, violation: str = "未按规定公示食品经营许可证",
                number: str | None = None, commit: bool = True):
    """Create a record of ``enterprise`` decided by ``department`` on ``decided``."""
    values = services.RecordValues(
        decision_number=number or f"穗南测罚〔{decided.year}〕{next(_numbers)}号",
        enterprise_id=enterprise.id, department_code=department.code, violation=violation,
        penalty_types=tuple(penalties), fine_amount=Decimal("2000"), decision_date=decided,
        record_class=record_class, market_category=market, food_drug_special_equipment=special,
        performed_on=performed)
    record = services.create_record(db.session, values, actor=None, credit_rules=rules(),
                                    now=utcnow())
    if commit:
        db.session.commit()
    return record
