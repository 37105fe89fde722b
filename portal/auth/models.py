"""Server-side records of signed-in sessions, so that each one can be ended at once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
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
