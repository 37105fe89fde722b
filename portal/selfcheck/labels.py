"""How self-check states are named on pages, in every language."""

from flask_babel import lazy_gettext as _l

SECTION_STATUS_LABELS = {
    "not_started": _l("Not started"),
    "to_confirm": _l("To confirm"),
    "in_progress": _l("In progress"),
    "complete": _l("Complete"),
}

TREND_LABELS = {
    "better": _l("Better"),
    "worse": _l("Worse"),
    "same": _l("Same"),
    "new": _l("New"),
}

CONTRIBUTION_LABELS = {
    "counted": _l("No problem found"),
    "finding": _l("Problem found"),
    "unanswered": _l("Not answered"),
    "not_applicable": _l("Not applicable"),
}

BAND_LABELS = {
    "high": _l("High risk"),
    "medium": _l("Medium risk"),
    "low": _l("Low risk"),
}

FINDING_STATUS_LABELS = {
    "open": _l("To put right"),
    "rectifying": _l("Being put right"),
    "closed": _l("Put right"),
}
