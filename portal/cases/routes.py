"""Case pages of both sides: lists, opening a case, the case page and every step on it."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
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
from sqlalchemy import select
from wtforms import SelectChoice

from portal.accounts.models import Department, Enterprise, User, UserKind
from portal.cases import labels, services
from portal.cases.access import load_case_for, load_file_for, may
from portal.cases.evidence import check_files, close_all, max_case_bytes, max_file_bytes
from portal.cases.forms import (
    ClosingForm,
    ExtendForm,
    OrderForm,
    OwnCaseForm,
    ReinspectionForm,
    ReportForm,
    ReviewForm,
    VersionForm,
)
from portal.cases.models import ENTERPRISE_TURN, Case, CaseStatus
from portal.cases.notices import tell_other_party
from portal.cases.queries import department_queue, enterprise_cases, parse_queue_filters
from portal.cases.workflow import CASE_WORKFLOW
from portal.core.audit import AuditEvent
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.deadlines import working_days_left
from portal.core.errors import DomainError
from portal.core.formatting import format_day
from portal.core.forms import EmptyForm
from portal.core.permissions import Permission, can, require
from portal.core.reference import TOWNS, industries, industry_options
from portal.core.storage import ObjectMissing, download_response, get_storage
from portal.core.storage.images import thumbnail
from portal.core.workflow import StaleObject, WorkflowError
from portal.extensions import db
from portal.guides.content import localized
from portal.selfcheck.access import load_self_check_for
from portal.selfcheck.models import Finding, SelfCheck
from portal.selfcheck.results import problem_texts

bp = Blueprint("cases", __name__)

@bp.record_once
def register_template_globals(state: Any) -> None:
    """Make the case labels global for the case templates and partials."""
    state.app.jinja_env.globals.update({
        "case_status_labels": labels.STATUS_LABELS,
        "case_status_tags": labels.STATUS_TAGS,
        "case_origin_labels": labels.ORIGIN_LABELS,
        "case_step_labels": labels.STEP_LABELS,
        "finding_cases": finding_cases,
        "can_view_case": can_view_case,
        "can_open_case": can_open_case,
    })


def can_view_case(case: Case) -> bool:
    """Return whether the signed-in user may open the case (for links)."""
    return current_user.is_authenticated and may(
        current_user, case, "view", role=g.get("role"), membership=g.get("membership"))


def can_open_case(self_check: SelfCheck) -> bool:
    """Return whether the signed-in user may open a case for the self-check's enterprise."""
    membership = g.get("membership")
    return (current_user.is_authenticated and membership is not None
            and membership.enterprise_id == self_check.enterprise_id
            and can(Permission.CASE_OWN_EDIT))


def finding_cases(self_check: SelfCheck) -> dict[int, Case]:
    """Return the cases of a self-check's findings by finding id (one query)."""
    ids = [finding.id for finding in self_check.findings]
    if not ids:
        return {}
    return {case.finding_id: case for case in db.session.scalars(
        select(Case).where(Case.finding_id.in_(ids))) if case.finding_id is not None}


def _days_left(case: Case) -> int | None:
    if case.action_due is None:
        return None
    return working_days_left(local_today(), case.action_due)


def _commitment_text() -> str:
    return _("I commit that the correction reported and the files attached are true and "
             "complete, that the business will keep to the rules from now on, and that it "
             "bears the legal consequences of anything false.")


def _timeline(case: Case) -> list[AuditEvent]:
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "case",
                                 AuditEvent.object_id == str(case.id))
        .order_by(AuditEvent.id)))


_ACTOR_ID = re.compile(r"\s*\(#\d+\)$")


def _who(event: AuditEvent) -> str:
    return _ACTOR_ID.sub("", event.actor_label)


def _department_name(code: str) -> str:
    department = db.session.scalar(select(Department).where(Department.code == code))
    if department is None:
        return code
    return department.name(str(get_locale()))


def _department_officers(case: Case) -> list[User]:
    return list(db.session.scalars(
        select(User).join(Department, Department.id == User.department_id)
        .where(Department.code == case.department_code, User.kind == UserKind.OFFICER,
               User.is_active.is_(True)).order_by(User.display_name)))


def case_texts(case: Case) -> tuple[str, str]:
    """Return what is wrong and what must be done, in the reader's language if known.

    A case opened from a finding reads them from the finding (stored by language at
    submission); any other case shows the text as it was written.
    """
    finding = db.session.get(Finding, case.finding_id) if case.finding_id else None
    if finding is None:
        return case.problem, case.requirement
    locale = str(get_locale())
    texts = problem_texts(finding.self_check).get((finding.question_id,
                                                   finding.obligation_code))
    problem = localized(texts, locale)[0] if texts else case.problem
    requirement = localized(finding.action, locale)[0] if finding.action else case.requirement
    return problem, requirement


def _render_case(case: Case, *, review: ReviewForm | None = None,
                 closing: ClosingForm | None = None, status: int = 200) -> ResponseReturnValue:
    actions = {rule.action for rule in CASE_WORKFLOW.allowed(case, current_user)}
    acting = {"role": g.get("role"), "membership": g.get("membership")}
    officer = may(current_user, case, "decide", **acting)
    version = {"version": case.version}
    return render_template(
        "cases/case.html", case=case, texts=case_texts(case), days_left=_days_left(case),
        timeline=_timeline(case),
        who=_who, actions=actions, officer=officer,
        department=_department_name(case.department_code),
        review=review or ReviewForm(data=version), closing=closing or ClosingForm(data=version),
        version_form=VersionForm(data=version),
        files_by_submission=_files_by_submission(case)), status


def _files_by_submission(case: Case) -> dict[str, list[Any]]:
    grouped: dict[str, list[Any]] = {}
    for row in case.files:
        key = (f"s{row.submission_id}" if row.submission_id
               else f"r{row.reinspection_id}" if row.reinspection_id else "other")
        grouped.setdefault(key, []).append(row)
    return grouped


def _refused(error: DomainError) -> None:
    db.session.rollback()
    flash(str(error.message), "error")


# -- Enterprise side ----------------------------------------------------------------------


@bp.get("/cases")
@require(Permission.CASE_OWN_VIEW)
def index() -> ResponseReturnValue:
    """List the enterprise's cases, those waiting on it first."""
    cases = enterprise_cases(db.session, g.membership.enterprise_id)
    return render_template("cases/index.html", cases=cases,
                           days_left={case.id: _days_left(case) for case in cases},
                           can_open=can(Permission.CASE_OWN_EDIT))


def _department_choices() -> list[SelectChoice]:
    locale = str(get_locale())
    return [SelectChoice(department.code, department.name(locale))
            for department in db.session.scalars(select(Department).order_by(Department.code))]


@bp.route("/cases/new", methods=["GET", "POST"])
@require(Permission.CASE_OWN_EDIT)
def new() -> ResponseReturnValue:
    """Open a case on the enterprise's own initiative."""
    enterprise = g.membership.enterprise
    form = OwnCaseForm()
    form.department.choices = [SelectChoice("", _("Choose the department")),
                               *_department_choices()]
    if form.validate_on_submit() and form.department.data:
        case = services.open_own_initiative(
            db.session, enterprise, actor=current_user, department_code=form.department.data,
            problem=form.problem.data, requirement=form.requirement.data,
            due_date=form.due_date.data, today=local_today(), now=utcnow())
        tell_other_party(db.session, case, "case.opened", actor=current_user, now=utcnow())
        db.session.commit()
        flash(_("Case %(reference)s was opened. Report when it is put right.",
                reference=case.reference), "success")
        return redirect(url_for("cases.show", case_id=case.id))
    if request.method == "POST" and not form.department.data and not form.department.errors:
        form.department.errors = [_("Choose the department")]
    return render_template("cases/new.html", form=form, enterprise=enterprise), (
        400 if request.method == "POST" else 200)


@bp.post("/self-checks/<int:self_check_id>/findings/<int:finding_id>/case")
@require(Permission.CASE_OWN_EDIT)
def from_finding(self_check_id: int, finding_id: int) -> ResponseReturnValue:
    """Open the case that puts a self-check finding right (or show the one it has)."""
    self_check = load_self_check_for(self_check_id, "view")
    finding = db.session.get(Finding, finding_id)
    if finding is None or finding.self_check_id != self_check.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    locale = str(get_locale())
    texts = problem_texts(self_check).get((finding.question_id, finding.obligation_code))
    problem = localized(texts, locale)[0] if texts else ""
    requirement = localized(finding.action, locale)[0] if finding.action else ""
    try:
        case = services.open_from_finding(
            db.session, finding, actor=current_user, problem=problem or requirement,
            requirement=requirement or problem, today=local_today(), now=utcnow())
    except services.FindingAlreadyHasCase as existing:
        db.session.rollback()
        return redirect(url_for("cases.show", case_id=existing.case.id))
    except DomainError as error:
        _refused(error)
        return redirect(url_for("selfcheck.result", self_check_id=self_check.id))
    tell_other_party(db.session, case, "case.opened", actor=current_user, now=utcnow())
    db.session.commit()
    flash(_("Case %(reference)s was opened. Report when it is put right.",
            reference=case.reference), "success")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int) -> ResponseReturnValue:
    """Show a case to either side, with its files, timeline and the actions open to the user."""
    return _render_case(load_case_for(case_id, "view"))


def _report_form(case: Case) -> ReportForm:
    form = ReportForm()
    form.supersedes.choices = [SelectChoice(row.id, row.name) for row in case.files
                               if row.superseded_by_id is None and row.reinspection_id is None]
    form.evidence.description = form.evidence.description % {
        "size": max_file_bytes() // 2**20}
    return form


@bp.route("/cases/<int:case_id>/report", methods=["GET", "POST"])
@require(Permission.CASE_OWN_EDIT)
def report(case_id: int) -> ResponseReturnValue:
    """Submit the rectification report (or the supplement asked for) with evidence."""
    case = load_case_for(case_id, "edit")
    if case.status not in ENTERPRISE_TURN:
        flash(str(CASE_WORKFLOW.invalid_message), "info")
        return redirect(url_for("cases.show", case_id=case.id))
    form = _report_form(case)
    if request.method == "GET":
        form.version.data = case.version
    problems: list[str] = []
    if form.validate_on_submit():
        uploads, problems = check_files(request.files.getlist(form.evidence.name))
        if not uploads and not problems and not case.files:
            problems = [_("Attach at least one file that shows the correction.")]
        if problems:
            close_all(uploads)
        else:
            try:
                services.submit_report(
                    db.session, get_storage(), case, actor=current_user,
                    description=form.description.data, completed_on=form.completed_on.data,
                    commitment_text=_commitment_text(), uploads=uploads,
                    supersedes=form.supersedes.data or [], expected_version=form.version.data,
                    today=local_today(), now=utcnow(),
                    review_working_days=current_app.config["CASE_REVIEW_WORKING_DAYS"],
                    max_case_bytes=max_case_bytes())
                tell_other_party(db.session, case, "case.submitted", actor=current_user,
                                 now=utcnow())
                db.session.commit()
            except services.EvidenceTooLarge as error:
                db.session.rollback()
                problems = [str(error.message)]
            except DomainError as error:
                _refused(error)
                return redirect(url_for("cases.show", case_id=case_id))
            else:
                flash(_("Your report was sent to the department. You will be told of its "
                        "decision here and by email."), "success")
                return redirect(url_for("cases.show", case_id=case.id))
            finally:
                close_all(uploads)
    if problems:
        form.evidence.errors = list(problems)
    return render_template("cases/report.html", case=case, form=form, texts=case_texts(case),
                           commitment=_commitment_text(),
                           max_mb=max_file_bytes() // 2**20), (
        400 if request.method == "POST" else 200)


@bp.post("/cases/<int:case_id>/withdraw")
@require(Permission.CASE_OWN_EDIT)
def withdraw(case_id: int) -> ResponseReturnValue:
    """Withdraw the report before the officer reviews it."""
    case = load_case_for(case_id, "edit")
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.withdraw_report(db.session, case, actor=current_user,
                                 expected_version=form.version.data, now=utcnow())
        tell_other_party(db.session, case, "case.withdrawn", actor=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        _refused(error)
    else:
        flash(_("Your report was withdrawn. Your deadline has not changed."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.get("/cases/<int:case_id>/files/<int:file_id>")
@login_required
def download(case_id: int, file_id: int) -> ResponseReturnValue:
    """Download an evidence file, always as an attachment."""
    _case, row = load_file_for(case_id, file_id)
    try:
        return download_response(get_storage(), row.sha256, filename=row.name,
                                 content_type=row.content_type)
    except ObjectMissing:
        abort(404)


@bp.get("/cases/<int:case_id>/files/<int:file_id>/thumbnail")
@login_required
def file_thumbnail(case_id: int, file_id: int) -> ResponseReturnValue:
    """Show a photo re-encoded as a small image (the original is never shown inline)."""
    _case, row = load_file_for(case_id, file_id)
    if not row.is_image:
        abort(404)
    try:
        with get_storage().open(row.sha256) as stream:
            data, content_type = thumbnail(stream)
    except (ObjectMissing, OSError, ValueError):
        abort(404)
    response = current_app.response_class(data, mimetype=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# -- Officer side -------------------------------------------------------------------------


@bp.get("/officer/cases")
@require(Permission.CASE_DEPARTMENT_VIEW)
def queue() -> ResponseReturnValue:
    """The department's cases: filters, by the date the next step is due, a page at a time."""
    department = current_user.department
    if department is None:
        abort(404)
    known = industries()
    filters = parse_queue_filters(request.args, industries=set(known), towns=set(TOWNS))
    page = department_queue(db.session, department.code, filters, today=local_today())
    return render_template(
        "cases/queue.html", page=page, filters=filters, today=local_today(),
        industry_options=industry_options(str(get_locale()), filters.industry), towns=TOWNS,
        statuses=list(CaseStatus))


@bp.route("/officer/cases/new", methods=["GET", "POST"])
@require(Permission.CASE_DEPARTMENT_DECIDE)
def order() -> ResponseReturnValue:
    """Record an order to correct (责令改正通知) for an enterprise, with its deadline."""
    form = OrderForm()
    if form.validate_on_submit():
        enterprise = db.session.scalar(select(Enterprise).where(
            Enterprise.uscc == form.uscc.data))
        if enterprise is None:
            form.uscc.errors = [_("No enterprise with this code is registered on the portal. "
                                  "Check the code, or serve the order on paper.")]
        else:
            try:
                case = services.issue_order(
                    db.session, enterprise, actor=current_user, problem=form.problem.data,
                    requirement=form.requirement.data, legal_basis=form.legal_basis.data,
                    working_days=form.working_days.data, today=local_today(), now=utcnow())
                tell_other_party(db.session, case, "case.opened", actor=current_user,
                                 now=utcnow())
                db.session.commit()
            except DomainError as error:
                _refused(error)
                abort(403)
            flash(_("Case %(reference)s was opened; the enterprise was told.",
                    reference=case.reference), "success")
            return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/order.html", form=form), (
        400 if request.method == "POST" else 200)


@bp.post("/cases/<int:case_id>/review")
@require(Permission.CASE_DEPARTMENT_DECIDE)
def review(case_id: int) -> ResponseReturnValue:
    """Decide on the report under review: put right, ask for more, or not put right."""
    case = load_case_for(case_id, "decide")
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_case(case, review=form, status=400)
    now, decision = utcnow(), form.decision.data
    try:
        if decision == "accept":
            services.accept(db.session, case, actor=current_user, now=now,
                            conclusion=form.reasons.data or "",
                            expected_version=form.version.data)
        elif decision == "request_supplement":
            services.request_supplement(db.session, case, actor=current_user, now=now,
                                        reasons=form.reasons.data,
                                        working_days=form.working_days.data,
                                        expected_version=form.version.data,
                                        today=local_today())
        else:
            services.find_not_rectified(db.session, case, actor=current_user, now=now,
                                        reasons=form.reasons.data,
                                        expected_version=form.version.data)
        tell_other_party(db.session, case, f"case.{case.status.value}", actor=current_user,
                         now=now)
        db.session.commit()
    except (StaleObject, WorkflowError, services.CaseError) as error:
        _refused(error)
    else:
        flash(_("Your decision was recorded and the enterprise was told."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.post("/cases/<int:case_id>/close")
@require(Permission.CASE_DEPARTMENT_DECIDE)
def close(case_id: int) -> ResponseReturnValue:
    """Close a case without a report: after a re-inspection, or once it is overdue."""
    case = load_case_for(case_id, "decide")
    form = ClosingForm()
    if not form.validate_on_submit():
        return _render_case(case, closing=form, status=400)
    now = utcnow()
    to = CaseStatus.RECTIFIED if form.decision.data == "accept_on_site" else \
        CaseStatus.NOT_RECTIFIED
    try:
        if to == CaseStatus.RECTIFIED:
            services.accept(db.session, case, actor=current_user, now=now,
                            conclusion=form.reasons.data, expected_version=form.version.data)
        else:
            services.find_not_rectified(db.session, case, actor=current_user, now=now,
                                        reasons=form.reasons.data,
                                        expected_version=form.version.data)
        tell_other_party(db.session, case, f"case.{to.value}", actor=current_user, now=now)
        db.session.commit()
    except (StaleObject, WorkflowError, services.CaseError) as error:
        _refused(error)
    else:
        flash(_("Your decision was recorded and the enterprise was told."), "success")
    return redirect(url_for("cases.show", case_id=case_id))


@bp.route("/cases/<int:case_id>/reinspection", methods=["GET", "POST"])
@require(Permission.CASE_DEPARTMENT_DECIDE)
def reinspection(case_id: int) -> ResponseReturnValue:
    """Record an on-site re-inspection with the officers present and photos."""
    case = load_case_for(case_id, "decide")
    if case.is_final:
        flash(_("This case is closed; nothing more can be recorded."), "info")
        return redirect(url_for("cases.show", case_id=case.id))
    form = ReinspectionForm()
    officers = _department_officers(case)
    form.officers.choices = [SelectChoice(officer.id, officer.display_name)
                             for officer in officers]
    if request.method == "GET":
        form.version.data = case.version
        form.officers.data = [current_user.id]
    problems: list[str] = []
    if form.validate_on_submit():
        photos, problems = check_files(request.files.getlist(form.photos.name))
        if not problems:
            try:
                services.record_reinspection(
                    db.session, get_storage(), case, actor=current_user,
                    inspected_on=form.inspected_on.data,
                    officers=[officer for officer in officers if officer.id in form.officers.data],
                    findings=form.findings.data, photos=photos,
                    expected_version=form.version.data, now=utcnow(),
                    max_case_bytes=max_case_bytes())
                tell_other_party(db.session, case, "case.reinspected", actor=current_user,
                                 now=utcnow())
                db.session.commit()
            except services.CaseError as error:
                db.session.rollback()
                problems = [str(error.message)]
            except DomainError as error:
                close_all(photos)
                _refused(error)
                return redirect(url_for("cases.show", case_id=case_id))
            else:
                flash(_("The re-inspection was recorded."), "success")
                return redirect(url_for("cases.show", case_id=case.id))
            finally:
                close_all(photos)
        else:
            close_all(photos)
    if problems:
        form.photos.errors = list(problems)
    return render_template("cases/reinspection.html", case=case, form=form), (
        400 if request.method == "POST" else 200)


@bp.route("/cases/<int:case_id>/extend", methods=["GET", "POST"])
@require(Permission.CASE_DEPARTMENT_DECIDE)
def extend(case_id: int) -> ResponseReturnValue:
    """Give the enterprise more working days, with the reason."""
    case = load_case_for(case_id, "decide")
    form = ExtendForm()
    if request.method == "GET":
        form.version.data = case.version
    if form.validate_on_submit():
        try:
            new_date = services.extend_deadline(
                db.session, case, actor=current_user, working_days=form.working_days.data,
                reason=form.reason.data, expected_version=form.version.data, now=utcnow())
            tell_other_party(db.session, case, "case.extended", actor=current_user,
                             now=utcnow())
            db.session.commit()
        except DomainError as error:
            _refused(error)
            return redirect(url_for("cases.show", case_id=case_id))
        flash(_("The deadline is now %(date)s.", date=format_day(new_date)), "success")
        return redirect(url_for("cases.show", case_id=case.id))
    return render_template("cases/extend.html", case=case, form=form,
                           days_left=_days_left(case)), (
        400 if request.method == "POST" else 200)
