"""The self-check journey: start, task list, one section per page, check, commit, result."""

from __future__ import annotations

from functools import partial
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
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.accounts.labels import ROLE_LABELS
from portal.accounts.models import Membership, MembershipRole
from portal.core.clock import local_date, local_today
from portal.core.db import utcnow
from portal.core.formatting import moment_formatter
from portal.core.forms import EmptyForm
from portal.core.input import parse_positive_int
from portal.core.pagecache import content_memo
from portal.core.pdf import render_pdf
from portal.core.permissions import Permission, can, require
from portal.core.reference import TOWNS, needs_industry_class
from portal.core.storage import (
    CheckedUpload,
    ObjectMissing,
    UploadRefused,
    accept_upload,
    download_response,
    get_storage,
    refusal_message,
)
from portal.core.workflow import ConcurrentUpdate, StaleObject
from portal.extensions import db
from portal.guides.content import localized
from portal.guides.content.model import Section
from portal.selfcheck import engine, labels
from portal.selfcheck.access import load_self_check_for, register_template_predicates
from portal.selfcheck.files import store_answer_files
from portal.selfcheck.forms import ANSWER_MESSAGES, DeclarationForm
from portal.selfcheck.models import SelfCheck, SelfCheckStatus
from portal.selfcheck.officer import (
    CURSOR_MESSAGE,
    Cursor,
    officer_page,
    read_officer_list_content,
)
from portal.selfcheck.results import (
    answer_rows,
    build_result_view,
    record_self_check_viewed,
)
from portal.selfcheck.services import (
    AlreadySubmitted,
    Incomplete,
    NoQuestionnaire,
    TamperedPost,
    Unconfirmed,
    accepted_kinds,
    has_questionnaire_for,
    list_self_checks,
    parse_officer_filters,
    save_section,
    section_of,
    sections_to_confirm,
    start_self_check,
    submit_self_check,
    typed_questionnaire,
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
        "finding_status_labels": labels.FINDING_STATUS_LABELS,
    })
    register_template_predicates(state.app)

#: Prefix of answer fields in posted question pages.
FIELD_PREFIX = "q-"


def _timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _text(value: dict[str, str] | None) -> str:
    return localized(value, str(get_locale()))[0] if value else ""


def _editable(self_check: SelfCheck) -> SelfCheck:
    """Send a submitted self-check's editor to its result instead."""
    if self_check.status != SelfCheckStatus.DRAFT:
        abort(redirect(url_for("selfcheck.result", self_check_id=self_check.id)))
    return self_check


@bp.get("/self-checks")
@require(Permission.SELFCHECK_OWN_VIEW)
def index() -> ResponseReturnValue:
    """List the enterprise's self-checks and offer to start or continue one."""
    enterprise = g.membership.enterprise
    raw_before = request.args.get("before")
    before = parse_positive_int(raw_before) if raw_before is not None else None
    if raw_before is not None and before is None:
        abort(400)
    history = list_self_checks(db.session, enterprise, before=before)
    # Offer to start only what can be started: an industry without a questionnaire is told
    # so here, with what it can read meanwhile, rather than after pressing "start".
    has_questionnaire = history.has_draft or content_memo(
        current_app, ("has questionnaire", enterprise.industry_code),
        partial(has_questionnaire_for, db.session, enterprise))
    return render_template("selfcheck/index.html", checks=history.lines,
                           draft=history.has_draft, form=EmptyForm(),
                           older=history.older, paged=before is not None,
                           can_edit=can(Permission.SELFCHECK_OWN_EDIT),
                           has_questionnaire=has_questionnaire,
                           needs_class=needs_industry_class(enterprise.industry_code))


@bp.post("/self-checks/new")
@require(Permission.SELFCHECK_OWN_EDIT)
def start() -> ResponseReturnValue:
    """Start a self-check (from the previous answers), or continue the open draft."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        self_check = start_self_check(db.session, g.membership.enterprise, user=current_user,
                                      now=utcnow())
    except NoQuestionnaire as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("selfcheck.index"))
    db.session.commit()
    return redirect(url_for("selfcheck.tasks", self_check_id=self_check.id))


def _task_rows(self_check: SelfCheck) -> list[dict[str, Any]]:
    questionnaire = typed_questionnaire(self_check.questionnaire)
    visited = set(self_check.visited_sections)
    return [{"section": section, "status": engine.section_status(
                questionnaire, section, self_check.answers, visited)}
            for section in engine.visible_sections(questionnaire, self_check.answers)]


@bp.get("/self-checks/<int:self_check_id>")
@require(Permission.SELFCHECK_OWN_EDIT)
def tasks(self_check_id: int) -> ResponseReturnValue:
    """Show the task list: each section with its status."""
    self_check = _editable(load_self_check_for(self_check_id, "edit"))
    rows = _task_rows(self_check)
    return render_template("selfcheck/tasks.html", self_check=self_check, rows=rows,
                           definition=typed_questionnaire(self_check.questionnaire),
                           done=sum(r["status"] == "complete" for r in rows))


def _posted_answers() -> dict[str, Any]:
    posted: dict[str, Any] = {}
    for name in request.form:
        if name.startswith(FIELD_PREFIX):
            values = list(request.form.getlist(name))
            posted[name[len(FIELD_PREFIX):]] = values if len(values) > 1 else values[0]
    return posted


def _posted_files(self_check: SelfCheck, section: Section, posted: dict[str, Any],
                  checked: dict[str, CheckedUpload]) -> dict[str, str]:
    """Check uploaded files of the section's attachment questions (``accept_upload``).

    Accepted files go into ``checked`` by question id, to be stored only once
    the whole section is saved. A question with no new file keeps the file it had.
    Return why each refused file was refused, by question id.
    """
    errors = {}
    max_bytes = current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024
    for question in section.questions:
        if question.type != "attachment":
            continue
        qid = question.id
        upload = request.files.get(FIELD_PREFIX + qid)
        if upload is None or not upload.filename:
            if qid not in posted and isinstance(self_check.answers.get(qid), dict):
                posted[qid] = self_check.answers[qid]
            continue
        accept = accepted_kinds(question)
        try:
            checked[qid] = accept_upload(upload.stream, upload.filename, kinds=accept,
                                         max_bytes=max_bytes)
        except UploadRefused as refused:
            errors[qid] = refusal_message(refused.reason, kinds=accept, max_bytes=max_bytes)
            continue
        posted[qid] = checked[qid].as_dict()
    return errors


@bp.route("/self-checks/<int:self_check_id>/sections/<section_id>", methods=["GET", "POST"])
@require(Permission.SELFCHECK_OWN_EDIT)
def section(self_check_id: int, section_id: str) -> ResponseReturnValue:
    """Ask one section's visible questions; every submit saves the draft."""
    self_check = _editable(load_self_check_for(self_check_id, "edit"))
    questionnaire = typed_questionnaire(self_check.questionnaire)
    found = section_of(questionnaire, section_id)
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
        except TamperedPost:
            db.session.rollback()
            abort(400, description=str(TamperedPost.user_message))
        if refused or upload_errors:
            db.session.rollback()
            errors = upload_errors or {qid: str(ANSWER_MESSAGES[e.problem]) % e.details
                                       for qid, e in refused.items()}
            # Files are kept only with a saved page: never show a chosen file as uploaded.
            values.update({qid: posted.get(qid) for qid in posted
                           if qid not in errors and qid not in uploads})
            if set(uploads) - set(errors):
                notice = _("Nothing on this page was saved, so the files you chose were not "
                           "kept. Choose them again.")
        else:
            store_answer_files(db.session, get_storage(), self_check, uploads,
                               uploaded_by=current_user.id, now=utcnow())
            db.session.commit()
            if appeared:
                notice = _("Your answers brought up more questions on this page.")
                values = dict(self_check.answers)
            elif request.args.get("return_to") == "check-answers":
                # "Change" on check-your-answers: back there, to the section just changed
                # (a fragment of its own, so the question's one is not carried over).
                return redirect(url_for("selfcheck.check_answers", self_check_id=self_check.id,
                                        _anchor=f"section-{section_id}"))
            else:
                return redirect(_next_step(self_check, section_id))
    if notice is None and not errors and engine.section_status(
            questionnaire, found, self_check.answers,
            set(self_check.visited_sections)) == "to_confirm":
        notice = _("These answers come from your previous self-check. Check that they are "
                   "still true, change what has changed, and save the page to confirm them.")
    shown = set(engine.visible_question_ids(questionnaire, values))
    page_questions = [q for q in found.questions if q.id in shown]
    return render_template("selfcheck/section.html", self_check=self_check, section=found,
                           questions=page_questions, values=values, errors=errors,
                           notice=notice, form=EmptyForm(), prefix=FIELD_PREFIX,
                           NOT_APPLICABLE=engine.NOT_APPLICABLE), 400 if errors else 200


def _next_step(self_check: SelfCheck, section_id: str) -> str:
    sections = engine.visible_sections(typed_questionnaire(self_check.questionnaire),
                                       self_check.answers)
    ids = [s.id for s in sections]
    if section_id in ids and ids.index(section_id) + 1 < len(ids):
        return url_for("selfcheck.section", self_check_id=self_check.id,
                       section_id=ids[ids.index(section_id) + 1])
    return url_for("selfcheck.tasks", self_check_id=self_check.id)


@bp.get("/self-checks/<int:self_check_id>/files/<question_id>")
@login_required
def attachment(self_check_id: int, question_id: str) -> ResponseReturnValue:
    """Download a file uploaded as an answer, always as an attachment."""
    self_check = load_self_check_for(self_check_id, "view")
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
def check_answers(self_check_id: int) -> ResponseReturnValue:
    """Show every answer with a link to change it (check your answers)."""
    self_check = _editable(load_self_check_for(self_check_id, "edit"))
    rows = answer_rows(self_check, str(get_locale()))
    missing = [r for r in rows if r["question"].required and r["answer"] is None]
    return render_template("selfcheck/check_answers.html", self_check=self_check, rows=rows,
                           missing=missing, to_confirm=sections_to_confirm(self_check),
                           confirm_message=Unconfirmed.user_message,
                           definition=typed_questionnaire(self_check.questionnaire))


@bp.route("/self-checks/<int:self_check_id>/declaration", methods=["GET", "POST"])
@require(Permission.SELFCHECK_OWN_EDIT)
def declaration(self_check_id: int) -> ResponseReturnValue:
    """Sign the commitment (承诺) and submit."""
    self_check = load_self_check_for(self_check_id, "edit")
    if self_check.status == SelfCheckStatus.SUBMITTED and request.method == "POST":
        flash(str(AlreadySubmitted.user_message), "info")
        return redirect(url_for("selfcheck.confirmation", self_check_id=self_check.id))
    _editable(self_check)
    questionnaire = typed_questionnaire(self_check.questionnaire)
    form = DeclarationForm(data={"version": self_check.version})
    signer_role = _signer_role(g.membership)
    missing_rows: list[dict[str, Any]] = []
    to_confirm = sections_to_confirm(self_check)
    if to_confirm:
        # Carried-over answers are not submitted unseen: nothing is signed until each
        # such section has been opened and saved.
        return render_template("selfcheck/declaration.html", self_check=self_check, form=form,
                               commitment=_text(questionnaire.commitment),
                               signer_role=signer_role, missing=[], to_confirm=to_confirm,
                               confirm_message=Unconfirmed.user_message,
                               ), 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            submit_self_check(db.session, self_check, user=current_user,
                              signer_role=signer_role,
                              expected_version=form.version.data,
                              commitment_text=_text(questionnaire.commitment), now=utcnow(),
                              timezone=_timezone())
            db.session.commit()
        except (AlreadySubmitted, ConcurrentUpdate):
            db.session.rollback()
            flash(str(AlreadySubmitted.user_message), "info")
            return redirect(url_for("selfcheck.confirmation", self_check_id=self_check_id))
        except StaleObject as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("selfcheck.check_answers", self_check_id=self_check_id))
        except Incomplete as incomplete:
            db.session.rollback()
            index = engine.question_index(questionnaire)
            missing_rows = [{"question": index[qid]} for qid in incomplete.missing]
        else:
            return redirect(url_for("selfcheck.confirmation", self_check_id=self_check.id))
    return render_template("selfcheck/declaration.html", self_check=self_check, form=form,
                           commitment=_text(questionnaire.commitment), signer_role=signer_role,
                           missing=missing_rows, to_confirm=[]), 400 if missing_rows else 200


def _signer_role(membership: Membership) -> str:
    """Return the role the signatory acts in, as shown to them (and kept with the record)."""
    role = str(ROLE_LABELS[membership.role])
    if membership.role == MembershipRole.AGENT and membership.agent_firm:
        return _("%(role)s, %(firm)s", role=role, firm=membership.agent_firm)
    return role


@bp.get("/self-checks/<int:self_check_id>/confirmation")
@require(Permission.SELFCHECK_OWN_VIEW)
def confirmation(self_check_id: int) -> ResponseReturnValue:
    """Confirm submission with the reference number and what happens next."""
    self_check = load_self_check_for(self_check_id, "view")
    if self_check.status != SelfCheckStatus.SUBMITTED:
        return redirect(url_for("selfcheck.tasks", self_check_id=self_check.id))
    return render_template("selfcheck/confirmation.html", self_check=self_check)


def _result_view(self_check: SelfCheck, *, officer_department: str | None = None,
                 ) -> dict[str, Any]:
    assert self_check.submitted_at is not None
    return build_result_view(
        db.session, self_check, locale=str(get_locale()), today=local_today(),
        submitted_on=local_date(self_check.submitted_at, current_app.config["TIMEZONE"]),
        officer_department=officer_department)


@bp.get("/self-checks/<int:self_check_id>/result")
@require(Permission.SELFCHECK_OWN_VIEW)
def result(self_check_id: int) -> ResponseReturnValue:
    """Show score, band and findings with deadlines and exemption entries."""
    self_check = load_self_check_for(self_check_id, "view")
    if self_check.status != SelfCheckStatus.SUBMITTED:
        return redirect(url_for("selfcheck.tasks", self_check_id=self_check.id))
    return render_template("selfcheck/result.html", **_result_view(self_check))


@bp.get("/self-checks/<int:self_check_id>/result.pdf")
@require(Permission.SELFCHECK_OWN_VIEW)
def result_pdf(self_check_id: int) -> ResponseReturnValue:
    """Download the result as a PDF."""
    self_check = load_self_check_for(self_check_id, "view")
    if self_check.status != SelfCheckStatus.SUBMITTED:
        abort(404)
    html = render_template("selfcheck/result_pdf.html", **_result_view(self_check))
    pdf = render_pdf(html, static_folder=Path(current_app.static_folder or ""))
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{self_check.reference}.pdf"'})


@bp.get("/officer/self-checks")
@require(Permission.SELFCHECK_DEPARTMENT_VIEW)
def officer_list() -> ResponseReturnValue:
    """List self-checks of the enterprises in the department's industries (read-only).

    One screen of rows per page; "Next page" carries the position of the last row.
    """
    department = current_user.department
    content = content_memo(current_app, ("officer self-check list", department.code),
                           partial(read_officer_list_content, db.session, department.code))
    filters, errors = parse_officer_filters(request.args, industries=set(content.industries),
                                            towns=TOWNS, bands=content.bands,
                                            timezone=_timezone())
    after = None
    if request.args.get("after"):
        after = Cursor.decode(request.args["after"])
        if after is None:
            errors["after"] = str(CURSOR_MESSAGE)
    page = None if errors else officer_page(
        db.session, department.code, filters, after=after,
        obligations=content.obligations)
    next_args = ({**request.args.to_dict(), "after": page.next_cursor.encode()}
                 if page is not None and page.next_cursor is not None else None)
    return render_template("selfcheck/officer_list.html", checks=page.rows if page else [],
                           errors=errors, next_args=next_args, first_page=after is None,
                           first_args={k: v for k, v in request.args.items() if k != "after"},
                           moment=moment_formatter(), industries=sorted(content.industries),
                           towns=TOWNS, bands=content.bands, guide_titles=content.guide_titles,
                           args=request.args), 400 if errors else 200


@bp.get("/officer/self-checks/<int:self_check_id>")
@require(Permission.SELFCHECK_DEPARTMENT_VIEW)
def officer_view(self_check_id: int) -> ResponseReturnValue:
    """Show one self-check to an officer of a department it concerns (read-only).

    Only the findings of obligations the officer's department is responsible for
    are shown; the view is recorded in the audit trail.
    """
    self_check = load_self_check_for(self_check_id, "view")
    department_code = current_user.department.code
    view = _result_view(self_check, officer_department=department_code)
    record_self_check_viewed(db.session, self_check, officer=current_user,
                             department_code=department_code, now=utcnow())
    db.session.commit()
    return render_template("selfcheck/result.html", officer_view=True, **view)
