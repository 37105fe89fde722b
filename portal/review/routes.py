"""Officer pages: the exemption queue, verification, decisions, legal review, objections.

Every POST carries the version of the application (or decision) the user saw; the
route parses the form, loads the object through ``portal.exemptions.access``, calls
one service, tells the other side in the same transaction and commits once. A rule's
refusal is shown beside its field, or flashed above the page; nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request
from flask import url_for as _url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.accounts.models import User
from portal.core import pagecache
from portal.core.clock import local_today
from portal.core.db import utcnow
from portal.core.deadlines import working_days_left
from portal.core.errors import DomainError, show_beside_field
from portal.core.permissions import Permission, can, require
from portal.core.storage import ObjectMissing, download_response, get_storage
from portal.core.workflow import StaleObject, TransitionForbidden
from portal.exemptions import facts as derived
from portal.exemptions import rules, services
from portal.exemptions.access import (
    load_application_for,
    load_decision_for,
    load_file_for,
    may,
)
from portal.exemptions.models import (
    ApplicationStatus,
    Decision,
    DecisionKind,
    DisclosureStatus,
    EducationForm,
    ExemptionApplication,
    Objection,
    WithdrawalKind,
)
from portal.exemptions.notices import tell
from portal.exemptions.timeline import Step, timeline
from portal.extensions import db
from portal.review import labels
from portal.review.forms import (
    DefenceAnswerForm,
    LegalReviewForm,
    ObjectionAnswerForm,
    RefusalForm,
    SupplementForm,
    VerificationForm,
    VersionForm,
    WithdrawDecisionForm,
    verification_form,
)
from portal.review.queries import list_department_applications, parse_queue_filters

bp = Blueprint("review", __name__, url_prefix="/officer/exemptions")

S = ApplicationStatus
#: States in which the officer's verification may be recorded.
VERIFYING = frozenset({S.SUBMITTED, S.DEFENCE_SUBMITTED})


@bp.record_once
def register_template_globals(state: Any) -> None:
    """Make the review labels global for the review templates and partials."""
    state.app.jinja_env.globals.update({
        "review_status_labels": labels.STATUS_LABELS,
        "review_status_tags": labels.STATUS_TAGS,
        "review_outcome_labels": labels.OUTCOME_LABELS,
        "review_step_labels": labels.STEP_LABELS,
        "review_education_form_labels": labels.EDUCATION_FORM_LABELS,
        "review_harm_labels": labels.HARM_LABELS,
        "review_corrected_labels": labels.CORRECTED_LABELS,
        "review_bearing_labels": labels.BEARING_LABELS,
        "review_bearing_tags": labels.BEARING_TAGS,
        "review_legal_reasons": labels.LEGAL_REVIEW_REASONS,
    })


_ACTOR_ID = re.compile(r"\s*\(#\d+\)$")


def _who(step: Step) -> str:
    return _ACTOR_ID.sub("", step.event.actor_label)


def _may(application: ExemptionApplication, action: str) -> bool:
    return may(current_user, application, action,  # type: ignore[arg-type]
               role=g.get("role"), membership=g.get("membership"))


def _show(application: ExemptionApplication) -> ResponseReturnValue:
    return redirect(_url_for("review.show", application_id=application.id))


# -- The verification page ------------------------------------------------------------------


def _verification_form(application: ExemptionApplication, *,
                       conditions: list[rules.Condition],
                       formdata: Any = None) -> VerificationForm:
    """Return the verification form, filled from the record when it is not posted."""
    data: dict[str, Any] = {}
    if formdata is None:
        recorded = {check.code: check for check in application.checks}
        for index, condition in enumerate(conditions):
            check = recorded.get(condition.key)
            if check is not None:
                data[f"condition_{index:02d}"] = "yes" if check.confirmed else "no"
                data[f"note_{index:02d}"] = check.note
        data.update(
            education_form=application.education_form.value if application.education_form
            else "", education_on=application.education_on,
            education_content=application.education_content,
            economic_impact=application.economic_impact,
            internal_note=application.internal_note, version=application.version,
            discretion_reason=application.discretion_reason,
            mitigation_detail=application.mitigation_detail,
            fine_yuan=application.fine_yuan)
    return verification_form(conditions, discretionary=rules.is_discretionary(application),
                             mitigation=not application.outcome.imposes_no_penalty,
                             formdata=formdata, data=data)


#: The forms of the page, by name, with their class (the verification form is built apart).
FORMS: dict[str, type[FlaskForm]] = {
    "supplement": SupplementForm, "refusal": RefusalForm, "defence": DefenceAnswerForm,
    "legal_review": LegalReviewForm, "grant": VersionForm, "finalise": VersionForm,
    "objection": ObjectionAnswerForm,
}


def _render(application: ExemptionApplication, *, status: int = 200,
            forms: dict[str, FlaskForm] | None = None,
            withdraw_form: WithdrawDecisionForm | None = None,
            objection_id: int | None = None) -> ResponseReturnValue:
    """Render the verification page with its forms (``forms`` replaces the posted one)."""
    given = dict(forms or {})
    today = local_today()
    conditions = rules.conditions_of(application)
    version = {"version": application.version}
    page_forms: dict[str, Any] = {
        name: given.get(name) or form_class(formdata=None, data=version)
        for name, form_class in FORMS.items()}
    page_forms["verify"] = given.get("verify") or _verification_form(
        application, conditions=conditions)
    facts = derived.derive_facts(db.session, application, today=today)
    beside: set[str] = set()
    rows = []
    recorded = {check.code: check for check in application.checks}
    fields = page_forms["verify"].condition_rows()
    for condition, (_key, answer, note) in zip(conditions, fields, strict=True):
        bearing = derived.facts_for_condition(facts, condition.key)
        beside.update(fact.code for fact in bearing)
        rows.append({"condition": condition, "facts": bearing, "answer": answer, "note": note,
                     "recorded": recorded.get(condition.key)})
    decision = application.decision
    if withdraw_form is None and decision is not None:
        withdraw_form = WithdrawDecisionForm(formdata=None, data={"version": decision.version})
    officer = _may(application, "decide")
    reviewer = _may(application, "review")
    days_left = (working_days_left(today, application.action_due)
                 if application.action_due else None)
    return render_template(
        "review/application.html", application=application, entry=application.entry_version,
        data=application.entry_data, rows=rows,
        other_facts=[fact for fact in facts if fact.code not in beside],
        forms=page_forms, withdraw_form=withdraw_form, objection_id=objection_id,
        officer=officer, reviewer=reviewer, verifying=application.status in VERIFYING,
        discretionary=rules.is_discretionary(application),
        legal_review_reasons=rules.legal_review_reasons(application),
        grant_refusal=rules.grant_refusal(application),
        steps=timeline(db.session, application, internal=True), who=_who, today=today,
        days_left=days_left, decision=decision, case=application.case,
        proposer_is_me=application.proposed_by_id == current_user.id,
        published=decision is not None and decision.kind == DecisionKind.GRANT
        and decision.disclosure == DisclosureStatus.PUBLISHED), status


@bp.get("")
@require(Permission.EXEMPTION_DEPARTMENT_VIEW)
def queue() -> ResponseReturnValue:
    """The department's applications by the date their next step is due, a page at a time."""
    department = current_user.department
    if department is None:
        abort(404)
    legal_allowed = can(Permission.EXEMPTION_DEPARTMENT_REVIEW)
    filters = parse_queue_filters(request.args, legal_allowed=legal_allowed)
    today = local_today()
    page = list_department_applications(db.session, department.code, filters, today=today,
                                        reader_id=current_user.id)
    return render_template("review/queue.html", page=page, filters=filters, today=today,
                           statuses=list(ApplicationStatus), legal_allowed=legal_allowed)


@bp.get("/<int:application_id>")
@require(Permission.EXEMPTION_DEPARTMENT_VIEW)
def show(application_id: int) -> ResponseReturnValue:
    """The verification page: what was applied for, each condition with its facts, the
    decision record, the actions open to the user and the timeline."""
    return _render(load_application_for(application_id, "view"))


# -- Steps ------------------------------------------------------------------------------------


def _attempt(application: ExemptionApplication, name: str, form: FlaskForm,
             step: Callable[[], str | None], *, success: str | Callable[[], str],
             proposer: User | None = None) -> ResponseReturnValue:
    """Run ``step`` (one service call returning the audit action to tell, if any), tell the
    other side and commit; or show the refusal beside its field, or flashed.

    ``success`` is the message flashed after the commit (or makes it from the result).
    """
    now = utcnow()
    try:
        told = step()
        if told is not None:
            tell(db.session, application, told, actor=current_user, now=now,
                 proposer=proposer)
        db.session.commit()
        # A decision issued or withdrawn is public at once in this process.
        pagecache.forget_version(current_app._get_current_object())  # type: ignore[attr-defined]
    except TransitionForbidden:
        db.session.rollback()
        abort(403)
    except StaleObject as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _show(application)
    except DomainError as error:
        if error.field and error.field in form:
            show_beside_field(form, error, default_field=error.field)
            if name == "withdraw":
                return _render(application, status=400, withdraw_form=form)
            return _render(application, status=400, forms={name: form})
        db.session.rollback()
        flash(str(error.message), "error")
        return _show(application)
    flash(success() if callable(success) else success, "success")
    return _show(application)


def _settings() -> dict[str, Any]:
    return {"today": local_today(), "now": utcnow(),
            "disclosure_delay_working_days":
                current_app.config["DISCLOSURE_DELAY_WORKING_DAYS"]}


@bp.post("/<int:application_id>/verify")
@require(Permission.EXEMPTION_DEPARTMENT_DECIDE)
def verify(application_id: int) -> ResponseReturnValue:
    """Record the officer's finding on each condition and the decision record."""
    application = load_application_for(application_id, "decide")
    form = _verification_form(application, conditions=rules.conditions_of(application),
                              formdata=request.form)
    if not form.validate_on_submit():
        return _render(application, status=400, forms={"verify": form})
    record = services.Verification(
        checks=form.checks(),
        discretion_reason=form.data.get("discretion_reason") or None,
        education_form=EducationForm(form.education_form.data)
        if form.education_form.data else None,
        education_on=form.education_on.data,
        education_content=form.education_content.data or None,
        economic_impact=form.economic_impact.data or None,
        mitigation_detail=form.data.get("mitigation_detail") or None,
        fine_yuan=form.data.get("fine_yuan"),
        internal_note=form.internal_note.data or None)

    def step() -> None:
        services.record_verification(db.session, application, actor=current_user,
                                     verification=record, expected_version=form.version.data,
                                     today=local_today(), now=utcnow())

    return _attempt(application, "verify", form, step,
                    success=_("Your verification was recorded."))


@bp.post("/<int:application_id>/supplement")
@require(Permission.EXEMPTION_DEPARTMENT_DECIDE)
def supplement(application_id: int) -> ResponseReturnValue:
    """Ask the enterprise for more by a deadline; the review clock stops."""
    application = load_application_for(application_id, "decide")
    form = SupplementForm()
    if not form.validate_on_submit():
        return _render(application, status=400, forms={"supplement": form})

    def step() -> str:
        services.request_supplement(db.session, application, actor=current_user,
                                    reasons=form.reasons.data,
                                    working_days=form.working_days.data,
                                    expected_version=form.version.data, today=local_today(),
                                    now=utcnow())
        return "exemption.supplement_requested"

    return _attempt(application, "supplement", form, step,
                    success=_("The enterprise was asked for more information; the review "
                              "clock is stopped until it answers."))


@bp.post("/<int:application_id>/grant")
@require(Permission.EXEMPTION_DEPARTMENT_DECIDE)
def grant(application_id: int) -> ResponseReturnValue:
    """Grant the application, or propose the grant for legal review when it is major."""
    application = load_application_for(application_id, "decide")
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)
    outcome: dict[str, Decision | None] = {}

    def step() -> str:
        outcome["decision"] = services.grant(
            db.session, application, actor=current_user, expected_version=form.version.data,
            **_settings())
        return "exemption.granted" if outcome["decision"] else "exemption.grant_proposed"

    def success() -> str:
        decision = outcome["decision"]
        if decision is None:
            return _("The grant was sent to legal review.")
        return _("Granted: decision %(number)s was issued.", number=decision.document_number)

    return _attempt(application, "grant", form, step, success=success)


@bp.post("/<int:application_id>/refusal")
@require(Permission.EXEMPTION_DEPARTMENT_DECIDE)
def propose_refusal(application_id: int) -> ResponseReturnValue:
    """Propose a refusal and notify its facts, reasons and basis (Arts. 44, 45)."""
    application = load_application_for(application_id, "decide")
    form = RefusalForm()
    if not form.validate_on_submit():
        return _render(application, status=400, forms={"refusal": form})

    def step() -> str:
        services.propose_refusal(
            db.session, application, actor=current_user, facts=form.facts.data,
            reasons=form.reasons.data, basis=form.basis.data,
            expected_version=form.version.data, today=local_today(), now=utcnow(),
            defence_working_days=current_app.config["EXEMPTION_DEFENCE_WORKING_DAYS"])
        return "exemption.refusal_proposed"

    return _attempt(application, "refusal", form, step,
                    success=_("The refusal was proposed; the enterprise was told and may "
                              "state its case."))


def _refusal_step(decision: Decision | None) -> str:
    return "exemption.refused" if decision is not None else "exemption.refusal_sent_to_review"


@bp.post("/<int:application_id>/defence-answer")
@require(Permission.EXEMPTION_DEPARTMENT_DECIDE)
def answer_defence(application_id: int) -> ResponseReturnValue:
    """Answer the enterprise's defence: accept it, or maintain the refusal."""
    application = load_application_for(application_id, "decide")
    form = DefenceAnswerForm()
    if not form.validate_on_submit():
        return _render(application, status=400, forms={"defence": form})
    accepted = form.accepted.data == "yes"

    def step() -> str:
        decision = services.answer_defence(
            db.session, application, actor=current_user, answer=form.answer.data,
            accepted=accepted, expected_version=form.version.data, **_settings())
        return "exemption.defence_accepted" if accepted else _refusal_step(decision)

    return _attempt(application, "defence", form, step,
                    success=_("Your answer was recorded and the enterprise was told."))


@bp.post("/<int:application_id>/refuse")
@require(Permission.EXEMPTION_DEPARTMENT_DECIDE)
def finalise_refusal(application_id: int) -> ResponseReturnValue:
    """Make the proposed refusal final once the defence period is over."""
    application = load_application_for(application_id, "decide")
    form = VersionForm()
    if not form.validate_on_submit():
        abort(400)

    def step() -> str:
        return _refusal_step(services.finalise_refusal(
            db.session, application, actor=current_user, expected_version=form.version.data,
            **_settings()))

    return _attempt(application, "finalise", form, step,
                    success=_("The refusal was recorded."))


@bp.post("/<int:application_id>/legal-review")
@require(Permission.EXEMPTION_DEPARTMENT_REVIEW)
def legal_review(application_id: int) -> ResponseReturnValue:
    """Approve the proposed decision, or return it to the officer with comments."""
    application = load_application_for(application_id, "review")
    form = LegalReviewForm()
    if not form.validate_on_submit():
        return _render(application, status=400, forms={"legal_review": form})
    approve = form.result.data == "approve"
    proposer = db.session.get(User, application.proposed_by_id) \
        if application.proposed_by_id else None

    def step() -> str:
        decision = services.review_proposal(
            db.session, application, reviewer=current_user, approve=approve,
            comments=form.comments.data or None, expected_version=form.version.data,
            **_settings())
        if not approve:
            return "exemption.returned"
        return "exemption.granted" if decision is not None and \
            decision.kind == DecisionKind.GRANT else "exemption.refused"

    return _attempt(application, "legal_review", form, step, proposer=proposer,
                    success=_("The proposal was approved and the decision issued.") if approve
                    else _("The proposal was returned to the officer."))


@bp.post("/<int:application_id>/objections/<int:objection_id>/answer")
@require(Permission.EXEMPTION_DEPARTMENT_DECIDE)
def answer_objection(application_id: int, objection_id: int) -> ResponseReturnValue:
    """Answer an objection to a final refusal."""
    application = load_application_for(application_id, "decide")
    objection = db.session.get(Objection, objection_id)
    if objection is None or objection.application_id != application.id:
        abort(404)
    form = ObjectionAnswerForm()
    if not form.validate_on_submit():
        return _render(application, status=400, forms={"objection": form},
                       objection_id=objection.id)

    def step() -> str:
        services.answer_objection(db.session, application, objection, actor=current_user,
                                  answer=form.answer.data, expected_version=form.version.data,
                                  now=utcnow())
        return "exemption.objection_answered"

    return _attempt(application, "objection", form, step,
                    success=_("Your answer was sent to the enterprise."))


@bp.post("/decisions/<int:decision_id>/withdraw")
@require(Permission.EXEMPTION_DEPARTMENT_DECIDE)
def withdraw_decision(decision_id: int) -> ResponseReturnValue:
    """Withdraw a changed or revoked decision from public disclosure, with its reason."""
    decision = load_decision_for(decision_id, "decide")
    application = decision.application
    form = WithdrawDecisionForm()
    if not form.validate_on_submit():
        return _render(application, status=400, withdraw_form=form)

    def step() -> None:
        services.withdraw_from_disclosure(
            db.session, decision, actor=current_user, kind=WithdrawalKind(form.kind.data),
            reason=form.reason.data, expected_version=form.version.data, today=local_today(),
            now=utcnow())

    return _attempt(application, "withdraw", form, step,
                    success=_("The decision was withdrawn from disclosure; the reason is "
                              "shown to the public."))


@bp.get("/<int:application_id>/files/<int:file_id>")
@require(Permission.EXEMPTION_DEPARTMENT_VIEW)
def file(application_id: int, file_id: int) -> ResponseReturnValue:
    """Download a file the enterprise gave with the application, always as an attachment."""
    _application, row = load_file_for(application_id, file_id)
    try:
        return download_response(get_storage(), row.sha256, filename=row.name,
                                 content_type=row.content_type)
    except ObjectMissing:
        abort(404)
