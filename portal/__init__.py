"""Nansha compliance self-service portal: the application factory."""

from __future__ import annotations

import datetime as dt
import logging.config
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as portal_config
from portal.accounts import bp as accounts_bp
from portal.accounts.labels import KIND_LABELS, ROLE_LABELS, STATUS_LABELS
from portal.accounts.models import Enterprise
from portal.accounts.routes import resolve_acting_role
from portal.admin import bp as admin_bp
from portal.auth import bp as auth_bp
from portal.auth.routes import configure_login_manager
from portal.cases.routes import bp as cases_bp
from portal.cases.services import referenced_digests as case_file_references
from portal.cli import register as register_commands
from portal.core import formatting, layout, pagecache, personalcache
from portal.core.i18n import (
    DEFAULT_LOCALE,
    HTML_LANG,
    LOCALES,
    install_template_gettext,
    select_locale,
)
from portal.core.input import register_converters, reject_nul_bytes
from portal.core.permissions import Permission, can
from portal.core.requestcontext import RequestIdFilter, clear_request_id, new_request_id
from portal.core.security import configure_hasher, register_security_headers
from portal.core.storage import init_storage, register_reference
from portal.core.workflow import allowed_transitions
from portal.credit.display import public_records_version
from portal.credit.models import CreditRecord
from portal.credit.routes import bp as credit_bp
from portal.credit.services import referenced_digests as credit_file_references
from portal.disclosure.queries import disclosure_version
from portal.disclosure.routes import bp as disclosure_bp
from portal.errors import register as register_errors
from portal.exemptions.routes import bp as exemptions_bp
from portal.exemptions.services import referenced_digests as exemption_file_references
from portal.extensions import babel, csrf, db, limiter, login_manager
from portal.guides.api import bp as api_bp
from portal.guides.queries import content_version
from portal.guides.routes import bp as guides_bp
from portal.main import bp as main_bp
from portal.main.routes import SESSIONLESS_ENDPOINTS
from portal.notifications import bp as notifications_bp
from portal.review.routes import bp as review_bp
from portal.selfcheck.files import referenced_digests as selfcheck_file_references
from portal.selfcheck.routes import bp as selfcheck_bp


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Create the portal application; ``config`` overrides settings (tests)."""
    app = Flask(__name__, instance_path=str(portal_config.INSTANCE_DIR))
    configure_app(app, config)
    configure_logging(app)
    register_extensions(app)
    register_storage(app)
    configure_i18n(app)
    register_request_hooks(app)
    register_converters(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def configure_app(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Load and validate settings, then derive Flask's own keys from them."""
    settings = portal_config.load_config(overrides)
    portal_config.validate(settings)
    app.config.update(settings)
    production = settings["ENV"] == "production"
    app.config.update(
        TESTING=settings["ENV"] == "test" or bool(settings.get("TESTING")),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        SESSION_COOKIE_NAME="portal_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=production,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings["SESSION_HOURS"]),
        # Files beyond 500 KB are spooled to temporary files while a form is parsed
        # (werkzeug's default stream factory), so a large request is not held in memory.
        MAX_CONTENT_LENGTH=settings["MAX_REQUEST_MB"] * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE=DEFAULT_LOCALE,
        BABEL_DEFAULT_TIMEZONE=settings["TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=str(portal_config.PROJECT_ROOT / "translations"),
        RATELIMIT_STORAGE_URI=settings["REDIS_URL"] or "memory://",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    if settings["PROXY_COUNT"]:
        count = settings["PROXY_COUNT"]
        # Wrapping wsgi_app is how Flask documents adding WSGI middleware.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def configure_logging(app: Flask) -> None:
    """Log every record with the request id of the request it belongs to."""
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"plain": {
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain",
                                 "filters": ["request_id"]}},
        "loggers": {"portal": {"handlers": ["console"], "level": app.config["LOG_LEVEL"],
                               "propagate": False}},
    })


def register_extensions(app: Flask) -> None:
    """Bind the database, CSRF protection, sign-in and rate limiting to ``app``."""
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    configure_hasher(time_cost=app.config["ARGON2_TIME_COST"],
                     memory_cost=app.config["ARGON2_MEMORY_COST"])
    configure_login_manager(login_manager)


def register_storage(app: Flask) -> None:
    """Choose the file storage backend and tell it which rows reference stored files."""
    init_storage(app)
    register_reference("self-check answers", selfcheck_file_references)
    register_reference("case evidence", case_file_references)
    register_reference("exemption application files", exemption_file_references)
    register_reference("credit repair files", credit_file_references)


def configure_i18n(app: Flask) -> None:
    """Choose each request's language (saved, session, browser, Chinese)."""
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)


def register_request_hooks(app: Flask) -> None:
    """Give each request an id and resolve the role the user acts as."""
    @app.before_request
    def start_request() -> Response | None:
        g.request_id = new_request_id(request.headers.get("X-Request-ID"))
        reject_nul_bytes()
        if request.endpoint == "static" or request.endpoint in SESSIONLESS_ENDPOINTS:
            return None  # static files and probes need neither a session nor a role
        session.permanent = True
        # A signed-in page kept for this session is answered before the user is read.
        kept = personalcache.serve_cached()
        if kept is None:
            resolve_acting_role()
        return kept

    @app.after_request
    def finish_request(response):  # type: ignore[no-untyped-def]
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if (request.endpoint != "static" and request.endpoint not in SESSIONLESS_ENDPOINTS
                and (g.get("personal_page_hit") or current_user.is_authenticated)):
            # Pages of a signed-in user must not be kept by shared caches or the back button.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def end_request(_exception: BaseException | None) -> None:
        clear_request_id()

    register_security_headers(app)
    pagecache.init_app(app, public_version,
                       {"credit.public": public_records_version})
    pagecache.forget_on_commit(app, CreditRecord, Enterprise)
    personalcache.init_app(app)


def public_version(db_session: Any) -> tuple[str, dt.datetime | None]:
    """Return the version of everything public pages show: the content (guides, lists,
    departments) and the disclosed decisions, and when either last changed."""
    content, content_changed = content_version(db_session)
    disclosed, disclosed_changed = disclosure_version(db_session)
    changed = max((moment for moment in (content_changed, disclosed_changed)
                   if moment is not None), default=None)
    return f"{content}:{disclosed}", changed


def register_blueprints(app: Flask) -> None:
    """Register every feature's blueprint explicitly."""
    for blueprint in (main_bp, auth_bp, accounts_bp, admin_bp, guides_bp, api_bp,
                      selfcheck_bp, cases_bp, notifications_bp, exemptions_bp, review_bp,
                      disclosure_bp, credit_bp):
        app.register_blueprint(blueprint)


def register_error_handlers(app: Flask) -> None:
    """Show errors as pages in the user's language with a reference id."""
    register_errors(app)


def register_template_helpers(app: Flask) -> None:
    """Make permissions, languages and formatting helpers available to templates."""
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def inject() -> dict[str, Any]:
        locale = str(get_locale() or DEFAULT_LOCALE)
        return {
            "can": can,
            "Permission": Permission,
            "LOCALES": LOCALES,
            "current_locale": locale,
            "html_lang": HTML_LANG.get(locale, "zh-Hans-CN"),
            "html_langs": HTML_LANG,
            "role_labels": ROLE_LABELS,
            "status_labels": STATUS_LABELS,
            "kind_labels": KIND_LABELS,
            "acting_membership": g.get("membership"),
            "acting_memberships": g.get("memberships", []),
            "acting_role": g.get("role"),
            "allowed_transitions": allowed_transitions,
        }

    formatting.register_filters(app)
    layout.init_app(app)


def register_cli(app: Flask) -> None:
    """Add the portal's ``flask`` commands."""
    register_commands(app)
