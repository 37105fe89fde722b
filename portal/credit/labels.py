"""What credit statuses, classes, penalty types and steps are called on the pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.credit.models import (
    MarketCategory,
    PenaltyType,
    PublicationStatus,
    RecordClass,
    RepairStatus,
)

PENALTY_LABELS: dict[str, Any] = {
    PenaltyType.WARNING: _l("Warning (警告)"),
    PenaltyType.NOTICE_OF_CRITICISM: _l("Notice of criticism (通报批评)"),
    PenaltyType.FINE: _l("Fine (罚款)"),
    PenaltyType.CONFISCATION: _l("Confiscation (没收)"),
    PenaltyType.SUSPENSION: _l("Suspension of production or business (责令停产停业)"),
    PenaltyType.LICENCE_REVOKED: _l("Licence revoked (吊销许可证件)"),
    PenaltyType.BUSINESS_LICENCE_REVOKED: _l("Business licence revoked (吊销营业执照)"),
    PenaltyType.QUALIFICATION_LOWERED: _l("Qualification lowered (降低资质等级)"),
    PenaltyType.RESTRICT_PRODUCTION: _l("Production or business restricted (限制开展生产经营活动)"),
    PenaltyType.RESTRICT_PRACTICE: _l("Practice restricted (限制从业)"),
}

CLASS_LABELS: dict[str, Any] = {
    RecordClass.MINOR: _l("Minor"),
    RecordClass.GENERAL: _l("General"),
    RecordClass.SERIOUS: _l("Serious"),
}

MARKET_LABELS: dict[str, Any] = {
    MarketCategory.WARNING: _l("Market regulation: warning"),
    MarketCategory.LOW_FINE_OR_CRITICISM: _l("Market regulation: criticism or low fine"),
    MarketCategory.OTHER: _l("Market regulation: other penalty"),
}

PUBLICATION_LABELS: dict[str, Any] = {
    PublicationStatus.PUBLISHED: _l("Published"),
    PublicationStatus.UNPUBLISHED: _l("Not published"),
    PublicationStatus.REPAIRED: _l("Publication ended by repair"),
    PublicationStatus.EXPIRED: _l("Publication period over"),
}

REPAIR_LABELS: dict[str, Any] = {
    RepairStatus.SUBMITTED: _l("Submitted, waiting for the department"),
    RepairStatus.SUPPLEMENT_REQUESTED: _l("More materials asked for (补正)"),
    RepairStatus.NOT_ACCEPTED: _l("Not accepted (不予受理)"),
    RepairStatus.ACCEPTED: _l("Accepted (受理), being decided"),
    RepairStatus.APPROVED: _l("Approved: publication ended"),
    RepairStatus.REFUSED: _l("Refused"),
    RepairStatus.OBJECTED: _l("Objection (异议) waiting for an answer"),
    RepairStatus.REFUSAL_UPHELD: _l("Refusal upheld after the objection"),
}

RISK_LABELS: dict[str, Any] = {
    "A": _l("A — low risk"),
    "B": _l("B — general risk"),
    "C": _l("C — higher risk"),
    "D": _l("D — high risk"),
}
