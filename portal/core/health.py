"""Readiness checks of an instance: its database, its Redis, its schema.

Load balancers and orchestrators ask ``/readyz`` every few seconds, so each check is
one cheap round trip, and the schema check (is the database at the code's migration
head?) is remembered for ``SCHEMA_CHECK_SECONDS`` once it has passed. A failed check
is logged here with its cause; what the endpoint answers names only the check.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.core import migrations

logger = logging.getLogger(__name__)

#: How long a passed schema check is trusted before the database is asked again.
SCHEMA_CHECK_SECONDS = 30.0
#: How long a Redis ping may take before Redis counts as unavailable.
REDIS_TIMEOUT_SECONDS = 0.5

OK = "ok"
FAILED = "unavailable"
OUTDATED = "outdated"


class _SchemaMemo:
    """When the schema was last seen at the code's head, per process."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def fresh(self) -> bool:
        with self._lock:
            return time.monotonic() < self._until

    def remember(self) -> None:
        with self._lock:
            self._until = time.monotonic() + SCHEMA_CHECK_SECONDS

    def forget(self) -> None:
        with self._lock:
            self._until = 0.0


_schema_memo = _SchemaMemo()


def forget_schema_check() -> None:
    """Make the next readiness check read the schema revision again (tests, migrations)."""
    _schema_memo.forget()


def check_database(session: Session) -> str:
    """Return ``ok`` when the database answers ``SELECT 1``."""
    session.execute(text("SELECT 1"))
    return OK


def check_schema(session: Session) -> str:
    """Return ``ok`` when the database is at the code's migration head, else ``outdated``."""
    if _schema_memo.fresh():
        return OK
    if migrations.applied_heads(session.connection()) != set(migrations.code_heads()):
        return OUTDATED
    _schema_memo.remember()
    return OK


def check_redis(app: Flask) -> str:
    """Return ``ok`` when the configured Redis answers a ping."""
    client: Any = app.extensions.get("portal_health_redis")
    if client is None:
        from redis import Redis

        client = Redis.from_url(app.config["REDIS_URL"], socket_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        app.extensions["portal_health_redis"] = client
    client.ping()
    return OK


def readiness(app: Flask, session: Session) -> dict[str, str]:
    """Run every readiness check; return each check's outcome by name.

    A check that raises counts as ``unavailable``; its cause goes to the log only. The
    schema is checked only once the database answers, and Redis only when configured.
    """
    checks: dict[str, str] = {}
    steps: list[tuple[str, Callable[[], str]]] = [
        ("database", lambda: check_database(session)),
        ("schema", lambda: check_schema(session)),
    ]
    if app.config["REDIS_URL"]:
        steps.append(("redis", lambda: check_redis(app)))
    for name, check in steps:
        if name == "schema" and checks["database"] != OK:
            checks[name] = FAILED
            continue
        try:
            checks[name] = check()
        except Exception:  # any failure makes the instance not ready; the log says why
            logger.warning("readiness check %s failed", name, exc_info=True)
            checks[name] = FAILED
    try:
        session.rollback()
    except Exception:  # a dead connection: the pool replaces it on the next checkout
        logger.warning("readiness check: rollback failed", exc_info=True)
    return checks
