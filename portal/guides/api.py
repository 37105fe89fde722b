"""Open data API: exemption entries as JSON, described by an OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from portal.core.clock import local_today
from portal.extensions import csrf, db
from portal.guides.models import LIST_TYPES
from portal.guides.queries import (
    MAX_PAGE,
    MAX_PER_PAGE,
    current_guides,
    departments_by_code,
    entry_as_json,
    parse_filters,
)
from portal.guides.services import search_entries

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


def _text_schema() -> dict[str, Any]:
    return {"type": "object", "description": "Text by language",
            "properties": {"zh_Hans": {"type": "string"}, "en": {"type": "string"},
                           "zh_Hant": {"type": "string"}}}


def openapi_document(*, industries: list[str], departments: list[str]) -> dict[str, Any]:
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
        ("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}, "Page number"),
        ("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
         "Results per page (default 20)"),
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Nansha compliance portal open data", "version": "1.0.0",
                 "description": "Exemption-list entries (减免责清单) published by the portal."},
        "servers": [{"url": request.host_url.rstrip("/") + "/api/v1"}],
        "paths": {"/exemption-entries": {"get": {
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
            }}}},
        "components": {"schemas": {"ExemptionEntry": entry}},
    }


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """Serve the OpenAPI document of the API."""
    industries = sorted({version.guide.slug for version in current_guides(db.session)}
                        | {"common"})
    return jsonify(openapi_document(industries=industries,
                                    departments=sorted(departments_by_code(db.session))))
