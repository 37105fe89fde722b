"""What application states, outcomes, derived facts and timeline steps are called on the
officers' pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.exemptions import labels as exemption_labels
from portal.exemptions.models import ApplicationStatus, EducationForm, Outcome
from portal.guides.conditions import Corrected

S = ApplicationStatus

#: Status, as officers read it.
STATUS_LABELS: dict[str, Any] = {
    S.SUBMITTED: _l("Waiting for verification"),
    S.SUPPLEMENT_REQUESTED: _l("More information asked for (补正)"),
    S.REFUSAL_PROPOSED: _l("Refusal proposed: the enterprise may state its case"),
    S.DEFENCE_SUBMITTED: _l("Statement and defence received: to answer"),
    S.LEGAL_REVIEW: _l("In legal review (法制审核)"),
    S.GRANTED: _l("Granted"),
    S.REFUSED: _l("Exemption refused"),
    S.WITHDRAWN: _l("Withdrawn by the enterprise"),
}

#: Colour of each status tag (as on the enterprise's pages).
STATUS_TAGS = exemption_labels.STATUS_TAGS

OUTCOME_LABELS: dict[str, Any] = {
    Outcome.NO_PENALTY: _l("No penalty (不予行政处罚)"),
    Outcome.MITIGATED: _l("Mitigated penalty (减轻处罚)"),
    Outcome.LENIENT: _l("Lighter penalty (从轻处罚)"),
    Outcome.NO_COMPULSION: _l("No administrative compulsion (免予行政强制)"),
}

EDUCATION_FORM_LABELS: dict[str, Any] = {
    EducationForm.TALK: _l("Talk (约谈)"),
    EducationForm.WRITTEN: _l("Written guidance (书面告诫)"),
    EducationForm.TRAINING: _l("Training (培训)"),
    EducationForm.COMMITMENT: _l("Commitment letter (承诺书)"),
}

#: The enterprise's declared harm and correction, in the words of its own form (and the
#: JSON pre-check's coarse "in time").
HARM_LABELS = exemption_labels.HARM_LABELS
CORRECTED_LABELS: dict[str, Any] = {**exemption_labels.CORRECTED_LABELS,
                                    Corrected.IN_TIME: _l("Yes, within the time allowed")}

#: How a derived fact bears on the conditions beside it.
BEARING_LABELS: dict[str, Any] = {
    "supports": _l("Supports"),
    "contradicts": _l("Contradicts"),
    "unknown": _l("Not known"),
    "info": _l("For information"),
}

BEARING_TAGS: dict[str, str] = {"supports": "tag--green", "contradicts": "tag--red",
                                "unknown": "tag--yellow", "info": "tag--grey"}

#: Why a decision goes to legal review (``rules.legal_review_reasons``).
LEGAL_REVIEW_REASONS: dict[str, Any] = {
    "ground": _l("Its legal ground is one whose decisions always go to legal review "
                 "(首违不罚 by default)."),
    "entry": _l("Its entry is configured for legal review."),
    "department": _l("All of this department's exemption decisions go to legal review."),
    "fine": _l("The fine reaches the amount that needs legal review."),
}

#: Timeline steps, by audit action.
STEP_LABELS: dict[str, Any] = {
    "exemption.submitted": _l("Application submitted"),
    "exemption.resubmitted": _l("Supplement sent"),
    "exemption.withdrawn": _l("Application withdrawn"),
    "exemption.supplement_requested": _l("More information asked for (补正)"),
    "exemption.verified": _l("Verification recorded (internal)"),
    "exemption.grant_proposed": _l("Grant proposed for legal review"),
    "exemption.granted": _l("Granted"),
    "exemption.refusal_proposed": _l("Refusal proposed and notified"),
    "exemption.defence_submitted": _l("Statement and defence submitted"),
    "exemption.defence_accepted": _l("Defence accepted"),
    "exemption.refusal_sent_to_review": _l("Refusal sent to legal review"),
    "exemption.refused": _l("Exemption refused"),
    "exemption.returned": _l("Returned by legal review"),
    "exemption.objection_filed": _l("Objection filed"),
    "exemption.objection_answered": _l("Objection answered"),
    "exemption.decision_grant": _l("Decision issued"),
    "exemption.decision_refusal": _l("Refusal decision issued"),
    "decision.withdrawn": _l("Decision withdrawn from disclosure"),
}
