"""Error pages: every error shown in the user's language with a reference id."""

from __future__ import annotations

import datetime as dt
import logging
import time

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import format_decimal, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.core.errors import DomainError
from portal.core.requestcontext import new_request_id
from portal.extensions import db, limiter, login_manager

logger = logging.getLogger(__name__)

TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have permission to see this page"),
    404: _l("Page not found"),
    405: _l("This action is not allowed here"),
    409: _l("Someone else changed this at the same time"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Sorry, there is a problem with the service"),
    503: _l("The service is briefly unavailable"),
}

MESSAGES = {
    400: _l("Go back, check what you entered and try again."),
    403: _l("If you think you should have access, contact your enterprise administrator "
            "or the portal's support."),
    404: _l("If you typed the web address, check it is correct. If you pasted it, check you "
            "copied the entire address."),
    405: _l("Go back and use the buttons on the page."),
    409: _l("Nothing you entered was saved. Go back, reload the page to see the latest "
            "version, and try again."),
    413: _l("Choose a smaller file and try again."),
    429: _l("You have tried too many times. Wait a few minutes, then try again."),
    500: _l("Nothing you entered has been saved. Try again later."),
    503: _l("Nothing you entered has been saved. Wait a minute, then try again."),
}

#: Seconds a client is asked to wait when the database is unavailable (``Retry-After``).
RETRY_AFTER_SECONDS = 30

CSRF_MESSAGE = _l("The form expired or was not sent from this site. Nothing was saved. "
                  "Go back, reload the page and try again.")


def request_reference() -> str:
    """Return the request id, starting one if the error came before the request hooks ran.

    CSRF checks and body-size limits run in hooks registered before ours.
    """
    if not g.get("request_id"):
        g.request_id = new_request_id(request.headers.get("X-Request-ID"))
    return str(g.request_id)


def render_error(code: int, message: str | None = None,
                 title: str | None = None) -> tuple[str, int]:
    """Render the error page for ``code`` with an optional specific message and title."""
    return render_template(
        "errors/error.html", code=code, title=title or TITLES.get(code, TITLES[500]),
        message=message or MESSAGES.get(code, MESSAGES[500]),
        reference=request_reference(),
    ), code


def _seconds_to_wait() -> int:
    """Return the seconds until the limit that was hit resets."""
    current = limiter.current_limit
    return max(1, int(current.reset_at - time.time())) if current else 60


def _rate_limit_message(seconds: int) -> str:
    """Say how long to wait, in the user's language ("1分钟", "45 seconds")."""
    return _("You have tried too many times. Wait %(wait)s, then try again.",
             wait=format_timedelta(dt.timedelta(seconds=seconds), threshold=1,
                                   granularity="second"))


def _too_large_message() -> str:
    """Name the size limit of a request in megabytes."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] / (1024 * 1024)
    return _("What you sent is larger than %(size)s MB in total. Nothing was saved. Go back "
             "and choose smaller or fewer files.", size=format_decimal(limit))


def is_database_unavailable(error: BaseException) -> bool:
    """Return whether ``error`` says the database cannot be reached (not that a query is wrong).

    A lost or refused connection (PostgreSQL restarted, a connection terminated), an
    operational failure (a lock or statement timeout) and a pool with no free connection
    are all transient: the request may be tried again. Constraint violations and
    programming errors are not.
    """
    if isinstance(error, PoolTimeout | OperationalError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _rollback_quietly() -> None:
    """Roll the request's session back; a dead connection is discarded by the pool."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: nothing of the request was committed
        logger.warning("rollback after a database failure failed", exc_info=True)


def database_unavailable() -> tuple[str | Response, int, dict[str, str]]:
    """Answer that the database is unavailable: the 503 page, or JSON under /api/."""
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    # The page must render without the database: as the public sees it (a signed-in
    # user's objects were expired by the rollback, and the header would query them).
    g._login_user = login_manager.anonymous_user()  # where Flask-Login keeps the request user
    if request.path.startswith("/api/"):
        return jsonify(errors={"request": str(MESSAGES[503])}), 503, headers
    try:
        body, code = render_error(503)
    except Exception:  # never let the error page itself fail
        logger.exception("the 503 page could not be rendered")
        return "503 Service Unavailable", 503, {**headers, "Content-Type": "text/plain"}
    return body, code, headers


def register(app: Flask) -> None:
    """Attach the error handlers to ``app``."""

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> tuple[str, int]:
        db.session.rollback()
        request_reference()
        logger.warning("CSRF check failed on %s", request.path)
        return render_error(400, str(CSRF_MESSAGE))

    @app.errorhandler(StaleDataError)
    def concurrent_change(_error: StaleDataError) -> tuple[str, int]:
        # The optimistic-lock version check failed: another request changed the row first.
        db.session.rollback()
        logger.info("concurrent change refused on %s", request.path)
        return render_error(409)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[str | Response, int]:
        # A service refused; nothing of the request is kept.
        db.session.rollback()
        logger.info("%s refused on %s: %s", type(error).__name__, request.path, error)
        if request.path.startswith("/api/"):
            return jsonify(errors={"request": str(error.message)}), error.status_code
        return render_error(error.status_code, str(error.message),
                            str(error.title) if error.title else None)

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(_error: RateLimitExceeded) -> tuple[str, int, dict[str, str]]:
        db.session.rollback()
        seconds = _seconds_to_wait()
        body, code = render_error(429, _rate_limit_message(seconds))
        return body, code, {"Retry-After": str(seconds)}

    @app.errorhandler(413)
    def too_large(_error: HTTPException) -> tuple[str, int]:
        db.session.rollback()
        return render_error(413, _too_large_message())

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | Response, int, dict[str, str]]:
        db.session.rollback()
        # 405 must say which methods are allowed (RFC 9110); other headers are werkzeug's own.
        headers = {key: value for key, value in error.get_headers() if key == "Allow"}
        code = error.code or 500
        # A description given to abort() is a message for the user; werkzeug's own is not.
        custom = error.description != type(error).description
        message = str(error.description) if custom else None
        status = code if code in TITLES else 400 if code < 500 else 500
        if request.path.startswith("/api/"):
            # The open-data API answers in JSON, as its OpenAPI document says.
            return jsonify(errors={"request": message or str(TITLES[status])}), status, headers
        body, status = render_error(status, message)
        return body, status, headers

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_error(error: Exception) -> tuple[str | Response, int, dict[str, str]]:
        if not is_database_unavailable(error):
            body, code = unexpected_error(error)
            return body, code, {}
        _rollback_quietly()
        logger.warning("database unavailable on %s (reference %s): %s", request.path,
                       request_reference(), type(error).__name__)
        return database_unavailable()

    @app.errorhandler(Exception)
    def unexpected_error(_error: Exception) -> tuple[str, int]:
        db.session.rollback()
        logger.exception("unexpected error (reference %s)", g.get("request_id"))
        return render_error(InternalServerError.code)
