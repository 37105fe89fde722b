"""What case states, origins and timeline steps are called on the pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.cases.models import CaseOrigin, CaseStatus

#: Status, as the enterprise and the officer both read it.
STATUS_LABELS: dict[str, Any] = {
    CaseStatus.OPEN: _l("Waiting for the enterprise's report"),
    CaseStatus.SUBMITTED: _l("Report under review"),
    CaseStatus.SUPPLEMENT_REQUESTED: _l("More information asked for"),
    CaseStatus.RECTIFIED: _l("Put right (复查合格)"),
    CaseStatus.NOT_RECTIFIED: _l("Not put right"),
}

#: Short status tags for lists.
STATUS_TAGS: dict[str, Any] = {
    CaseStatus.OPEN: _l("To report"),
    CaseStatus.SUBMITTED: _l("Under review"),
    CaseStatus.SUPPLEMENT_REQUESTED: _l("Supplement"),
    CaseStatus.RECTIFIED: _l("Put right"),
    CaseStatus.NOT_RECTIFIED: _l("Not put right"),
}

ORIGIN_LABELS: dict[str, Any] = {
    CaseOrigin.FINDING: _l("A problem found by the enterprise's self-check"),
    CaseOrigin.ORDER: _l("An order to correct (责令改正) by the department"),
    CaseOrigin.OWN_INITIATIVE: _l("Opened by the enterprise on its own initiative"),
}

#: Timeline steps, by audit action.
STEP_LABELS: dict[str, Any] = {
    "case.opened": _l("Case opened"),
    "case.submitted": _l("Report submitted"),
    "case.withdrawn": _l("Report withdrawn before review"),
    "case.supplement_requested": _l("More information asked for (补正)"),
    "case.rectified": _l("Found put right (复查合格); case closed"),
    "case.not_rectified": _l("Found not put right; case closed"),
    "case.reinspected": _l("On-site re-inspection recorded"),
    "case.extended": _l("Deadline extended"),
    "case.viewed": _l("Viewed by an officer"),
}
