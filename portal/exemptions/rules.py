"""The rules of an exemption decision, in one place for the workflow's guards and the pages.

* ``conditions_of``: every condition the application must meet, judged from the
  enterprise's own declarations by the same service as the public pre-check
  (``portal.guides.conditions.assess_entry``), on the day of the violation.
* ``grant_refusal``: why a grant is impossible now (an unconfirmed condition, no
  education recorded, no reasoned choice for a discretionary ground, no lighter
  penalty stated), or None.
* ``needs_legal_review``: whether the case is major (by ground, entry, department
  or fine; settings ``EXEMPTION_LEGAL_REVIEW_*``) and so goes to a legal reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l

from portal.guides.conditions import (
    Answers,
    Assessment,
    ConditionCheck,
    FirstTime,
    Ground,
    assess_entry,
)

if TYPE_CHECKING:
    from portal.exemptions.models import ExemptionApplication

#: Defaults of the legal-review settings, for use without an application context.
_DEFAULTS: dict[str, Any] = {
    "EXEMPTION_LEGAL_REVIEW_GROUNDS": [Ground.ART33_1_FIRST_VIOLATION.value],
    "EXEMPTION_LEGAL_REVIEW_ENTRIES": [],
    "EXEMPTION_LEGAL_REVIEW_DEPARTMENTS": [],
    "EXEMPTION_LEGAL_REVIEW_FINE_YUAN": 10000,
}


def _setting(name: str) -> Any:
    if has_app_context():
        return current_app.config.get(name, _DEFAULTS[name])
    return _DEFAULTS[name]


def answers_of(application: ExemptionApplication) -> Answers:
    """Return the enterprise's declarations as the pre-check's answers."""
    return Answers(
        first_time=FirstTime.YES if application.first_violation_declared else FirstTime.NO,
        exempted_before=application.exempted_before_declared,
        harm=application.harm, corrected=application.corrected)


def assessment_of(application: ExemptionApplication) -> Assessment:
    """Judge the applied entry version against the declarations, on the violation's day."""
    return assess_entry(application.entry_data, answers_of(application),
                        today=application.violation_on)


@dataclass(frozen=True)
class Condition:
    """One condition to verify: its key on the application and the pre-check's judgement."""

    #: Stable within the application (the entry version is fixed): ``03:condition.no_harm``.
    key: str
    check: ConditionCheck


def conditions_of(application: ExemptionApplication) -> list[Condition]:
    """Return every condition the officer must confirm, in the pre-check's order."""
    return [Condition(f"{index:02d}:{check.code}", check)
            for index, check in enumerate(assessment_of(application).checks)]


def ground_of(application: ExemptionApplication) -> Ground | None:
    """Return the legal ground of the applied entry."""
    raw = application.entry_data.get("legal_basis_ground")
    return Ground(raw) if raw in {ground.value for ground in Ground} else None


def is_discretionary(application: ExemptionApplication) -> bool:
    """Return whether the ground lets the officer choose (首违不罚: "may" not penalise)."""
    return ground_of(application) == Ground.ART33_1_FIRST_VIOLATION


def unconfirmed_conditions(application: ExemptionApplication) -> list[Condition]:
    """Return the conditions the officer has not confirmed as met."""
    confirmed = {check.code for check in application.checks if check.confirmed}
    return [condition for condition in conditions_of(application)
            if condition.key not in confirmed]


def grant_refusal(application: ExemptionApplication) -> Any:
    """Return why the application cannot be granted now, or None.

    A grant needs every condition confirmed met by the officer, the education given
    (for every no-penalty outcome, Art. 33), a reasoned choice where the ground is
    discretionary, and the lighter penalty where the outcome is 减轻 or 从轻.
    """
    missing = unconfirmed_conditions(application)
    if missing:
        return _l("Every condition must be confirmed as met before a grant: "
                  "%(count)d not confirmed.", count=len(missing))
    outcome = application.outcome
    if outcome.imposes_no_penalty and not (
            application.education_form and application.education_on
            and (application.education_content or "").strip()):
        return _l("Record the education given (form, date and content): it is required "
                  "whenever no penalty is imposed.")
    if is_discretionary(application) and not (application.discretion_reason or "").strip():
        return _l("Give the reasons for your choice: not penalising a first violation is "
                  "at the authority's discretion.")
    if not outcome.imposes_no_penalty and not (application.mitigation_detail or "").strip():
        return _l("State the lighter penalty imposed, within the entry's range.")
    return None


def legal_review_reasons(application: ExemptionApplication) -> list[str]:
    """Return why the decision on ``application`` is major: ``ground``, ``entry``,
    ``department`` or ``fine`` (the settings that make it so); empty when it is not."""
    reasons = []
    ground = ground_of(application)
    if ground is not None and ground.value in _setting("EXEMPTION_LEGAL_REVIEW_GROUNDS"):
        reasons.append("ground")
    if application.entry_key in _setting("EXEMPTION_LEGAL_REVIEW_ENTRIES"):
        reasons.append("entry")
    if application.department_code in _setting("EXEMPTION_LEGAL_REVIEW_DEPARTMENTS"):
        reasons.append("department")
    fine = application.fine_yuan
    if fine is not None and fine >= Decimal(_setting("EXEMPTION_LEGAL_REVIEW_FINE_YUAN")):
        reasons.append("fine")
    return reasons


def needs_legal_review(application: ExemptionApplication) -> bool:
    """Return whether the decision on ``application`` goes to legal review (Art. 58)."""
    return bool(legal_review_reasons(application))
