"""Rectification cases (整改): what must be put right, by when, the proof and the review.

A case is opened from a self-check finding, by an officer's order to correct
(责令改正通知), or on the enterprise's own initiative. Its status moves only
through ``portal/cases/workflow.py``; every other change (evidence, a
re-inspection, an extension) goes through ``portal/cases/services.py`` with
its audit event. Dates that matter in law are computed once and stored.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Enterprise, User, _enum
from portal.core.db import Base, utcnow


class CaseStatus(StrEnum):
    """Where a case stands, and so whose turn it is."""

    #: Waiting for the enterprise to put things right and report (its clock runs).
    OPEN = "open"
    #: The enterprise reported; waiting for the officer's review (the officer's clock runs).
    SUBMITTED = "submitted"
    #: The officer asked for more (补正); waiting for the enterprise (review clock stopped).
    SUPPLEMENT_REQUESTED = "supplement_requested"
    #: Reviewed and found put right (复查合格). Final.
    RECTIFIED = "rectified"
    #: Reviewed and found not put right. Final.
    NOT_RECTIFIED = "not_rectified"


#: States in which the enterprise is expected to act.
ENTERPRISE_TURN = frozenset({CaseStatus.OPEN, CaseStatus.SUPPLEMENT_REQUESTED})
#: States in which nobody acts any more.
FINAL = frozenset({CaseStatus.RECTIFIED, CaseStatus.NOT_RECTIFIED})


class CaseOrigin(StrEnum):
    """Where a case came from."""

    FINDING = "finding"
    ORDER = "order"
    OWN_INITIATIVE = "own_initiative"


class Case(Base):
    """One thing to put right, for one enterprise, before one department."""

    __tablename__ = "rectification_cases"
    __table_args__ = (
        CheckConstraint("origin != 'finding' OR finding_id IS NOT NULL", name="finding_given"),
        # The officer queue: a department's cases by the date the next step is due.
        Index("ix_cases_queue", "department_code", "action_due", "id"),
        # The queue filtered by industry (and town): a rare pair must not scan the
        # whole department (benchmarks/case_queue.py, 1,000,000 cases).
        Index("ix_cases_queue_place", "department_code", "industry_code", "town",
              "action_due", "id"),
        Index("ix_cases_enterprise", "enterprise_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: ZG + year + id, shown to both sides (set when the case is opened).
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    #: The competent department (its officers see and review the case).
    department_code: Mapped[str] = mapped_column(String(40))
    origin: Mapped[CaseOrigin] = mapped_column(_enum(CaseOrigin, "case_origin"))
    #: The finding it puts right (one case per finding).
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"), unique=True)
    #: Industry and town of the enterprise when the case was opened (queue filters).
    industry_code: Mapped[str] = mapped_column(String(4), index=True)
    town: Mapped[str] = mapped_column(String(30), index=True)
    #: What is wrong (the violation or problem), as written when the case was opened.
    problem: Mapped[str] = mapped_column(Text)
    #: What must be done (整改要求).
    requirement: Mapped[str] = mapped_column(Text)
    #: The legal basis cited by an order, if any.
    legal_basis: Mapped[str | None] = mapped_column(Text)
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus, "case_status"),
                                               default=CaseStatus.OPEN)
    #: The day the case was opened (Nansha time): the order's date of issue.
    issued_on: Mapped[dt.date] = mapped_column(Date)
    #: Working days given to put things right, when the deadline was set in working days.
    working_days: Mapped[int | None]
    #: The enterprise's deadline; stored, changed only by an extension or a supplement request.
    due_date: Mapped[dt.date] = mapped_column(Date)
    #: Part of the period fell in a year without an official holiday schedule.
    due_estimated: Mapped[bool] = mapped_column(default=False)
    #: The officer's review deadline while a report waits for review.
    review_due: Mapped[dt.date | None] = mapped_column(Date)
    #: When the review clock was stopped for a supplement (补正), else None.
    review_stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Working days the review had left when its clock stopped.
    review_days_left: Mapped[int | None]
    #: The date the party whose turn it is must act by (the queue's sort key), None once final.
    action_due: Mapped[dt.date | None] = mapped_column(Date)
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
    #: The officer's conclusion when the case was closed.
    conclusion: Mapped[str | None] = mapped_column(Text)
    #: Optimistic-lock version, bumped on every change.
    version: Mapped[int] = mapped_column(default=1)

    enterprise: Mapped[Enterprise] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    submissions: Mapped[list[CaseSubmission]] = relationship(
        back_populates="case", order_by="CaseSubmission.id")
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="case", order_by="EvidenceFile.id",
        foreign_keys="EvidenceFile.case_id")
    reinspections: Mapped[list[Reinspection]] = relationship(
        back_populates="case", order_by="Reinspection.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_final(self) -> bool:
        """Return whether the case is closed."""
        return self.status in FINAL


class CaseSubmission(Base):
    """A rectification report (or its supplement) with the enterprise's commitment."""

    __tablename__ = "case_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rectification_cases.id"), index=True)
    #: What was done to put it right.
    description: Mapped[str] = mapped_column(Text)
    #: The day the correction was completed, as the enterprise states it.
    completed_on: Mapped[dt.date] = mapped_column(Date)
    #: The commitment (承诺) as shown when it was signed.
    commitment_text: Mapped[str] = mapped_column(Text)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Set when the enterprise withdrew it before review.
    withdrawn_at: Mapped[dt.datetime | None]

    case: Mapped[Case] = relationship(back_populates="submissions")
    submitted_by: Mapped[User] = relationship()


class Reinspection(Base):
    """An on-site re-inspection (现场复查) by at least two officers."""

    __tablename__ = "case_reinspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rectification_cases.id"), index=True)
    inspected_on: Mapped[dt.date] = mapped_column(Date)
    findings: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="reinspections")
    officers: Mapped[list[ReinspectionOfficer]] = relationship(
        cascade="all, delete-orphan", order_by="ReinspectionOfficer.user_id")


class ReinspectionOfficer(Base):
    """An officer present at a re-inspection."""

    __tablename__ = "case_reinspection_officers"

    reinspection_id: Mapped[int] = mapped_column(ForeignKey("case_reinspections.id"),
                                                 primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

    user: Mapped[User] = relationship()


class EvidenceFile(Base):
    """One uploaded file of a case: with a report, or photos of a re-inspection.

    Rows are never changed but to mark them superseded; the object in storage is
    addressed by its SHA-256 and never overwritten.
    """

    __tablename__ = "case_files"
    __table_args__ = (
        UniqueConstraint("case_id", "id", name="uq_case_files_case_id"),
        CheckConstraint("size > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("rectification_cases.id"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("case_submissions.id"))
    reinspection_id: Mapped[int | None] = mapped_column(ForeignKey("case_reinspections.id"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: When the correction shown was done, as the uploader states it.
    effective_on: Mapped[dt.date | None] = mapped_column(Date)
    #: When a photo was taken, from its EXIF data, as the camera recorded it (its local
    #: time, no zone: "2026-11-20 14:03:11"), if it did.
    captured_at: Mapped[str | None] = mapped_column(String(19))
    #: An earlier file of the same case with the same content, if any.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("case_files.id"))
    #: The later file that replaces this one (both stay in the history).
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("case_files.id"))

    case: Mapped[Case] = relationship(back_populates="files", foreign_keys=[case_id])
    submission: Mapped[CaseSubmission | None] = relationship()
    reinspection: Mapped[Reinspection | None] = relationship()
    uploaded_by: Mapped[User] = relationship()

    @property
    def is_image(self) -> bool:
        """Return whether a re-encoded thumbnail can be shown."""
        return self.content_type.startswith("image/")


__all__ = ["ENTERPRISE_TURN", "FINAL", "Case", "CaseOrigin", "CaseStatus", "CaseSubmission",
           "EvidenceFile", "Reinspection", "ReinspectionOfficer"]
