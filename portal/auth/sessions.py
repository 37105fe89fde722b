"""Sessions held on the server: started at sign-in, checked on every request, ended at once.

A signed cookie alone cannot be revoked: a copy kept by someone else stays valid
until it expires. Each sign-in therefore gets a record here, and a request is
signed in only while its record is open and younger than the absolute lifetime.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any, NamedTuple, cast

from sqlalchemy import CursorResult, bindparam, select, update
from sqlalchemy.orm import Session, contains_eager
from ua_parser import parse as parse_user_agent

from portal.accounts.models import Membership, User
from portal.auth.models import UserSession
from portal.core.audit import record_event
from portal.notifications.services import unread_count_of

logger = logging.getLogger(__name__)

#: Where the session token lives in the signed cookie session.
SESSION_KEY = "sid"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def describe_device(user_agent: str) -> str:
    """Return "browser · system" for a User-Agent header, for the list of sessions."""
    parsed = parse_user_agent(user_agent[:1000])
    parts = [part.family for part in (parsed.user_agent, parsed.os)
             if part is not None and part.family and part.family != "Other"]
    return " · ".join(parts)


def start_session(session: Session, user: User, *, user_agent: str, ip_address: str,
                  now: dt.datetime) -> str:
    """Record a new signed-in session for ``user``; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, token_digest=_digest(token), created_at=now,
                            user_agent=describe_device(user_agent)[:200],
                            ip_address=ip_address[:45]))
    session.flush()
    return token


class SignedIn(NamedTuple):
    """The user of a signed-in request, with what every page shows of them."""

    #: The user, with their department and every membership (and its enterprise) loaded.
    user: User
    #: How many of the user's notifications are unread (the header's badge).
    unread_notifications: int
    #: When the session reaches its absolute lifetime.
    expires_at: dt.datetime


#: The statement of ``find_signed_in_user``, built once (every signed-in request runs it).
_SIGNED_IN = (
    select(User, UserSession.created_at, unread_count_of(User.id).label("unread"))
    .join(UserSession, UserSession.user_id == User.id)
    .outerjoin(User.department)
    .outerjoin(User.memberships).outerjoin(Membership.enterprise)
    .where(User.id == bindparam("user_id"), UserSession.token_digest == bindparam("digest"),
           UserSession.ended_at.is_(None))
    .order_by(Membership.id)
    .options(contains_eager(User.department),
             contains_eager(User.memberships).contains_eager(Membership.enterprise))
    # Fresh from this statement even if the user was already in the session.
    .execution_options(populate_existing=True))


def find_signed_in_user(session: Session, user_id: int, token: str | None, *,
                        now: dt.datetime, max_age: dt.timedelta) -> SignedIn | None:
    """Return user ``user_id`` if ``token`` names one of their open sessions, not too old.

    Every signed-in request makes this check, so it is one statement that also reads
    what every page needs of the user: their department, their memberships with each
    enterprise (the role they act in, the header's enterprise) and the unread count.
    """
    if not token:
        return None
    row = session.execute(_SIGNED_IN, {"user_id": user_id, "digest": _digest(token)}
                          ).unique().first()
    if row is None or row.created_at + max_age <= now:
        return None
    return SignedIn(row[0], int(row.unread or 0), row.created_at + max_age)


def find_open_session(session: Session, user_id: int, token: str | None, *,
                      now: dt.datetime, max_age: dt.timedelta) -> UserSession | None:
    """Return the open session of ``user_id`` with ``token``, if it is not too old."""
    if not token:
        return None
    found = session.scalar(select(UserSession).where(
        UserSession.token_digest == _digest(token), UserSession.user_id == user_id,
        UserSession.ended_at.is_(None)))
    if found is None or found.created_at + max_age <= now:
        return None
    return found


def end_session(session: Session, token: str | None, *, now: dt.datetime) -> None:
    """End the session with ``token`` (signing out of this browser)."""
    if token:
        session.execute(update(UserSession).where(
            UserSession.token_digest == _digest(token), UserSession.ended_at.is_(None))
            .values(ended_at=now))


def end_session_by_id(session: Session, user: User, session_id: int, *,
                      now: dt.datetime) -> bool:
    """End one of ``user``'s own sessions; return whether an open one was ended."""
    ended = cast("CursorResult[Any]", session.execute(update(UserSession).where(
        UserSession.id == session_id, UserSession.user_id == user.id,
        UserSession.ended_at.is_(None)).values(ended_at=now)))
    if not ended.rowcount:
        return False
    record_event(session, action="account.session_ended", object_type="user",
                 object_id=user.id, actor=user, now=now, details={"session": session_id})
    logger.info("session %s of user %s ended by %s", session_id, user.id, user.id)
    return True


def end_all_sessions(session: Session, user: User, *, now: dt.datetime,
                     keep_token: str | None = None) -> None:
    """End every open session of ``user``, except the one with ``keep_token``."""
    statement = update(UserSession).where(UserSession.user_id == user.id,
                                          UserSession.ended_at.is_(None))
    if keep_token:
        statement = statement.where(UserSession.token_digest != _digest(keep_token))
    session.execute(statement.values(ended_at=now))


def list_open_sessions(session: Session, user: User, *, now: dt.datetime,
                       max_age: dt.timedelta) -> list[UserSession]:
    """Return ``user``'s sessions that are still open, newest first."""
    return list(session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None),
        UserSession.created_at > now - max_age).order_by(UserSession.id.desc())))


def is_current(record: UserSession, token: str | None) -> bool:
    """Return whether ``record`` is the session of the cookie with ``token``."""
    return bool(token) and record.token_digest == _digest(token or "")
