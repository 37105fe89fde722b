"""Notify users in the app and by email (queued), list and mark their notifications."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ScalarSelect, SQLColumnExpression, func, select, update
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from portal.accounts.models import User
from portal.core.i18n import DEFAULT_LOCALE, is_supported
from portal.core.outbox import enqueue_mail
from portal.notifications.kinds import NotificationKind, get_kind
from portal.notifications.models import Notification

#: Notifications shown per page of the notification centre.
PAGE_SIZE = 20


class Link(NamedTuple):
    """The page a notification is about: an endpoint and its URL arguments."""

    endpoint: str
    args: Mapping[str, Any] = {}


def link_path(endpoint: str, args: Mapping[str, Any]) -> str:
    """Return the path of ``endpoint`` (needs an application context, not a request).

    :raises werkzeug.routing.BuildError: no such endpoint, or arguments that do not fit.
    """
    if has_request_context():
        return url_for(endpoint, **args)
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, dict(args))


def notification_path(notification: Notification) -> str | None:
    """Return the path of the page ``notification`` is about (None if none or gone)."""
    if not notification.link_endpoint:
        return None
    try:
        return link_path(notification.link_endpoint, notification.link_args)
    except BuildError:
        return None


def notification_text(notification: Notification) -> str:
    """Return the notification's text in the current (the reader's) locale."""
    kind = get_kind(notification.kind)
    if kind is None:
        return _("A notification of a kind this version of the portal no longer shows.")
    return kind.render_text(notification.params)


def _required_kind(kind: str) -> NotificationKind:
    definition = get_kind(kind)
    if definition is None:
        raise ValueError(f"notification kind {kind!r} is not registered")
    return definition


def notify(session: Session, users: Iterable[User], kind: str, *,
           params: Mapping[str, Any], link: Link | tuple[str, Mapping[str, Any]] | None,
           now: dt.datetime, email: bool = True) -> list[Notification]:
    """Notify each active user in the app and, if ``email`` and they have one, by email.

    Everything is added to ``session``'s transaction: nothing exists and nothing is
    sent unless it commits, and the email leaves later through the outbox worker, never
    inside the request. Each user is notified once however often listed. The email is
    written in the recipient's saved language (Simplified Chinese when none is saved).

    :raises ValueError: ``kind`` is not registered.
    :raises werkzeug.routing.BuildError: ``link`` names no page.
    """
    definition = _required_kind(kind)
    endpoint, args = (None, {}) if link is None else (link[0], dict(link[1]))
    path = link_path(endpoint, args) if endpoint else None  # a bad link fails here, now
    stored_params = dict(params)
    created = []
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        notification = Notification(user_id=user.id, kind=kind, params=stored_params,
                                    link_endpoint=endpoint, link_args=args, created_at=now)
        session.add(notification)
        created.append(notification)
        if email and user.email:
            subject, body = _email(definition, stored_params, path,
                                   locale=user.locale if is_supported(user.locale)
                                   else DEFAULT_LOCALE)
            enqueue_mail(session, to=user.email, subject=subject, body=body, now=now)
    session.flush()
    return created


def _email(kind: NotificationKind, params: Mapping[str, Any], path: str | None, *,
           locale: str | None) -> tuple[str, str]:
    base = current_app.config["BASE_URL"].rstrip("/")
    with force_locale(locale or DEFAULT_LOCALE):
        subject = kind.render_subject(params)
        parts = [kind.render_text(params)]
        if path:
            parts.append(_("Open it on the portal: %(url)s", url=base + path))
        parts.append(_("All your notifications: %(url)s",
                       url=base + link_path("notifications.index", {})))
        parts.append(_("This message was sent by the Nansha compliance portal. "
                       "Do not reply to it."))
    return subject, "\n\n".join(parts)


def unread_count(session: Session, user: User) -> int:
    """Return how many of ``user``'s notifications are unread (one COUNT query)."""
    return session.scalar(select(unread_count_of(user.id))) or 0


def unread_count_of(user_id: SQLColumnExpression[int] | int) -> ScalarSelect[int]:
    """Return a subquery counting the unread notifications of ``user_id``.

    A column of another statement: the sign-in check reads the header's count with the
    user, in the same round trip.
    """
    return (select(func.count()).select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .scalar_subquery())


def notifications_page(session: Session, user: User, *, before: int | None = None,
                       size: int = PAGE_SIZE) -> tuple[list[Notification], int | None]:
    """Return ``user``'s notifications newest first, older than id ``before``, and the
    id to ask for the next page with (None on the last page)."""
    query = select(Notification).where(Notification.user_id == user.id)
    if before is not None:
        query = query.where(Notification.id < before)
    rows = list(session.scalars(query.order_by(Notification.id.desc()).limit(size + 1)))
    if len(rows) > size:
        return rows[:size], rows[size - 1].id
    return rows, None


def mark_read(session: Session, user: User, notification_id: int, *,
              now: dt.datetime) -> Notification | None:
    """Mark one of ``user``'s notifications read; None if it is not theirs (or is no one's)."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    if notification.read_at is None:
        notification.read_at = now
    return notification


def mark_all_read(session: Session, user: User, *, now: dt.datetime) -> int:
    """Mark every unread notification of ``user`` read; return how many were."""
    result = session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session="fetch"))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
