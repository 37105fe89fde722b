"""Caching of public pages: HTTP validators (ETag, 304) and a server-side page cache.

A public page (home, guides, exemption lists and entries, the pre-check, the API)
shows the same thing to every anonymous visitor for a given address, language, day
and content version. Such a page is

* validated over HTTP: it carries an ``ETag`` (and ``Last-Modified``), and a request
  with a matching ``If-None-Match`` gets a ``304`` without the page being rendered;
* kept rendered on the server (in Redis when ``PORTAL_REDIS_URL`` is set, so every
  instance shares it; otherwise in each process's memory) for ``PAGE_CACHE_SECONDS``.

The content version is read from the database (the latest content sync and the latest
department) at most once a second per process, so ``flask guides sync`` invalidates every
cached page and validator at once in its own process and within a second in the others.
A public page that shows data of its own (an enterprise's published credit records) has
that data's version in its key too, read the same way and forgotten at once when this
process commits a change to it (``forget_on_commit``).
Pages of signed-in users, and pages with a pending message, are never cached; no page
is ever cacheable by shared caches (``Cache-Control: private``): each page carries the
visitor's own CSRF token, which the server-side cache stores as a placeholder and fills
in for each visitor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, cast

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.http import http_date

from portal.core.clock import local_today
from portal.extensions import db

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Endpoints whose GET responses are the same for every anonymous visitor.
PUBLIC_ENDPOINTS = frozenset({
    "main.home", "guides.index", "guides.guide", "guides.entries", "guides.entry",
    "guides.precheck", "guides.precheck_question", "api.exemption_entries", "api.openapi",
    "disclosure.index", "disclosure.show", "disclosure.verify", "api.decisions", "api.decision",
})
#: What a cached page holds instead of the visitor's CSRF token (only URL-safe characters,
#: so that escaping leaves it unchanged).
CSRF_PLACEHOLDER = "__portal-csrf-token-placeholder__"
_CSRF_BYTES = CSRF_PLACEHOLDER.encode()
_MEMORY_ENTRIES = 512
_REDIS_PREFIX = "portal:page:"
#: How long this process keeps a page taken from Redis, and trusts the version it read.
_NEAR_SECONDS = 60
VERSION_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class CachedPage:
    """A rendered public page as kept by the cache."""

    body: bytes
    mimetype: str

    def dump(self) -> bytes:
        """Return the page as bytes (for Redis)."""
        return self.mimetype.encode() + b"\n" + self.body

    @classmethod
    def load(cls, raw: bytes) -> CachedPage:
        """Return the page dumped as ``raw``."""
        mimetype, _, body = raw.partition(b"\n")
        return cls(body=body, mimetype=mimetype.decode())


class Store(Protocol):
    """Where rendered pages are kept."""

    def get(self, key: str) -> CachedPage | None:
        """Return the page kept under ``key``, if any."""

    def set(self, key: str, page: CachedPage, seconds: int) -> None:
        """Keep ``page`` under ``key`` for ``seconds``."""

    def clear(self) -> None:
        """Forget every page."""


class MemoryStore:
    """Pages in this process's memory, the least recently used dropped first."""

    def __init__(self, capacity: int = _MEMORY_ENTRIES) -> None:
        self._pages: OrderedDict[str, tuple[float, CachedPage]] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedPage | None:
        """Return the page kept under ``key``, if any and not expired."""
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if found[0] < _monotonic():
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return found[1]

    def set(self, key: str, page: CachedPage, seconds: int) -> None:
        """Keep ``page`` under ``key`` for ``seconds``."""
        with self._lock:
            self._pages[key] = (_monotonic() + seconds, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self._capacity:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        """Forget every page."""
        with self._lock:
            self._pages.clear()


class RedisStore:
    """Pages in Redis, shared by every instance; a Redis failure only skips the cache."""

    def __init__(self, url: str) -> None:
        from redis import Redis

        self._redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)

    def get(self, key: str) -> CachedPage | None:
        """Return the page kept under ``key``, if any."""
        try:
            raw = self._redis.get(_REDIS_PREFIX + key)
        except Exception:  # the cache is an optimisation: never fail a page for it
            logger.warning("page cache: Redis unavailable", exc_info=True)
            return None
        return CachedPage.load(raw) if isinstance(raw, bytes) else None

    def set(self, key: str, page: CachedPage, seconds: int) -> None:
        """Keep ``page`` under ``key`` for ``seconds``."""
        try:
            self._redis.set(_REDIS_PREFIX + key, page.dump(), ex=seconds)
        except Exception:  # the cache is an optimisation: never fail a page for it
            logger.warning("page cache: Redis unavailable", exc_info=True)

    def clear(self) -> None:
        """Forget every page (pages of older content versions are never read again)."""
        try:
            keys = list(self._redis.scan_iter(match=_REDIS_PREFIX + "*", count=1000))
            if keys:
                self._redis.delete(*keys)
        except Exception:  # the cache is an optimisation: never fail a page for it
            logger.warning("page cache: Redis unavailable", exc_info=True)


class TieredStore:
    """This process's memory in front of a shared store: a hit costs no round trip."""

    def __init__(self, near: Store, far: Store) -> None:
        self._near, self._far = near, far

    def get(self, key: str) -> CachedPage | None:
        """Return the page kept under ``key`` here, else in the shared store."""
        page = self._near.get(key)
        if page is None:
            page = self._far.get(key)
            if page is not None:
                self._near.set(key, page, _NEAR_SECONDS)
        return page

    def set(self, key: str, page: CachedPage, seconds: int) -> None:
        """Keep ``page`` in both stores."""
        self._near.set(key, page, min(seconds, _NEAR_SECONDS))
        self._far.set(key, page, seconds)

    def clear(self) -> None:
        """Forget every page in both stores."""
        self._near.clear()
        self._far.clear()


def _monotonic() -> float:
    return time.monotonic()


def current_version(app: Flask) -> tuple[str, dt.datetime | None]:
    """Return the content version, read from the database at most once a second.

    A page hit then costs no database round trip; ``flask guides sync`` in another
    process is seen by this one within ``VERSION_CHECK_SECONDS``, and at once in the
    process that ran it (``invalidate``).
    """
    memo = app.extensions.get("portal_page_cache_version")
    now = _monotonic()
    # The age is judged when read, so that a shorter interval applies at once.
    if memo is not None and now - memo[0] < VERSION_CHECK_SECONDS:
        return memo[1], memo[2]
    version, changed_at = app.extensions["portal_content_version"](db.session)
    app.extensions["portal_page_cache_version"] = (now, version, changed_at)
    return version, changed_at


def endpoint_version(app: Flask, endpoint: str) -> str:
    """Return the version of what one endpoint's pages show beyond the content, if any.

    For a public page that shows data of its own (an enterprise's published credit
    records): read like the content version, at most once a second per process and at
    once after this process committed a change to it (``forget_on_commit``).
    """
    versions: Mapping[str, Callable[[Session], str]] = app.extensions[
        "portal_endpoint_versions"]
    if endpoint not in versions:
        return ""
    memo: dict[str, tuple[float, str]] = app.extensions.setdefault(
        "portal_endpoint_version_memo", {})
    now = _monotonic()
    found = memo.get(endpoint)
    if found is not None and now - found[0] < VERSION_CHECK_SECONDS:
        return found[1]
    version = versions[endpoint](db.session)
    memo[endpoint] = (now, version)
    return version


def _store() -> Store | None:
    store: Store | None = current_app.extensions.get("portal_page_cache")
    return store


def _cacheable_request() -> bool:
    return (request.method == "GET"
            and (request.endpoint in PUBLIC_ENDPOINTS
                 or request.endpoint in current_app.extensions["portal_endpoint_versions"])
            and not current_user.is_authenticated and "_flashes" not in session)


def _page_key(version: str) -> str:
    parts = "|".join((request.scheme, request.host, request.full_path, str(get_locale()),
                      version, local_today().isoformat()))
    return hashlib.sha256(parts.encode()).hexdigest()


def _etag(key: str) -> str:
    # The page embeds the visitor's CSRF token: a validator of another visitor's copy
    # must not match. The token's secret is hashed, never sent.
    secret = str(session.get("csrf_token", ""))
    return hashlib.sha256(f"{key}|{secret}".encode()).hexdigest()[:32]


def template_csrf_token() -> str:
    """Return the CSRF token for a template: a placeholder while a cacheable page renders."""
    if g.get("page_cache_key") or g.get("personal_page_key"):
        return CSRF_PLACEHOLDER
    return generate_csrf()


def fill_in_csrf(body: bytes) -> bytes:
    """Return ``body`` with the visitor's CSRF token in place of the placeholder."""
    if _CSRF_BYTES in body:
        return body.replace(_CSRF_BYTES, generate_csrf().encode())
    return body


def before_request() -> Response | None:
    """Answer 304 or the cached page when possible; otherwise note the page's key."""
    if not _cacheable_request():
        return None
    version, changed_at = current_version(current_app)
    key = _page_key(f"{version}|{endpoint_version(current_app, request.endpoint or '')}")
    g.page_cache_key = key
    g.page_cache_changed_at = changed_at
    if session.get("csrf_token") and _etag(key) in request.if_none_match:
        return Response(status=304)
    store = _store()
    page = store.get(key) if store is not None else None
    if page is None:
        return None
    g.page_cache_hit = True
    return Response(fill_in_csrf(page.body), mimetype=page.mimetype)


def after_request(response: Response) -> Response:
    """Keep a freshly rendered public page, fill in its CSRF token and add validators."""
    key = g.get("page_cache_key")
    if not key:
        return response
    if response.status_code == 304:
        _validators(response, key)
        return response
    if response.status_code != 200 or response.direct_passthrough:
        # Not a page to keep (an error, a file): render its token for real.
        if not response.direct_passthrough:
            response.set_data(fill_in_csrf(response.get_data()))
        return response
    if not g.get("page_cache_hit"):
        body = response.get_data()
        store = _store()
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        if store is not None and seconds > 0:
            store.set(key, CachedPage(body=body, mimetype=response.mimetype or "text/html"),
                      seconds)
        response.set_data(fill_in_csrf(body))
    _validators(response, key)
    return response


def _validators(response: Response, key: str) -> None:
    response.headers["ETag"] = f'"{_etag(key)}"'
    changed_at = g.get("page_cache_changed_at")
    if changed_at is not None:
        response.headers["Last-Modified"] = http_date(changed_at)
    # The visitor's own copy only, checked again on every use (a new content version,
    # day or language changes the ETag); shared caches keep nothing.
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Cookie", "Accept-Language"))


def forget_version(app: Flask) -> None:
    """Read the content version again on the next request of this process.

    For a change this process just committed that public pages show (a decision issued or
    withdrawn): its version is new, so its pages are rendered again at once here, and
    within ``VERSION_CHECK_SECONDS`` in the other processes.
    """
    app.extensions.pop("portal_page_cache_version", None)
    app.extensions.pop("portal_endpoint_version_memo", None)


#: The applications of this process whose versions follow their sessions' commits.
_FOLLOWING: weakref.WeakSet[Flask] = weakref.WeakSet()
_FLAG = "portal_page_versions_changed"


def forget_on_commit(app: Flask, *models: type) -> None:
    """Read the versions again after this process commits a change to one of ``models``.

    So that a change shows at once on the pages of the process that made it (the next
    page after a form, whichever process serves it, shows it within a second).
    """
    app.extensions["portal_versioned_models"] = tuple(models)
    _FOLLOWING.add(app)
    if not event.contains(Session, "after_flush", _note_changes):
        event.listen(Session, "after_flush", _note_changes)
        event.listen(Session, "after_commit", _forget_changed)
        event.listen(Session, "after_rollback", _keep_versions)


def _note_changes(session: Session, _context: Any) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    for app in list(_FOLLOWING):
        if any(isinstance(obj, app.extensions["portal_versioned_models"]) for obj in changed):
            session.info.setdefault(_FLAG, set()).add(id(app))


def _forget_changed(session: Session) -> None:
    changed = session.info.pop(_FLAG, None)
    if changed:
        for app in list(_FOLLOWING):
            if id(app) in changed:
                forget_version(app)


def _keep_versions(session: Session) -> None:
    session.info.pop(_FLAG, None)


def content_memo(app: Flask, key: Hashable, compute: Callable[[], T]) -> T:
    """Return ``compute()``, kept in this process while the content version stays the same.

    For facts of the content that signed-in pages show too (the guides in force, their
    departments, the risk bands): they change only on ``flask guides sync``, which this
    process sees as public pages do. ``compute`` must return plain values, never rows
    of a session, and callers must not change them. Off with the page cache
    (``PAGE_CACHE_SECONDS=0``).
    """
    if app.config["PAGE_CACHE_SECONDS"] <= 0:
        return compute()
    version, _changed_at = current_version(app)
    memo: dict[Hashable, tuple[str, Any]] = app.extensions.setdefault(
        "portal_content_memo", {})
    found = memo.get(key)
    if found is not None and found[0] == version:
        return cast(T, found[1])
    value = compute()
    memo[key] = (version, value)
    return value


def invalidate(app: Flask) -> None:
    """Forget every cached page (after ``flask guides sync``; versions already changed)."""
    app.extensions.pop("portal_page_cache_version", None)
    app.extensions.pop("portal_endpoint_version_memo", None)
    app.extensions.pop("portal_content_memo", None)
    store: Store | None = app.extensions.get("portal_page_cache")
    if store is not None:
        store.clear()


def init_app(app: Flask, content_version: Callable[[Session], tuple[str, dt.datetime | None]],
             endpoint_versions: Mapping[str, Callable[[Session], str]] | None = None,
             ) -> None:
    """Choose the page store and hook the cache into every request.

    ``content_version`` returns the version of everything public pages show and when
    it last changed (the features know what that is; this module does not);
    ``endpoint_versions`` names further public endpoints, each with the version of
    what it shows beyond the content.
    """
    app.extensions["portal_content_version"] = content_version
    app.extensions["portal_endpoint_versions"] = dict(endpoint_versions or {})
    if app.config["PAGE_CACHE_SECONDS"] > 0:
        app.extensions["portal_page_cache"] = (
            TieredStore(MemoryStore(), RedisStore(app.config["REDIS_URL"]))
            if app.config["REDIS_URL"] else MemoryStore())
    # Flask-WTF offers ``csrf_token`` both as a global and from a context processor
    # (which wins): replace both, after it.
    app.jinja_env.globals["csrf_token"] = template_csrf_token
    app.context_processor(lambda: {"csrf_token": template_csrf_token})
    app.before_request(before_request)
    app.after_request(after_request)

