"""Flask extension objects, created unbound and initialised by the factory."""

from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from portal.core.db import db

__all__ = ["babel", "csrf", "db", "limiter", "login_manager"]

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[],
                  strategy="fixed-window")


#: Requests that read: every rate limit of the portal applies to form posts only
#: (``methods=["POST"]``, a test checks it), so pages skip the limiter's per-request work.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@limiter.request_filter
def _reading_request() -> bool:
    return request.method in SAFE_METHODS
