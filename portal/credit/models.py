"""Credit records (行政处罚信息), the enterprise's credit standing and repair applications.

A record's publication dates and earliest repair date are computed by
``portal/credit/rules.py`` when the record is created and stored (STYLE.md 29):
a later change of a setting does not move a date the enterprise was told. A
repair application's status moves only through ``portal/credit/workflow.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Enterprise, User, _enum
from portal.core.db import Base, utcnow


class PenaltyType(StrEnum):
    """Kinds of administrative penalty (行政处罚法 Art. 9) as recorded."""

    WARNING = "warning"  #: 警告
    NOTICE_OF_CRITICISM = "notice_of_criticism"  #: 通报批评
    FINE = "fine"  #: 罚款
    CONFISCATION = "confiscation"  #: 没收违法所得、没收非法财物
    SUSPENSION = "suspension"  #: 责令停产停业
    LICENCE_REVOKED = "licence_revoked"  #: 吊销许可证件
    BUSINESS_LICENCE_REVOKED = "business_licence_revoked"  #: 吊销营业执照
    QUALIFICATION_LOWERED = "qualification_lowered"  #: 降低资质等级
    RESTRICT_PRODUCTION = "restrict_production"  #: 限制开展生产经营活动
    RESTRICT_PRACTICE = "restrict_practice"  #: 限制从业


class RecordClass(StrEnum):
    """Seriousness of a record (信息类别), which sets its publication period."""

    MINOR = "minor"
    GENERAL = "general"
    SERIOUS = "serious"


class MarketCategory(StrEnum):
    """Market-regulation category (国市监信规〔2021〕3号); None for other authorities."""

    WARNING = "warning"
    LOW_FINE_OR_CRITICISM = "low_fine_or_criticism"
    OTHER = "other"


class PublicationStatus(StrEnum):
    """Whether a record is shown on the public credit display."""

    PUBLISHED = "published"
    #: Never published (a market-regulation warning, a minor record kept back).
    UNPUBLISHED = "unpublished"
    #: Publication ended early by an approved repair (kept in the history).
    REPAIRED = "repaired"
    #: Publication ended at its maximum period (``flask credit expire``).
    EXPIRED = "expired"


class RiskClass(StrEnum):
    """Credit risk class (信用风险分类): A low, B general, C higher, D high."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class CreditRecord(Base):
    """One administrative penalty record of one enterprise, as published."""

    __tablename__ = "credit_records"
    __table_args__ = (
        CheckConstraint("fine_amount >= 0", name="fine_not_negative"),
        CheckConstraint("publication_ends_on IS NULL OR publication_ends_on >= decision_date",
                        name="ends_after_decision"),
        Index("ix_credit_records_enterprise", "enterprise_id", "decision_date"),
        Index("ix_credit_records_expiry", "publication_status", "publication_ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 行政处罚决定书文号, unique across the portal.
    decision_number: Mapped[str] = mapped_column(String(100), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    #: The deciding authority's department code (its officers review repairs).
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    #: The violation (违法行为), as written in the decision.
    violation: Mapped[str] = mapped_column(Text)
    #: Penalty types, a list of ``PenaltyType`` values.
    penalty_types: Mapped[list[str]] = mapped_column(JSON)
    #: The fine in yuan (0 when none).
    fine_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    decision_date: Mapped[dt.date] = mapped_column(Date)
    record_class: Mapped[RecordClass] = mapped_column(_enum(RecordClass, "credit_record_class"))
    #: Market-regulation category, set only for records of a market-regulation authority.
    market_category: Mapped[MarketCategory | None] = mapped_column(
        _enum(MarketCategory, "credit_market_category"))
    #: Food, drugs or special equipment (食品、药品、特种设备): a longer minimum period.
    food_drug_special_equipment: Mapped[bool] = mapped_column(default=False)
    #: The day the decision was fully performed (fine paid, correction done), if known.
    performed_on: Mapped[dt.date | None] = mapped_column(Date)
    publication_status: Mapped[PublicationStatus] = mapped_column(
        _enum(PublicationStatus, "credit_publication_status"))
    #: First day of publication (the decision date), stored.
    publication_starts_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The day publication ends at the latest (its maximum period), stored.
    publication_ends_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The first day a repair may be applied for (its minimum period), stored.
    earliest_repair_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The day publication actually ended (repair approved or expiry), if it has.
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Optimistic-lock version, bumped on every change.
    version: Mapped[int] = mapped_column(default=1)

    enterprise: Mapped[Enterprise] = relationship()
    repair: Mapped[RepairApplication | None] = relationship(back_populates="record",
                                                            uselist=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_published(self) -> bool:
        """Return whether the record is on the public display now."""
        return self.publication_status == PublicationStatus.PUBLISHED


class CreditStanding(Base):
    """What the credit rules know of an enterprise beyond its records (one row each).

    The abnormal-operations and serious-violation lists are kept by other systems;
    until they are connected, an officer records here whether the enterprise is on
    them. The risk-class override (with its reason, audited) also lives here.
    """

    __tablename__ = "credit_standings"

    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), primary_key=True)
    #: On the list of enterprises with abnormal operations (经营异常名录).
    on_abnormal_list: Mapped[bool] = mapped_column(default=False)
    #: On the list of serious violators (严重违法失信名单).
    on_serious_violation_list: Mapped[bool] = mapped_column(default=False)
    #: Risk class set by an officer instead of the computed one, if any.
    risk_override: Mapped[RiskClass | None] = mapped_column(_enum(RiskClass, "credit_risk_class"))
    override_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    overridden_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class RepairStatus(StrEnum):
    """Where a repair application stands."""

    #: Sent with its materials; waiting for the department (its clock runs).
    SUBMITTED = "submitted"
    #: Materials asked for (补正); the clock is stopped until they come.
    SUPPLEMENT_REQUESTED = "supplement_requested"
    #: Not accepted (不予受理), with reasons. Final.
    NOT_ACCEPTED = "not_accepted"
    #: Accepted (受理); the department decides.
    ACCEPTED = "accepted"
    #: Approved: the record's publication ended. Final.
    APPROVED = "approved"
    #: Refused with reasons; the enterprise may object (异议).
    REFUSED = "refused"
    #: The enterprise objected to the refusal; waiting for the answer.
    OBJECTED = "objected"
    #: The objection was answered and the refusal stands. Final.
    REFUSAL_UPHELD = "refusal_upheld"


#: States in which nobody acts any more.
REPAIR_FINAL = frozenset({RepairStatus.NOT_ACCEPTED, RepairStatus.APPROVED,
                          RepairStatus.REFUSAL_UPHELD})
#: States in which the department is expected to act.
REPAIR_DEPARTMENT_TURN = frozenset({RepairStatus.SUBMITTED, RepairStatus.ACCEPTED,
                                    RepairStatus.OBJECTED})


class RepairApplication(Base):
    """An application to end a record's publication early (one per record)."""

    __tablename__ = "credit_repair_applications"
    __table_args__ = (
        UniqueConstraint("record_id", name="uq_credit_repair_applications_record_id"),
        Index("ix_credit_repairs_queue", "department_code", "status", "review_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_records.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    department_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[RepairStatus] = mapped_column(_enum(RepairStatus, "credit_repair_status"),
                                                 default=RepairStatus.SUBMITTED)
    #: The credit commitment letter (信用承诺书) as shown when it was signed.
    commitment_text: Mapped[str] = mapped_column(Text)
    #: What was done to remove the harmful effects and perform the decision.
    statement: Mapped[str] = mapped_column(Text)
    #: Made by an agent (授权委托): an authorisation is among the files.
    by_agent: Mapped[bool] = mapped_column(default=False)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The department's decision deadline (working days from a complete application).
    review_due: Mapped[dt.date | None] = mapped_column(Date)
    review_due_estimated: Mapped[bool] = mapped_column(default=False)
    #: When the clock stopped for a supplement, and the working days it had left.
    review_stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    review_days_left: Mapped[int | None]
    #: What the department asked to be supplied, or its reasons for a decision.
    reasons: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None]
    #: The enterprise's objection (异议) to a refusal, and the department's answer.
    #: Refused (or not accepted) because the materials were false: the enterprise may not
    #: repair its credit again (DOMAIN.md §4).
    false_materials: Mapped[bool] = mapped_column(default=False, server_default=false())
    objection: Mapped[str | None] = mapped_column(Text)
    objection_answer: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    record: Mapped[CreditRecord] = relationship(back_populates="repair")
    enterprise: Mapped[Enterprise] = relationship()
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    files: Mapped[list[RepairFile]] = relationship(back_populates="application",
                                                   order_by="RepairFile.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_final(self) -> bool:
        """Return whether nobody acts on the application any more."""
        return self.status in REPAIR_FINAL


class RepairMaterial(StrEnum):
    """What a file of an application proves."""

    PROOF_OF_PERFORMANCE = "proof_of_performance"
    AUTHORISATION = "authorisation"
    OTHER = "other"


class RepairFile(Base):
    """A file of a repair application, stored by its SHA-256 (never overwritten)."""

    __tablename__ = "credit_repair_files"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("credit_repair_applications.id"),
                                                index=True)
    material: Mapped[RepairMaterial] = mapped_column(_enum(RepairMaterial,
                                                           "credit_repair_material"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    application: Mapped[RepairApplication] = relationship(back_populates="files")


def record_row(**values: Any) -> dict[str, Any]:
    """Return a row of ``credit_records`` for a bulk insert, with the mapper's defaults."""
    return {"version": 1, "food_drug_special_equipment": False, **values}


__all__ = ["REPAIR_DEPARTMENT_TURN", "REPAIR_FINAL", "CreditRecord", "CreditStanding",
           "MarketCategory", "PenaltyType", "PublicationStatus", "RecordClass",
           "RepairApplication", "RepairFile", "RepairMaterial", "RepairStatus", "RiskClass",
           "record_row"]
