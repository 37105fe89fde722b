"""What every exemption step shares: its error and the optimistic-lock check."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.core.errors import DomainError
from portal.core.workflow import ConcurrentUpdate, StaleObject


class ExemptionError(DomainError):
    """A step refused for a reason the user can act on (nothing was changed).

    ``field`` names the form field the message belongs beside, when there is one.
    """

    status_code = 400

    def __init__(self, message: Any, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_version(obj: Any, expected_version: int) -> None:
    """Refuse a form made from an older version (checked before anything else)."""
    if obj.version != expected_version:
        raise StaleObject(f"{type(obj).__name__} {obj.id}: version {obj.version}, "
                          f"form had {expected_version}")


def touch(session: Session, obj: Any, *, expected_version: int, now: dt.datetime) -> None:
    """Check the version the user saw and bump it (a change that keeps the status).

    Setting ``updated_at`` makes the row dirty, so the flush bumps ``version`` with a
    ``WHERE version = …`` that catches a concurrent change.
    """
    check_version(obj, expected_version)
    obj.updated_at = now
    try:
        session.flush()
    except StaleDataError as error:
        raise ConcurrentUpdate(f"{type(obj).__name__} {obj.id} changed in another "
                               "transaction") from error
