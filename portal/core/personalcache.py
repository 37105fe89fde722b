"""Caching of signed-in pages under a version of the whole database.

A signed-in page (the enterprise's home, its self-checks, cases and credit records, an
officer's queues) shows what the database holds for that user, so it cannot be shared
like a public page. It can still be kept for the same browser session as long as
nothing in the database changed: every commit of the portal bumps one counter shared
by every instance (in Redis), and a page is kept under a key that holds that counter,
the user and their session token, everything else in the session cookie (the acting
role, the language chosen), the address, the browser's languages and the day.

A hit therefore stands for a request that would have found the same session open, the
same user, memberships and rows, and would have drawn the same page: it is answered
without a database query and without rendering. Whatever a commit changes (a sign-out,
a session ended elsewhere, a password or role change, a case decided, a notification)
bumps the counter, and every kept page is unused from then on. A kept page also lapses
when its session reaches its absolute lifetime. Writes that bypass the portal (``psql``,
the benchmark generator) are not counted: ``flask cache clear`` forgets every page.

Only the endpoints in ``PERSONAL_ENDPOINTS`` are kept (pages that change nothing when
read); only a ``200`` HTML answer with no pending message is kept; a page whose request
committed something or changed the session is not kept. The cache is on only with
Redis (``PORTAL_REDIS_URL``): a counter in one process's memory would miss the commits
of the others; ``PORTAL_KEEP_SIGNED_IN_PAGES=false`` turns it off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
from typing import Protocol

from flask import Flask, Response, current_app, g, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.pagecache import CachedPage, fill_in_csrf

logger = logging.getLogger(__name__)

#: Read-only signed-in pages that are kept (deny by default: a page is added on purpose).
PERSONAL_ENDPOINTS = frozenset({
    "main.home", "accounts.enterprise", "selfcheck.index", "selfcheck.result",
    "selfcheck.officer_list", "selfcheck.officer_view", "cases.index", "cases.show",
    "cases.queue", "exemptions.index", "exemptions.show", "review.queue", "review.show",
    "credit.index", "credit.queue", "credit.standing",
})
#: The longest a signed-in page is kept (a page is unused sooner after any commit).
MAX_SECONDS = 60
_COUNTER_KEY = "portal:commits"
_PAGE_PREFIX = "portal:personal:"
#: Session entries that are not part of the key (the CSRF token is filled in per request).
_UNKEYED = frozenset({"csrf_token"})


class PersonalStore(Protocol):
    """Kept signed-in pages and the commit counter, shared by every process."""

    def lookup(self, key: str) -> tuple[int, CachedPage | None] | None:
        """Return the counter and the page kept under ``key`` if it was drawn at that
        count (one round trip); None when the store cannot be read."""

    def count(self) -> int | None:
        """Return the counter, or None when it cannot be read."""

    def keep(self, key: str, count: int, page: CachedPage, seconds: int) -> None:
        """Keep ``page``, drawn when the counter was ``count``, for ``seconds``."""

    def bump(self) -> None:
        """Count one more commit."""


class MemoryPersonalStore:
    """Pages and counter in this process's memory (tests; one process only)."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[float, int, CachedPage]] = {}
        self._count = 0
        self._lock = threading.Lock()

    def lookup(self, key: str) -> tuple[int, CachedPage | None] | None:
        """Return the counter and the page kept under ``key`` at that count."""
        with self._lock:
            found = self.pages.get(key)
            if found is None or found[0] < time.monotonic() or found[1] != self._count:
                return self._count, None
            return self._count, found[2]

    def count(self) -> int | None:
        """Return the counter."""
        return self._count

    def keep(self, key: str, count: int, page: CachedPage, seconds: int) -> None:
        """Keep ``page`` for ``seconds``."""
        with self._lock:
            self.pages[key] = (time.monotonic() + seconds, count, page)

    def bump(self) -> None:
        """Count one more commit."""
        with self._lock:
            self._count += 1


class RedisPersonalStore:
    """Pages and counter in Redis, shared by every instance."""

    def __init__(self, url: str) -> None:
        from redis import Redis

        self._redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def lookup(self, key: str) -> tuple[int, CachedPage | None] | None:
        """Return the counter and the page kept under ``key`` at that count."""
        try:
            raw_count, raw_page = self._redis.mget(_COUNTER_KEY, _PAGE_PREFIX + key)
        except Exception:  # the cache is an optimisation: never fail a page for it
            logger.warning("personal page cache: Redis unavailable", exc_info=True)
            return None
        count = int(raw_count) if raw_count is not None else 0
        if not isinstance(raw_page, bytes):
            return count, None
        drawn_at, _, dumped = raw_page.partition(b"\n")
        return count, CachedPage.load(dumped) if int(drawn_at) == count else None

    def count(self) -> int | None:
        """Return the counter, or None if Redis does not answer."""
        try:
            raw = self._redis.get(_COUNTER_KEY)
        except Exception:  # the cache is an optimisation: never fail a page for it
            logger.warning("personal page cache: Redis unavailable", exc_info=True)
            return None
        return int(raw) if raw is not None else 0

    def keep(self, key: str, count: int, page: CachedPage, seconds: int) -> None:
        """Keep ``page`` for ``seconds``."""
        try:
            self._redis.set(_PAGE_PREFIX + key, b"%d\n" % count + page.dump(), ex=seconds)
        except Exception:  # the cache is an optimisation: never fail a page for it
            logger.warning("personal page cache: Redis unavailable", exc_info=True)

    def bump(self) -> None:
        """Count one more commit."""
        try:
            self._redis.incr(_COUNTER_KEY)
        except Exception:
            # Kept pages then live out their MAX_SECONDS at most.
            logger.error("personal page cache: a commit was not counted", exc_info=True)


def _store() -> PersonalStore | None:
    found: PersonalStore | None = current_app.extensions.get("portal_personal_cache")
    return found


def _session_digest() -> str:
    kept = {key: value for key, value in session.items() if key not in _UNKEYED}
    return hashlib.sha256(json.dumps(kept, sort_keys=True, default=str).encode()).hexdigest()


def _key() -> str:
    parts = "|".join((request.scheme, request.host, request.full_path,
                      local_today().isoformat(), request.headers.get("Accept-Language", ""),
                      _session_digest()))
    return hashlib.sha256(parts.encode()).hexdigest()


def serve_cached() -> Response | None:
    """Answer a signed-in page kept for this session, if any; otherwise note its key.

    Called before anything reads the user (which would query the database).
    """
    if (request.method != "GET" or request.endpoint not in PERSONAL_ENDPOINTS
            or "_user_id" not in session or "_flashes" in session):
        return None
    store = _store()
    if store is None:
        return None
    key = _key()
    found = store.lookup(key)
    if found is None:
        return None
    count, page = found
    if page is None:
        g.personal_page_key = key
        g.personal_page_count = count
        g.personal_page_session = _session_digest()
        return None
    g.personal_page_hit = True
    response = Response(fill_in_csrf(page.body), mimetype=page.mimetype)
    response.headers["X-Cache"] = "hit"
    return response


def after_request(response: Response) -> Response:
    """Keep a freshly rendered signed-in page when nothing changed while it was drawn."""
    key = g.pop("personal_page_key", None)
    if not key or response.direct_passthrough:
        return response
    drawn = response.get_data()
    store = _store()
    expires_at: dt.datetime | None = g.get("session_expires_at")
    count = g.get("personal_page_count")
    if (store is not None and response.status_code == 200 and expires_at is not None
            and response.mimetype == "text/html" and current_user.is_authenticated
            and "_flashes" not in session
            and _session_digest() == g.get("personal_page_session")
            and store.count() == count):
        seconds = min(MAX_SECONDS, int((expires_at - utcnow()).total_seconds()))
        if seconds > 0:
            store.keep(key, count, CachedPage(body=drawn, mimetype=response.mimetype), seconds)
    response.set_data(fill_in_csrf(drawn))
    return response


def clear(app: Flask) -> None:
    """Forget every kept signed-in page (a write made outside the portal)."""
    store: PersonalStore | None = app.extensions.get("portal_personal_cache")
    if store is not None:
        store.bump()


def init_app(app: Flask) -> None:
    """Keep signed-in pages when Redis is configured; count every commit of the portal."""
    if (app.config["KEEP_SIGNED_IN_PAGES"] and app.config["PAGE_CACHE_SECONDS"] > 0
            and app.config["REDIS_URL"]):
        app.extensions["portal_personal_cache"] = RedisPersonalStore(app.config["REDIS_URL"])
    app.after_request(after_request)

    @event.listens_for(Session, "after_commit")
    def _count(_session: Session) -> None:
        store: PersonalStore | None = app.extensions.get("portal_personal_cache")
        if store is not None:
            store.bump()
