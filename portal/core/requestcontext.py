"""The id of the request being served, for logs and audit events."""

from __future__ import annotations

import logging
import re
import secrets
from contextvars import ContextVar

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

#: An incoming X-Request-ID is kept only if it looks like an id, never echoed raw.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def new_request_id(incoming: str | None = None) -> str:
    """Start a request: adopt a well-formed incoming id or make a new one."""
    request_id = incoming if incoming and _SAFE_ID.match(incoming) else secrets.token_hex(8)
    _request_id.set(request_id)
    return request_id


def get_request_id() -> str | None:
    """Return the id of the current request, if any."""
    return _request_id.get()


def clear_request_id() -> None:
    """Forget the request id once the request is over."""
    _request_id.set(None)


class RequestIdFilter(logging.Filter):
    """Add ``request_id`` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_request_id() or "-"
        return True
