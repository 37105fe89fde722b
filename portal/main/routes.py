"""Home page, language switcher, liveness and readiness probes."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.accounts.services import set_locale
from portal.core.health import OK, readiness
from portal.core.i18n import is_supported
from portal.core.urls import safe_next_url
from portal.extensions import csrf, db, limiter
from portal.main.forms import LanguageForm

logger = logging.getLogger(__name__)

bp = Blueprint("main", __name__)


@bp.get("/")
def home() -> ResponseReturnValue:
    """Tell enterprises, officers and the public what they can do here."""
    return render_template("main/home.html")


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    """Switch the interface language and go back to the page the user was on."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    locale = form.locale.data
    if not is_supported(locale):
        abort(400, description=_("This language is not available. Choose 简体中文, 繁體中文 "
                                 "or English."))
    session["locale"] = locale
    if current_user.is_authenticated:
        set_locale(db.session, current_user, locale)
        db.session.commit()
    return redirect(safe_next_url(form.next.data) or url_for("main.home"))


#: Endpoints that neither read nor write the session (probes send no cookie and keep none).
SESSIONLESS_ENDPOINTS = frozenset({"main.healthz", "main.readyz"})


def _probe_response(body: dict[str, object], status: int) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> ResponseReturnValue:
    """Say that the process is up and serving (liveness: no database, no Redis)."""
    return _probe_response({"status": "ok"}, 200)


@bp.get("/readyz")
@limiter.exempt
@csrf.exempt
def readyz() -> ResponseReturnValue:
    """Say whether this instance can serve: database, schema at head, Redis (readiness).

    503 names the checks that failed, never why (the log says why).
    """
    checks = readiness(current_app, db.session)
    ready = all(outcome == OK for outcome in checks.values())
    if not ready:
        logger.warning("not ready: %s", checks)
    return _probe_response({"status": "ok" if ready else "unavailable", "checks": checks},
                           200 if ready else 503)


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Send browsers that ask for /favicon.ico to the portal's own SVG icon."""
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@bp.get("/robots.txt")
def robots() -> ResponseReturnValue:
    """Keep account pages out of search engines."""
    body = "User-agent: *\nDisallow: /account\nDisallow: /enterprise\nDisallow: /admin\n"
    return body, 200, {"Content-Type": "text/plain; charset=utf-8"}


