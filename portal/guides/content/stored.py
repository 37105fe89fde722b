"""Read a questionnaire back from its stored JSON form into the content model.

``guides sync`` stores each questionnaire version as JSON (dataclasses as
objects, tuples as lists, see ``portal.guides.services.to_jsonable``); a
self-check is evaluated against the version it was answered on, so code that
wants the typed ``Questionnaire`` of a stored version rebuilds it here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.guides.content.model import (
    Band,
    Clause,
    Finding,
    Option,
    Question,
    Questionnaire,
    Section,
    ShowIf,
)


def _text(value: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if value is None else dict(value)


def _clause(raw: Mapping[str, Any]) -> Clause:
    value = raw["value"]
    return Clause(question=raw["question"], op=raw["op"],
                  value=tuple(value) if isinstance(value, list) else value)


def _show_if(raw: Mapping[str, Any] | None) -> ShowIf | None:
    if raw is None:
        return None
    return ShowIf(mode=raw["mode"], clauses=tuple(_clause(c) for c in raw["clauses"]))


def _question(raw: Mapping[str, Any]) -> Question:
    return Question(
        id=raw["id"], section=raw["section"], type=raw["type"], text=dict(raw["text"]),
        hint=_text(raw.get("hint")), required=raw["required"],
        allow_not_applicable=raw["allow_not_applicable"], weight=float(raw["weight"]),
        show_if=_show_if(raw.get("show_if")),
        options=tuple(Option(o["value"], dict(o["label"])) for o in raw.get("options") or []),
        unit=_text(raw.get("unit")), min=raw.get("min"), max=raw.get("max"),
        integer=raw.get("integer", False), max_length=raw.get("max_length"),
        accept=tuple(raw.get("accept") or []),
        findings=tuple(Finding(when=_clause(f["when"]), problem=_text(f.get("problem")),
                               obligation=f["obligation"],
                               severity=f["severity"], action=dict(f["action"]),
                               correction_working_days=f.get("correction_working_days"),
                               exemptions=tuple(f.get("exemptions") or []))
                       for f in raw.get("findings") or []))


def questionnaire_from_stored(definition: Mapping[str, Any]) -> Questionnaire:
    """Return the typed questionnaire of a stored definition (``QuestionnaireVersion``)."""
    sections = tuple(
        Section(id=s["id"], title=dict(s["title"]), description=_text(s.get("description")),
                show_if=_show_if(s.get("show_if")),
                questions=tuple(_question(q) for q in s["questions"]))
        for s in definition["sections"])
    bands = tuple(Band(b["code"], b["min"], b["max"], dict(b["label"]), dict(b["advice"]))
                  for b in sorted(definition["bands"], key=lambda b: b["min"]))
    return Questionnaire(industry=definition["industry"], version=definition["version"],
                         title=dict(definition["title"]), intro=dict(definition["intro"]),
                         commitment=dict(definition["commitment"]), sections=sections,
                         bands=bands, digest=definition.get("digest", ""))
