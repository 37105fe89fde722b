"""How far a long request has got, for a page that polls it (a large import).

A request that works for seconds reports ``done`` of ``total`` steps under a key of its
user and a token its form carried; another request of the same user reads it. The
values live in Redis when ``PORTAL_REDIS_URL`` is set (any instance may answer the
poll), else in this process's memory (the embedded default serves from one process).
Progress is a courtesy: a store that fails is logged and skipped, never the request.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass

from flask import current_app

logger = logging.getLogger(__name__)

#: What a token looks like (``secrets.token_urlsafe(16)``); anything else is refused.
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
#: How long a report is kept after its last update.
KEEP_SECONDS = 3600
_PREFIX = "portal:progress:"


@dataclass(frozen=True)
class Progress:
    """``done`` of ``total`` steps."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        """Return how far, in whole percent (0 while nothing is known)."""
        return min(100, self.done * 100 // self.total) if self.total else 0


def new_token() -> str:
    """Return a token for a form whose request will report its progress."""
    return secrets.token_urlsafe(16)


class _MemoryStore:
    def __init__(self) -> None:
        self._values: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def set(self, key: str, value: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._values[key] = (now, value)
            for stale in [k for k, (at, _v) in self._values.items() if now - at > KEEP_SECONDS]:
                del self._values[stale]

    def get(self, key: str) -> str | None:
        with self._lock:
            found = self._values.get(key)
        return found[1] if found else None


_MEMORY = _MemoryStore()


def _key(user_id: int, token: str) -> str:
    return f"{_PREFIX}{user_id}:{token}"


def _redis():  # type: ignore[no-untyped-def]
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("progress_redis")
    if client is None:
        from redis import Redis

        client = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        current_app.extensions["progress_redis"] = client
    return client


def report(user_id: int, token: str | None, progress: Progress) -> None:
    """Keep ``progress`` for ``user_id``'s request that carried ``token`` (if it is one)."""
    if not token or not TOKEN.fullmatch(token):
        return
    value = json.dumps({"done": progress.done, "total": progress.total})
    try:
        client = _redis()
        if client is None:
            _MEMORY.set(_key(user_id, token), value)
        else:
            client.set(_key(user_id, token), value, ex=KEEP_SECONDS)
    except Exception:  # a courtesy: never fail the work for it
        logger.warning("progress: store unavailable", exc_info=True)


def read(user_id: int, token: str) -> Progress | None:
    """Return the progress ``user_id``'s request with ``token`` reported, if any."""
    if not TOKEN.fullmatch(token):
        return None
    try:
        client = _redis()
        raw = _MEMORY.get(_key(user_id, token)) if client is None else client.get(
            _key(user_id, token))
    except Exception:
        logger.warning("progress: store unavailable", exc_info=True)
        return None
    if raw is None:
        return None
    data = json.loads(raw)
    return Progress(done=int(data["done"]), total=int(data["total"]))


class Tracker:
    """Callbacks for a long piece of work: ``started(total)`` then ``advance(n)`` as it goes.

    Writes at most every ``every`` seconds (and at the end), so a fast loop does not
    spend its time reporting.
    """

    def __init__(self, user_id: int, token: str | None, *, every: float = 0.25) -> None:
        self.user_id, self.token, self.every = user_id, token, every
        self.done = self.total = 0
        self._last = 0.0

    def started(self, total: int) -> None:
        """Record how many steps are to come."""
        self.total, self.done = total, 0
        self._write(force=True)

    def advance(self, steps: int) -> None:
        """Record ``steps`` more done."""
        self.done += steps
        self._write(force=self.done >= self.total)

    def finish(self) -> None:
        """Record the work as complete."""
        self.done = self.total
        self._write(force=True)

    def _write(self, *, force: bool) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.every:
            self._last = now
            report(self.user_id, self.token, Progress(self.done, self.total))
