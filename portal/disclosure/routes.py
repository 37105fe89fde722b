"""Decision documents for the parties, /verify/<code>, and public disclosure at /decisions.

The document (HTML and PDF) is the stored ``Decision.content``: Chinese is the
document; another language renders the fixed wording in that language and is marked
as a translation for reference. The public pages show only ``public_content`` (natural
persons redacted) and are never kept by the page cache: a grant's publication or
withdrawal must show at once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from portal.core.clock import local_today
from portal.core.formatting import format_day
from portal.core.i18n import DEFAULT_LOCALE, HTML_LANG, LOCALES
from portal.core.pdf import render_pdf
from portal.disclosure import labels
from portal.disclosure.qr import qr_svg, verify_url
from portal.disclosure.queries import (
    get_by_code,
    get_disclosed,
    list_disclosed,
    parse_decision_filters,
    withdrawal_reason,
)
from portal.errors import render_error
from portal.exemptions.access import load_decision_for
from portal.exemptions.models import Decision, DecisionKind, DisclosureStatus, Outcome
from portal.extensions import db
from portal.guides import labels as guide_labels
from portal.guides.queries import current_guides, departments_by_code

bp = Blueprint("disclosure", __name__)

#: How long a browser may keep a public disclosure page (publication and withdrawal
#: must show soon; the server-side page cache never keeps these pages).
PUBLIC_MAX_AGE = 60
#: ``?lang=`` values a document accepts, and the locale each renders in.
DOCUMENT_LANGUAGES = {"zh_Hans_CN": "zh_Hans_CN", "zh_Hans": "zh_Hans_CN",
                      "zh_Hant": "zh_Hant", "en": "en"}


def _iso_day(value: str | None) -> str:
    return format_day(dt.date.fromisoformat(value)) if value else ""


@bp.record_once
def register_template_globals(state: Any) -> None:
    """Give the decision templates their labels and the ISO-date formatter."""
    state.app.jinja_env.globals.update({
        "decision_labels": labels,
        "iso_day": _iso_day,
    })


def _document_title(decision: Decision) -> Any:
    if decision.kind == DecisionKind.GRANT and decision.outcome is not None:
        return Outcome(decision.outcome).document_type.label
    return labels.REFUSAL_TITLE


def _document_language() -> str:
    """Return the locale the document renders in: ``?lang=``, else the page's language.

    :raises BadRequest: ``lang`` names no language of the portal.
    """
    raw = request.args.get("lang")
    if raw is None or raw == "":
        return str(get_locale() or DEFAULT_LOCALE)
    if raw not in DOCUMENT_LANGUAGES:
        abort(400)
    return DOCUMENT_LANGUAGES[raw]


def _document_context(decision: Decision, language: str) -> dict[str, Any]:
    url = verify_url(decision.verification_code)
    return {"decision": decision, "content": decision.content, "language": language,
            "translation": language != DEFAULT_LOCALE, "verify_url": url,
            "document_title": _document_title(decision),
            "ground_labels": guide_labels.GROUND_LABELS,
            "qr": qr_svg(url, title=decision.verification_code)}


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/decisions/document/<int:decision_id>")
@login_required
def document(decision_id: int) -> ResponseReturnValue:
    """Show the decision document to its parties (the enterprise and the department)."""
    decision = load_decision_for(decision_id, "view")
    language = _document_language()
    context = _document_context(decision, language)
    with force_locale(language):
        body = Markup(render_template("disclosure/_document_body.html", **context))  # noqa: S704
    response = current_app.make_response(render_template(
        "disclosure/document.html", body=body, languages=LOCALES,
        document_lang=HTML_LANG.get(language, "zh-Hans-CN"), **context))
    return _private(response)


@bp.get("/decisions/document/<int:decision_id>.pdf")
@login_required
def document_pdf(decision_id: int) -> ResponseReturnValue:
    """Download the decision document as a PDF (an attachment, never shown inline)."""
    decision = load_decision_for(decision_id, "view")
    language = _document_language()
    with force_locale(language):
        html = render_template("disclosure/document_pdf.html",
                               document_lang=HTML_LANG.get(language, "zh-Hans-CN"),
                               **_document_context(decision, language))
    pdf = render_pdf(html, static_folder=Path(current_app.static_folder or ""))
    suffix = "" if language == DEFAULT_LOCALE else f"-{language}"
    response = Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="decision-{decision.id}{suffix}.pdf"'})
    return _private(response)


@bp.get("/verify/<code>")
def verify(code: str) -> ResponseReturnValue:
    """Confirm a decision by the code printed on it: number, kind, status, date, digest."""
    decision = get_by_code(db.session, code)
    if decision is None:
        return render_error(404, message=_(
            "No decision has this verification code. Check the code printed on the "
            "document, or scan its QR code again."),
            title=_("Decision not found"))
    withdrawn = decision.disclosure == DisclosureStatus.WITHDRAWN
    departments = departments_by_code(db.session)
    department = departments.get(decision.department_code)
    response = current_app.make_response(render_template(
        "disclosure/verify.html", decision=decision, withdrawn=withdrawn,
        reason=withdrawal_reason(decision) if withdrawn else None,
        authority=department.name(str(get_locale())) if department
        else decision.content.get("authority", {}).get("name")))
    return _public(response)


def _public(response: Response) -> Response:
    # The page carries the visitor's CSRF token (the language switcher): private only.
    response.headers["Cache-Control"] = f"private, max-age={PUBLIC_MAX_AGE}"
    return response


@bp.get("/decisions")
def index() -> ResponseReturnValue:
    """List the published decisions and those withdrawn from disclosure, with filters."""
    parsed = parse_decision_filters(db.session, request.args)
    today = local_today()
    page = list_disclosed(db.session, parsed.filters, today=today, page=parsed.page,
                          per_page=parsed.per_page)
    departments = departments_by_code(db.session)
    response = current_app.make_response((render_template(
        "disclosure/index.html", page=page, parsed=parsed, filters=parsed.filters,
        departments=departments, guides=current_guides(db.session),
        args=parsed.filters.as_args(), withdrawal_reason=withdrawal_reason),
        400 if parsed.errors else 200))
    return _public(response)


@bp.get("/decisions/<int:decision_id>")
def show(decision_id: int) -> ResponseReturnValue:
    """Show one disclosed decision: its redacted public content, or its withdrawal."""
    decision = get_disclosed(db.session, decision_id, today=local_today())
    if decision is None:
        abort(404)
    departments = departments_by_code(db.session)
    response = current_app.make_response(render_template(
        "disclosure/show.html", decision=decision, public=decision.public_content or {},
        departments=departments,
        withdrawn=decision.disclosure == DisclosureStatus.WITHDRAWN,
        reason=withdrawal_reason(decision)))
    return _public(response)
