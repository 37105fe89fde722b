"""How decision codes are named on the document, the verification page and /decisions."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from portal.exemptions.models import DecisionKind, Outcome

#: What the decision gives (the outcome line of the document).
OUTCOME_LABELS: dict[str, Any] = {
    Outcome.NO_PENALTY: _l("No administrative penalty is imposed"),
    Outcome.MITIGATED: _l("A mitigated penalty is imposed (below the statutory range)"),
    Outcome.LENIENT: _l("A lighter penalty is imposed (at the lower end of the range)"),
    Outcome.NO_COMPULSION: _l("No administrative compulsory measure is taken"),
}

#: How the party was educated (Art. 33).
EDUCATION_FORM_LABELS: dict[str, Any] = {
    "talk": _l("Talk with the party"),
    "written": _l("Written reminder"),
    "training": _l("Training"),
    "commitment": _l("Signed commitment"),
}

#: Kinds of decision, as the verification page names them.
KIND_LABELS: dict[str, Any] = {
    DecisionKind.GRANT: _l("Grant of exemption"),
    DecisionKind.REFUSAL: _l("Refusal of exemption"),
}

#: Why a published decision was withdrawn.
WITHDRAWAL_KIND_LABELS: dict[str, Any] = {
    "changed": _l("The decision was changed"),
    "revoked": _l("The decision was revoked"),
}

#: Title of a refusal's document (a grant's is its document type's label).
REFUSAL_TITLE = _l("Decision refusing exemption from administrative penalty")

#: Where a piece of evidence came from.
EVIDENCE_SOURCE_LABELS: dict[str, Any] = {
    "application": _l("Given with the application"),
    "case": _l("Rectification evidence"),
}
