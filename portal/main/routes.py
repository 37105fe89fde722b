"""Home page, language switcher and health check."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, jsonify, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from portal.accounts.services import set_locale
from portal.core.i18n import is_supported
from portal.core.urls import safe_next_url
from portal.extensions import db
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


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report whether the portal and its database answer (for load balancers)."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any database failure makes the instance unhealthy
        logger.exception("health check: database unreachable")
        database = "unavailable"
    healthy = database == "ok"
    return jsonify(status="ok" if healthy else "error", database=database), (
        200 if healthy else 503)


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """Send browsers that ask for /favicon.ico to the portal's own SVG icon."""
    return redirect(url_for("static", filename="img/favicon.svg"), code=301)


@bp.get("/robots.txt")
def robots() -> ResponseReturnValue:
    """Keep account pages out of search engines."""
    body = "User-agent: *\nDisallow: /account\nDisallow: /enterprise\nDisallow: /admin\n"
    return body, 200, {"Content-Type": "text/plain; charset=utf-8"}


