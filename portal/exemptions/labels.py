"""What application states, declarations, files and timeline steps are called on the pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.exemptions.models import ApplicationStatus, FilePurpose, Outcome
from portal.guides.conditions import Corrected, Harm

S = ApplicationStatus

#: Status, in words, as the enterprise reads it.
STATUS_LABELS: dict[str, Any] = {
    S.SUBMITTED: _l("With the department for verification"),
    S.SUPPLEMENT_REQUESTED: _l("More information asked for (补正)"),
    S.REFUSAL_PROPOSED: _l("Refusal proposed: you may state your case"),
    S.DEFENCE_SUBMITTED: _l("Your statement and defence are with the department"),
    S.LEGAL_REVIEW: _l("In legal review (法制审核)"),
    S.GRANTED: _l("Granted"),
    S.REFUSED: _l("Exemption refused"),
    S.WITHDRAWN: _l("Withdrawn"),
}

#: Colour of each status tag.
STATUS_TAGS: dict[str, str] = {
    S.SUBMITTED: "tag--blue", S.SUPPLEMENT_REQUESTED: "tag--yellow",
    S.REFUSAL_PROPOSED: "tag--yellow", S.DEFENCE_SUBMITTED: "tag--blue",
    S.LEGAL_REVIEW: "tag--blue", S.GRANTED: "tag--green", S.REFUSED: "tag--red",
    S.WITHDRAWN: "tag--grey",
}

#: Whose turn it is, by status.
TURN_LABELS: dict[str, Any] = {
    S.SUBMITTED: _l("The department's"),
    S.SUPPLEMENT_REQUESTED: _l("Yours"),
    S.REFUSAL_PROPOSED: _l("Yours"),
    S.DEFENCE_SUBMITTED: _l("The department's"),
    S.LEGAL_REVIEW: _l("The department's"),
    S.GRANTED: _l("Nobody's: decided"),
    S.REFUSED: _l("Nobody's: decided"),
    S.WITHDRAWN: _l("Nobody's: withdrawn"),
}

HARM_LABELS: dict[str, Any] = {
    Harm.NONE: _l("No harm"),
    Harm.SLIGHT: _l("Slight harm"),
    Harm.SERIOUS: _l("More than slight harm"),
}

#: The answers offered on the application (the coarse ``in_time`` is the JSON pre-check's).
CORRECTED_LABELS: dict[str, Any] = {
    Corrected.BEFORE_DISCOVERY: _l("Yes, before any officer found it"),
    Corrected.BEFORE_ORDER: _l("Yes, after it was found but before being ordered to correct "
                               "it"),
    Corrected.ON_THE_SPOT: _l("Yes, on the spot when an officer pointed it out"),
    Corrected.WITHIN_PERIOD: _l("Yes, within the period set in the order to correct"),
    Corrected.LATE: _l("Yes, but after the period set in the order to correct"),
    Corrected.NOT_YET: _l("Not yet"),
}

FILE_PURPOSE_LABELS: dict[str, Any] = {
    FilePurpose.APPLICATION: _l("With the application"),
    FilePurpose.NO_FAULT: _l("With the application (no fault)"),
    FilePurpose.SUPPLEMENT: _l("With the supplement"),
    FilePurpose.DEFENCE: _l("With the statement and defence"),
}

OUTCOME_LABELS: dict[str, Any] = {
    Outcome.NO_PENALTY: _l("No administrative penalty (不予行政处罚)"),
    Outcome.MITIGATED: _l("Mitigated penalty (减轻处罚)"),
    Outcome.LENIENT: _l("Lenient penalty (从轻处罚)"),
    Outcome.NO_COMPULSION: _l("No administrative compulsion (免予行政强制)"),
}

#: Timeline steps the enterprise sees, by audit action.
STEP_LABELS: dict[str, Any] = {
    "exemption.submitted": _l("Application submitted"),
    "exemption.resubmitted": _l("Supplement sent"),
    "exemption.withdrawn": _l("Application withdrawn"),
    "exemption.supplement_requested": _l("More information asked for (补正)"),
    "exemption.refusal_proposed": _l("Refusal proposed and notified"),
    "exemption.defence_submitted": _l("Statement and defence submitted"),
    "exemption.defence_accepted": _l("Statement and defence accepted; verified again"),
    "exemption.grant_proposed": _l("Grant proposed for legal review"),
    "exemption.refusal_sent_to_review": _l("Refusal sent to legal review"),
    "exemption.returned": _l("Returned by legal review"),
    "exemption.granted": _l("Granted"),
    "exemption.refused": _l("Exemption refused"),
    "exemption.decision_grant": _l("Decision document issued"),
    "exemption.decision_refusal": _l("Refusal decision issued"),
    "exemption.objection_filed": _l("Objection filed"),
    "exemption.objection_answered": _l("Objection answered"),
    "decision.withdrawn": _l("Decision withdrawn from public disclosure"),
}
