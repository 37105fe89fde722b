"""Public pages: industry guides, exemption lists, entries, exports and the pre-check."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.core.clock import local_today
from portal.core.reference import industry_name
from portal.extensions import db
from portal.guides import labels
from portal.guides.exports import FORMATS, build_export
from portal.guides.models import LIST_TYPES, ExemptionEntryVersion
from portal.guides.precheck import (
    Answers,
    Corrected,
    FirstTime,
    Harm,
    PrecheckOutcome,
    alternative_entries,
    assess_entry,
)
from portal.guides.queries import (
    MAX_PER_PAGE,
    citation_text,
    current_guides,
    departments_by_code,
    entries_for_industry,
    entry_versions,
    guide_by_slug,
    highlight,
    industry_entries_preview,
    local_text,
    obligations_for,
    parse_filters,
    render_markdown,
    source_list_for,
)
from portal.guides.services import binds_nansha, search_entries
from portal.guides.standing import entry_standing

bp = Blueprint("guides", __name__)

#: Entries a guide page lists before linking to the exemption list filtered by industry.
GUIDE_ENTRIES = 20


def _locale() -> str:
    return str(get_locale())


def content_text(text: dict[str, str] | None) -> Any:
    """Return a content text in the active language (templates show a notice on fallback)."""
    return local_text(text, _locale())


@bp.record_once
def register_template_globals(state: Any) -> None:
    """Make content helpers global, so that imported macros see them too."""
    state.app.jinja_env.globals.update({
            "content_text": content_text,
            "entry_standing": entry_standing,
            "list_type_labels": labels.LIST_TYPE_LABELS,
            "list_type_explanations": labels.LIST_TYPE_EXPLANATIONS,
            "status_labels_precheck": labels.PRECHECK_STATUS_LABELS,
            "reason_labels": labels.PRECHECK_REASON_LABELS,
            "condition_labels": labels.CONDITION_LABELS,
            "baseline_labels": labels.BASELINE_LABELS,
            "ground_labels": labels.GROUND_LABELS,
            "ground_explanations": labels.GROUND_EXPLANATIONS,
            "follow_up_labels": labels.FOLLOW_UP_LABELS,
            "severity_labels": labels.SEVERITY_LABELS,
            "citation_text": lambda c, article=True: citation_text(c, _locale(), article=article),
            "follow_up_names": lambda codes: [labels.FOLLOW_UP_LABELS.get(c, c) for c in codes],
            "highlight": highlight})


@bp.get("/guides")
def index() -> ResponseReturnValue:
    """List the industries that have a compliance guide."""
    guides = current_guides(db.session)
    return render_template("guides/index.html", guides=guides, industry_name=industry_name)


@bp.get("/guides/<slug>")
def guide(slug: str) -> ResponseReturnValue:
    """Show an industry guide: text, obligations and the exemption entries that apply."""
    version = guide_by_slug(db.session, slug)
    if version is None:
        abort(404)
    locale = _locale()
    body_source = version.body.get({"zh_Hans_CN": "zh_Hans"}.get(locale, locale))
    body_fallback = not body_source
    body = render_markdown(body_source or version.body["zh_Hans"])
    entries, entry_count = industry_entries_preview(db.session, slug, limit=GUIDE_ENTRIES)
    return render_template(
        "guides/guide.html", guide=version, slug=slug, body=body, body_fallback=body_fallback,
        obligations=obligations_for(db.session, slug), entries=entries,
        entry_count=entry_count,
        departments=departments_by_code(db.session), industry_name=industry_name)


def _filter_context(parsed: Any, guides: list[Any], departments: dict[str, Any],
                    ) -> dict[str, Any]:
    return {
        "guides": guides,
        "departments": departments,
        "list_types": LIST_TYPES,
        "parsed": parsed,
        "filters": parsed.filters,
        "args": {k: v for k, v in request.args.items() if k != "page"},
    }


@bp.get("/exemptions")
def entries() -> ResponseReturnValue:
    """Browse and search the exemption lists, with filters and pagination."""
    guides = current_guides(db.session)
    departments = departments_by_code(db.session)
    parsed = parse_filters(db.session, request.args, today=local_today(), guides=guides,
                           departments=departments)
    result = search_entries(db.session, parsed.filters, page=parsed.page,
                            per_page=min(parsed.per_page, MAX_PER_PAGE))
    return render_template("guides/entries.html", result=result,
                           **_filter_context(parsed, guides, departments)), (
        400 if parsed.errors else 200)


@bp.get("/exemptions/<key>")
def entry(key: str) -> ResponseReturnValue:
    """Show every column of an exemption entry, its conditions, validity and history."""
    record, versions = entry_versions(db.session, key)
    if record is None or not versions:
        abort(404)
    wanted = request.args.get("version", type=int)
    version = next((v for v in versions if v.version_no == wanted), None) if wanted else None
    if wanted and version is None:
        abort(404)
    version = version or versions[-1]
    source = source_list_for(db.session, version)
    return render_template("guides/entry.html", record=record, version=version,
                           binds_nansha=binds_nansha(version, source),
                           versions=versions, data=version.data, source=source,
                           departments=departments_by_code(db.session),
                           today=local_today(), industry_guides={
                               g.guide.slug: g for g in current_guides(db.session)})


@bp.get("/exemptions/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    """Download the filtered lists as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    if fmt not in FORMATS:
        abort(404)
    parsed = parse_filters(db.session, request.args, today=local_today())
    if parsed.errors:
        abort(400, description=" ".join(parsed.errors.values()))
    built = build_export(db.session, parsed.filters, fmt, locale=_locale(),
                         today=local_today())
    return Response(built.body, mimetype=built.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{built.filename}"'})


#: Violations offered per page of the pre-check's start.
PRECHECK_PER_PAGE = 20
PRECHECK_QUESTIONS = ("history", "harm", "corrected")
PRECHECK_TEMPLATES = {
    PrecheckOutcome.MAY_APPLY: "guides/precheck_result.html",
    PrecheckOutcome.DOES_NOT_APPLY: "guides/precheck_exit.html",
    PrecheckOutcome.CANNOT_ASSESS: "guides/precheck_cannot_assess.html",
}


def _precheck_entry(key: str | None) -> tuple[str, ExemptionEntryVersion] | None:
    if not key:
        return None
    record, versions = entry_versions(db.session, key)
    if record is None or record.retired_at is not None or not versions:
        return None
    return key, versions[-1]


@bp.get("/check")
def precheck() -> ResponseReturnValue:
    """Start "Might I qualify?": choose the industry, then find the violation (one page of
    twenty at a time, searchable: an industry may have hundreds of entries)."""
    industry = request.args.get("industry") or None
    guides = current_guides(db.session)
    error = None
    result = None
    q = ""
    if industry:
        if industry not in {g.guide.slug for g in guides}:
            error = _("Choose an industry from the list.")
            industry = None
        else:
            args = {"industry": industry, "q": request.args.get("q", ""),
                    "page": request.args.get("page", "")}
            parsed = parse_filters(db.session, args, today=local_today(), guides=guides)
            if parsed.errors:
                error = next(iter(parsed.errors.values()))
            q = parsed.filters.q
            result = search_entries(db.session, parsed.filters, page=parsed.page,
                                    per_page=PRECHECK_PER_PAGE)
    return render_template("guides/precheck_start.html", guides=guides, industry=industry,
                           result=result, q=q, error=error), 400 if error else 200


@bp.get("/check/<key>")
def precheck_question(key: str) -> ResponseReturnValue:
    """Ask the next unanswered question about the chosen violation, or show the result."""
    found = _precheck_entry(key)
    if found is None:
        abort(404)
    key, version = found
    answers = Answers.from_mapping(request.args)
    asked = request.args.get("asked")
    missing = answers.next_question()
    error = asked if asked and asked == missing else None
    if missing is not None:
        return render_template(
            "guides/precheck_question.html", key=key, version=version, question=missing,
            answers=answers, params=answers.as_params(), error=error,
            FirstTime=FirstTime, Harm=Harm, Corrected=Corrected), 400 if error else 200
    today = local_today()
    assessment = assess_entry(version.data, answers, today=today)
    outcome = assessment.outcome
    alternatives = [] if outcome == PrecheckOutcome.MAY_APPLY else alternative_entries(
        version, entries_for_industry(db.session, version.industry), answers, today=today)
    source = source_list_for(db.session, version)
    return render_template(
        PRECHECK_TEMPLATES[outcome], key=key, version=version, assessment=assessment,
        answers=answers, source=source, binds_nansha=binds_nansha(version, source),
        params=answers.as_params(), alternatives=alternatives,
        departments=departments_by_code(db.session))


def entry_url(key: str) -> str:
    """Return the public address of an entry."""
    return url_for("guides.entry", key=key, _external=True)
