"""Server-side records of signed-in sessions, so that each one can be ended at once."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User, _enum
from portal.core.db import Base, utcnow


class UserSession(Base):
    """One signed-in browser: the cookie holds a random token, the table its digest."""

    __tablename__ = "user_sessions"
    __table_args__ = (Index("ix_user_sessions_user_id_ended_at", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: SHA-256 of the token kept in the signed cookie; the token itself is never stored.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: Ended by sign-out, "end this session", a password change or "sign out everywhere".
    ended_at: Mapped[dt.datetime | None]
    #: Browser and system from the User-Agent at sign-in ("Chrome · Android"), or empty.
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    #: The address the session was started from.
    ip_address: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[User] = relationship()


class SignInThrottle(Base):
    """Failed sign-ins for one identifier from one address.

    Keyed by a digest of the identifier typed, whether or not an account has it, so a
    lock looks the same for known and unknown identifiers, and a stranger's failures
    lock only the stranger's address out, never the owner.
    """

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("identifier_digest", "ip_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the normalised identifier (lower-cased email or mobile number).
    identifier_digest: Mapped[str] = mapped_column(String(64))
    ip_address: Mapped[str] = mapped_column(String(45))
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TokenPurpose(StrEnum):
    """What a link sent by email lets its holder do once."""

    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose, not a password
    UNLOCK = "unlock"


class AccountToken(Base):
    """A single-use, expiring link sent to an account's owner (reset, unlock)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[TokenPurpose] = mapped_column(_enum(TokenPurpose, "token_purpose"))
    #: SHA-256 of the token in the link; the token itself is never stored.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()


class PendingRegistration(Base):
    """A registration waiting for its email address to be confirmed through a link.

    Nothing is created until the link is followed, so the registration form says
    the same ("check your email") whether or not the address already has an account.
    """

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the token in the confirmation link.
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    #: What the form held, except the password (kept only as its Argon2 hash).
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
