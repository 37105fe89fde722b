"""Credit pages: the enterprise's records and repairs, the department's import and review,
the public display per enterprise, and the repair-results export."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
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

from portal.accounts.models import Enterprise
from portal.cases.evidence import check_files
from portal.core import progress
from portal.core.audit import AuditEvent
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.errors import DomainError
from portal.core.formatting import format_day
from portal.core.identifiers import InvalidUscc, validate_uscc
from portal.core.permissions import Permission, can, require
from portal.core.storage import ObjectMissing, download_response, get_storage
from portal.credit import display, labels, services
from portal.credit.access import load_application_for, load_file_for, load_record_for, may
from portal.credit.exports import results_csv, results_json
from portal.credit.forms import (
    DecisionForm,
    ImportForm,
    ObjectionForm,
    RecordForm,
    RepairForm,
    StandingForm,
    SupplementForm,
)
from portal.credit.imports import ImportMode, import_records, template_workbook
from portal.credit.models import (
    CreditRecord,
    RepairApplication,
    RepairMaterial,
    RepairStatus,
    RiskClass,
)
from portal.credit.notices import (
    notices_for_ids,
    send_repair_notices,
    tell_department,
    tell_enterprise,
)
from portal.credit.rules import CreditRules, describe_unmet
from portal.credit.workflow import REPAIR_WORKFLOW
from portal.extensions import db

bp = Blueprint("credit", __name__)

#: Largest import file accepted, in bytes.
MAX_IMPORT_BYTES = 50 * 2**20


@bp.record_once
def register_template_globals(state: Any) -> None:
    """Make the credit labels global for the credit templates."""
    state.app.jinja_env.globals.update({
        "credit_penalty_labels": labels.PENALTY_LABELS,
        "credit_class_labels": labels.CLASS_LABELS,
        "credit_market_labels": labels.MARKET_LABELS,
        "credit_publication_labels": labels.PUBLICATION_LABELS,
        "credit_repair_labels": labels.REPAIR_LABELS,
        "credit_risk_labels": labels.RISK_LABELS,
    })


def credit_rules() -> CreditRules:
    """Return the credit rules configured for this application."""
    return CreditRules.from_config(current_app.config)


def _refused(error: DomainError) -> None:
    db.session.rollback()
    flash(str(error.message), "error")


def commitment_text(record: CreditRecord, enterprise: Enterprise) -> str:
    """Return the credit commitment letter (信用承诺书) of one record, to be signed."""
    return _("Credit commitment. %(enterprise)s (unified social credit code %(uscc)s) applies "
             "for credit repair of administrative penalty decision %(decision)s. It commits "
             "that the decision has been fully performed and its harmful effects removed, "
             "that the materials submitted are true, complete and valid, and that it will "
             "abide by the law and operate honestly. If the commitment is broken or the "
             "materials are false, it accepts that the repair is revoked, that later repairs "
             "may be refused, and the legal consequences.",
             enterprise=enterprise.name, uscc=enterprise.uscc, decision=record.decision_number)


def _record_view(record: CreditRecord,
                 facts: services.rules.RecordFacts | None = None) -> dict[str, Any]:
    facts = facts or services.record_facts(db.session, record)
    unmet = services.rules.unmet_conditions(facts, today=local_today(), rules=credit_rules())
    return {"record": record, "unmet": describe_unmet(unmet, facts, rules=credit_rules(),
                                                      format_day=format_day),
            "eligible": not unmet}


# -- Enterprise side ------------------------------------------------------------------------


@bp.get("/credit")
@require(Permission.CREDIT_OWN_VIEW)
def index() -> ResponseReturnValue:
    """Show the enterprise's records with their dates, eligibility and the risk class."""
    enterprise_id = g.membership.enterprise_id
    records = services.list_enterprise_records(db.session, enterprise_id)
    standing = services.get_standing(db.session, enterprise_id)
    facts = services.enterprise_record_facts(db.session, enterprise_id, records,
                                             standing=standing)
    return render_template(
        "credit/index.html", views=[_record_view(record, facts[record.id])
                                    for record in records],
        risk=services.assess_risk(db.session, enterprise_id, today=local_today(),
                                  standing=standing),
        enterprise=g.membership.enterprise, can_apply=can(Permission.CREDIT_OWN_EDIT))


def _materials(form: RepairForm | SupplementForm, problems: list[str],
               ) -> list[services.MaterialUpload]:
    uploads: list[services.MaterialUpload] = []
    fields = [(form.proof, RepairMaterial.PROOF_OF_PERFORMANCE)]
    if isinstance(form, RepairForm):
        fields.append((form.authorisation, RepairMaterial.AUTHORISATION))
    for field, material in fields:
        checked, refused = check_files(request.files.getlist(field.name))
        uploads.extend(services.MaterialUpload(item.upload, material) for item in checked)
        if refused:
            field.errors = [*field.errors, *refused]
            problems.extend(refused)
    return uploads


def _close(uploads: list[services.MaterialUpload]) -> None:
    for item in uploads:
        item.upload.close()


@bp.route("/credit/records/<int:record_id>/repair", methods=["GET", "POST"])
@require(Permission.CREDIT_OWN_VIEW)
def repair(record_id: int) -> ResponseReturnValue:
    """Show the materials checklist and apply for repair; or follow the application."""
    record = load_record_for(record_id, "view")
    enterprise = record.enterprise
    application = record.repair
    form = RepairForm()
    view = _record_view(record)
    status = 200
    if request.method == "POST":
        load_record_for(record_id, "edit")
        status = 400
        problems: list[str] = []
        if application is not None:
            flash(_("A repair has already been applied for for this record."), "error")
            return redirect(url_for("credit.repair", record_id=record.id))
        if form.validate_on_submit():
            uploads = _materials(form, problems)
            if not problems:
                try:
                    application = services.apply_for_repair(
                        db.session, get_storage(), record, actor=current_user,
                        by_agent=form.by_agent.data, statement=form.statement.data,
                        commitment_text=commitment_text(record, enterprise), uploads=uploads,
                        today=local_today(), now=utcnow(), credit_rules=credit_rules(),
                        review_working_days=current_app.config["CREDIT_REVIEW_WORKING_DAYS"])
                    tell_department(db.session, application, now=utcnow())
                    db.session.commit()
                except services.NotEligible:
                    db.session.rollback()
                    problems.append(_("This record cannot be repaired now."))
                except services.CreditError as error:
                    db.session.rollback()
                    target = form.authorisation if error.field == "authorisation" else form.proof
                    target.errors = [*target.errors, str(error.message)]
                except DomainError as error:
                    _refused(error)
                    abort(403)
                else:
                    flash(_("Your application was sent to the department. It decides within "
                            "%(days)s working days; you will be told here and by email.",
                            days=current_app.config["CREDIT_REVIEW_WORKING_DAYS"]), "success")
                    return redirect(url_for("credit.repair", record_id=record.id))
                finally:
                    _close(uploads)
            else:
                _close(uploads)
    return render_template(
        "credit/repair.html", form=form, application=application,
        commitment=commitment_text(record, enterprise), timeline=_timeline(application),
        supplement=SupplementForm(data={"version": application.version}) if application
        else None,
        objection=ObjectionForm(data={"version": application.version}) if application
        else None,
        can_edit=can(Permission.CREDIT_OWN_EDIT), **view), status


def _timeline(application: RepairApplication | None) -> list[AuditEvent]:
    if application is None:
        return []
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "credit_repair",
                                 AuditEvent.object_id == str(application.id))
        .order_by(AuditEvent.id)))


@bp.post("/credit/repairs/<int:application_id>/supplement")
@require(Permission.CREDIT_OWN_EDIT)
def supplement(application_id: int) -> ResponseReturnValue:
    """Send the materials the department asked for; its clock resumes."""
    application = load_application_for(application_id, "edit")
    form = SupplementForm()
    back = redirect(url_for("credit.repair", record_id=application.record_id))
    if not form.validate_on_submit():
        flash(_("Check the form and try again."), "error")
        return back
    problems: list[str] = []
    uploads = _materials(form, problems)
    if problems or not uploads:
        _close(uploads)
        flash(problems[0] if problems else _("Attach the materials asked for."), "error")
        return back
    try:
        services.supplement(db.session, get_storage(), application, actor=current_user,
                            statement=form.statement.data or "", uploads=uploads,
                            expected_version=form.version.data, today=local_today(),
                            now=utcnow())
        tell_department(db.session, application, now=utcnow())
        db.session.commit()
    except DomainError as error:
        _refused(error)
    else:
        flash(_("The materials were sent to the department."), "success")
    finally:
        _close(uploads)
    return back


@bp.post("/credit/repairs/<int:application_id>/objection")
@require(Permission.CREDIT_OWN_EDIT)
def objection(application_id: int) -> ResponseReturnValue:
    """Object to a refusal (异议)."""
    application = load_application_for(application_id, "edit")
    form = ObjectionForm()
    if not form.validate_on_submit():
        flash(_("Say why you object"), "error")
    else:
        try:
            services.object_to_refusal(db.session, application, actor=current_user,
                                       objection=form.objection.data,
                                       expected_version=form.version.data, now=utcnow())
            tell_department(db.session, application, now=utcnow())
            db.session.commit()
        except DomainError as error:
            _refused(error)
        else:
            flash(_("Your objection was sent; the department will answer it."), "success")
    return redirect(url_for("credit.repair", record_id=application.record_id))


@bp.get("/credit/repairs/<int:application_id>/files/<int:file_id>")
@login_required
def download(application_id: int, file_id: int) -> ResponseReturnValue:
    """Download a file of an application, always as an attachment."""
    row = load_file_for(application_id, file_id)
    try:
        return download_response(get_storage(), row.sha256, filename=row.name,
                                 content_type=row.content_type)
    except ObjectMissing:
        abort(404)


# -- Public display -------------------------------------------------------------------------


@bp.get("/credit/public/<uscc>")
def public(uscc: str) -> ResponseReturnValue:
    """Show the records an enterprise has published now (repairs and maximum periods kept)."""
    try:
        code = validate_uscc(uscc)
    except InvalidUscc:
        abort(404)
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == code))
    if enterprise is None:
        abort(404)
    records = display.list_published_records(db.session, enterprise.id, today=local_today())
    return render_template("credit/public.html", enterprise=enterprise, records=records)


# -- Department side ------------------------------------------------------------------------


def _department_code() -> str:
    department = current_user.department
    if department is None:
        abort(404)
    return str(department.code)


@bp.get("/officer/credit")
@require(Permission.CREDIT_DEPARTMENT_VIEW)
def queue() -> ResponseReturnValue:
    """The department's repair applications, those waiting on it first by deadline."""
    code = _department_code()
    applications = list(db.session.scalars(
        select(RepairApplication).where(RepairApplication.department_code == code)
        .order_by(RepairApplication.review_due.is_(None), RepairApplication.review_due,
                  RepairApplication.id).limit(500)))
    waiting = [item for item in applications if not item.is_final]
    done = [item for item in applications if item.is_final]
    records = list(db.session.scalars(
        select(CreditRecord).where(CreditRecord.department_code == code)
        .order_by(CreditRecord.id.desc()).limit(50)))
    return render_template("credit/queue.html", waiting=waiting, done=done, records=records,
                           can_decide=can(Permission.CREDIT_DEPARTMENT_DECIDE))


@bp.route("/officer/credit/import", methods=["GET", "POST"])
@require(Permission.CREDIT_DEPARTMENT_DECIDE)
def import_file() -> ResponseReturnValue:
    """Import penalty records from a CSV or XLSX file, with a per-row report."""
    form = ImportForm()
    report = None
    status = 200
    if request.method == "GET" or not form.progress_id.data:
        form.progress_id.data = progress.new_token()
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        data = upload.stream.read(MAX_IMPORT_BYTES + 1) if upload and upload.filename else b""
        if not data:
            form.file.errors = [_("Choose the file to import.")]
            status = 400
        elif len(data) > MAX_IMPORT_BYTES:
            form.file.errors = [_("The file is larger than %(size)s MB; split it.",
                                  size=MAX_IMPORT_BYTES // 2**20)]
            status = 400
        else:
            tracker = progress.Tracker(current_user.id, form.progress_id.data)
            report = import_records(
                db.session, data, mode=ImportMode(form.mode.data), actor=current_user,
                today=local_today(), now=utcnow(), credit_rules=credit_rules(),
                filename=upload.filename or "" if upload else "",
                started=tracker.started, progress=tracker.advance)
            tracker.finish()
            if report.file_error is not None or (report.errors and not report.imported):
                db.session.rollback()
                status = 400
            else:
                notices_for_ids(db.session, report.record_ids, today=local_today(),
                                now=utcnow())
                db.session.commit()
    elif request.method == "POST":
        status = 400
    return render_template("credit/import.html", form=form, report=report,
                           english=str(get_locale()).startswith("en")), status


@bp.get("/officer/credit/import/progress/<token>")
@require(Permission.CREDIT_DEPARTMENT_DECIDE)
def import_progress(token: str) -> ResponseReturnValue:
    """Say how far the officer's running import has got (polled by the import page)."""
    found = progress.read(current_user.id, token)
    if found is None:
        abort(404)
    response = jsonify(done=found.done, total=found.total, percent=found.percent)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/officer/credit/records/new", methods=["GET", "POST"])
@require(Permission.CREDIT_DEPARTMENT_DECIDE)
def new_record() -> ResponseReturnValue:
    """Enter one penalty record of the officer's department by hand."""
    form = RecordForm()
    if form.validate_on_submit():
        enterprise = db.session.scalar(select(Enterprise).where(
            Enterprise.uscc == form.uscc.data))
        if enterprise is None:
            form.uscc.errors = [_("No enterprise with this code is registered on the portal.")]
        else:
            values = services.RecordValues(
                decision_number=form.decision_number.data, enterprise_id=enterprise.id,
                department_code=_department_code(), violation=form.violation.data,
                penalty_types=tuple(form.penalty_types.data),
                fine_amount=form.fine_amount.data or Decimal("0"),
                decision_date=form.decision_date.data, record_class=form.record_class.data,
                market_category=form.market_category.data or None,
                food_drug_special_equipment=form.food_drug_special_equipment.data,
                performed_on=form.performed_on.data)
            try:
                record = services.create_record(db.session, values, actor=current_user,
                                                credit_rules=credit_rules(), now=utcnow())
                send_repair_notices(db.session, [record], today=local_today(), now=utcnow())
                db.session.commit()
            except services.CreditError as error:
                db.session.rollback()
                form.decision_number.errors = [str(error.message)]
            else:
                flash(_("The record was saved and the enterprise was sent the repair notice."),
                      "success")
                return redirect(url_for("credit.standing", enterprise_id=enterprise.id))
    return render_template("credit/new_record.html", form=form), (
        400 if request.method == "POST" else 200)


@bp.get("/officer/credit/import/template.xlsx")
@require(Permission.CREDIT_DEPARTMENT_VIEW)
def template() -> ResponseReturnValue:
    """Download the import template (XLSX)."""
    return Response(template_workbook(), headers={
        "Content-Disposition": "attachment; filename=credit-records-template.xlsx"},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _review_page(application: RepairApplication, form: DecisionForm | None = None,
                 status: int = 200) -> ResponseReturnValue:
    actions = {rule.action for rule in REPAIR_WORKFLOW.allowed(application, current_user)}
    view = _record_view(application.record)
    view["unmet"] = describe_unmet(
        services.rules.unmet_conditions(
            services.record_facts(db.session, application.record, ignore_application=True),
            today=local_today(), rules=credit_rules()),
        services.record_facts(db.session, application.record), rules=credit_rules(),
        format_day=format_day)
    decision = form or DecisionForm(data={"version": application.version})
    decision.decision.choices = [choice for choice in decision.decision.choices
                                 if choice.value in actions]
    return render_template("credit/review.html", application=application, form=decision,
                           actions=actions, timeline=_timeline(application),
                           risk=services.assess_risk(db.session, application.enterprise_id,
                                                     today=local_today()),
                           **view), status


@bp.get("/officer/credit/repairs/<int:application_id>")
@require(Permission.CREDIT_DEPARTMENT_VIEW)
def review(application_id: int) -> ResponseReturnValue:
    """Show an application with its record, materials, eligibility and the steps open."""
    return _review_page(load_application_for(application_id, "view"))


#: The target state of each decision.
_TARGETS = {
    "request_supplement": RepairStatus.SUPPLEMENT_REQUESTED,
    "not_accept": RepairStatus.NOT_ACCEPTED,
    "accept": RepairStatus.ACCEPTED,
    "approve": RepairStatus.APPROVED,
    "refuse": RepairStatus.REFUSED,
    "grant_objection": RepairStatus.APPROVED,
    "uphold_refusal": RepairStatus.REFUSAL_UPHELD,
}
_NEEDS_REASONS = {"request_supplement", "not_accept", "refuse", "grant_objection",
                  "uphold_refusal"}


@bp.post("/officer/credit/repairs/<int:application_id>/decide")
@require(Permission.CREDIT_DEPARTMENT_DECIDE)
def decide(application_id: int) -> ResponseReturnValue:
    """Take one step on an application: supplement, (not) accept, approve, refuse, answer."""
    application = load_application_for(application_id, "decide")
    form = DecisionForm()
    if not form.validate_on_submit():
        return _review_page(application, form, 400)
    decision, reasons = form.decision.data, form.reasons.data or ""
    if decision in _NEEDS_REASONS and not reasons:
        form.reasons.errors = [_("Give the reasons for the decision.")]
        return _review_page(application, form, 400)
    now, today = utcnow(), local_today()
    try:
        if decision == "request_supplement":
            services.request_supplement(db.session, application, actor=current_user,
                                        reasons=reasons, expected_version=form.version.data,
                                        today=today, now=now)
        elif decision in ("grant_objection", "uphold_refusal"):
            services.answer_objection(db.session, application, actor=current_user,
                                      upheld=decision == "grant_objection", answer=reasons,
                                      expected_version=form.version.data, today=today,
                                      now=now)
        else:
            services.decide(db.session, application, _TARGETS[decision], actor=current_user,
                            reasons=reasons, expected_version=form.version.data, today=today,
                            now=now, false_materials=bool(form.false_materials.data))
        tell_enterprise(db.session, application, today=today, now=now)
        db.session.commit()
    except DomainError as error:
        _refused(error)
    else:
        flash(_("Your decision was recorded and the enterprise was told."), "success")
    return redirect(url_for("credit.review", application_id=application.id))


def _enterprise_in_scope(enterprise_id: int) -> Enterprise:
    """Return an enterprise with a record of the officer's department (404 otherwise)."""
    code = _department_code()
    enterprise = db.session.get(Enterprise, enterprise_id)
    if enterprise is None or db.session.scalar(select(CreditRecord.id).where(
            CreditRecord.enterprise_id == enterprise_id,
            CreditRecord.department_code == code).limit(1)) is None:
        abort(404)
    return enterprise


@bp.route("/officer/credit/enterprises/<int:enterprise_id>", methods=["GET", "POST"])
@require(Permission.CREDIT_DEPARTMENT_VIEW)
def standing(enterprise_id: int) -> ResponseReturnValue:
    """Show an enterprise's risk class; officers override it and record its list entries."""
    enterprise = _enterprise_in_scope(enterprise_id)
    current = services.get_standing(db.session, enterprise.id)
    form = StandingForm(data={
        "risk": current.risk_override.value if current and current.risk_override else "",
        "on_abnormal_list": bool(current and current.on_abnormal_list),
        "on_serious_violation_list": bool(current and current.on_serious_violation_list)}
        if request.method == "GET" else None)
    status = 200
    if request.method == "POST":
        if not can(Permission.CREDIT_DEPARTMENT_DECIDE):
            abort(403)
        status = 400
        if form.validate_on_submit():
            now = utcnow()
            try:
                services.set_lists(db.session, enterprise, actor=current_user,
                                   abnormal=form.on_abnormal_list.data,
                                   serious_violation=form.on_serious_violation_list.data,
                                   now=now)
                services.override_risk(db.session, enterprise, actor=current_user,
                                       risk=RiskClass(form.risk.data) if form.risk.data
                                       else None, reason=form.reason.data, now=now)
                db.session.commit()
            except DomainError as error:
                _refused(error)
            else:
                flash(_("The enterprise's credit standing was saved."), "success")
                return redirect(url_for("credit.standing", enterprise_id=enterprise.id))
    return render_template("credit/standing.html", enterprise=enterprise, form=form,
                           risk=services.assess_risk(db.session, enterprise.id,
                                                     today=local_today()),
                           records=services.list_enterprise_records(db.session, enterprise.id),
                           can_decide=can(Permission.CREDIT_DEPARTMENT_DECIDE)), status


@bp.get("/officer/credit/repair-results.<any(csv, json):extension>")
@require(Permission.CREDIT_DEPARTMENT_VIEW)
def export(extension: str) -> ResponseReturnValue:
    """Download the department's decided repairs for the credit platforms (CSV or JSON)."""
    rows = services.repair_results(db.session, department_code=_department_code())
    if extension == "csv":
        return Response("\ufeff" + results_csv(rows), mimetype="text/csv", headers={
            "Content-Disposition": "attachment; filename=credit-repair-results.csv"})
    return Response(json.dumps(results_json(rows), ensure_ascii=False, indent=2),
                    mimetype="application/json", headers={
                        "Content-Disposition": "attachment; filename=credit-repair-results.json"})


def can_view_record(record: CreditRecord) -> bool:
    """Return whether the signed-in user may open the record (for links)."""
    return current_user.is_authenticated and may(
        current_user, record.enterprise_id, record.department_code, "view",
        role=g.get("role"), membership=g.get("membership"))
