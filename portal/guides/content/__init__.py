"""Load and check the compliance content under ``compliance_guides/``.

Pure Python (no Flask, no SQLAlchemy) so that the CLI, the database sync and
the self-check engine can all use it. ``check_content`` reports every problem
it finds, each with file, line, field path and what is wrong; ``load_content``
returns frozen dataclasses and refuses content that has any problem.
The format is documented in ``compliance_guides/README.md``.

Modules: ``model`` (the dataclasses and the "in force" rule), ``loader`` and
``builders`` (reading checked files into the model), ``checker`` (the whole
tree) with one ``check_*`` module per kind of file, and ``scan`` (what a
checking pass has seen).
"""

from __future__ import annotations

from portal.core.text import LOCALES, localized, to_zh_hant
from portal.guides.content.checker import ContentInvalid, check_content, format_errors
from portal.guides.content.loader import load_content
from portal.guides.content.model import (
    BINDING_SCOPES,
    COMMON,
    CONDITION_TYPES,
    LEGAL_BASIS_GROUNDS,
    LIST_TYPES,
    Band,
    Citation,
    Clause,
    Condition,
    Content,
    Department,
    ExemptionEntry,
    Finding,
    Guide,
    Law,
    Obligation,
    Option,
    Question,
    Questionnaire,
    Section,
    ShowIf,
    SourceList,
    in_force,
    is_binding_scope,
)
from portal.guides.schema import ContentError

__all__ = [
    "BINDING_SCOPES",
    "COMMON",
    "CONDITION_TYPES",
    "LEGAL_BASIS_GROUNDS",
    "LIST_TYPES",
    "LOCALES",
    "Band",
    "Citation",
    "Clause",
    "Condition",
    "Content",
    "ContentError",
    "ContentInvalid",
    "Department",
    "ExemptionEntry",
    "Finding",
    "Guide",
    "Law",
    "Obligation",
    "Option",
    "Question",
    "Questionnaire",
    "Section",
    "ShowIf",
    "SourceList",
    "check_content",
    "format_errors",
    "in_force",
    "is_binding_scope",
    "load_content",
    "localized",
    "to_zh_hant",
]
