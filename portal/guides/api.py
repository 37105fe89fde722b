"""Open data API: exemption entries as JSON, described by an OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import select

from portal.core.clock import local_today
from portal.disclosure import queries as disclosure
from portal.exemptions.models import Outcome
from portal.extensions import csrf, db
from portal.guides import labels
from portal.guides.conditions import (
    Answers,
    Assessment,
    ConditionStatus,
    Ground,
    Harm,
    PrecheckOutcome,
    assess_entry,
)
from portal.guides.models import LIST_TYPES, ExemptionEntryRecord
from portal.guides.queries import (
    MAX_PAGE,
    MAX_PER_PAGE,
    current_guides,
    departments_by_code,
    entry_as_json,
    entry_versions,
    local_text,
    parse_filters,
    source_list_for,
)
from portal.guides.services import binds_nansha, search_entries

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # read-only GET endpoints; nothing here changes state


@bp.after_request
def allow_cross_origin_reads(response):  # type: ignore[no-untyped-def]
    """Let other sites' scripts read the open data (no credentials are involved)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/exemption-entries")
def exemption_entries() -> ResponseReturnValue:
    """Return current exemption entries matching the filters, one page at a time."""
    parsed = parse_filters(db.session, request.args, today=local_today())
    if parsed.errors:
        return jsonify(errors=parsed.errors), 400
    page = search_entries(db.session, parsed.filters, page=parsed.page,
                          per_page=parsed.per_page)
    return jsonify(
        items=[entry_as_json(v, url_for("guides.entry", key=v.data["key"], _external=True))
               for v in page.items],
        page=page.page, per_page=page.per_page, total=page.total, pages=page.pages)


@bp.get("/decisions")
def decisions() -> ResponseReturnValue:
    """Return disclosed decisions (published, or withdrawn with their reason), one page at a
    time, newest first: only their redacted public content."""
    parsed = disclosure.parse_decision_filters(db.session, request.args)
    if parsed.errors:
        return jsonify(errors=parsed.errors), 400
    page = disclosure.list_disclosed(db.session, parsed.filters, today=local_today(),
                                     page=parsed.page, per_page=parsed.per_page)
    return jsonify(
        items=[disclosure.public_json(decision, url=url_for(
            "disclosure.show", decision_id=decision.id, _external=True))
            for decision in page.items],
        page=page.page, per_page=page.per_page, total=page.total, pages=page.pages)


@bp.get("/decisions/<int:decision_id>")
def decision(decision_id: int) -> ResponseReturnValue:
    """Return one disclosed decision (404 before its publication day, or if never public)."""
    found = disclosure.get_disclosed(db.session, decision_id, today=local_today())
    if found is None:
        return jsonify(errors={"id": "no such published decision"}), 404
    return jsonify(disclosure.public_json(found, url=url_for(
        "disclosure.show", decision_id=found.id, _external=True)))


#: The JSON pre-check's questions and the answers each accepts. ``corrected`` takes the
#: coarse ``in_time`` or the page's finer answers (which settle stricter timing conditions).
PRECHECK_PARAMETERS: dict[str, tuple[list[str], str]] = {
    "first_time": (["yes", "no"], "Is this the first time the violation was found?"),
    "harm": ([h.value for h in Harm], "What harm did the violation cause?"),
    "corrected": (["in_time", "late", "not_yet", "before_discovery", "before_order",
                   "on_the_spot", "within_period"],
                  "Has it been corrected, and when? in_time: within the time allowed"),
    "exempted_before": (["yes", "no"], "Was the business exempted before for the same kind "
                                       "of violation?"),
}


def _condition_text(assessment_check: Any, locale: str) -> str:
    condition = assessment_check.condition
    if condition is None:
        return str(labels.BASELINE_LABELS[assessment_check.code])
    label = str(labels.CONDITION_LABELS.get(condition.get("type"), condition.get("type")))
    detail = local_text(assessment_check.text, locale).text
    return f"{label}: {detail}" if detail else label


def precheck_as_json(key: str, assessment: Assessment, *, binds: bool, illustrative: bool,
                     locale: str) -> dict[str, Any]:
    """Return an assessment as the JSON pre-check's answer (texts in ``locale``)."""
    return {"key": key, "outcome": assessment.outcome.value,
            "legal_basis_ground": assessment.ground.value if assessment.ground else None,
            "conditions": [{"code": check.code, "text": _condition_text(check, locale),
                            "status": check.status.value, "reason": check.reason.value}
                           for check in assessment.checks],
            "binds_nansha": binds, "illustrative": illustrative}


@bp.get("/precheck/<key>")
def precheck(key: str) -> ResponseReturnValue:
    """Judge one entry's conditions against the answers given (the pre-check as JSON)."""
    errors = {name: f"must be one of: {', '.join(allowed)}"
              for name, (allowed, _doc) in PRECHECK_PARAMETERS.items()
              if name in request.args and request.args[name] not in allowed}
    if errors:
        return jsonify(errors=errors), 400
    record, versions = entry_versions(db.session, key)
    if record is None or record.retired_at is not None or not versions:
        return jsonify(errors={"key": "no such entry"}), 404
    version = versions[-1]
    assessment = assess_entry(version.data, Answers.from_mapping(request.args),
                              today=local_today())
    return jsonify(precheck_as_json(
        key, assessment, binds=binds_nansha(version, source_list_for(db.session, version)),
        illustrative=version.illustrative, locale=str(get_locale())))


def _text_schema() -> dict[str, Any]:
    return {"type": "object", "description": "Text by language",
            "properties": {"zh_Hans": {"type": "string"}, "en": {"type": "string"},
                           "zh_Hant": {"type": "string"}}}


def _precheck_path(entry_keys: list[str]) -> dict[str, Any]:
    errors = {"type": "object", "required": ["errors"], "properties": {"errors": {
        "type": "object", "additionalProperties": {"type": "string"}}}}
    result = {
        "type": "object",
        "required": ["outcome", "conditions", "binds_nansha", "illustrative"],
        "properties": {
            "key": {"type": "string"},
            "outcome": {"type": "string", "enum": [o.value for o in PrecheckOutcome],
                        "description": "may_apply only when every condition is met; "
                                       "does_not_apply when one is unmet; cannot_assess when "
                                       "one can't be judged from the answers (an officer "
                                       "decides) or the entry's conditions are not "
                                       "transcribed"},
            "legal_basis_ground": {"type": ["string", "null"],
                                   "enum": [*(g.value for g in Ground), None]},
            "conditions": {"type": "array", "items": {
                "type": "object", "required": ["code", "text", "status"],
                "properties": {"code": {"type": "string"}, "text": {"type": "string"},
                               "status": {"type": "string",
                                          "enum": [s.value for s in ConditionStatus]},
                               "reason": {"type": "string"}}}},
            "binds_nansha": {"type": "boolean",
                             "description": "False for other regions' lists and examples"},
            "illustrative": {"type": "boolean"},
        },
    }
    return {"get": {
        "operationId": "precheckEntry",
        "summary": "Might I qualify? Judge an entry's conditions against four answers",
        "description": "Each entry's legal ground adds baseline conditions (Administrative "
                       "Penalty Law Arts. 32-33, Guangdong's no-repeat rule) to its own. "
                       "An answer left out is a condition to confirm.",
        "parameters": [
            {"name": "key", "in": "path", "required": True, "description": "Entry key",
             "schema": {"type": "string", "enum": entry_keys} if entry_keys
             else {"type": "string"}},
            *({"name": name, "in": "query", "required": False, "description": doc,
               "schema": {"type": "string", "enum": allowed}}
              for name, (allowed, doc) in PRECHECK_PARAMETERS.items())],
        "responses": {
            "200": {"description": "The outcome and every condition",
                    "content": {"application/json": {"schema": result}}},
            "400": {"description": "An answer is not one of the values offered (each error "
                                   "names its parameter), or the request contains a NUL "
                                   "character",
                    "content": {"application/json": {"schema": errors}}},
            "404": {"description": "No current entry has this key",
                    "content": {"application/json": {"schema": errors}}},
        }}}


def _whole_number(maximum: int) -> dict[str, Any]:
    """Return the schema of a query number from 1 to ``maximum``, written in ASCII digits.

    Parsing is strict (no "30.0", no "+3"): an ``integer`` schema would let clients send
    numbers the API refuses, so the range is written as a pattern.
    """
    top = str(maximum)
    options = [f"[1-9][0-9]{{0,{len(top) - 2}}}"] if len(top) > 1 else []
    for position, digit in enumerate(top):
        lowest = 1 if position == 0 else 0
        if int(digit) > lowest:
            rest = len(top) - position - 1
            options.append(f"{top[:position]}[{lowest}-{int(digit) - 1}]"
                           + (f"[0-9]{{{rest}}}" if rest else ""))
    options.append(top)
    return {"type": "string", "pattern": f"^({'|'.join(options)})$",
            "description": f"1 to {maximum}"}


def _errors_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["errors"], "properties": {"errors": {
        "type": "object", "additionalProperties": {"type": "string"}}}}


def _decision_schema() -> dict[str, Any]:
    nullable_text = {"type": ["string", "null"]}
    return {
        "type": "object",
        "required": ["id", "document_number", "status", "department", "issued_on", "url"],
        "properties": {
            "id": {"type": "integer"},
            "document_number": {"type": "string", "description": "e.g. 穗南市监不罚〔2026〕1号"},
            "status": {"type": "string", "enum": ["in_force", "withdrawn"]},
            "withdrawal": {"oneOf": [{"type": "null"}, {
                "type": "object", "properties": {
                    "kind": {"type": ["string", "null"], "enum": ["changed", "revoked", None]},
                    "reason": nullable_text}}]},
            "department": {"type": "string"},
            "industry": nullable_text,
            "outcome": {"type": ["string", "null"], "enum": [*(o.value for o in Outcome), None]},
            "issued_on": {"type": "string", "format": "date"},
            "publish_on": {"type": ["string", "null"], "format": "date"},
            "party": {"type": ["object", "null"], "description": "Name, USCC and the legal "
                      "representative masked; none for an individual business's operator",
                      "properties": {"name": {"type": "string"}, "uscc": nullable_text,
                                     "legal_representative": nullable_text}},
            "facts": nullable_text,
            "violation_on": {"type": ["string", "null"], "format": "date"},
            "entry": {"type": ["object", "null"], "description": "The list entry applied"},
            "penalty": {"type": ["object", "null"]},
            "authority": {"type": ["object", "null"]},
            "url": {"type": "string", "format": "uri"},
        },
    }


def _decision_paths(*, industries: list[str], departments: list[str]) -> dict[str, Any]:
    parameter: list[tuple[str, dict[str, Any], str]] = [
        ("department", {"type": "string", "enum": departments}, "Department code"),
        ("industry", {"type": "string", "enum": industries} if industries
         else {"type": "string"}, "Industry slug"),
        ("entry", {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,59}$"},
         "Key of the exemption entry applied"),
        ("issued_from", {"type": "string", "format": "date"},
         "Only decisions issued on or after this date (YYYY-MM-DD)"),
        ("issued_to", {"type": "string", "format": "date"},
         "Only decisions issued on or before this date (YYYY-MM-DD)"),
        ("page", _whole_number(disclosure.MAX_PAGE), "Page number"),
        ("per_page", _whole_number(disclosure.PER_PAGE), "Results per page (default and most 20)"),
    ]
    bad = {"description": "A filter value is not known or not valid (each error names its "
                          "parameter), or the request contains a NUL character",
           "content": {"application/json": {"schema": _errors_schema()}}}
    return {
        "/decisions": {"get": {
            "operationId": "listDecisions",
            "summary": "List published exemption decisions, and those withdrawn with the "
                       "reason",
            "description": "Granted decisions are published after the configured delay; "
                           "natural persons' personal data is redacted.",
            "parameters": [{"name": name, "in": "query", "required": False,
                            "allowEmptyValue": True,
                            "description": description + "; empty for any",
                            "schema": {"anyOf": [schema, {"type": "string", "maxLength": 0}]}}
                           for name, schema, description in parameter],
            "responses": {
                "200": {"description": "A page of decisions", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["items", "total"], "properties": {
                        "items": {"type": "array", "items": {
                            "$ref": "#/components/schemas/Decision"}},
                        "page": {"type": "integer"}, "per_page": {"type": "integer"},
                        "total": {"type": "integer"}, "pages": {"type": "integer"}}}}}},
                "400": bad,
            }}},
        "/decisions/{id}": {"get": {
            "operationId": "getDecision",
            "summary": "One published decision (or one withdrawn from disclosure)",
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "description": "Decision id",
                            "schema": {"type": "integer", "minimum": 1,
                                       "maximum": 2**31 - 1}}],
            "responses": {
                "200": {"description": "The decision's public content",
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Decision"}}}},
                "400": {"description": "The request contains a NUL character",
                        "content": {"application/json": {"schema": _errors_schema()}}},
                "404": {"description": "No decision with this id is published today",
                        "content": {"application/json": {"schema": _errors_schema()}}},
            }}},
    }


def openapi_document(*, industries: list[str], departments: list[str],
                     entry_keys: list[str] | None = None,
                     decision_industries: list[str] | None = None) -> dict[str, Any]:
    """Return the OpenAPI 3.1 description of this API, naming the values filters accept."""
    citation = {"type": "object", "properties": {
        "law": {"type": "string"}, "law_name": _text_schema(),
        "article": {"oneOf": [_text_schema(), {"type": "null"}]}}}
    entry = {
        "type": "object",
        "required": ["key", "version", "list_type", "department", "violation", "url"],
        "properties": {
            "key": {"type": "string", "description": "Stable key of the entry"},
            "version": {"type": "integer", "description": "Version number of the entry"},
            "item_code": {"type": ["string", "null"], "description": "基本编码, 12 digits"},
            "list_type": {"type": "string", "enum": list(LIST_TYPES)},
            "department": {"type": "string"},
            "industries": {"type": "array", "items": {"type": "string"}},
            "illustrative": {"type": "boolean",
                             "description": "True when not taken from a published list"},
            "violation": _text_schema(),
            "rule_breached": {"type": "array", "items": citation},
            "legal_ground": {"type": "array", "items": citation},
            "conditions": {"type": "array", "items": {"type": "object"}},
            "conditions_text": {"oneOf": [_text_schema(), {"type": "null"}]},
            "range": {"oneOf": [_text_schema(), {"type": "null"}]},
            "follow_up_measures": {"type": "array", "items": {"type": "string"}},
            "correction_working_days": {"type": ["integer", "null"]},
            "repeat_rule": {"type": "object"},
            "effective_from": {"type": ["string", "null"], "format": "date"},
            "effective_until": {"type": ["string", "null"], "format": "date"},
            "source": {"type": ["string", "null"]},
            "article_unsure": {"type": "boolean"},
            "url": {"type": "string", "format": "uri"},
        },
    }
    parameter: list[tuple[str, dict[str, Any], str]] = [
        ("q", {"type": "string", "pattern": "^[^\\u0000]*$"},
         "Search text (Chinese of one character or more, English, item codes); longer text "
         "is cut to its first 100 characters"),
        ("industry", {"type": "string", "enum": industries}, "Industry slug"),
        ("department", {"type": "string", "enum": departments}, "Department code"),
        ("list_type", {"type": "string", "enum": list(LIST_TYPES)}, "Kind of list"),
        ("valid_on", {"type": "string", "format": "date"},
         "Only entries in force on this date (YYYY-MM-DD)"),
        ("page", _whole_number(MAX_PAGE), "Page number"),
        ("per_page", _whole_number(MAX_PER_PAGE), "Results per page (default 20)"),
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Nansha compliance portal open data", "version": "1.0.0",
                 "description": "Exemption-list entries (减免责清单) and exemption decisions "
                                "published by the portal."},
        "servers": [{"url": request.host_url.rstrip("/") + "/api/v1"}],
        "paths": {"/precheck/{key}": _precheck_path(entry_keys or []),
                  "/exemption-entries": {"get": {
            "operationId": "listExemptionEntries",
            "summary": "List current exemption-list entries",
            # An empty value means "not given" (HTML forms send empty selects).
            "parameters": [{"name": name, "in": "query", "required": False,
                            "allowEmptyValue": True,
                            "description": description + "; empty for any",
                            "schema": {"anyOf": [schema, {"type": "string", "maxLength": 0}]}}
                           for name, schema, description in parameter],
            "responses": {
                "200": {"description": "A page of entries", "content": {"application/json": {
                    "schema": {"type": "object", "required": ["items", "total"], "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/"
                                                                     "ExemptionEntry"}},
                        "page": {"type": "integer"}, "per_page": {"type": "integer"},
                        "total": {"type": "integer"}, "pages": {"type": "integer"}}}}}},
                "400": {"description": "A filter value is not known or not valid (each "
                                       "error names its parameter), or the request "
                                       "contains a NUL character (``request``)",
                        "content": {"application/json": {"schema": {
                            "type": "object", "properties": {"errors": {
                                "type": "object",
                                "additionalProperties": {"type": "string"}}}}}}},
            }}},
                  **_decision_paths(industries=decision_industries or [],
                                    departments=departments)},
        "components": {"schemas": {"ExemptionEntry": entry, "Decision": _decision_schema()}},
    }


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """Serve the OpenAPI document of the API."""
    industries = sorted({version.guide.slug for version in current_guides(db.session)}
                        | {"common"})
    keys = sorted(db.session.scalars(select(ExemptionEntryRecord.key).where(
        ExemptionEntryRecord.retired_at.is_(None))))
    return jsonify(openapi_document(industries=industries,
                                    departments=sorted(departments_by_code(db.session)),
                                    entry_keys=keys,
                                    decision_industries=disclosure.known_industries(db.session)))
