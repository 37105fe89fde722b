"""Sign-in protection and the links sent to an account's owner.

* Failed sign-ins are counted per identifier *and* address: five from one address
  lock that address out of that identifier for a while, whoever owns it, so a
  stranger cannot lock the owner out. Many failures from anywhere lock the account
  itself, and its owner gets an unlock link by email.
* The same message and the same work (one Argon2 verification) answer known and
  unknown identifiers, so sign-in does not tell who has an account.
* Password-reset and unlock links carry a random token that is stored only as a
  digest, expires, and works once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from dataclasses import asdict, dataclass
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.orm import Session

from portal.accounts.models import Enterprise, User
from portal.accounts.services import (
    AccountError,
    AccountLocked,
    EnterpriseRegistration,
    SignInFailed,
    find_user_by_identifier,
    normalise_email,
    register_enterprise,
)
from portal.auth.models import AccountToken, PendingRegistration, SignInThrottle, TokenPurpose
from portal.auth.sessions import end_all_sessions
from portal.core.audit import record_event
from portal.core.identifiers import validate_uscc
from portal.core.security import hash_password, needs_rehash, verify_password

logger = logging.getLogger(__name__)

WRONG_CREDENTIALS = _l("The email, mobile number or password is not right.")
LOCKED = _l("Too many failed attempts. Sign-in is paused for a while; try again later. "
            "If this is your account, you can also reset your password.")
LINK_INVALID = _l("This link has expired or has already been used. Ask for a new one.")


@dataclass(frozen=True)
class SignInLimits:
    """How many failures lock what, and for how long (settings)."""

    address_max_failures: int
    address_lock_minutes: int
    account_max_failures: int
    unlock_link_hours: int


class AccountLockedNow(SignInFailed):
    """This failure locked the account: the caller sends ``token`` to its owner."""

    def __init__(self, message: str, *, user: User, token: str) -> None:
        super().__init__(message)
        self.user = user
        self.token = token


def identifier_digest(identifier: str) -> str:
    """Return the digest under which failures for ``identifier`` are counted."""
    cleaned = identifier.strip()
    if "@" in cleaned:
        cleaned = normalise_email(cleaned)
    return hashlib.sha256(cleaned.encode()).hexdigest()


def _throttle(session: Session, identifier: str, ip_address: str,
              now: dt.datetime) -> SignInThrottle:
    digest = identifier_digest(identifier)
    found = session.scalar(select(SignInThrottle).where(
        SignInThrottle.identifier_digest == digest, SignInThrottle.ip_address == ip_address))
    if found is None:
        found = SignInThrottle(identifier_digest=digest, ip_address=ip_address, failures=0,
                               updated_at=now)
        session.add(found)
        session.flush()
    return found


def authenticate(session: Session, identifier: str, password: str, *, ip_address: str,
                 now: dt.datetime, limits: SignInLimits) -> User:
    """Return the user whose credentials these are, counting failures.

    Failures are counted in the database, so locks hold across processes. The
    caller commits whether this succeeds or raises.

    :raises AccountLocked: this address, or the account, is locked for now.
    :raises AccountLockedNow: this failure locked the account (send the unlock link).
    :raises SignInFailed: the identifier or password is wrong.
    """
    throttle = _throttle(session, identifier, ip_address[:45], now)
    user = find_user_by_identifier(session, identifier)
    if (throttle.locked_until is not None and throttle.locked_until > now) or (
            user is not None and user.locked_until is not None and user.locked_until > now):
        verify_password(None, password)  # the same work as any other answer
        record_event(session, action="account.sign_in_refused", object_type="user",
                     object_id=user.id if user else None, actor_label="anonymous",
                     details={"reason": "locked"}, now=now)
        raise AccountLocked(LOCKED, until=max(
            moment for moment in (throttle.locked_until, user.locked_until if user else None,
                                  now) if moment is not None))
    valid = user is not None and verify_password(user.password_hash, password)
    if user is None:
        verify_password(None, password)
    if not valid or user is None or not user.is_active:
        _count_failure(session, throttle, now=now, limits=limits)
        record_event(session, action="account.sign_in_failed", object_type="user",
                     object_id=user.id if user else None, actor_label="anonymous",
                     details={"reason": "unknown_identifier" if user is None else
                              "password" if user.is_active else "inactive"}, now=now)
        if user is not None:
            token = _count_account_failure(session, user, now=now, limits=limits)
            if token is not None:
                raise AccountLockedNow(WRONG_CREDENTIALS, user=user, token=token)
        raise SignInFailed(WRONG_CREDENTIALS)
    session.execute(delete(SignInThrottle).where(SignInThrottle.id == throttle.id))
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_event(session, action="account.signed_in", object_type="user", object_id=user.id,
                 actor=user, now=now)
    return user


def _count_failure(session: Session, throttle: SignInThrottle, *, now: dt.datetime,
                   limits: SignInLimits) -> None:
    failures = session.execute(
        update(SignInThrottle).where(SignInThrottle.id == throttle.id)
        .values(failures=SignInThrottle.failures + 1, updated_at=now)
        .returning(SignInThrottle.failures)).scalar_one()
    if failures >= limits.address_max_failures:
        session.execute(update(SignInThrottle).where(SignInThrottle.id == throttle.id).values(
            failures=0, locked_until=now + dt.timedelta(minutes=limits.address_lock_minutes)))
        logger.warning("sign-in paused for an identifier from %s after %s failures",
                       throttle.ip_address, failures)


def _count_account_failure(session: Session, user: User, *, now: dt.datetime,
                           limits: SignInLimits) -> str | None:
    failures = session.execute(
        update(User).where(User.id == user.id)
        .values(failed_sign_ins=User.failed_sign_ins + 1)
        .returning(User.failed_sign_ins)).scalar_one()
    session.refresh(user)
    if failures < limits.account_max_failures:
        return None
    lifetime = dt.timedelta(hours=limits.unlock_link_hours)
    user.locked_until = now + lifetime
    user.failed_sign_ins = 0
    record_event(session, action="account.locked", object_type="user", object_id=user.id,
                 actor_label="system", details={"until": user.locked_until.isoformat(),
                                                "failures": failures}, now=now)
    logger.warning("user %s locked after %s failures from any address", user.id, failures)
    return issue_token(session, user, TokenPurpose.UNLOCK, now=now, lifetime=lifetime)


def issue_token(session: Session, user: User, purpose: TokenPurpose, *, now: dt.datetime,
                lifetime: dt.timedelta) -> str:
    """Create a single-use link token for ``user``; return the token for the link."""
    token = secrets.token_urlsafe(32)
    session.add(AccountToken(user_id=user.id, purpose=purpose,
                             token_digest=hashlib.sha256(token.encode()).hexdigest(),
                             created_at=now, expires_at=now + lifetime))
    session.flush()
    return token


def find_token(session: Session, token: str, purpose: TokenPurpose, *,
               now: dt.datetime) -> AccountToken | None:
    """Return the unused, unexpired token record for ``token``, if there is one."""
    found = session.scalar(select(AccountToken).where(
        AccountToken.token_digest == hashlib.sha256(token.encode()).hexdigest(),
        AccountToken.purpose == purpose))
    if found is None or found.used_at is not None or found.expires_at <= now:
        return None
    return found


def _use_token(session: Session, token: str, purpose: TokenPurpose, *,
               now: dt.datetime) -> User:
    found = find_token(session, token, purpose, now=now)
    if found is None:
        raise AccountError(LINK_INVALID)
    # Guarded by used_at IS NULL so that two concurrent uses cannot both succeed.
    used = cast("CursorResult[Any]", session.execute(update(AccountToken).where(
        AccountToken.id == found.id, AccountToken.used_at.is_(None)).values(used_at=now)))
    if not used.rowcount:
        raise AccountError(LINK_INVALID)
    return found.user


def request_password_reset(session: Session, identifier: str, *, now: dt.datetime,
                           lifetime: dt.timedelta) -> tuple[User, str] | None:
    """Return the user and a reset token, if an active account with an email has this id.

    The caller says the same thing either way: "if an account exists, we sent a link".
    """
    user = find_user_by_identifier(session, identifier)
    if user is None or not user.is_active or not user.email:
        record_event(session, action="account.password_reset_requested", object_type="user",
                     actor_label="anonymous", details={"sent": False}, now=now)
        return None
    token = issue_token(session, user, TokenPurpose.PASSWORD_RESET, now=now, lifetime=lifetime)
    record_event(session, action="account.password_reset_requested", object_type="user",
                 object_id=user.id, actor_label="anonymous", details={"sent": True}, now=now)
    return user, token


def reset_password(session: Session, token: str, new_password: str, *,
                   now: dt.datetime) -> User:
    """Set a new password through a reset link; end every session; lift every lock.

    :raises AccountError: the link has expired or was used.
    """
    user = _use_token(session, token, TokenPurpose.PASSWORD_RESET, now=now)
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.must_change_password = False
    user.failed_sign_ins = 0
    user.locked_until = None
    end_all_sessions(session, user, now=now)
    record_event(session, action="account.password_reset", object_type="user",
                 object_id=user.id, actor=user, now=now)
    logger.info("password of user %s reset by %s", user.id, user.id)
    return user


def unlock_account(session: Session, token: str, *, now: dt.datetime) -> User:
    """Lift the lock of an account through the link sent to its owner.

    :raises AccountError: the link has expired or was used.
    """
    user = _use_token(session, token, TokenPurpose.UNLOCK, now=now)
    user.locked_until = None
    user.failed_sign_ins = 0
    record_event(session, action="account.unlocked", object_type="user", object_id=user.id,
                 actor=user, now=now)
    logger.info("user %s unlocked by %s", user.id, user.id)
    return user


@dataclass(frozen=True)
class RegistrationStarted:
    """What to email after the registration form: a confirmation link, or a reminder."""

    email: str
    #: The confirmation token; None when the address already has an account.
    token: str | None


def start_registration(session: Session, data: EnterpriseRegistration, *, now: dt.datetime,
                       lifetime: dt.timedelta) -> RegistrationStarted:
    """Keep a registration until its email is confirmed; create nothing yet.

    The password is hashed whether or not the address is taken, so the answer takes
    the same time either way.

    :raises AccountError: the enterprise (a public USCC) is registered already.
    """
    uscc = validate_uscc(data.uscc)
    if session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc)):
        raise AccountError(_l("An enterprise with this unified social credit code is already "
                              "registered. Ask its administrator to invite you."), field="uscc")
    email = normalise_email(data.admin_email)
    password_hash = hash_password(data.password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        record_event(session, action="enterprise.registration_for_existing_email",
                     object_type="enterprise", actor_label="anonymous", details={"uscc": uscc},
                     now=now)
        return RegistrationStarted(email=email, token=None)
    token = secrets.token_urlsafe(32)
    fields = {name: value for name, value in asdict(data).items() if name != "password"}
    session.add(PendingRegistration(
        token_digest=hashlib.sha256(token.encode()).hexdigest(), email=email,
        data={**fields, "uscc": uscc}, password_hash=password_hash, created_at=now,
        expires_at=now + lifetime))
    session.flush()
    return RegistrationStarted(email=email, token=token)


def find_pending_registration(session: Session, token: str, *,
                              now: dt.datetime) -> PendingRegistration | None:
    """Return the unconfirmed, unexpired registration of ``token``, if any."""
    found = session.scalar(select(PendingRegistration).where(
        PendingRegistration.token_digest == hashlib.sha256(token.encode()).hexdigest()))
    if found is None or found.used_at is not None or found.expires_at <= now:
        return None
    return found


def confirm_registration(session: Session, token: str, *,
                         now: dt.datetime) -> tuple[Enterprise, User]:
    """Create the enterprise and its administrator once the email is confirmed.

    A mobile number another account took in the meantime is left out rather than
    refusing the registration (it can be added later).

    :raises AccountError: the link expired or was used, or the enterprise or email
        was registered in the meantime.
    """
    pending = find_pending_registration(session, token, now=now)
    if pending is None:
        raise AccountError(LINK_INVALID)
    used = cast("CursorResult[Any]", session.execute(update(PendingRegistration).where(
        PendingRegistration.id == pending.id, PendingRegistration.used_at.is_(None))
        .values(used_at=now)))
    if not used.rowcount:
        raise AccountError(LINK_INVALID)
    fields = dict(pending.data)
    mobile = fields.get("admin_mobile")
    if mobile and session.scalar(select(User.id).where(User.mobile == mobile)) is not None:
        fields["admin_mobile"] = None
    data = EnterpriseRegistration(**{**fields, "password": ""})
    return register_enterprise(session, data, now=now, password_hash=pending.password_hash)
