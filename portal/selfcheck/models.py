"""Self-checks: a draft that becomes a submitted, scored record."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
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
    started_by: Mapped[User] = relationship(foreign_keys=[started_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])

    __mapper_args__ = {"version_id_col": version}
