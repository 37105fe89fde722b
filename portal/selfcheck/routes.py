"""The self-check journey: start, task list, one section per page, check, commit, result."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.models import Membership
from portal.core.db import utcnow
from portal.core.deadlines import add_working_days, working_days_left
from portal.core.forms import EmptyForm
from portal.core.permissions import Permission, can, require
from portal.core.reference import TOWNS
from portal.core.storage import (
    CheckedUpload,
    ObjectMissing,
    UploadRefused,
    check_upload,
    download_response,
    get_storage,
)
from portal.core.workflow import ConcurrentUpdate, StaleObject
from portal.extensions import db
from portal.guides.content import localized
from portal.guides.queries import current_entries, current_guides, obligations_for
from portal.selfcheck import engine, labels
from portal.selfcheck.files import store_answer_files
from portal.selfcheck.forms import ANSWER_MESSAGES, DeclarationForm
from portal.selfcheck.models import SelfCheck, SelfCheckStatus
from portal.selfcheck.services import (
    AlreadySubmitted,
    Incomplete,
    NoQuestionnaire,
    OfficerFilters,
    TamperedPost,
    compare_with_previous,
    department_industries,
    last_submitted,
    list_for_department,
    list_self_checks,
    open_draft,
    save_section,
    section_of,
    start_self_check,
    submit_self_check,
)

bp = Blueprint("selfcheck", __name__)


@bp.record_once
def register_template_globals(state: Any) -> None:
    """Make the self-check labels global, so that included templates see them too."""
    state.app.jinja_env.globals.update({
        "section_status_labels": labels.SECTION_STATUS_LABELS,
        "trend_labels": labels.TREND_LABELS,
        "contribution_labels": labels.CONTRIBUTION_LABELS,
        "band_labels": labels.BAND_LABELS,
    })

#: Prefix of answer fields in posted question pages.
FIELD_PREFIX = "q-"


def _timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _text(value: dict[str, str] | None) -> str:
    return localized(value, str(get_locale()))[0] if value else ""


def load_self_check_for(self_check_id: int, permission: Permission) -> SelfCheck:
    """Return a self-check the current user may see.

    :raises NotFound: it is another enterprise's, or outside the officer's department.
    :raises Forbidden: it is the user's enterprise's, but the role lacks ``permission``.
    """
    self_check = db.session.get(SelfCheck, self_check_id)
    if self_check is None:
        abort(404)
    membership: Membership | None = g.get("membership")
    if membership is not None:
        if self_check.enterprise_id != membership.enterprise_id:
            abort(404)
    elif can(Permission.SELFCHECK_DEPARTMENT_VIEW) and current_user.department is not None:
        if (self_check.status != SelfCheckStatus.SUBMITTED or self_check.industry not in
                department_industries(db.session, current_user.department.code)):
            abort(404)
    else:
        abort(404)
    if not can(permission):
        abort(403)
    return self_check


def _editable(self_check: SelfCheck) -> SelfCheck:
    """Send a submitted self-check's editor to its result instead."""
    if self_check.status != SelfCheckStatus.DRAFT:
        abort(redirect(url_for("selfcheck.result", self_check_id=self_check.id)))
    return self_check


@bp.get("/self-checks")
@require(Permission.SELFCHECK_OWN_VIEW)
def index():
    """List the enterprise's self-checks and offer to start or continue one."""
    enterprise = g.membership.enterprise
    checks = list_self_checks(db.session, enterprise)
    return render_template("selfcheck/index.html", checks=checks,
                           draft=open_draft(db.session, enterprise), form=EmptyForm(),
                           can_edit=can(Permission.SELFCHECK_OWN_EDIT))


@bp.post("/self-checks/new")
@require(Permission.SELFCHECK_OWN_EDIT)
def start():
    """Start a self-check (from the previous answers), or continue the open draft."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        self_check = start_self_check(db.session, g.membership.enterprise, user=current_user,
                                      now=utcnow())
    except NoQuestionnaire:
        db.session.rollback()
        flash(_("There is no self-check questionnaire for your industry yet. Read the "
                "compliance guides meanwhile."), "error")
        return redirect(url_for("selfcheck.index"))
    db.session.commit()
    return redirect(url_for("selfcheck.tasks", self_check_id=self_check.id))


def _task_rows(self_check: SelfCheck) -> list[dict[str, Any]]:
    definition = self_check.questionnaire.definition
    visited = set(self_check.visited_sections)
    return [{"section": section,
             "status": engine.section_status(definition, section, self_check.answers, visited)}
            for section in engine.visible_sections(definition, self_check.answers)]


@bp.get("/self-checks/<int:self_check_id>")
@require(Permission.SELFCHECK_OWN_EDIT)
def tasks(self_check_id: int):
    """Show the task list: each section with its status."""
    self_check = _editable(load_self_check_for(self_check_id, Permission.SELFCHECK_OWN_EDIT))
    rows = _task_rows(self_check)
    return render_template("selfcheck/tasks.html", self_check=self_check, rows=rows,
                           definition=self_check.questionnaire.definition,
                           done=sum(r["status"] == "complete" for r in rows))


def _posted_answers() -> dict[str, Any]:
    posted: dict[str, Any] = {}
    for name in request.form:
        if name.startswith(FIELD_PREFIX):
            values = list(request.form.getlist(name))
            posted[name[len(FIELD_PREFIX):]] = values if len(values) > 1 else values[0]
    return posted


_UPLOAD_PROBLEMS = {"type": engine.AnswerProblem.FILE_TYPE,
                    "empty": engine.AnswerProblem.FILE_EMPTY,
                    "too_large": engine.AnswerProblem.FILE_TOO_LARGE}


def _posted_files(self_check: SelfCheck, section: dict[str, Any], posted: dict[str, Any],
                  checked: dict[str, CheckedUpload]) -> dict[str, engine.InvalidAnswer]:
    """Check uploaded files of the section's attachment questions by content.

    Accepted files go into ``checked`` by question id, to be stored only once
    the whole section is saved. A question with no new file keeps the file it had.
    """
    errors = {}
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    for question in section["questions"]:
        if question["type"] != "attachment":
            continue
        qid = question["id"]
        upload = request.files.get(FIELD_PREFIX + qid)
        if upload is None or not upload.filename:
            if qid not in posted and isinstance(self_check.answers.get(qid), dict):
                posted[qid] = self_check.answers[qid]
            continue
        accept = tuple(question.get("accept") or ("pdf", "jpg", "png"))
        try:
            checked[qid] = check_upload(upload.stream, upload.filename, accept=accept,
                                        max_bytes=max_bytes)
        except UploadRefused as refused:
            errors[qid] = engine.InvalidAnswer(
                _UPLOAD_PROBLEMS[refused.reason], kinds=", ".join(k.upper() for k in accept),
                megabytes=current_app.config["MAX_UPLOAD_MB"])
            continue
        posted[qid] = checked[qid].as_dict()
    return errors


@bp.route("/self-checks/<int:self_check_id>/sections/<section_id>", methods=["GET", "POST"])
@require(Permission.SELFCHECK_OWN_EDIT)
def section(self_check_id: int, section_id: str):
    """Ask one section's visible questions; every submit saves the draft."""
    self_check = _editable(load_self_check_for(self_check_id, Permission.SELFCHECK_OWN_EDIT))
    definition = self_check.questionnaire.definition
    found = section_of(definition, section_id)
    if found is None:
        abort(404)
    errors: dict[str, str] = {}
    values: dict[str, Any] = dict(self_check.answers)
    notice = None
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        posted = _posted_answers()
        uploads: dict[str, CheckedUpload] = {}
        upload_errors = _posted_files(self_check, found, posted, uploads)
        try:
            refused, appeared = ({}, []) if upload_errors else save_section(
                db.session, self_check, section_id, posted, now=utcnow())
            refused = refused or upload_errors
        except TamperedPost:
            db.session.rollback()
            abort(400, description=_("The answers sent do not belong to this page. Nothing "
                                     "was saved. Reload the page and try again."))
        if refused:
            db.session.rollback()
            errors = {qid: str(ANSWER_MESSAGES[e.problem]) % e.details
                      for qid, e in refused.items()}
            # Files are kept only with a saved page: never show a chosen file as uploaded.
            values.update({qid: posted.get(qid) for qid in posted
                           if qid not in refused and qid not in uploads})
            if set(uploads) - set(refused):
                notice = _("Nothing on this page was saved, so the files you chose were not "
                           "kept. Choose them again.")
        else:
            store_answer_files(db.session, get_storage(), self_check, uploads,
                               uploaded_by=current_user.id, now=utcnow())
            db.session.commit()
            if appeared:
                notice = _("Your answers brought up more questions on this page.")
                values = dict(self_check.answers)
            else:
                return redirect(_next_step(self_check, section_id))
    shown = set(engine.visible_question_ids(definition, values))
    page_questions = [q for q in found["questions"] if q["id"] in shown]
    return render_template("selfcheck/section.html", self_check=self_check, section=found,
                           questions=page_questions, values=values, errors=errors,
                           notice=notice, form=EmptyForm(), prefix=FIELD_PREFIX,
                           NOT_APPLICABLE=engine.NOT_APPLICABLE), 400 if errors else 200


def _next_step(self_check: SelfCheck, section_id: str) -> str:
    sections = engine.visible_sections(self_check.questionnaire.definition, self_check.answers)
    ids = [s["id"] for s in sections]
    if section_id in ids and ids.index(section_id) + 1 < len(ids):
        return url_for("selfcheck.section", self_check_id=self_check.id,
                       section_id=ids[ids.index(section_id) + 1])
    return url_for("selfcheck.tasks", self_check_id=self_check.id)


def _answer_rows(self_check: SelfCheck) -> list[dict[str, Any]]:
    definition = self_check.questionnaire.definition
    shown = engine.visible_question_ids(definition, self_check.answers)
    index = engine.question_index(definition)
    rows = []
    for qid in shown:
        question = index[qid]
        rows.append({"question": question, "answer": self_check.answers.get(qid),
                     "display": display_answer(question, self_check.answers.get(qid))})
    return rows


def display_answer(question: dict[str, Any], answer: Any) -> str:
    """Return an answer as the user reads it, in the active language."""
    if answer is None:
        return ""
    if answer == engine.NOT_APPLICABLE:
        return _("Not applicable")
    if question["type"] == "attachment":
        return answer["name"]
    if question["type"] == "yes_no":
        return _("Yes") if answer else _("No")
    labels = {o["value"]: _text(o["label"]) for o in question.get("options") or []}
    if question["type"] == "multiple_choice":
        return "、".join(labels.get(v, v) for v in answer) if answer else _("None of these")
    if question["type"] == "single_choice":
        return labels.get(answer, answer)
    if question["type"] == "number":
        unit = _text(question.get("unit"))
        return f"{answer:g} {unit}".strip() if isinstance(answer, float) else (
            f"{answer} {unit}".strip())
    return str(answer)


@bp.get("/self-checks/<int:self_check_id>/files/<question_id>")
@login_required
def attachment(self_check_id: int, question_id: str):
    """Download a file uploaded as an answer, always as an attachment."""
    permission = (Permission.SELFCHECK_OWN_VIEW if g.get("membership") is not None
                  else Permission.SELFCHECK_DEPARTMENT_VIEW)
    self_check = load_self_check_for(self_check_id, permission)
    answer = self_check.answers.get(question_id)
    if not isinstance(answer, dict):
        abort(404)
    try:
        return download_response(get_storage(), answer["sha256"], filename=answer["name"],
                                 content_type=answer["content_type"])
    except ObjectMissing:
        abort(404)


@bp.get("/self-checks/<int:self_check_id>/check-answers")
@require(Permission.SELFCHECK_OWN_EDIT)
def check_answers(self_check_id: int):
    """Show every answer with a link to change it (check your answers)."""
    self_check = _editable(load_self_check_for(self_check_id, Permission.SELFCHECK_OWN_EDIT))
    rows = _answer_rows(self_check)
    missing = [r for r in rows if r["question"].get("required") and r["answer"] is None]
    return render_template("selfcheck/check_answers.html", self_check=self_check, rows=rows,
                           missing=missing, definition=self_check.questionnaire.definition)


@bp.route("/self-checks/<int:self_check_id>/declaration", methods=["GET", "POST"])
@require(Permission.SELFCHECK_OWN_EDIT)
def declaration(self_check_id: int):
    """Sign the commitment (承诺) and submit."""
    self_check = load_self_check_for(self_check_id, Permission.SELFCHECK_OWN_EDIT)
    if self_check.status == SelfCheckStatus.SUBMITTED and request.method == "POST":
        flash(_("This self-check was already submitted; here is its confirmation."), "info")
        return redirect(url_for("selfcheck.confirmation", self_check_id=self_check.id))
    _editable(self_check)
    definition = self_check.questionnaire.definition
    form = DeclarationForm(data={"version": self_check.version,
                                 "signer_name": current_user.display_name})
    missing_rows: list[dict[str, Any]] = []
    if form.validate_on_submit():
        try:
            submit_self_check(db.session, self_check, user=current_user,
                              signer_name=form.signer_name.data,
                              signer_role=form.signer_role.data,
                              expected_version=form.version.data,
                              commitment_text=_text(definition["commitment"]), now=utcnow())
            db.session.commit()
        except (AlreadySubmitted, ConcurrentUpdate):
            db.session.rollback()
            flash(_("This self-check was already submitted; here is its confirmation."),
                  "info")
            return redirect(url_for("selfcheck.confirmation", self_check_id=self_check_id))
        except StaleObject:
            db.session.rollback()
            flash(_("The answers changed in another window. Check them again, then "
                    "submit."), "error")
            return redirect(url_for("selfcheck.check_answers", self_check_id=self_check_id))
        except Incomplete as incomplete:
            db.session.rollback()
            index = engine.question_index(definition)
            missing_rows = [{"question": index[qid]} for qid in incomplete.missing]
        else:
            return redirect(url_for("selfcheck.confirmation", self_check_id=self_check.id))
    return render_template("selfcheck/declaration.html", self_check=self_check, form=form,
                           commitment=_text(definition["commitment"]),
                           missing=missing_rows), 400 if missing_rows else 200


@bp.get("/self-checks/<int:self_check_id>/confirmation")
@require(Permission.SELFCHECK_OWN_VIEW)
def confirmation(self_check_id: int):
    """Confirm submission with the reference number and what happens next."""
    self_check = load_self_check_for(self_check_id, Permission.SELFCHECK_OWN_VIEW)
    if self_check.status != SelfCheckStatus.SUBMITTED:
        return redirect(url_for("selfcheck.tasks", self_check_id=self_check.id))
    return render_template("selfcheck/confirmation.html", self_check=self_check)


def _result_context(self_check: SelfCheck) -> dict[str, Any]:
    definition = self_check.questionnaire.definition
    result = self_check.result or {}
    submitted_local = self_check.submitted_at.astimezone(_timezone()).date()
    today = utcnow().astimezone(_timezone()).date()
    obligations = {code: version for code, version in
                   obligations_for(db.session, self_check.industry)}
    keys = {key for finding in result.get("findings", []) for key in finding["exemptions"]}
    entries = {version.data["key"]: version for version in current_entries(db.session, keys)}
    findings = []
    for finding in result.get("findings", []):
        days = finding.get("correction_working_days")
        deadline = add_working_days(submitted_local, days) if days is not None else None
        left = working_days_left(today, deadline.date) if deadline else None
        findings.append({**finding, "deadline": deadline, "days_left": left,
                         "obligation_version": obligations.get(finding["obligation"]),
                         "entries": [entries[key] for key in finding["exemptions"]
                                     if key in entries]})
    index = engine.question_index(definition)
    previous = last_submitted(db.session, self_check.enterprise, before_id=self_check.id)
    return {
        "self_check": self_check, "definition": definition, "result": result,
        "findings": findings, "index": index, "band": result.get("band"),
        "comparison": compare_with_previous(self_check, previous), "previous": previous,
        "sections": {s["id"]: s for s in definition["sections"]},
        "answers": _answer_rows(self_check), "submitted_local": submitted_local,
        "guide": next((v for v in current_guides(db.session)
                       if v.guide.slug == self_check.industry), None),
    }


@bp.get("/self-checks/<int:self_check_id>/result")
@require(Permission.SELFCHECK_OWN_VIEW)
def result(self_check_id: int):
    """Show score, band and findings with deadlines and exemption entries."""
    self_check = load_self_check_for(self_check_id, Permission.SELFCHECK_OWN_VIEW)
    if self_check.status != SelfCheckStatus.SUBMITTED:
        return redirect(url_for("selfcheck.tasks", self_check_id=self_check.id))
    return render_template("selfcheck/result.html", **_result_context(self_check))


#: Base URL of the resources a PDF may use: the portal's own static files.
PDF_RESOURCES = "portal-static:///"


def render_result_pdf(self_check: SelfCheck) -> bytes:
    """Render the result as a PDF with real (selectable) Chinese text.

    WeasyPrint gets the portal's static files from disk and nothing else: the PDF
    never makes a network request, not even to the portal itself.
    """
    # Imported here: WeasyPrint loads Pango, which only PDFs need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static = Path(current_app.static_folder or "").resolve()

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = (static / url.removeprefix(PDF_RESOURCES)).resolve()
            if not url.startswith(PDF_RESOURCES) or static not in path.parents or (
                    not path.is_file()):
                raise ValueError(f"not one of the portal's static files: {url}")
            return URLFetcherResponse(url, body=path.read_bytes(),
                                      headers={"Content-Type": "text/css; charset=utf-8"})

    html = render_template("selfcheck/result_pdf.html", **_result_context(self_check))
    return HTML(string=html, base_url=PDF_RESOURCES,
                url_fetcher=StaticOnlyFetcher(fail_on_errors=True)).write_pdf()


@bp.get("/self-checks/<int:self_check_id>/result.pdf")
@require(Permission.SELFCHECK_OWN_VIEW)
def result_pdf(self_check_id: int):
    """Download the result as a PDF."""
    self_check = load_self_check_for(self_check_id, Permission.SELFCHECK_OWN_VIEW)
    if self_check.status != SelfCheckStatus.SUBMITTED:
        abort(404)
    return Response(render_result_pdf(self_check), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{self_check.reference}.pdf"'})


def _officer_filters() -> tuple[OfficerFilters, dict[str, str]]:
    errors: dict[str, str] = {}
    args = request.args
    dates: dict[str, dt.datetime | None] = {"from": None, "until": None}
    for name in dates:
        raw = args.get(name) or ""
        if raw:
            try:
                day = dt.date.fromisoformat(raw)
            except ValueError:
                errors[name] = _("Enter the date as YYYY-MM-DD, for example 2026-11-25.")
                continue
            if name == "until":
                day += dt.timedelta(days=1)
            dates[name] = dt.datetime.combine(day, dt.time(), _timezone())
    town = args.get("town") or None
    if town and town not in TOWNS:
        errors["town"] = _("Choose a town or street from the list.")
        town = None
    band = args.get("band") or None
    if band and band not in {"low", "medium", "high"}:
        errors["band"] = _("Choose a risk band from the list.")
        band = None
    return OfficerFilters(industry=args.get("industry") or None, town=town, band=band,
                          submitted_from=dates["from"],
                          submitted_before=dates["until"]), errors


@bp.get("/officer/self-checks")
@require(Permission.SELFCHECK_DEPARTMENT_VIEW)
def officer_list():
    """List self-checks of the enterprises in the department's industries (read-only)."""
    department = current_user.department
    filters, errors = _officer_filters()
    industries = department_industries(db.session, department.code)
    if filters.industry and filters.industry not in industries:
        errors["industry"] = _("Choose one of your department's industries.")
    checks = [] if errors else list_for_department(db.session, department.code, filters)
    return render_template("selfcheck/officer_list.html", checks=checks, errors=errors,
                           industries=sorted(industries), towns=TOWNS,
                           guides={v.guide.slug: v for v in current_guides(db.session)},
                           args=request.args), 400 if errors else 200


@bp.get("/officer/self-checks/<int:self_check_id>")
@require(Permission.SELFCHECK_DEPARTMENT_VIEW)
def officer_view(self_check_id: int):
    """Show one self-check to an officer of a department it concerns (read-only)."""
    self_check = load_self_check_for(self_check_id, Permission.SELFCHECK_DEPARTMENT_VIEW)
    return render_template("selfcheck/result.html", officer_view=True,
                           **_result_context(self_check))
