"""Exemption applications (免罚申请) and the decisions that answer them (DOMAIN.md §2, §3).

An enterprise applies under one exemption-list entry, for one violation; an officer of
the entry's department verifies every condition and grants, refuses (after statement
and defence) or asks for more; major cases go to legal review first. A grant is
numbered (``portal/core/numbering.py``) and, after a delay, published at
``/decisions`` with natural persons' data redacted. The application's status moves
only through ``portal/exemptions/workflow.py``; every other change goes through
``portal/exemptions/services.py`` with its audit event.
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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Enterprise, User, _enum
from portal.cases.models import Case
from portal.core.db import Base, utcnow
from portal.core.numbering import DocumentType
from portal.guides.conditions import Corrected, Harm
from portal.guides.models import ExemptionEntryVersion


class ApplicationStatus(StrEnum):
    """Where an application stands, and so whose turn it is."""

    #: Waiting for the officer's verification (the review clock runs).
    SUBMITTED = "submitted"
    #: The officer asked for more (补正); the review clock is stopped.
    SUPPLEMENT_REQUESTED = "supplement_requested"
    #: A refusal was proposed and notified; the enterprise may state its case (陈述申辩).
    REFUSAL_PROPOSED = "refusal_proposed"
    #: The enterprise defended itself; the officer must answer.
    DEFENCE_SUBMITTED = "defence_submitted"
    #: A proposed decision waits for a legal reviewer (法制审核).
    LEGAL_REVIEW = "legal_review"
    #: Granted: a numbered decision exists. Final.
    GRANTED = "granted"
    #: Refused after statement and defence. Final.
    REFUSED = "refused"
    #: Withdrawn by the enterprise before a decision. Final.
    WITHDRAWN = "withdrawn"


#: States in which the enterprise is expected to act.
ENTERPRISE_TURN = frozenset({ApplicationStatus.SUPPLEMENT_REQUESTED,
                             ApplicationStatus.REFUSAL_PROPOSED})
#: States in which an officer of the department is expected to act.
OFFICER_TURN = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.DEFENCE_SUBMITTED})
#: States in which nobody acts any more.
FINAL = frozenset({ApplicationStatus.GRANTED, ApplicationStatus.REFUSED,
                   ApplicationStatus.WITHDRAWN})


class Outcome(StrEnum):
    """What a grant gives: follows the entry's list type (DOMAIN.md §3)."""

    #: 不予行政处罚 (Art. 33), including 首违不罚.
    NO_PENALTY = "no_penalty"
    #: 减轻处罚 (Art. 32): below the range.
    MITIGATED = "mitigated"
    #: 从轻处罚 (Art. 32): at the lower end of the range.
    LENIENT = "lenient"
    #: 免予行政强制.
    NO_COMPULSION = "no_compulsion"

    @property
    def document_type(self) -> DocumentType:
        """Return the type code of the decision's document number."""
        return {Outcome.NO_PENALTY: DocumentType.NO_PENALTY,
                Outcome.MITIGATED: DocumentType.MITIGATED,
                Outcome.LENIENT: DocumentType.LENIENT,
                Outcome.NO_COMPULSION: DocumentType.NO_COMPULSION}[self]

    @property
    def imposes_no_penalty(self) -> bool:
        """Return whether no penalty is imposed (education must then be recorded, Art. 33)."""
        return self in {Outcome.NO_PENALTY, Outcome.NO_COMPULSION}


#: The outcome each list type leads to.
OUTCOME_OF_LIST_TYPE: dict[str, Outcome] = {
    "no_penalty": Outcome.NO_PENALTY,
    "first_violation": Outcome.NO_PENALTY,
    "mitigated": Outcome.MITIGATED,
    "lenient": Outcome.LENIENT,
    "no_compulsion": Outcome.NO_COMPULSION,
}


class Proposal(StrEnum):
    """What an officer proposes to a legal reviewer."""

    GRANT = "grant"
    REFUSE = "refuse"


class EducationForm(StrEnum):
    """How the party was educated (Art. 33: required for every no-penalty outcome)."""

    TALK = "talk"
    WRITTEN = "written"
    TRAINING = "training"
    COMMITMENT = "commitment"


class ExemptionApplication(Base):
    """One enterprise's application under one entry, for one violation."""

    __tablename__ = "exemption_applications"
    __table_args__ = (
        CheckConstraint("violation_ended_on IS NULL OR violation_ended_on >= violation_on",
                        name="violation_dates_in_order"),
        # A second application for the same violation is refused; a withdrawn one does
        # not count.
        Index("uq_exemption_applications_violation", "enterprise_id", "entry_key",
              "violation_on", unique=True,
              sqlite_where=text("status != 'withdrawn'"),
              postgresql_where=text("status != 'withdrawn'")),
        Index("ix_exemption_applications_queue", "department_code", "action_due", "id"),
        Index("ix_exemption_applications_enterprise", "enterprise_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: MF + year + id, shown to both sides.
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    #: The entry's department: its officers verify and decide.
    department_code: Mapped[str] = mapped_column(String(40))
    #: The entry applied for, and the exact version in force on the violation date.
    entry_key: Mapped[str] = mapped_column(String(60), index=True)
    entry_version_id: Mapped[int] = mapped_column(ForeignKey("exemption_entry_versions.id"))
    #: The rectification case whose correction and evidence support the application.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("rectification_cases.id"),
                                                index=True)
    #: The self-check finding it started from, if any.
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))
    #: Facts of the violation as the enterprise states them.
    facts: Mapped[str] = mapped_column(Text)
    #: The day of the violation (the entry must be in force then).
    violation_on: Mapped[dt.date] = mapped_column(Date)
    #: The day a continuing violation ended (Art. 36 counts from it), if it continued.
    violation_ended_on: Mapped[dt.date | None] = mapped_column(Date)
    harm: Mapped[Harm] = mapped_column(_enum(Harm, "exemption_harm"))
    harm_statement: Mapped[str] = mapped_column(Text)
    #: The enterprise declares it was the first violation of its kind.
    first_violation_declared: Mapped[bool]
    #: The enterprise declares whether it was exempted for the same kind before.
    exempted_before_declared: Mapped[bool]
    corrected: Mapped[Corrected] = mapped_column(_enum(Corrected, "exemption_corrected"))
    corrected_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Why the enterprise had no fault (Art. 33(2)), when it claims so.
    no_fault_claim: Mapped[str | None] = mapped_column(Text)
    #: The commitment (承诺) as shown when it was signed.
    commitment_text: Mapped[str] = mapped_column(Text)
    status: Mapped[ApplicationStatus] = mapped_column(
        _enum(ApplicationStatus, "exemption_status"), default=ApplicationStatus.SUBMITTED)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_on: Mapped[dt.date] = mapped_column(Date)

    # -- Clocks (stored once told to a party; DOMAIN.md §2 Art. 85) --
    #: The officer's deadline to decide.
    review_due: Mapped[dt.date | None] = mapped_column(Date)
    review_due_estimated: Mapped[bool] = mapped_column(default=False)
    review_stopped_on: Mapped[dt.date | None] = mapped_column(Date)
    review_days_left: Mapped[int | None]
    #: The enterprise's deadline to answer a supplement request.
    supplement_due: Mapped[dt.date | None] = mapped_column(Date)
    supplement_reasons: Mapped[str | None] = mapped_column(Text)
    supplement_answer: Mapped[str | None] = mapped_column(Text)
    #: When the party whose turn it is must act (queue sort key); None once final.
    action_due: Mapped[dt.date | None] = mapped_column(Date)

    # -- Verification (the officer's) --
    #: Reasoned choice for a discretionary ground (首违不罚: "may" not penalise).
    discretion_reason: Mapped[str | None] = mapped_column(Text)
    education_form: Mapped[EducationForm | None] = mapped_column(
        _enum(EducationForm, "education_form"))
    education_on: Mapped[dt.date | None] = mapped_column(Date)
    education_content: Mapped[str | None] = mapped_column(Text)
    #: Likely effect of the case on the enterprise's operations (seed item 17).
    economic_impact: Mapped[str | None] = mapped_column(Text)
    #: The lighter penalty imposed, within the entry's range (减轻/从轻 only).
    mitigation_detail: Mapped[str | None] = mapped_column(Text)
    fine_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: Officers' working note; never shown to the enterprise.
    internal_note: Mapped[str | None] = mapped_column(Text)

    # -- Statement and defence (Arts. 44, 45, 62) --
    refusal_facts: Mapped[str | None] = mapped_column(Text)
    refusal_reasons: Mapped[str | None] = mapped_column(Text)
    refusal_basis: Mapped[str | None] = mapped_column(Text)
    refusal_proposed_on: Mapped[dt.date | None] = mapped_column(Date)
    defence_due: Mapped[dt.date | None] = mapped_column(Date)
    defence_due_estimated: Mapped[bool] = mapped_column(default=False)
    defence_text: Mapped[str | None] = mapped_column(Text)
    defence_at: Mapped[dt.datetime | None]
    defence_answer: Mapped[str | None] = mapped_column(Text)
    #: The officer accepted the defence: a refusal can no longer be proposed (Art. 45).
    defence_accepted: Mapped[bool] = mapped_column(default=False)

    # -- Legal review (Art. 58) --
    proposal: Mapped[Proposal | None] = mapped_column(_enum(Proposal, "exemption_proposal"))
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
    #: Optimistic-lock version, bumped on every change.
    version: Mapped[int] = mapped_column(default=1)

    enterprise: Mapped[Enterprise] = relationship()
    entry_version: Mapped[ExemptionEntryVersion] = relationship()
    case: Mapped[Case | None] = relationship()
    submitted_by: Mapped[User] = relationship(foreign_keys=[submitted_by_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    checks: Mapped[list[ConditionVerification]] = relationship(
        back_populates="application", order_by="ConditionVerification.id",
        cascade="all, delete-orphan")
    files: Mapped[list[ApplicationFile]] = relationship(
        back_populates="application", order_by="ApplicationFile.id")
    legal_reviews: Mapped[list[LegalReview]] = relationship(
        back_populates="application", order_by="LegalReview.id")
    objections: Mapped[list[Objection]] = relationship(
        back_populates="application", order_by="Objection.id")
    decision: Mapped[Decision | None] = relationship(back_populates="application",
                                                     uselist=False)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_final(self) -> bool:
        """Return whether the application is closed."""
        return self.status in FINAL

    @property
    def outcome(self) -> Outcome:
        """Return what a grant gives under the applied entry's list type."""
        return OUTCOME_OF_LIST_TYPE[self.entry_version.list_type]

    @property
    def entry_data(self) -> dict[str, Any]:
        """Return the applied entry version's stored data."""
        return self.entry_version.data


class ConditionVerification(Base):
    """The officer's finding on one condition: confirmed met or not, with a note."""

    __tablename__ = "exemption_condition_checks"
    __table_args__ = (UniqueConstraint("application_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("exemption_applications.id"))
    #: The condition's code from ``portal.guides.conditions`` (``baseline.*``,
    #: ``condition.<type>``, ``entry.*``) with its position for an entry's own items.
    code: Mapped[str] = mapped_column(String(60))
    confirmed: Mapped[bool]
    note: Mapped[str | None] = mapped_column(Text)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    application: Mapped[ExemptionApplication] = relationship(back_populates="checks")
    checked_by: Mapped[User] = relationship()


class FilePurpose(StrEnum):
    """Why a file was given with an application."""

    APPLICATION = "application"
    NO_FAULT = "no_fault"
    SUPPLEMENT = "supplement"
    DEFENCE = "defence"


class ApplicationFile(Base):
    """A file given with an application, a supplement or a defence (never changed)."""

    __tablename__ = "exemption_files"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("exemption_applications.id"),
                                                index=True)
    purpose: Mapped[FilePurpose] = mapped_column(_enum(FilePurpose, "exemption_file_purpose"))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    application: Mapped[ExemptionApplication] = relationship(back_populates="files")
    uploaded_by: Mapped[User] = relationship()


class ReviewResult(StrEnum):
    """A legal reviewer's answer."""

    APPROVED = "approved"
    RETURNED = "returned"


class LegalReview(Base):
    """One legal review (法制审核) of a proposed decision; the reviewer is never the proposer."""

    __tablename__ = "exemption_legal_reviews"
    __table_args__ = (CheckConstraint("reviewer_id != proposed_by_id",
                                      name="reviewer_not_proposer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("exemption_applications.id"),
                                                index=True)
    proposal: Mapped[Proposal] = mapped_column(_enum(Proposal, "legal_review_proposal"))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    result: Mapped[ReviewResult] = mapped_column(_enum(ReviewResult, "legal_review_result"))
    comments: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    application: Mapped[ExemptionApplication] = relationship(back_populates="legal_reviews")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])


class Objection(Base):
    """An objection (异议) to a final refusal, which the department must answer."""

    __tablename__ = "exemption_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("exemption_applications.id"),
                                                index=True)
    text: Mapped[str] = mapped_column(Text)
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None]

    application: Mapped[ExemptionApplication] = relationship(back_populates="objections")
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])


class DecisionKind(StrEnum):
    """A grant (numbered, published) or a final refusal (served, never published)."""

    GRANT = "grant"
    REFUSAL = "refusal"


class DisclosureStatus(StrEnum):
    """Where a decision stands in public disclosure (Art. 48)."""

    #: Never published (refusals are served on the party, not disclosed).
    NOT_PUBLISHED = "not_published"
    #: Published from ``publish_on`` on (a grant; before that day it is not shown yet).
    PUBLISHED = "published"
    #: Withdrawn because the decision was changed or revoked; the reason is shown.
    WITHDRAWN = "withdrawn"


class WithdrawalKind(StrEnum):
    """Why a published decision was withdrawn."""

    CHANGED = "changed"
    REVOKED = "revoked"


class Decision(Base):
    """The decision document on an application: its number, content, digest and disclosure.

    ``content`` is the document as issued (Chinese, every Art. 59 element); ``digest`` is
    the SHA-256 of its canonical JSON, shown on the document and on ``/verify/<code>``.
    ``public_content`` is the redacted text published at ``/decisions``.
    """

    __tablename__ = "exemption_decisions"
    __table_args__ = (
        UniqueConstraint("authority", "doc_type", "year", "number",
                         name="uq_exemption_decisions_number"),
        CheckConstraint("kind = 'refusal' OR document_number IS NOT NULL",
                        name="grant_numbered"),
        Index("ix_exemption_decisions_public", "disclosure", "publish_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One decision per application: it can never be granted twice.
    application_id: Mapped[int] = mapped_column(ForeignKey("exemption_applications.id"),
                                                unique=True)
    kind: Mapped[DecisionKind] = mapped_column(_enum(DecisionKind, "decision_kind"))
    outcome: Mapped[Outcome | None] = mapped_column(_enum(Outcome, "decision_outcome"))
    department_code: Mapped[str] = mapped_column(String(40), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    entry_key: Mapped[str] = mapped_column(String(60), index=True)
    #: The enterprise's industry slug (disclosure filter).
    industry: Mapped[str | None] = mapped_column(String(40))
    authority: Mapped[str | None] = mapped_column(String(20))
    doc_type: Mapped[str | None] = mapped_column(String(10))
    year: Mapped[int | None]
    number: Mapped[int | None]
    #: 穗南市监不罚〔2026〕1号 (grants only).
    document_number: Mapped[str | None] = mapped_column(String(60), unique=True)
    #: Random code printed on the document and in its QR code (``/verify/<code>``).
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    public_content: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    issued_on: Mapped[dt.date] = mapped_column(Date)
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    disclosure: Mapped[DisclosureStatus] = mapped_column(
        _enum(DisclosureStatus, "disclosure_status"), default=DisclosureStatus.NOT_PUBLISHED)
    #: The day the grant is published (issue day + the configured delay); None for refusals.
    publish_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_at: Mapped[dt.datetime | None]
    withdrawal_kind: Mapped[WithdrawalKind | None] = mapped_column(
        _enum(WithdrawalKind, "withdrawal_kind"))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    #: Optimistic-lock version.
    version: Mapped[int] = mapped_column(default=1)

    application: Mapped[ExemptionApplication] = relationship(back_populates="decision")
    enterprise: Mapped[Enterprise] = relationship()
    issued_by: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}

    def is_public(self, *, today: dt.date) -> bool:
        """Return whether the decision shows at ``/decisions`` on ``today``."""
        return (self.kind == DecisionKind.GRANT and self.publish_on is not None
                and self.publish_on <= today
                and self.disclosure != DisclosureStatus.WITHDRAWN)


__all__ = ["ENTERPRISE_TURN", "FINAL", "OFFICER_TURN", "OUTCOME_OF_LIST_TYPE",
           "ApplicationFile", "ApplicationStatus", "ConditionVerification", "Decision",
           "DecisionKind", "DisclosureStatus", "EducationForm", "ExemptionApplication",
           "FilePurpose", "LegalReview", "Objection", "Outcome", "Proposal", "ReviewResult",
           "WithdrawalKind"]
