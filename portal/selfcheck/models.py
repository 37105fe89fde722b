"""Self-checks: a draft that becomes a submitted, scored record."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Enterprise, User, _enum
from portal.core.db import Base, utcnow
from portal.guides.models import QuestionnaireVersion


class SelfCheckStatus(StrEnum):
    """Where a self-check stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class SelfCheck(Base):
    """An enterprise's self-check against one questionnaire version."""

    __tablename__ = "self_checks"
    __table_args__ = (
        CheckConstraint("status != 'submitted' OR (submitted_at IS NOT NULL AND score "
                        "IS NOT NULL AND reference IS NOT NULL)", name="submitted_complete"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        Index("ix_self_checks_enterprise_status", "enterprise_id", "status"),
        # The officers' list: submitted ones, newest first, keyset-paginated.
        Index("ix_self_checks_status_submitted_at", "status", "submitted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    #: The exact questionnaire version answered; it never changes afterwards.
    questionnaire_version_id: Mapped[int] = mapped_column(
        ForeignKey("questionnaire_versions.id"))
    #: Industry slug of the questionnaire.
    industry: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[SelfCheckStatus] = mapped_column(
        _enum(SelfCheckStatus, "self_check_status"), default=SelfCheckStatus.DRAFT)
    #: Answers of visible questions only, by question id.
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Sections the user has saved at least once (task-list status).
    visited_sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The previous submitted self-check this one was started from.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("self_checks.id"))
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: Reference number shown on the confirmation (ZC + year + id).
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    submitted_at: Mapped[dt.datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Commitment (承诺): who signed, in what role, the text they agreed to.
    signer_name: Mapped[str | None] = mapped_column(String(100))
    signer_role: Mapped[str | None] = mapped_column(String(100))
    commitment_text: Mapped[str | None] = mapped_column(Text)
    score: Mapped[int | None]
    band: Mapped[str | None] = mapped_column(String(20), index=True)
    #: The evaluation at submission: findings, contributions, band.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Optimistic-lock version, bumped on every change.
    version: Mapped[int] = mapped_column(default=1)

    enterprise: Mapped[Enterprise] = relationship()
    questionnaire: Mapped[QuestionnaireVersion] = relationship()
    #: Departments whose officers may see it once submitted, fixed when it was started.
    departments: Mapped[list[SelfCheckDepartment]] = relationship(
        cascade="all, delete-orphan", order_by="SelfCheckDepartment.department_code")
    #: Findings raised at submission, most severe first.
    findings: Mapped[list[Finding]] = relationship(
        back_populates="self_check", cascade="all, delete-orphan", order_by="Finding.id")
    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def department_codes(self) -> frozenset[str]:
        """Return the codes of the departments whose officers may see it."""
        return frozenset(d.department_code for d in self.departments)


class SelfCheckDepartment(Base):
    """A department whose officers may see a self-check (its officer scope).

    Stored when the self-check is started, from the industry guide's lead and
    other departments, so that a later guide change does not move it.
    """

    __tablename__ = "self_check_departments"

    self_check_id: Mapped[int] = mapped_column(ForeignKey("self_checks.id"), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    #: Whether it is the guide's lead department (牵头部门).
    lead: Mapped[bool] = mapped_column(default=False)


class FindingStatus(StrEnum):
    """Where a finding stands (rectification cases move it on)."""

    OPEN = "open"
    RECTIFYING = "rectifying"
    CLOSED = "closed"


class Finding(Base):
    """A problem found by a submitted self-check, with the deadline told to the enterprise."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    self_check_id: Mapped[int] = mapped_column(ForeignKey("self_checks.id"), index=True)
    #: Code of the obligation breached (ObligationRecord.code).
    obligation_code: Mapped[str] = mapped_column(String(40))
    question_id: Mapped[str] = mapped_column(String(80))
    severity: Mapped[str] = mapped_column(String(20), index=True)
    #: What to do, by language (as the questionnaire said at submission).
    action: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: Keys of exemption-list entries that may apply.
    exemptions: Mapped[list[str]] = mapped_column(JSON, default=list)
    correction_working_days: Mapped[int | None]
    #: Correction deadline computed once at submission; never recomputed (STYLE 29).
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    #: The calendar had no official data for part of the period (weekdays assumed).
    deadline_estimated: Mapped[bool] = mapped_column(default=False)
    status: Mapped[FindingStatus] = mapped_column(
        _enum(FindingStatus, "finding_status"), default=FindingStatus.OPEN)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    self_check: Mapped[SelfCheck] = relationship(back_populates="findings")
