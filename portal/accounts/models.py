"""Enterprises, departments, users and their memberships."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.db import Base, utcnow
from portal.core.permissions import Role
from portal.core.reference import localised_name


def _enum(enum_class: type[StrEnum], name: str) -> Enum:
    """Store a StrEnum by value, as a checked VARCHAR (portable, readable)."""
    return Enum(enum_class, name=name, native_enum=False, create_constraint=True,
                values_callable=lambda members: [member.value for member in members],
                length=30)


class UserKind(StrEnum):
    """Who a user is: enterprise staff or agent, or government staff."""

    ENTERPRISE = "enterprise"
    OFFICER = "officer"
    LEGAL_REVIEWER = "legal_reviewer"
    ADMIN = "admin"


class MembershipRole(StrEnum):
    """How a user belongs to an enterprise."""

    ADMIN = "admin"
    MEMBER = "member"
    AGENT = "agent"


class MembershipStatus(StrEnum):
    """Whether a membership gives access."""

    ACTIVE = "active"
    REVOKED = "revoked"


class Department(Base):
    """An enforcement department (行政执法部门)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable code used in content files and URLs (``market_regulation``).
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh_hans: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    #: Written Traditional name; generated with OpenCC when empty.
    name_zh_hant: Mapped[str | None] = mapped_column(String(100))
    #: Short name used in document numbers (穗南市监); "" when none is known.
    short_name: Mapped[str] = mapped_column(String(20))
    #: Whether an administrator has confirmed ``short_name`` as the department's own:
    #: documents are numbered only then (content sync never sets it).
    short_name_confirmed: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    def name(self, locale: str) -> str:
        """Return the department's name in ``locale``."""
        return localised_name({"zh_Hans": self.name_zh_hans, "en": self.name_en,
                               "zh_Hant": self.name_zh_hant or ""}, locale)


class Enterprise(Base):
    """A market entity (市场主体) identified by its USCC."""

    __tablename__ = "enterprises"
    __table_args__ = (
        CheckConstraint("length(uscc) = 18", name="uscc_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 统一社会信用代码, normalised and check-digit verified.
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: GB/T 4754-2017 division (two digits).
    industry_code: Mapped[str] = mapped_column(String(4))
    #: Nansha town or street (key of ``portal.core.reference.TOWNS``).
    town: Mapped[str] = mapped_column(String(30))
    address: Mapped[str] = mapped_column(String(300))
    legal_representative: Mapped[str] = mapped_column(String(100))
    contact_mobile: Mapped[str] = mapped_column(String(20))
    contact_email: Mapped[str] = mapped_column(String(254))
    #: Last day on the supervision white list (白名单, DOMAIN.md §5), if it is on it.
    white_listed_until: Mapped[dt.date | None] = mapped_column(Date)
    #: Last day of an observation period (观察期) for a new business model, if any.
    observation_until: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Optimistic-lock version, bumped on every change.
    version: Mapped[int] = mapped_column(default=1)

    memberships: Mapped[list[Membership]] = relationship(back_populates="enterprise")

    __mapper_args__ = {"version_id_col": version}


class User(Base):
    """A person who signs in: enterprise staff, an agent, an officer or an administrator."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("email IS NOT NULL OR mobile IS NOT NULL", name="has_identifier"),
        CheckConstraint(
            "(kind IN ('officer', 'legal_reviewer')) = (department_id IS NOT NULL)",
            name="department_iff_officer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased email; one of email and mobile is required.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: Mainland mobile number, 11 digits.
    mobile: Mapped[str | None] = mapped_column(String(20), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    kind: Mapped[UserKind] = mapped_column(_enum(UserKind, "user_kind"))
    #: Department of an officer or legal reviewer.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    #: Saved language (zh_Hans_CN, zh_Hant, en); null follows the browser.
    locale: Mapped[str | None] = mapped_column(String(12))
    #: Bumped by "sign out everywhere" and password changes; ends older sessions.
    session_version: Mapped[int] = mapped_column(default=1)
    #: Failed sign-ins from any address since the last success; many lock the account
    #: until its owner follows the unlock link sent by email.
    failed_sign_ins: Mapped[int] = mapped_column(default=0)
    #: Set for a password an administrator chose: it must be changed at the next sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    locked_until: Mapped[dt.datetime | None]
    last_sign_in_at: Mapped[dt.datetime | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id")

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """Return the session id: user id and session version, so old sessions lapse."""
        return f"{self.id}:{self.session_version}"

    @property
    def audit_label(self) -> str:
        """Return how the audit trail names this user."""
        return f"{self.display_name} (#{self.id})"

    @property
    def staff_role(self) -> Role | None:
        """Return the role of government staff; None for enterprise users."""
        return {
            UserKind.OFFICER: Role.OFFICER,
            UserKind.LEGAL_REVIEWER: Role.LEGAL_REVIEWER,
            UserKind.ADMIN: Role.ADMIN,
        }.get(self.kind)

    def role_toward(self, enterprise_id: int) -> Role | None:
        """Return the role this user holds toward an enterprise's objects.

        Staff hold their staff role (their department's scope is the loaders'
        business); enterprise users the role of their active membership. An
        agent's mandate date is checked where the request picks the membership.
        """
        if self.staff_role is not None:
            return self.staff_role
        return next((membership.acting_role for membership in self.memberships
                     if membership.enterprise_id == enterprise_id
                     and membership.status == MembershipStatus.ACTIVE), None)


class Membership(Base):
    """A user's place in an enterprise: administrator, member, or mandated agent."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("user_id", "enterprise_id"),
        CheckConstraint("role != 'agent' OR mandate_expires_on IS NOT NULL",
                        name="agent_has_mandate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    role: Mapped[MembershipRole] = mapped_column(_enum(MembershipRole, "membership_role"))
    status: Mapped[MembershipStatus] = mapped_column(
        _enum(MembershipStatus, "membership_status"), default=MembershipStatus.ACTIVE)
    #: Last day an agent's mandate (授权委托) is valid; access stops after it.
    mandate_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The firm an agent works for (accounting or law firm).
    agent_firm: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    enterprise: Mapped[Enterprise] = relationship(back_populates="memberships")

    __mapper_args__ = {"version_id_col": version}

    def is_current(self, today: dt.date) -> bool:
        """Return whether this membership gives access on ``today``."""
        if self.status != MembershipStatus.ACTIVE:
            return False
        return self.mandate_expires_on is None or today <= self.mandate_expires_on

    @property
    def acting_role(self) -> Role:
        """Return the permission role this membership gives."""
        return {
            MembershipRole.ADMIN: Role.ENTERPRISE_ADMIN,
            MembershipRole.MEMBER: Role.ENTERPRISE_MEMBER,
            MembershipRole.AGENT: Role.ENTERPRISE_AGENT,
        }[self.role]


class Invitation(Base):
    """An invitation to join an enterprise, sent by its administrator."""

    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("role != 'agent' OR mandate_expires_on IS NOT NULL",
                        name="agent_has_mandate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[MembershipRole] = mapped_column(_enum(MembershipRole, "invitation_role"))
    mandate_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    agent_firm: Mapped[str | None] = mapped_column(String(200))
    #: SHA-256 of the token in the link; the token itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
