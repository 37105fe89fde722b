"""What a decision document says (Art. 59), its digest and its verification code.

The content is built once, when the decision is issued, from the application, the
applied entry version, the enterprise and the department, and stored; the digest is
the SHA-256 of its canonical JSON, so any later change to a stored document shows.
Free text stays as written (Chinese); the pages render the fixed wording in the
reader's language from the codes stored here.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from portal.accounts.models import Department
from portal.exemptions import rules
from portal.exemptions.models import DecisionKind, ExemptionApplication
from portal.exemptions.redaction import is_individual_business, mask_name, redact

#: Letters and digits that cannot be misread for each other (no 0/O, 1/I/L).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16

#: Where an administrative review is sought (行政复议法 2023, Art. 24: the people's
#: government at the department's level; vertically led bodies: the one above).
REVIEW_BODIES = {"tax": "国家税务总局广州市税务局"}
DEFAULT_REVIEW_BODY = "广州市南沙区人民政府"
#: 行政复议法 Art. 20: 60 days; 行政诉讼法 Art. 46: 6 months.
REVIEW_DAYS, LITIGATION_MONTHS = 60, 6


def new_verification_code() -> str:
    """Return a random code for ``/verify/<code>`` (16 characters, ~79 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def digest_of(content: dict[str, Any]) -> str:
    """Return the SHA-256 of the content's canonical JSON."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _evidence(application: ExemptionApplication) -> list[dict[str, Any]]:
    items = [{"name": f.name, "sha256": f.sha256, "source": "application"}
             for f in application.files]
    if application.case is not None:
        items += [{"name": f.name, "sha256": f.sha256, "source": "case"}
                  for f in application.case.files if f.superseded_by_id is None]
    return items


def build_content(application: ExemptionApplication, department: Department, *,
                  kind: DecisionKind, document_number: str | None, issued_on: Any) -> dict[str,
                                                                                          Any]:
    """Return every element of the decision document (Art. 59) as stored data."""
    enterprise = application.enterprise
    entry = application.entry_data
    version = application.entry_version
    content: dict[str, Any] = {
        "kind": kind.value,
        "document_number": document_number,
        "application": application.reference,
        "party": {"name": enterprise.name, "uscc": enterprise.uscc,
                  "address": enterprise.address,
                  "legal_representative": enterprise.legal_representative},
        "facts": application.facts,
        "violation_on": application.violation_on.isoformat(),
        "evidence": _evidence(application),
        "entry": {"key": application.entry_key, "item_code": version.item_code,
                  "version": version.version_no, "list_type": version.list_type,
                  "violation": entry.get("violation"),
                  "rule_breached": entry.get("rule_breached") or [],
                  "legal_ground": entry.get("legal_ground") or [],
                  "ground": entry.get("legal_basis_ground")},
        "authority": {"code": department.code, "name": department.name_zh_hans,
                      "short_name": department.short_name},
        "issued_on": issued_on.isoformat(),
        "remedies": {"review_body": REVIEW_BODIES.get(department.code, DEFAULT_REVIEW_BODY),
                     "review_days": REVIEW_DAYS, "litigation_months": LITIGATION_MONTHS},
    }
    if kind == DecisionKind.GRANT:
        outcome = application.outcome
        content["outcome"] = outcome.value
        content["education"] = ({"form": application.education_form.value,
                                 "on": application.education_on.isoformat()
                                 if application.education_on else None,
                                 "content": application.education_content}
                                if application.education_form else None)
        content["discretion_reason"] = (application.discretion_reason
                                        if rules.is_discretionary(application) else None)
        content["penalty"] = (None if outcome.imposes_no_penalty else
                              {"detail": application.mitigation_detail,
                               "fine_yuan": str(application.fine_yuan)
                               if application.fine_yuan is not None else None})
    else:
        content["refusal"] = {"facts": application.refusal_facts,
                              "reasons": application.refusal_reasons,
                              "basis": application.refusal_basis,
                              "defence": application.defence_text,
                              "answer": application.defence_answer}
    return content


def public_content(content: dict[str, Any]) -> dict[str, Any]:
    """Return what ``/decisions`` shows of a grant: basics only, natural persons redacted."""
    party = content["party"]
    person = party.get("legal_representative") or ""
    individual = is_individual_business(party.get("uscc") or "")
    name = redact(party["name"], names=[person])
    return {
        "document_number": content["document_number"],
        "party": {"name": name, "uscc": party.get("uscc"),
                  # An individual business's operator is a natural person: never shown.
                  "legal_representative": None if individual else mask_name(person)},
        "facts": redact(content.get("facts"), names=[person]),
        "violation_on": content.get("violation_on"),
        "entry": {key: content["entry"].get(key)
                  for key in ("key", "item_code", "version", "list_type", "violation",
                              "legal_ground", "ground")},
        "outcome": content.get("outcome"),
        "penalty": ({"detail": redact(content["penalty"].get("detail"), names=[person]),
                     "fine_yuan": content["penalty"].get("fine_yuan")}
                    if content.get("penalty") else None),
        "authority": content["authority"],
        "issued_on": content["issued_on"],
    }
