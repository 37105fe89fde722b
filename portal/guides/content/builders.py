"""Build the content model's dataclasses from checked YAML data.

Every function here assumes ``check_content`` found no error in its input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from portal.guides.content.model import (
    OPERATORS,
    Band,
    Citation,
    Clause,
    Condition,
    ExemptionEntry,
    Finding,
    Law,
    Obligation,
    Option,
    Question,
    Questionnaire,
    Section,
    ShowIf,
    SourceList,
)
from portal.guides.content.scan import parse_date


def text_or_none(value: Mapping[str, str] | None) -> dict[str, str] | None:
    """Return a copy of a localised text, or None."""
    return None if value is None else dict(value)


def digest(*parts: Any) -> str:
    """Return a SHA-256 of the canonical JSON of ``parts`` (what a version is keyed on)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def date_or_none(value: Any) -> dt.date | None:
    """Return the date in ``value``, or None when it is None."""
    return parse_date(value) if value is not None else None


def build_citations(raw: list[dict[str, Any]] | None,
                    laws: dict[str, Law]) -> tuple[Citation, ...]:
    """Return the citations of ``raw``, each with its law's name."""
    return tuple(Citation(law=c["law"], law_name=dict(laws[c["law"]].name),
                          article=text_or_none(c.get("article")), note=text_or_none(c.get("note")))
                 for c in raw or [])


def build_condition(raw: dict[str, Any]) -> Condition:
    """Return a condition (适用情形), its options built too."""
    return Condition(type=raw["type"], look_back_months=raw.get("look_back_months"),
                     text=text_or_none(raw.get("text")),
                     options=tuple(build_condition(o) for o in raw.get("options", [])))


def build_obligation(raw: dict[str, Any], industry: str, laws: dict[str, Law]) -> Obligation:
    """Return an obligation of ``industry``."""
    return Obligation(code=raw["code"], industry=industry, title=dict(raw["title"]),
                      description=dict(raw["description"]),
                      legal_basis=build_citations(raw["legal_basis"], laws),
                      department=raw["department"], severity=raw["severity"],
                      verify=raw.get("verify"), digest=digest(raw))


def build_entry(raw: dict[str, Any], industry: str, laws: dict[str, Law],
                sources: dict[str, SourceList]) -> ExemptionEntry:
    """Return an entry of ``industry``; missing dates come from its source list."""
    source = sources.get(raw.get("source") or "")
    start = (date_or_none(raw["effective_from"]) if "effective_from" in raw
             else source.effective_from if source else None)
    end = (date_or_none(raw["effective_until"]) if "effective_until" in raw
           else source.effective_until if source else None)
    repeat = raw["repeat_rule"]
    number = raw.get("source_item_number")
    return ExemptionEntry(
        key=raw["key"], industry=industry, also_industries=tuple(raw.get("also_industries", [])),
        item_code=raw.get("item_code"), list_type=raw["list_type"],
        legal_basis_ground=raw["legal_basis_ground"],
        published_heading=raw.get("published_heading"), illustrative=raw["illustrative"],
        source=raw.get("source"), source_item_number=None if number is None else str(number),
        department=raw["department"], violation=dict(raw["violation"]),
        rule_breached=build_citations(raw["rule_breached"], laws),
        legal_ground=build_citations(raw["legal_ground"], laws),
        conditions=tuple(build_condition(c) for c in raw["conditions"]),
        conditions_text=text_or_none(raw.get("conditions_text")),
        range=text_or_none(raw.get("range")),
        follow_up_measures=tuple(raw["follow_up_measures"]),
        follow_up_text=text_or_none(raw.get("follow_up_text")),
        correction_working_days=raw.get("correction_working_days"),
        exempt_again=repeat["exempt_again"], repeat_look_back_months=repeat.get("look_back_months"),
        repeat_note=text_or_none(repeat.get("note")), effective_from=start, effective_until=end,
        obligations=tuple(raw["obligations"]), article_unsure=raw.get("article_unsure", False),
        verify=raw.get("verify"), digest=digest(raw, industry),
        caveat=text_or_none(raw.get("caveat")))


def build_clause(raw: dict[str, Any], question: str) -> Clause:
    """Return a clause; ``question`` is the one tested when the clause names none."""
    op = next(op for op in OPERATORS if op in raw)
    value = raw[op]
    return Clause(question=raw.get("question", question), op=op,
                  value=tuple(value) if isinstance(value, list) else value)


def build_show_if(raw: dict[str, Any] | None) -> ShowIf | None:
    """Return the visibility rule of a question or section, if any."""
    if raw is None:
        return None
    mode = "all" if "all" in raw else "any"
    return ShowIf(mode=mode, clauses=tuple(build_clause(c, "") for c in raw[mode]))


def build_questionnaire(raw: dict[str, Any], industry: str) -> Questionnaire:
    """Return the questionnaire of ``industry`` with its bands in score order."""
    sections = []
    for s in raw["sections"]:
        questions = []
        for q in s["questions"]:
            findings = tuple(
                Finding(when=build_clause(f["when"], q["id"]), problem=dict(f["problem"]),
                        obligation=f["obligation"],
                        severity=f["severity"], action=dict(f["action"]),
                        correction_working_days=f.get("correction_working_days"),
                        exemptions=tuple(f.get("exemptions", [])))
                for f in q.get("findings", []))
            questions.append(Question(
                id=q["id"], section=s["id"], type=q["type"], text=dict(q["text"]),
                hint=text_or_none(q.get("hint")), required=q["required"],
                allow_not_applicable=q.get("allow_not_applicable", False),
                weight=float(q.get("weight", 0)), show_if=build_show_if(q.get("show_if")),
                options=tuple(Option(o["value"], dict(o["label"])) for o in q.get("options", [])),
                unit=text_or_none(q.get("unit")), min=q.get("min"), max=q.get("max"),
                integer=q.get("integer", False), max_length=q.get("max_length"),
                accept=tuple(q.get("accept", [])), findings=findings))
        sections.append(Section(id=s["id"], title=dict(s["title"]),
                                description=text_or_none(s.get("description")),
                                show_if=build_show_if(s.get("show_if")),
                                questions=tuple(questions)))
    bands = tuple(Band(b["code"], b["min"], b["max"], dict(b["label"]), dict(b["advice"]))
                  for b in sorted(raw["bands"], key=lambda b: b["min"]))
    return Questionnaire(industry=industry, version=raw["version"], title=dict(raw["title"]),
                         intro=dict(raw["intro"]), commitment=dict(raw["commitment"]),
                         sections=tuple(sections), bands=bands, digest=digest(raw))
