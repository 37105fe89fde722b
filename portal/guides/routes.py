"""Public pages: industry guides, exemption lists, entries, exports and the pre-check."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select

from portal.core.db import utcnow
from portal.core.reference import industry_name
from portal.extensions import db
from portal.guides import labels
from portal.guides.content import BINDING_SCOPES
from portal.guides.models import LIST_TYPES, ExemptionEntryVersion, SourceListRecord
from portal.guides.precheck import Answers, Corrected, FirstTime, Harm, evaluate_entry
from portal.guides.queries import (
    MAX_PER_PAGE,
    current_guides,
    departments_by_code,
    entries_for_industry,
    entry_versions,
    guide_by_slug,
    highlight,
    local_text,
    obligations_for,
    parse_filters,
    render_markdown,
)
from portal.guides.services import EntryFilters, search_entries

bp = Blueprint("guides", __name__)

#: Exports stop here; larger sets are for the API, page by page.
EXPORT_LIMIT = 10_000


def local_today() -> dt.date:
    """Return today's date in the portal's time zone."""
    return utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _locale() -> str:
    return str(get_locale())


def citation_text(citation: dict[str, Any], locale: str) -> str:
    """Return a citation as text: the law's name and, when known, the article."""
    name = str(local_text(citation["law_name"], locale))
    text = name if locale == "en" else f"《{name}》"
    if citation.get("article"):
        text += (" " if locale == "en" else "") + str(local_text(citation["article"], locale))
    return text


def content_text(text: dict[str, str] | None) -> Any:
    """Return a content text in the active language (templates show a notice on fallback)."""
    return local_text(text, _locale())


@bp.record_once
def register_template_globals(state: Any) -> None:
    """Make content helpers global, so that imported macros see them too."""
    state.app.jinja_env.globals.update({
            "content_text": content_text,
            "list_type_labels": labels.LIST_TYPE_LABELS,
            "list_type_explanations": labels.LIST_TYPE_EXPLANATIONS,
            "status_labels_precheck": labels.PRECHECK_STATUS_LABELS,
            "reason_labels": labels.PRECHECK_REASON_LABELS,
            "condition_labels": labels.CONDITION_LABELS,
            "follow_up_labels": labels.FOLLOW_UP_LABELS,
            "severity_labels": labels.SEVERITY_LABELS,
            "citation_text": lambda c: citation_text(c, _locale()),
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
    return render_template(
        "guides/guide.html", guide=version, slug=slug, body=body, body_fallback=body_fallback,
        obligations=obligations_for(db.session, slug),
        entries=entries_for_industry(db.session, slug),
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
    source = source_of(version)
    return render_template("guides/entry.html", record=record, version=version,
                           binds_nansha=binds_nansha(version, source),
                           versions=versions, data=version.data, source=source,
                           departments=departments_by_code(db.session),
                           today=local_today(), industry_guides={
                               g.guide.slug: g for g in current_guides(db.session)})


def _export_rows(filters: EntryFilters) -> tuple[list[str], list[list[Any]]]:
    locale = _locale()
    departments = departments_by_code(db.session)
    page = search_entries(db.session, filters, page=1, per_page=EXPORT_LIMIT)
    header = [_("Key"), _("Item code"), _("List type"), _("Violation"), _("Department"),
              _("Industries"), _("Rule breached"), _("Legal ground"), _("Conditions"),
              _("Range"), _("Follow-up measures"), _("Suggested correction period (working "
                                                     "days)"),
              _("Exempt again after an exemption"), _("Effective from"), _("Effective until"),
              _("Source list"), _("Illustrative"), _("Version")]
    rows = []
    for version in page.items:
        data = version.data
        department = departments.get(version.department)
        conditions = "; ".join(
            str(labels.CONDITION_LABELS.get(c["type"], c["type"]))
            + (f" ({local_text(c['text'], locale)})" if c.get("text") else "")
            for c in data.get("conditions") or [])
        rows.append([
            data["key"], version.item_code or "",
            str(labels.LIST_TYPE_LABELS[version.list_type]),
            str(local_text(data["violation"], locale)),
            department.name(locale) if department else version.department,
            ", ".join(sorted(i.industry for i in version.industries)),
            "; ".join(citation_text(c, locale) for c in data.get("rule_breached") or []),
            "; ".join(citation_text(c, locale) for c in data.get("legal_ground") or []),
            conditions, str(local_text(data.get("range"), locale)),
            ", ".join(str(labels.FOLLOW_UP_LABELS.get(m, m))
                      for m in data.get("follow_up_measures") or []),
            data.get("correction_working_days") or "",
            _("Yes") if data.get("exempt_again") else _("No"),
            data.get("effective_from") or "", data.get("effective_until") or "",
            data.get("source") or "", _("Yes") if version.illustrative else _("No"),
            version.version_no,
        ])
    return header, rows


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Keep a text cell from being read as a formula by Excel (CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


@bp.get("/exemptions/export.<fmt>")
def export(fmt: str) -> ResponseReturnValue:
    """Download the filtered lists as CSV (UTF-8 with BOM, for Excel) or XLSX."""
    if fmt not in {"csv", "xlsx"}:
        abort(404)
    parsed = parse_filters(db.session, request.args, today=local_today())
    if parsed.errors:
        abort(400, description=" ".join(parsed.errors.values()))
    header, rows = _export_rows(parsed.filters)
    rows = [[spreadsheet_safe(cell) for cell in row] for row in rows]
    stamp = local_today().isoformat()
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        body = "\ufeff" + buffer.getvalue()
        return Response(body.encode("utf-8"), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="exemption-entries-{stamp}.csv"'})
    workbook = Workbook()
    sheet = workbook.worksheets[0]  # the sheet a new workbook starts with
    sheet.title = "exemption-entries"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return Response(output.getvalue(), mimetype=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), headers={
        "Content-Disposition": f'attachment; filename="exemption-entries-{stamp}.xlsx"'})


PRECHECK_QUESTIONS = ("history", "harm", "corrected")


def source_of(version: ExemptionEntryVersion) -> SourceListRecord | None:
    """Return the published list an entry version was taken from, if any."""
    if not version.source_key:
        return None
    return db.session.scalar(select(SourceListRecord).where(
        SourceListRecord.key == version.source_key))


def binds_nansha(version: ExemptionEntryVersion, source: SourceListRecord | None) -> bool:
    """Return whether the entry comes from a list that binds Nansha's departments.

    Entries of other provinces' or cities' lists, and illustrative ones, only show
    the pattern: pages must not promise an exemption on them.
    """
    return (not version.illustrative and source is not None
            and source.data.get("scope") in BINDING_SCOPES)


def _precheck_entry(key: str | None) -> tuple[str, ExemptionEntryVersion] | None:
    if not key:
        return None
    record, versions = entry_versions(db.session, key)
    if record is None or record.retired_at is not None or not versions:
        return None
    return key, versions[-1]


@bp.get("/check")
def precheck() -> ResponseReturnValue:
    """Start "Might I qualify?": choose the industry and the violation."""
    industry = request.args.get("industry") or None
    guides = current_guides(db.session)
    error = None
    choices: list[tuple[str, ExemptionEntryVersion]] = []
    if industry:
        if industry not in {g.guide.slug for g in guides}:
            error = _("Choose an industry from the list.")
            industry = None
        else:
            choices = [(v.data["key"], v) for v in entries_for_industry(db.session, industry)]
    return render_template("guides/precheck_start.html", guides=guides, industry=industry,
                           choices=choices, error=error), 400 if error else 200


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
    outcome = evaluate_entry(version.data, answers, today=local_today())
    alternatives = []
    if not outcome.applies:
        for alternative in entries_for_industry(db.session, version.industry):
            if alternative.id == version.id:
                continue
            alt_outcome = evaluate_entry(alternative.data, answers, today=local_today())
            if alt_outcome.applies and alternative.data["obligations"] and set(
                    alternative.data["obligations"]) & set(version.data["obligations"]):
                alternatives.append(alternative)
    source = source_of(version)
    return render_template(
        "guides/precheck_result.html" if outcome.applies else "guides/precheck_exit.html",
        key=key, version=version, outcome=outcome, answers=answers, source=source,
        binds_nansha=binds_nansha(version, source),
        params=answers.as_params(), alternatives=alternatives,
        departments=departments_by_code(db.session))


def entry_url(key: str) -> str:
    """Return the public address of an entry."""
    return url_for("guides.entry", key=key, _external=True)
