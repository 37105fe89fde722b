"""Enterprise pages of exemption applications (免罚申请): apply, follow, answer, object.

Thin routes (STYLE.md 4): parse the form, load through ``portal/exemptions/access.py``,
call one service, tell the other side (``notices.tell``) in the same transaction,
commit once, then flash and redirect. Officers work on their own pages
(``portal/review``); these are for the enterprise's people only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage
from wtforms import Field

from portal.accounts.models import Department
from portal.cases.access import load_case_for
from portal.cases.evidence import check_files, close_all, max_file_bytes
from portal.cases.models import Case
from portal.cases.services import EvidenceUpload
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.deadlines import working_days_left
from portal.core.errors import DomainError
from portal.core.permissions import Permission, can, require
from portal.core.storage import ObjectMissing, download_response, get_storage
from portal.core.workflow import TransitionForbidden
from portal.exemptions import labels, notices, rules, services
from portal.exemptions.access import load_application_for, load_file_for
from portal.exemptions.forms import (
    ApplicationForm,
    DefenceForm,
    ObjectionForm,
    SupplementForm,
    VersionForm,
)
from portal.exemptions.models import (
    ApplicationStatus,
    Decision,
    ExemptionApplication,
    FilePurpose,
)
from portal.exemptions.timeline import timeline
from portal.exemptions.workflow import EXEMPTION_WORKFLOW
from portal.extensions import db
from portal.guides.conditions import Corrected, Ground, Harm
from portal.guides.content import localized
from portal.guides.models import ExemptionEntryVersion
from portal.guides.queries import current_entries, entries_for_industry, entry_versions
from portal.selfcheck.access import load_self_check_for
from portal.selfcheck.models import Finding
from portal.selfcheck.results import problem_texts
from portal.selfcheck.services import industry_for

bp = Blueprint("exemptions", __name__)

#: Rows on one page of the enterprise's applications.
PAGE_SIZE = 50
#: An id in a query string: ASCII digits within the column's range.
_ID = re.compile(r"[0-9]{1,10}")
_MAX_ID = 2**31 - 1


@bp.record_once
def register_template_globals(state: Any) -> None:
    """Make the application labels global for the exemption templates and partials."""
    state.app.jinja_env.globals.update({
        "exemption_status_labels": labels.STATUS_LABELS,
        "exemption_status_tags": labels.STATUS_TAGS,
        "exemption_turn_labels": labels.TURN_LABELS,
        "exemption_step_labels": labels.STEP_LABELS,
        "exemption_harm_labels": labels.HARM_LABELS,
        "exemption_corrected_labels": labels.CORRECTED_LABELS,
        "exemption_file_labels": labels.FILE_PURPOSE_LABELS,
        "exemption_outcome_labels": labels.OUTCOME_LABELS,
    })


def _commitment_text() -> str:
    return _("We commit that the facts, declarations and files in this application are true "
             "and complete, that the violation has been or will be corrected as required, that "
             "the business will keep to the rules from now on, and that it bears the legal "
             "consequences of anything false, including the revocation of an exemption "
             "granted on it.")


def _parse_id(raw: str | None) -> int | None:
    """Return an id from a query string, None when absent (404 when it is not an id)."""
    if raw is None:
        return None
    if not _ID.fullmatch(raw) or int(raw) > _MAX_ID:
        abort(404)
    return int(raw)


def _department_name(code: str) -> str:
    department = db.session.scalar(select(Department).where(Department.code == code))
    return department.name(str(get_locale())) if department is not None else code


def _days_left(day: Any) -> int | None:
    return working_days_left(local_today(), day) if day is not None else None


def decision_links(decision: Decision | None) -> dict[str, str | None] | None:
    """Return the addresses of a decision's document (HTML and PDF), where those pages exist."""
    if decision is None:
        return None
    views = current_app.view_functions

    def link(endpoint: str) -> str | None:
        return url_for(endpoint, decision_id=decision.id) if endpoint in views else None

    return {"html": link("disclosure.document"), "pdf": link("disclosure.document_pdf")}


def _refused(error: DomainError) -> None:
    db.session.rollback()
    flash(str(error.message), "error")


def _take_step(application: ExemptionApplication, step: Callable[[], object], notice: str,
               success: str) -> ResponseReturnValue:
    """Run one step of the enterprise's, tell the department and commit once; or roll back
    and flash the refusal. Either way, back to the application's page."""
    try:
        step()
        notices.tell(db.session, application, notice, actor=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        _refused(error)
    else:
        flash(success, "success")
    return redirect(url_for("exemptions.show", application_id=application.id))


def _with_size(*fields: Field) -> None:
    for field in fields:
        field.description = field.description % {"size": max_file_bytes() // 2**20}


def _files_of(field: Field) -> list[FileStorage]:
    return request.files.getlist(field.name)


def _checked(*fields: Field) -> tuple[list[EvidenceUpload], bool]:
    """Check the files of each field by content; put refusals beside their field.

    Returns the accepted uploads and whether every file was accepted.
    """
    uploads: list[EvidenceUpload] = []
    accepted = True
    for field in fields:
        kept, problems = check_files(_files_of(field))
        uploads.extend(kept)
        if problems:
            field.errors = list(problems)
            accepted = False
    return uploads, accepted


# -- The enterprise's list --------------------------------------------------------------------


@bp.get("/exemptions/applications")
@require(Permission.EXEMPTION_OWN_VIEW)
def index() -> ResponseReturnValue:
    """List the enterprise's applications, newest first, a page at a time."""
    before = _parse_id(request.args.get("before"))
    query = (select(ExemptionApplication)
             .where(ExemptionApplication.enterprise_id == g.membership.enterprise_id)
             .options(selectinload(ExemptionApplication.entry_version))
             .order_by(ExemptionApplication.id.desc()).limit(PAGE_SIZE + 1))
    if before is not None:
        query = query.where(ExemptionApplication.id < before)
    rows = list(db.session.scalars(query))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return render_template(
        "exemptions/index.html", applications=rows,
        days_left={row.id: _days_left(row.action_due) for row in rows},
        next_before=rows[-1].id if more else None, first_page=before is None,
        can_apply=can(Permission.EXEMPTION_OWN_EDIT))


# -- Applying ----------------------------------------------------------------------------------


def _linked_case() -> Case | None:
    case_id = _parse_id(request.args.get("case"))
    return load_case_for(case_id, "edit") if case_id is not None else None


def _linked_finding() -> Finding | None:
    finding_id = _parse_id(request.args.get("finding"))
    if finding_id is None:
        return None
    finding = db.session.get(Finding, finding_id)
    if finding is None:
        abort(404)
    load_self_check_for(finding.self_check_id, "view")
    return finding


def _finding_problem(finding: Finding) -> str:
    texts = problem_texts(finding.self_check).get((finding.question_id,
                                                   finding.obligation_code))
    return localized(texts, str(get_locale()))[0] if texts else ""


@bp.get("/exemptions/apply")
@require(Permission.EXEMPTION_OWN_EDIT)
def choose() -> ResponseReturnValue:
    """Offer the entries a rectification case or a self-check finding may be applied under."""
    case, finding = _linked_case(), _linked_finding()
    if case is None and finding is None:
        return redirect(url_for("guides.entries"))
    entries: list[ExemptionEntryVersion] = []
    if finding is not None:
        entries = [version for version in current_entries(db.session, set(finding.exemptions))
                   if version.entry.retired_at is None]
    elif case is not None:
        industry = industry_for(db.session, g.membership.enterprise)
        entries = [version for version in (entries_for_industry(db.session, industry)
                                           if industry else [])
                   if version.department == case.department_code]
    link = {"case": case.id} if case is not None else {"finding": finding.id}  # type: ignore[union-attr]
    return render_template("exemptions/choose.html", entries=entries, case=case,
                           finding=finding, link=link)


@bp.route("/exemptions/apply/<entry_key>", methods=["GET", "POST"])
@require(Permission.EXEMPTION_OWN_EDIT)
def new(entry_key: str) -> ResponseReturnValue:
    """Apply for exemption under one entry, for one violation, with a signed commitment."""
    record, versions = entry_versions(db.session, entry_key)
    if record is None or not versions:
        abort(404)
    version = versions[-1]
    case, finding = _linked_case(), _linked_finding()
    no_fault = version.data.get("legal_basis_ground") == Ground.ART33_2_NO_FAULT.value
    form = ApplicationForm()
    _with_size(form.files, form.no_fault_files)
    if request.method == "GET" and not form.facts.data:
        form.facts.data = (case.problem if case is not None
                           else _finding_problem(finding) if finding is not None else None)
    entry_problems: list[str] = []
    duplicate: ExemptionApplication | None = None
    if form.validate_on_submit():
        file_fields = (form.files, form.no_fault_files) if no_fault else (form.files,)
        uploads, accepted = _checked(*file_fields)
        try:
            if accepted:
                application = services.open_application(
                    db.session, get_storage(), g.membership.enterprise, actor=current_user,
                    entry_key=record.key, statement=_statement(form, no_fault=no_fault),
                    uploads=[item.upload for item in uploads], case=case, finding=finding,
                    today=local_today(), now=utcnow(),
                    review_working_days=current_app.config["EXEMPTION_REVIEW_WORKING_DAYS"])
                notices.tell(db.session, application, "exemption.submitted",
                             actor=current_user, now=utcnow())
                db.session.commit()
                flash(_("Your application %(reference)s was sent to the department. You will "
                        "be told of each step here and by email.",
                        reference=application.reference), "success")
                return redirect(url_for("exemptions.show", application_id=application.id))
        except services.DuplicateApplication as error:
            db.session.rollback()
            duplicate = error.existing
            form.violation_on.errors.append(str(error.message))
        except services.ExemptionError as error:
            db.session.rollback()
            if error.field in form:
                form[error.field].errors.append(str(error.message))
            else:
                entry_problems.append(str(error.message))
        except TransitionForbidden:
            db.session.rollback()
            abort(403)
        finally:
            close_all(uploads)
    return render_template(
        "exemptions/new.html", form=form, record=record, version=version, data=version.data,
        no_fault=no_fault, case=case, finding=finding, commitment=_commitment_text(),
        department=_department_name(version.department), entry_problems=entry_problems,
        duplicate=duplicate), (400 if request.method == "POST" else 200)


def _statement(form: ApplicationForm, *, no_fault: bool) -> services.ApplicationInput:
    return services.ApplicationInput(
        facts=form.facts.data, violation_on=form.violation_on.data,
        violation_ended_on=form.violation_ended_on.data, harm=Harm(form.harm.data),
        harm_statement=form.harm_statement.data,
        first_violation=form.first_violation.data == "yes",
        exempted_before=form.exempted_before.data == "yes",
        corrected=Corrected(form.corrected.data), corrected_on=form.corrected_on.data,
        no_fault_claim=form.no_fault_claim.data if no_fault else None,
        commitment_text=_commitment_text())


# -- The application ----------------------------------------------------------------------------


def _render(application: ExemptionApplication, *, supplement: SupplementForm | None = None,
            defence: DefenceForm | None = None, objection: ObjectionForm | None = None,
            status: int = 200) -> ResponseReturnValue:
    actions = {rule.action for rule in EXEMPTION_WORKFLOW.allowed(application, current_user)}
    may_object = (application.status == ApplicationStatus.REFUSED
                  and can(Permission.EXEMPTION_OWN_EDIT)
                  and all(item.answered_at is not None for item in application.objections))
    version = {"version": application.version}
    supplement = supplement or SupplementForm(data=version)
    defence = defence or DefenceForm(data=version)
    _with_size(supplement.supplement_files, defence.defence_files)
    files: dict[str, list[Any]] = {}
    for row in application.files:
        files.setdefault(row.purpose, []).append(row)
    return render_template(
        "exemptions/show.html", application=application, version=application.entry_version,
        data=application.entry_data, assessment=rules.assessment_of(application),
        department=_department_name(application.department_code),
        review_left=_days_left(application.review_due),
        action_left=_days_left(application.action_due), actions=actions,
        may_object=may_object, supplement=supplement, defence=defence,
        objection=objection or ObjectionForm(data=version),
        version_form=VersionForm(data=version), files=files, purposes=list(FilePurpose),
        decision=decision_links(application.decision),
        steps=timeline(db.session, application, internal=False),
        max_mb=max_file_bytes() // 2**20), status


@bp.get("/exemptions/applications/<int:application_id>")
@require(Permission.EXEMPTION_OWN_VIEW)
def show(application_id: int) -> ResponseReturnValue:
    """Show an application: where it stands, the conditions, files, decision and history."""
    return _render(load_application_for(application_id, "view"))


@bp.post("/exemptions/applications/<int:application_id>/supplement")
@require(Permission.EXEMPTION_OWN_EDIT)
def supplement(application_id: int) -> ResponseReturnValue:
    """Send what the department asked for (补正); its review clock resumes."""
    application = load_application_for(application_id, "edit")
    form = SupplementForm()
    if not form.validate_on_submit():
        return _render(application, supplement=form, status=400)
    uploads, accepted = _checked(form.supplement_files)
    if not accepted:
        close_all(uploads)
        return _render(application, supplement=form, status=400)
    try:
        return _take_step(application, lambda: services.answer_supplement(
            db.session, get_storage(), application, actor=current_user,
            answer=form.answer.data, uploads=[item.upload for item in uploads],
            expected_version=form.version.data, today=local_today(), now=utcnow()),
            "exemption.resubmitted",
            _("Your supplement was sent to the department; its review continues."))
    finally:
        close_all(uploads)


@bp.post("/exemptions/applications/<int:application_id>/withdraw")
@require(Permission.EXEMPTION_OWN_EDIT)
def withdraw(application_id: int) -> ResponseReturnValue:
    """Withdraw the application before a decision."""
    application = load_application_for(application_id, "edit")
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    return _take_step(application, lambda: services.withdraw(
        db.session, application, actor=current_user, expected_version=form.version.data,
        now=utcnow()), "exemption.withdrawn",
        _("Your application was withdrawn. You may apply again for the same violation."))


@bp.post("/exemptions/applications/<int:application_id>/defence")
@require(Permission.EXEMPTION_OWN_EDIT)
def defend(application_id: int) -> ResponseReturnValue:
    """State the enterprise's case and defend it (陈述、申辩) against a proposed refusal."""
    application = load_application_for(application_id, "edit")
    form = DefenceForm()
    if not form.validate_on_submit():
        return _render(application, defence=form, status=400)
    uploads, accepted = _checked(form.defence_files)
    if not accepted:
        close_all(uploads)
        return _render(application, defence=form, status=400)
    try:
        return _take_step(application, lambda: services.submit_defence(
            db.session, get_storage(), application, actor=current_user, text=form.text.data,
            uploads=[item.upload for item in uploads], expected_version=form.version.data,
            today=local_today(), now=utcnow(),
            answer_working_days=current_app.config["EXEMPTION_REVIEW_WORKING_DAYS"]),
            "exemption.defence_submitted",
            _("Your statement and defence were sent. The department must answer them before "
              "it decides."))
    finally:
        close_all(uploads)


@bp.post("/exemptions/applications/<int:application_id>/objection", endpoint="object")
@require(Permission.EXEMPTION_OWN_EDIT)
def file_objection(application_id: int) -> ResponseReturnValue:
    """File an objection (异议) to a final refusal; the department must answer it."""
    application = load_application_for(application_id, "edit")
    form = ObjectionForm()
    if not form.validate_on_submit():
        return _render(application, objection=form, status=400)
    return _take_step(application, lambda: services.file_objection(
        db.session, application, actor=current_user, text=form.objection.data,
        expected_version=form.version.data, now=utcnow()), "exemption.objection_filed",
        _("Your objection was sent. The department must answer it."))


@bp.get("/exemptions/applications/<int:application_id>/files/<int:file_id>")
@require(Permission.EXEMPTION_OWN_VIEW)
def file(application_id: int, file_id: int) -> ResponseReturnValue:
    """Download a file of the application, always as an attachment."""
    _application, row = load_file_for(application_id, file_id)
    try:
        return download_response(get_storage(), row.sha256, filename=row.name,
                                 content_type=row.content_type)
    except ObjectMissing:
        abort(404)
