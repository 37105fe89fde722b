"""Rules for enterprises, users, memberships and invitations.

Services flush but never commit, and never read the request: the route
commits once after the service returns (STYLE.md 5–6).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from portal.accounts.models import (
    Department,
    Enterprise,
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    User,
    UserKind,
)
from portal.accounts.workflow import MEMBERSHIP_WORKFLOW
from portal.core.audit import record_event
from portal.core.errors import DomainError
from portal.core.identifiers import validate_uscc
from portal.core.numbering import AUTHORITY_PATTERN
from portal.core.reference import class_choices, needs_industry_class
from portal.core.security import hash_password, verify_password

logger = logging.getLogger(__name__)

#: Demo accounts use this reserved domain, so production can refuse them.
DEMO_EMAIL_DOMAIN = "demo.nansha.invalid"


class AccountError(DomainError):
    """A rule of the accounts feature refused the request.

    ``field`` names the form field the message belongs beside, if any. Unhandled,
    it is a 409 page: the request conflicts with the accounts as they stand.
    """

    status_code = 409


class SignInFailed(AccountError):
    """Wrong identifier or password (never says which)."""


class AccountLocked(AccountError):
    """Too many failed sign-ins; the account is locked until ``until``."""

    def __init__(self, message: str, until: dt.datetime) -> None:
        super().__init__(message)
        self.until = until


def normalise_email(email: str) -> str:
    """Return the email trimmed and lower-cased."""
    return email.strip().lower()


def find_user_by_identifier(session: Session, identifier: str) -> User | None:
    """Return the user whose email or mobile number is ``identifier``."""
    identifier = identifier.strip()
    if not identifier:
        return None
    return session.scalar(select(User).where(
        or_(User.email == identifier.lower(), User.mobile == identifier)))


def _identifier_taken(session: Session, email: str | None, mobile: str | None) -> str | None:
    if email and session.scalar(select(User.id).where(User.email == email)):
        return "email"
    if mobile and session.scalar(select(User.id).where(User.mobile == mobile)):
        return "mobile"
    return None


@dataclass(frozen=True)
class EnterpriseRegistration:
    """What an enterprise gives to register itself and its administrator."""

    uscc: str
    name: str
    industry_code: str
    town: str
    address: str
    legal_representative: str
    contact_mobile: str
    contact_email: str
    admin_name: str
    admin_email: str
    admin_mobile: str | None
    password: str
    locale: str | None


def register_enterprise(session: Session, data: EnterpriseRegistration, *,
                        now: dt.datetime,
                        password_hash: str | None = None) -> tuple[Enterprise, User]:
    """Create an enterprise and its administrator account.

    ``password_hash`` is given when the password was hashed earlier (a registration
    confirmed by email keeps only the hash); otherwise ``data.password`` is hashed.

    :raises AccountError: the USCC or the administrator's email/mobile is taken.
    """
    uscc = validate_uscc(data.uscc)
    if session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc)):
        raise AccountError(_l("An enterprise with this unified social credit code is already "
                              "registered. Ask its administrator to invite you."), field="uscc")
    email = normalise_email(data.admin_email)
    taken = _identifier_taken(session, email, data.admin_mobile)
    if taken == "email":
        raise AccountError(_l("This email address already has an account. Sign in instead."),
                           field="admin_email")
    if taken == "mobile":
        raise AccountError(_l("This mobile number already has an account. Sign in instead."),
                           field="admin_mobile")
    enterprise = Enterprise(
        uscc=uscc, name=data.name.strip(), industry_code=data.industry_code, town=data.town,
        address=data.address.strip(), legal_representative=data.legal_representative.strip(),
        contact_mobile=data.contact_mobile.strip(),
        contact_email=normalise_email(data.contact_email), created_at=now,
    )
    user = User(
        email=email, mobile=data.admin_mobile or None, display_name=data.admin_name.strip(),
        password_hash=password_hash or hash_password(data.password), kind=UserKind.ENTERPRISE,
        locale=data.locale, created_at=now,
    )
    session.add_all([enterprise, user])
    session.flush()
    session.add(Membership(user_id=user.id, enterprise_id=enterprise.id,
                           role=MembershipRole.ADMIN, created_at=now))
    session.flush()
    record_event(session, action="enterprise.registered", object_type="enterprise",
                 object_id=enterprise.id, actor=user, details={"uscc": uscc}, now=now)
    logger.info("enterprise %s registered by %s", enterprise.id, user.id)
    return enterprise, user


def change_password(session: Session, user: User, *, current_password: str,
                    new_password: str, now: dt.datetime) -> None:
    """Change the user's password and end their other sessions.

    :raises AccountError: the current password is wrong.
    """
    if not verify_password(user.password_hash, current_password):
        raise AccountError(_l("Your current password is not right."), field="current_password")
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.must_change_password = False
    record_event(session, action="account.password_changed", object_type="user",
                 object_id=user.id, actor=user, now=now)


def sign_out_everywhere(session: Session, user: User, *, now: dt.datetime) -> None:
    """End every session of the user, on every device."""
    user.session_version += 1
    record_event(session, action="account.signed_out_everywhere", object_type="user",
                 object_id=user.id, actor=user, now=now)


def set_locale(session: Session, user: User, locale: str) -> None:
    """Save the user's language."""
    user.locale = locale
    session.flush()


def current_memberships(session: Session, user: User, today: dt.date) -> list[Membership]:
    """Return the user's memberships that give access today, oldest first."""
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user.id,
                                 Membership.status == MembershipStatus.ACTIVE)
        .order_by(Membership.id)
        # Every page shows the acting enterprise's name: load it with the membership.
        .options(joinedload(Membership.enterprise))).all()
    return memberships_current_on(memberships, today)


def memberships_current_on(memberships: Iterable[Membership],
                           today: dt.date) -> list[Membership]:
    """Return, of ``memberships``, those that give access on ``today``, oldest first."""
    return sorted((membership for membership in memberships if membership.is_current(today)),
                  key=lambda membership: membership.id)


def resolve_membership(session: Session, user: User, preferred_enterprise_id: int | None,
                       today: dt.date) -> Membership | None:
    """Return the membership the user acts through: the chosen one, else the oldest."""
    return choose_membership(current_memberships(session, user, today), preferred_enterprise_id)


def choose_membership(memberships: list[Membership],
                      preferred_enterprise_id: int | None) -> Membership | None:
    """Return, of the user's current ``memberships``, the chosen one, else the oldest."""
    for membership in memberships:
        if membership.enterprise_id == preferred_enterprise_id:
            return membership
    return memberships[0] if memberships else None


def list_members(session: Session, enterprise: Enterprise) -> list[Membership]:
    """Return the enterprise's memberships, administrators first."""
    return list(session.scalars(
        select(Membership).where(Membership.enterprise_id == enterprise.id)
        .order_by(Membership.status, Membership.role, Membership.id)))


def list_pending_invitations(session: Session, enterprise: Enterprise,
                             now: dt.datetime) -> list[Invitation]:
    """Return invitations of the enterprise not yet accepted, revoked or expired."""
    return list(session.scalars(
        select(Invitation).where(Invitation.enterprise_id == enterprise.id,
                                 Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None),
                                 Invitation.expires_at > now)
        .order_by(Invitation.id)))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_member(session: Session, enterprise: Enterprise, *, invited_by: User, email: str,
                  role: MembershipRole, mandate_expires_on: dt.date | None,
                  agent_firm: str | None, now: dt.datetime,
                  valid_days: int) -> tuple[Invitation, str]:
    """Create an invitation and return it with the secret token for the link.

    :raises AccountError: the person is already a member, or an agent lacks a mandate or
        the name of their firm.
    """
    email = normalise_email(email)
    if role == MembershipRole.AGENT:
        if not (agent_firm or "").strip():
            # The firm is who the enterprise mandates; its name is shown wherever the agent
            # acts, and is kept with every commitment the agent signs.
            raise AccountError(_l("Enter the name of the agent's firm (accounting or law "
                                  "firm)."), field="agent_firm")
        if mandate_expires_on is None:
            raise AccountError(_l("Enter the last day of the agent's mandate."),
                               field="mandate_expires_on")
        if mandate_expires_on < now.date():
            raise AccountError(_l("The mandate must end today or later."),
                               field="mandate_expires_on")
    else:
        mandate_expires_on, agent_firm = None, None
    existing = session.scalar(
        select(Membership).join(User, Membership.user_id == User.id)
        .where(Membership.enterprise_id == enterprise.id, User.email == email,
               Membership.status == MembershipStatus.ACTIVE))
    if existing is not None:
        raise AccountError(_l("This person is already a member of the enterprise."),
                           field="email")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        enterprise_id=enterprise.id, email=email, role=role,
        mandate_expires_on=mandate_expires_on, agent_firm=(agent_firm or "").strip() or None,
        token_hash=_token_hash(token), invited_by_id=invited_by.id,
        expires_at=now + dt.timedelta(days=valid_days), created_at=now,
    )
    session.add(invitation)
    session.flush()
    record_event(session, action="membership.invited", object_type="enterprise",
                 object_id=enterprise.id, actor=invited_by,
                 details={"invitation_id": invitation.id, "role": role.value,
                          "mandate_expires_on": mandate_expires_on.isoformat()
                          if mandate_expires_on else None}, now=now)
    return invitation, token


def find_invitation(session: Session, token: str, now: dt.datetime) -> Invitation | None:
    """Return the open invitation for ``token``, or None if unknown, used or expired."""
    invitation = session.scalar(select(Invitation).where(
        Invitation.token_hash == _token_hash(token)))
    if (invitation is None or invitation.accepted_at is not None
            or invitation.revoked_at is not None or invitation.expires_at <= now):
        return None
    return invitation


def accept_invitation(session: Session, invitation: Invitation, *, user: User | None,
                      display_name: str | None, password: str | None,
                      now: dt.datetime, locale: str | None = None) -> User:
    """Accept an invitation: join with the signed-in account, or create one.

    A new account keeps ``locale``, the language the invitation was accepted in, as its
    preference (an existing account keeps its own).

    :raises AccountError: the signed-in account is not the invited address, or is staff.
    """
    if user is None:
        if session.scalar(select(User.id).where(User.email == invitation.email)):
            raise AccountError(_l("An account with this email already exists. Sign in first, "
                                  "then open the invitation link again."))
        user = User(email=invitation.email, display_name=(display_name or "").strip(),
                    password_hash=hash_password(password or ""), kind=UserKind.ENTERPRISE,
                    locale=locale, created_at=now)
        session.add(user)
        session.flush()
        record_event(session, action="account.created", object_type="user", object_id=user.id,
                     actor=user, details={"via": "invitation"}, now=now)
    elif user.kind != UserKind.ENTERPRISE or user.email != invitation.email:
        raise AccountError(_l("This invitation was sent to another email address."))
    membership = session.scalar(select(Membership).where(
        Membership.user_id == user.id, Membership.enterprise_id == invitation.enterprise_id))
    if membership is None:
        membership = Membership(user_id=user.id, enterprise_id=invitation.enterprise_id,
                                role=invitation.role, created_at=now)
        session.add(membership)
    membership.role = invitation.role
    membership.status = MembershipStatus.ACTIVE
    membership.mandate_expires_on = invitation.mandate_expires_on
    membership.agent_firm = invitation.agent_firm
    invitation.accepted_at = now
    session.flush()
    record_event(session, action="membership.joined", object_type="membership",
                 object_id=membership.id, actor=user, to_state=membership.role.value,
                 details={"enterprise_id": invitation.enterprise_id,
                          "invitation_id": invitation.id}, now=now)
    return user


def get_pending_invitation(session: Session, enterprise: Enterprise, invitation_id: int,
                           now: dt.datetime) -> Invitation | None:
    """Return the enterprise's invitation ``invitation_id`` if it is still pending."""
    invitation = session.get(Invitation, invitation_id)
    if (invitation is None or invitation.enterprise_id != enterprise.id
            or invitation.accepted_at is not None or invitation.revoked_at is not None
            or invitation.expires_at <= now):
        return None
    return invitation


def cancel_invitation(session: Session, invitation: Invitation, *, actor: User,
                      now: dt.datetime) -> None:
    """Cancel a pending invitation: its link stops working at once."""
    invitation.revoked_at = now
    session.flush()
    record_event(session, action="membership.invitation_cancelled", object_type="enterprise",
                 object_id=invitation.enterprise_id, actor=actor,
                 details={"invitation_id": invitation.id, "role": invitation.role.value},
                 now=now)
    logger.info("invitation %s cancelled by %s", invitation.id, actor.id)


def revoke_membership(session: Session, membership: Membership, *, actor: User,
                      expected_version: int, now: dt.datetime) -> None:
    """Remove a member's access to the enterprise (on the membership workflow).

    :raises StaleObject: the row changed since the page was loaded.
    :raises InvalidTransition: access was already removed, or this is the last
        administrator.
    :raises TransitionForbidden: the actor does not manage the enterprise's members.
    """
    MEMBERSHIP_WORKFLOW.transition(membership, MembershipStatus.REVOKED, actor=actor, now=now,
                                   expected_version=expected_version,
                                   details={"enterprise_id": membership.enterprise_id,
                                            "user_id": membership.user_id})


def change_mandate(session: Session, membership: Membership, *, actor: User,
                   mandate_expires_on: dt.date, expected_version: int,
                   now: dt.datetime) -> None:
    """Set the last day of an agent's mandate.

    :raises AccountError: not an agent, the date is past, or the row changed.
    """
    _check_version(membership, expected_version)
    if membership.role != MembershipRole.AGENT:
        raise AccountError(_l("Only an agent's access has a mandate end date."))
    if mandate_expires_on < now.date():
        raise AccountError(_l("The mandate must end today or later."),
                           field="mandate_expires_on")
    previous = membership.mandate_expires_on
    membership.mandate_expires_on = mandate_expires_on
    session.flush()
    record_event(session, action="membership.mandate_changed", object_type="membership",
                 object_id=membership.id, actor=actor,
                 details={"from": previous.isoformat() if previous else None,
                          "to": mandate_expires_on.isoformat()}, now=now)


def _check_version(row: Membership, expected_version: int) -> None:
    if row.version != expected_version:
        raise AccountError(_l("Someone else changed this record while you were looking at it. "
                              "Check the current details and try again."))


def create_staff_user(session: Session, *, kind: UserKind, email: str, display_name: str,
                      password: str, department: Department | None, created_by: User | None,
                      now: dt.datetime, mobile: str | None = None,
                      temporary_password: bool = True) -> User:
    """Create an officer, legal-reviewer or administrator account.

    A password chosen by an administrator is temporary: the person must change it
    at the first sign-in (``temporary_password=False`` only for demo accounts).

    :raises AccountError: the email or mobile is taken, or the department is missing.
    """
    if kind == UserKind.ENTERPRISE:
        raise AccountError(_l("Enterprise accounts are created by registration or invitation."))
    if kind in (UserKind.OFFICER, UserKind.LEGAL_REVIEWER) and department is None:
        raise AccountError(_l("Choose the officer's department."), field="department")
    if kind == UserKind.ADMIN:
        department = None
    email = normalise_email(email)
    taken = _identifier_taken(session, email, mobile)
    if taken:
        raise AccountError(_l("This email address already has an account.")
                           if taken == "email" else
                           _l("This mobile number already has an account."), field=taken)
    user = User(email=email, mobile=mobile or None, display_name=display_name.strip(),
                password_hash=hash_password(password), kind=kind,
                department_id=department.id if department else None, created_at=now,
                must_change_password=temporary_password)
    session.add(user)
    session.flush()
    record_event(session, action="account.created", object_type="user", object_id=user.id,
                 actor=created_by, actor_label=None if created_by else "system",
                 to_state=kind.value,
                 details={"department_id": user.department_id}, now=now)
    return user


def set_user_active(session: Session, user: User, *, active: bool, actor: User,
                    now: dt.datetime) -> None:
    """Enable or disable a staff account; disabling ends its sessions.

    :raises AccountError: an administrator tried to disable their own account.
    """
    if user.id == actor.id and not active:
        raise AccountError(_l("You cannot disable your own account."))
    if user.is_active == active:
        return
    user.is_active = active
    user.session_version += 1
    record_event(session, action="account.enabled" if active else "account.disabled",
                 object_type="user", object_id=user.id, actor=actor,
                 from_state="disabled" if active else "active",
                 to_state="active" if active else "disabled", now=now)


def demo_accounts_present(session: Session) -> bool:
    """Return whether any demo account exists (production refuses to run with them)."""
    return session.scalar(select(User.id).where(
        User.email.like(f"%@{DEMO_EMAIL_DOMAIN}")).limit(1)) is not None


def create_department(session: Session, *, code: str, name_zh_hans: str, name_en: str,
                      short_name: str, actor: User | None, now: dt.datetime) -> Department:
    """Add an enforcement department.

    :raises AccountError: the code is already used.
    """
    if session.scalar(select(Department.id).where(Department.code == code)):
        raise AccountError(_l("A department with this code already exists."), field="code")
    department = Department(code=code, name_zh_hans=name_zh_hans.strip(),
                            name_en=name_en.strip(), short_name=short_name.strip(),
                            created_at=now)
    session.add(department)
    session.flush()
    record_event(session, action="department.created", object_type="department",
                 object_id=department.id, actor=actor,
                 actor_label=None if actor else "system", details={"code": code}, now=now)
    return department


def set_department_short_name(session: Session, department: Department, *, short_name: str,
                              confirmed: bool, actor: User | None, now: dt.datetime,
                              actor_label: str | None = None) -> None:
    """Set the short name of ``department``'s document numbers and whether it is confirmed.

    Only an administrator (or the demo loader) confirms a short name; documents are
    numbered only under a confirmed one.

    :raises AccountError: the short name is not Chinese characters, or another
        department has already confirmed it (their numbers would share one sequence).
    """
    short_name = short_name.strip()
    if (short_name or confirmed) and not AUTHORITY_PATTERN.fullmatch(short_name):
        raise AccountError(_l("Enter the short name as 2 to 20 Chinese characters, "
                              "e.g. 穗南市监."), field="short_name")
    if confirmed and session.scalar(select(Department.id).where(
            Department.short_name == short_name, Department.short_name_confirmed.is_(True),
            Department.id != department.id)):
        raise AccountError(_l("Another department has already confirmed this short name."),
                           field="short_name")
    before = (department.short_name, department.short_name_confirmed)
    if before == (short_name, confirmed):
        return
    department.short_name, department.short_name_confirmed = short_name, confirmed
    record_event(session, action="department.short_name_set", object_type="department",
                 object_id=department.id, actor=actor,
                 actor_label=actor_label if actor is None else None,
                 from_state="confirmed" if before[1] else "unconfirmed",
                 to_state="confirmed" if confirmed else "unconfirmed",
                 details={"from": before[0], "to": short_name}, now=now)
    logger.info("short name of department %s set to %r (confirmed: %s) by %s",
                department.code, short_name, confirmed, actor.id if actor else actor_label)


def list_departments(session: Session) -> list[Department]:
    """Return every department in code order."""
    return list(session.scalars(select(Department).order_by(Department.code)))


class DemoDataInProduction(RuntimeError):
    """Raised when a production database holds demo accounts."""


def refuse_demo_data(session: Session) -> None:
    """Stop a production start-up if demo accounts exist.

    :raises DemoDataInProduction: demo accounts were found.
    """
    if demo_accounts_present(session):
        raise DemoDataInProduction(
            f"Refusing to start in production: demo accounts (@{DEMO_EMAIL_DOMAIN}) exist")


def choose_industry_class(session: Session, enterprise: Enterprise, *, class_code: str,
                          actor: User, now: dt.datetime) -> None:
    """Record the GB/T 4754 class of an enterprise registered under a whole split division.

    :raises AccountError: the class is already recorded, or is not a class of the division.
    """
    division = enterprise.industry_code
    if not needs_industry_class(division):
        raise AccountError(_l("The industry class is already recorded."))
    if class_code not in {choice.value for choice in class_choices(division, "en")}:
        raise AccountError(_l("Choose one of the classes listed."), field="industry_class")
    enterprise.industry_code = class_code
    record_event(session, action="enterprise.industry_class_chosen", object_type="enterprise",
                 object_id=enterprise.id, actor=actor, from_state=division,
                 to_state=class_code, now=now)
    session.flush()
    logger.info("Industry class %s recorded for enterprise %s by %s", class_code,
                enterprise.id, actor.id)
