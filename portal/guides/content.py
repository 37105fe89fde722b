"""Load and check the compliance content under ``compliance_guides/``.

Pure Python (no Flask, no SQLAlchemy) so that the CLI, the database sync and
the self-check engine can all use it. ``check_content`` reports every problem
it finds, each with file, line, field path and what is wrong; ``load_content``
returns frozen dataclasses and refuses content that has any problem.
The format is documented in ``compliance_guides/README.md``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import opencc
import yaml

from portal.guides.schema import (
    DEFAULT_SCHEMA_DIR,
    ContentError,
    Document,
    Path_,
    read_yaml,
    validate,
)

__all__ = [
    "COMMON",
    "CONDITION_TYPES",
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
    "load_content",
    "localized",
]

#: Locales of the portal (DESIGN.md "Languages").
LOCALES = ("zh_Hans_CN", "en", "zh_Hant")
#: 清单类型, DOMAIN.md §3.
LIST_TYPES = ("no_penalty", "first_violation", "mitigated", "lenient", "no_compulsion")
#: Structured conditions (适用情形) an entry may require, DOMAIN.md §3.
CONDITION_TYPES = ("first_discovery", "corrected_on_the_spot", "corrected_within_ordered_period",
                   "corrected_before_discovery", "no_harm", "slight_harm", "no_fault_proven",
                   "commitment_signed", "harm_reduced_before_order", "other", "any_of")
#: Pseudo-industry whose obligations and entries apply to every industry.
COMMON = "common"
#: Lists whose entries bind Nansha departments (others only show the pattern).
BINDING_SCOPES = ("national", "guangdong_province", "guangzhou")

INDUSTRY_FILES = {"guide.yaml", "guide.zh_Hans.md", "guide.en.md", "guide.zh_Hant.md",
                  "obligations.yaml", "exemptions.yaml", "questionnaire.yaml"}
_HTML_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9]*[\s>/]")
_OPERATORS = ("equals", "not_equals", "in", "not_in", "gt", "lt")


# --------------------------------------------------------------------------- text


@cache
def _s2hk() -> opencc.OpenCC:
    return opencc.OpenCC("s2hk")


def to_zh_hant(text: str) -> str:
    """Convert Simplified Chinese to Hong Kong Traditional Chinese (OpenCC ``s2hk``)."""
    return _s2hk().convert(text)


def localized(text: Mapping[str, str], locale: str) -> tuple[str, bool]:
    """Return ``(text, is_fallback)`` for ``locale`` (zh_Hans_CN, en or zh_Hant).

    zh_Hant is the written Traditional text or the OpenCC s2hk conversion of
    the Simplified text (not a fallback); a missing English text falls back to
    Simplified Chinese with ``is_fallback`` True.

    :raises ValueError: for an unknown locale or a text with no language at all.
    """
    simplified = text.get("zh_Hans") or ""
    english = text.get("en") or ""
    if locale in ("zh_Hans_CN", "zh_Hans", "zh_CN", "zh"):
        if simplified:
            return simplified, False
        if english:
            return english, True
    elif locale == "en":
        if english:
            return english, False
        if simplified:
            return simplified, True
    elif locale in ("zh_Hant", "zh_Hant_HK", "zh_HK", "zh_TW"):
        written = text.get("zh_Hant") or ""
        if written:
            return written, False
        if simplified:
            return to_zh_hant(simplified), False
        if english:
            return english, True
    else:
        raise ValueError(f"unknown locale {locale!r}; expected one of {', '.join(LOCALES)}")
    raise ValueError("text has no zh_Hans or en version")


def _text(value: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if value is None else dict(value)


def _digest(*parts: Any) -> str:
    """Return a SHA-256 of the canonical JSON of ``parts`` (what a version is keyed on)."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class Department:
    """An enforcement department content is routed to (行政执法部门)."""

    code: str
    name: dict[str, str]
    #: Short name for document numbers (穗南市监); None until confirmed.
    short_name: str | None
    verify: str | None


@dataclass(frozen=True)
class Law:
    """A law, regulation or rule cited by key."""

    key: str
    name: dict[str, str]
    kind: str
    verify: str | None


@dataclass(frozen=True)
class Citation:
    """A legal provision: the law and, only when certain, the article."""

    law: str
    law_name: dict[str, str]
    article: dict[str, str] | None
    note: dict[str, str] | None


@dataclass(frozen=True)
class SourceList:
    """A published exemption list that entries are transcribed from."""

    id: str
    name: dict[str, str]
    issuer: dict[str, str]
    scope: str
    doc_number: str | None
    doc_number_confirmed: bool
    year: int | None
    effective_from: dt.date | None
    effective_until: dt.date | None
    dates_note: str | None
    status: str
    urls: tuple[str, ...]
    source_kind: str
    verify: str | None

    @property
    def binds_nansha(self) -> bool:
        """Return whether the list binds Nansha departments (else it only shows the pattern)."""
        return self.scope in BINDING_SCOPES


@dataclass(frozen=True)
class Condition:
    """One structured condition (适用情形) of an exemption entry."""

    type: str
    look_back_months: int | None = None
    text: dict[str, str] | None = None
    options: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Obligation:
    """One duty (合规义务) of an industry, or of every industry when ``industry`` is common."""

    code: str
    industry: str
    title: dict[str, str]
    description: dict[str, str]
    legal_basis: tuple[Citation, ...]
    department: str
    severity: str
    verify: str | None
    digest: str


@dataclass(frozen=True)
class ExemptionEntry:
    """One row of an exemption list (减免责清单事项)."""

    key: str
    industry: str
    also_industries: tuple[str, ...]
    item_code: str | None
    list_type: str
    published_heading: str | None
    illustrative: bool
    source: str | None
    source_item_number: str | None
    department: str
    violation: dict[str, str]
    rule_breached: tuple[Citation, ...]
    legal_ground: tuple[Citation, ...]
    conditions: tuple[Condition, ...]
    conditions_text: dict[str, str] | None
    range: dict[str, str] | None
    follow_up_measures: tuple[str, ...]
    follow_up_text: dict[str, str] | None
    correction_working_days: int | None
    exempt_again: bool
    repeat_look_back_months: int | None
    repeat_note: dict[str, str] | None
    #: Resolved: the entry's own date, else its source list's.
    effective_from: dt.date | None
    effective_until: dt.date | None
    obligations: tuple[str, ...]
    article_unsure: bool
    verify: str | None
    digest: str

    @property
    def industries(self) -> tuple[str, ...]:
        """Return every industry slug the entry applies to (common: all)."""
        return (self.industry, *self.also_industries)

    def is_valid_on(self, day: dt.date) -> bool:
        """Return whether the entry is in force on ``day`` (an unknown start counts as started)."""
        return ((self.effective_from is None or self.effective_from <= day)
                and (self.effective_until is None or day <= self.effective_until))


@dataclass(frozen=True)
class Clause:
    """A test on an answer: ``question`` ``op`` ``value`` (op in equals, in, gt, lt …)."""

    question: str
    op: str
    value: Any


@dataclass(frozen=True)
class ShowIf:
    """Show a question or section when all (or any) clauses hold."""

    mode: str
    clauses: tuple[Clause, ...]


@dataclass(frozen=True)
class Option:
    """One offered answer of a choice question."""

    value: str
    label: dict[str, str]


@dataclass(frozen=True)
class Finding:
    """An answer that breaches an obligation, and what to do about it."""

    when: Clause
    obligation: str
    severity: str
    action: dict[str, str]
    correction_working_days: int | None
    exemptions: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    """One question of a self-check questionnaire."""

    id: str
    section: str
    type: str
    text: dict[str, str]
    hint: dict[str, str] | None
    required: bool
    allow_not_applicable: bool
    weight: float
    show_if: ShowIf | None
    options: tuple[Option, ...]
    unit: dict[str, str] | None
    min: float | None
    max: float | None
    integer: bool
    max_length: int | None
    accept: tuple[str, ...]
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Section:
    """A page of the questionnaire (one task in the task list)."""

    id: str
    title: dict[str, str]
    description: dict[str, str] | None
    show_if: ShowIf | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Band:
    """A risk band: scores ``min``..``max`` inclusive, with advice."""

    code: str
    min: int
    max: int
    label: dict[str, str]
    advice: dict[str, str]


@dataclass(frozen=True)
class Questionnaire:
    """The self-check of one industry."""

    industry: str
    version: int
    title: dict[str, str]
    intro: dict[str, str]
    commitment: dict[str, str]
    sections: tuple[Section, ...]
    bands: tuple[Band, ...]
    digest: str

    @property
    def questions(self) -> tuple[Question, ...]:
        """Return every question in order."""
        return tuple(q for section in self.sections for q in section.questions)


@dataclass(frozen=True)
class Guide:
    """An industry guide (行业合规指引) with its obligations, entries and questionnaire."""

    slug: str
    divisions: tuple[str, ...]
    title: dict[str, str]
    summary: dict[str, str]
    lead_department: str
    other_departments: tuple[str, ...]
    version: int
    reviewed_on: dt.date
    #: Markdown by language: zh_Hans, en, zh_Hant (written or generated).
    body: dict[str, str]
    zh_hant_generated: bool
    obligations: tuple[Obligation, ...]
    exemption_entries: tuple[ExemptionEntry, ...]
    questionnaire: Questionnaire
    digest: str


@dataclass(frozen=True)
class Content:
    """Everything under ``compliance_guides/``, checked."""

    departments: dict[str, Department]
    laws: dict[str, Law]
    sources: dict[str, SourceList]
    guides: dict[str, Guide]
    common_obligations: tuple[Obligation, ...]
    common_entries: tuple[ExemptionEntry, ...]

    @property
    def obligations(self) -> dict[str, Obligation]:
        """Return every obligation (common and per industry) by code."""
        found = {o.code: o for o in self.common_obligations}
        for guide in self.guides.values():
            found.update((o.code, o) for o in guide.obligations)
        return found

    @property
    def exemption_entries(self) -> dict[str, ExemptionEntry]:
        """Return every exemption entry by key."""
        found = {e.key: e for e in self.common_entries}
        for guide in self.guides.values():
            found.update((e.key, e) for e in guide.exemption_entries)
        return found

    def entries_for_industry(self, slug: str) -> list[ExemptionEntry]:
        """Return the entries that apply to industry ``slug``, common ones included."""
        return [e for e in self.exemption_entries.values()
                if e.industry == COMMON or slug in e.industries]

    def guide_for_division(self, division: str) -> Guide | None:
        """Return the guide of a GB/T 4754 division (two digits), if any."""
        for guide in self.guides.values():
            if division in guide.divisions:
                return guide
        return None


class ContentInvalid(Exception):
    """The content has errors; ``errors`` lists every one."""

    def __init__(self, errors: list[ContentError]) -> None:
        super().__init__(f"{len(errors)} content error(s)")
        self.errors = errors


def format_errors(errors: list[ContentError]) -> str:
    """Return the errors one per line, sorted by file and line, with a count."""
    if not errors:
        return "Content OK: no errors."
    lines = [str(e) for e in sorted(errors, key=lambda e: (e.file, e.line or 0, e.path))]
    lines.append(f"{len(errors)} error(s) in {len({e.file for e in errors})} file(s).")
    return "\n".join(lines)


# --------------------------------------------------------------------------- checking helpers


def _items(data: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (index, mapping) for the mappings in list ``data[key]``; skip malformed ones."""
    values = data.get(key) if isinstance(data, dict) else None
    if isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, dict):
                yield index, value


def _parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _is_date(value: Any) -> bool:
    return isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) is not None


@dataclass
class _Located:
    """A definition seen while checking: its document, path and industry."""

    doc: Document
    path: Path_
    industry: str
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def line(self) -> int | None:
        return self.doc.line(self.path)


class _Checker:
    """Collect every error in one pass over the content tree."""

    def __init__(self, root: Path, schema_dir: Path) -> None:
        self.root = root
        self.schema_dir = schema_dir
        self.errors: list[ContentError] = []
        self.divisions: set[str] = set()
        self.departments: dict[str, _Located] = {}
        self.laws: dict[str, Any] = {}
        self.sources: dict[str, _Located] = {}
        self.obligations: dict[str, _Located] = {}
        self.entries: dict[str, _Located] = {}
        self.item_codes: dict[str, _Located] = {}
        self.guides: dict[str, _Located] = {}
        self.division_owner: dict[str, str] = {}
        self.questionnaires: dict[str, Document] = {}
        self.bodies: dict[str, dict[str, str]] = {}
        self.docs: dict[str, Document] = {}

    # -- plumbing

    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root.parent).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, doc: Document, path: Path_, message: str) -> None:
        self.errors.append(doc.error(path, message))

    def load(self, path: Path, schema: str | None) -> Document | None:
        doc = read_yaml(path, self.rel(path), self.errors)
        if doc is None:
            return None
        self.docs[doc.file] = doc
        if schema is not None:
            self.errors.extend(validate(doc, schema, self.schema_dir))
        return doc

    def date(self, doc: Document, path: Path_, value: Any) -> dt.date | None:
        """Return the date at ``path``; report an impossible one (the schema checks the form)."""
        if not _is_date(value):
            return None
        parsed = _parse_date(value)
        if parsed is None:
            self.add(doc, path, f"invalid date '{value}'")
        return parsed

    def citations(self, doc: Document, path: Path_, value: Any) -> None:
        if not isinstance(value, list):
            return
        for index, citation in enumerate(value):
            if isinstance(citation, dict) and isinstance(citation.get("law"), str) and (
                    citation["law"] not in self.laws):
                self.add(doc, (*path, index, "law"),
                         f"unknown law '{citation['law']}' (not in laws.yaml)")

    def department(self, doc: Document, path: Path_, code: Any) -> None:
        if isinstance(code, str) and self.departments and code not in self.departments:
            self.add(doc, path, f"unknown department '{code}' (not in departments.yaml)")

    # -- reference files

    def check_reference(self) -> None:
        path = self.root / "industries.yaml"
        industries = read_yaml(path, self.rel(path), self.errors)
        if industries is not None and isinstance(industries.data, dict):
            divisions = industries.data.get("divisions")
            if isinstance(divisions, dict):
                self.divisions = {str(code) for code in divisions}
        doc = self.load(self.root / "departments.yaml", "departments")
        if doc is not None:
            short_names: dict[str, int] = {}
            for index, item in _items(doc.data, "departments"):
                path: Path_ = ("departments", index)
                code = item.get("code")
                if isinstance(code, str):
                    if code in self.departments:
                        self.add(doc, (*path, "code"), f"duplicate department code '{code}' "
                                 f"(first at line {self.departments[code].line})")
                    else:
                        self.departments[code] = _Located(doc, path, COMMON, item)
                short = item.get("short_name")
                if isinstance(short, str):
                    if short in short_names:
                        self.add(doc, (*path, "short_name"), f"duplicate short name '{short}' "
                                 f"(first at line {short_names[short]})")
                    short_names.setdefault(short, doc.line(path) or 0)
                    if not item.get("short_name_source"):
                        self.add(doc, (*path, "short_name_source"),
                                 "a short name needs short_name_source saying where it is from")
        doc = self.load(self.root / "laws.yaml", "laws")
        laws = doc.data.get("laws") if doc is not None and isinstance(doc.data, dict) else None
        if isinstance(laws, dict):
            self.laws = dict(laws)
        doc = self.load(self.root / "sources.yaml", "sources")
        if doc is not None:
            for index, item in _items(doc.data, "lists"):
                path = ("lists", index)
                list_id = item.get("id")
                if isinstance(list_id, str):
                    if list_id in self.sources:
                        self.add(doc, (*path, "id"), f"duplicate list id '{list_id}' "
                                 f"(first at line {self.sources[list_id].line})")
                    else:
                        self.sources[list_id] = _Located(doc, path, COMMON, item)
                start = self.date(doc, (*path, "effective_from"), item.get("effective_from"))
                end = self.date(doc, (*path, "effective_until"), item.get("effective_until"))
                if start and end and end < start:
                    self.add(doc, (*path, "effective_until"),
                             f"effective_until {end} is before effective_from {start}")
                if item.get("status") in ("expired", "repealed") and not item.get(
                        "effective_until"):
                    self.add(doc, (*path, "effective_until"),
                             f"a list with status '{item['status']}' needs effective_until")

    # -- obligations and entries (per industry folder or common/)

    def check_obligations(self, path: Path, industry: str) -> None:
        doc = self.load(path, "obligations")
        if doc is None:
            return
        for index, item in _items(doc.data, "obligations"):
            where: Path_ = ("obligations", index)
            code = item.get("code")
            if isinstance(code, str):
                if code in self.obligations:
                    first = self.obligations[code]
                    self.add(doc, (*where, "code"), f"duplicate obligation code '{code}' "
                             f"(first in {first.doc.file}:{first.doc.line((*first.path, 'code'))})")
                else:
                    self.obligations[code] = _Located(doc, where, industry, item)
            self.department(doc, (*where, "department"), item.get("department"))
            self.citations(doc, (*where, "legal_basis"), item.get("legal_basis"))

    def check_entries(self, path: Path, industry: str) -> None:
        doc = self.load(path, "exemptions")
        if doc is None:
            return
        for index, item in _items(doc.data, "entries"):
            self.check_entry(doc, ("entries", index), item, industry)

    def check_entry(self, doc: Document, where: Path_, item: dict[str, Any],
                    industry: str) -> None:
        key = item.get("key")
        if isinstance(key, str):
            if key in self.entries:
                first = self.entries[key]
                self.add(doc, (*where, "key"), f"duplicate entry key '{key}' (first in "
                         f"{first.doc.file}:{first.doc.line((*first.path, 'key'))})")
            else:
                self.entries[key] = _Located(doc, where, industry, item)
        code = item.get("item_code")
        if isinstance(code, str):
            if code in self.item_codes:
                first = self.item_codes[code]
                self.add(doc, (*where, "item_code"),
                         f"duplicate item code '{code}' (first in {first.doc.file}:{first.line})")
            else:
                self.item_codes[code] = _Located(doc, (*where, "item_code"), industry, item)
        illustrative = item.get("illustrative")
        source = item.get("source")
        if illustrative is True:
            if source:
                self.add(doc, (*where, "source"), "an illustrative entry cannot name a source "
                         "list: cite the real list and set illustrative: false, or drop source")
            if code:
                self.add(doc, (*where, "item_code"), "an illustrative entry cannot carry a "
                         "published item code")
        elif illustrative is False:
            if not source:
                self.add(doc, (*where, "source"), "an entry not from a published list must say "
                         "illustrative: true; otherwise name its source list")
            elif isinstance(source, str) and source not in self.sources:
                self.add(doc, (*where, "source"), f"unknown source list '{source}' "
                         "(not in sources.yaml)")
        self.department(doc, (*where, "department"), item.get("department"))
        self.citations(doc, (*where, "rule_breached"), item.get("rule_breached"))
        self.citations(doc, (*where, "legal_ground"), item.get("legal_ground"))
        list_type = item.get("list_type")
        if list_type == "lenient" and "range" not in item:
            self.add(doc, where, "a lenient (从轻处罚) entry needs its range (裁量幅度)")
        measures = item.get("follow_up_measures")
        if list_type in ("no_penalty", "first_violation") and isinstance(measures, list) and (
                "education" not in measures):
            self.add(doc, (*where, "follow_up_measures"), "a no-penalty entry must include "
                     "'education' (the authority must educate the party, 行政处罚法 Art. 33)")
        conditions = item.get("conditions")
        if isinstance(conditions, list):
            if not conditions and not item.get("verify"):
                self.add(doc, (*where, "conditions"),
                         "no conditions: give them, or a verify note saying why they are missing")
            for index, condition in enumerate(conditions):
                self.check_condition(doc, (*where, "conditions", index), condition)
        if item.get("article_unsure") is True and not item.get("verify"):
            self.add(doc, (*where, "verify"), "article_unsure entries need a verify note "
                     "saying what to check")
        start = self.date(doc, (*where, "effective_from"), item.get("effective_from"))
        end = self.date(doc, (*where, "effective_until"), item.get("effective_until"))
        if ("effective_from" in item or "effective_until" in item) and isinstance(source, str) and (
                source in self.sources):
            listed = self.sources[source].data
            if "effective_from" not in item:
                start = _parse_date(listed.get("effective_from"))
            if "effective_until" not in item:
                end = _parse_date(listed.get("effective_until"))
        if start and end and end < start:
            self.add(doc, (*where, "effective_until"),
                     f"effective_until {end} is before effective_from {start}")

    def check_condition(self, doc: Document, where: Path_, condition: Any) -> None:
        if not isinstance(condition, dict):
            return
        kind = condition.get("type")
        if "look_back_months" in condition and kind != "first_discovery":
            self.add(doc, (*where, "look_back_months"),
                     "look_back_months belongs to a first_discovery condition only")
        if kind == "other" and "text" not in condition:
            self.add(doc, where, "an 'other' condition needs its text")
        options = condition.get("options")
        if kind == "any_of":
            if not isinstance(options, list) or len(options) < 2:
                self.add(doc, where, "an 'any_of' condition needs at least two options")
            else:
                for index, option in enumerate(options):
                    self.check_condition(doc, (*where, "options", index), option)
        elif options is not None:
            self.add(doc, (*where, "options"), "options belong to an 'any_of' condition only")

    # -- industries

    def check_industries(self) -> None:
        base = self.root / "industries"
        folders = sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        if not folders:
            self.errors.append(ContentError(self.rel(base), None, "", "no industry folders"))
        for folder in folders:
            slug = folder.name
            for stray in sorted(folder.iterdir()):
                if stray.name not in INDUSTRY_FILES:
                    self.errors.append(ContentError(self.rel(stray), None, "",
                                                    "unexpected file in an industry folder"))
            self.check_guide(folder, slug)
            self.check_obligations(folder / "obligations.yaml", slug)
            self.check_entries(folder / "exemptions.yaml", slug)
            doc = self.load(folder / "questionnaire.yaml", "questionnaire")
            if doc is not None:
                self.questionnaires[slug] = doc

    def check_guide(self, folder: Path, slug: str) -> None:
        doc = self.load(folder / "guide.yaml", "guide")
        if doc is not None and isinstance(doc.data, dict):
            data = doc.data
            self.guides[slug] = _Located(doc, (), slug, data)
            if data.get("slug") is not None and data.get("slug") != slug:
                self.add(doc, ("slug",), f"slug '{data.get('slug')}' differs from the folder "
                         f"name '{slug}'")
            divisions = data.get("divisions")
            for index, division in enumerate(divisions if isinstance(divisions, list) else []):
                if not isinstance(division, str):
                    continue
                if self.divisions and division not in self.divisions:
                    self.add(doc, ("divisions", index), f"unknown GB/T 4754 division "
                             f"'{division}' (not in industries.yaml)")
                elif division in self.division_owner:
                    self.add(doc, ("divisions", index), f"division '{division}' already "
                             f"belongs to guide '{self.division_owner[division]}'")
                else:
                    self.division_owner[division] = slug
            self.department(doc, ("lead_department",), data.get("lead_department"))
            others = data.get("other_departments")
            for index, code in enumerate(others if isinstance(others, list) else []):
                self.department(doc, ("other_departments", index), code)
                if code == data.get("lead_department"):
                    self.add(doc, ("other_departments", index),
                             "the lead department is repeated among other_departments")
            self.date(doc, ("reviewed_on",), data.get("reviewed_on"))
        bodies: dict[str, str] = {}
        for language in ("zh_Hans", "en", "zh_Hant"):
            path = folder / f"guide.{language}.md"
            relative = self.rel(path)
            if not path.exists():
                if language != "zh_Hant":
                    self.errors.append(ContentError(relative, None, "", "file is missing "
                                                    f"(the {language} guide body is required)"))
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                self.errors.append(ContentError(relative, None, "", f"cannot read file: {exc}"))
                continue
            if not text.strip():
                self.errors.append(ContentError(relative, 1, "", "guide body is empty"))
            for number, line in enumerate(text.splitlines(), start=1):
                if _HTML_TAG.search(line):
                    self.errors.append(ContentError(relative, number, "",
                                                    "raw HTML is not allowed in a guide body"))
            bodies[language] = text
        self.bodies[slug] = bodies

    # -- cross references that need everything read first

    def scope_ok(self, owner: str, target_industry: str, also: tuple[str, ...] = ()) -> bool:
        return target_industry in (COMMON, owner, *also)

    def check_entry_references(self) -> None:
        for key, located in self.entries.items():
            item, doc, where = located.data, located.doc, located.path
            also = item.get("also_industries")
            also_list = [a for a in also if isinstance(a, str)] if isinstance(also, list) else []
            for index, slug in enumerate(also_list):
                if slug not in self.guides:
                    self.add(doc, (*where, "also_industries", index),
                             f"unknown industry '{slug}' (no folder industries/{slug})")
                elif slug == located.industry:
                    self.add(doc, (*where, "also_industries", index),
                             "also_industries repeats the entry's own industry")
            codes = item.get("obligations")
            for index, code in enumerate(codes if isinstance(codes, list) else []):
                if not isinstance(code, str):
                    continue
                target = self.obligations.get(code)
                if target is None:
                    self.add(doc, (*where, "obligations", index),
                             f"unknown obligation code '{code}'")
                elif not self.scope_ok(located.industry, target.industry, tuple(also_list)):
                    self.add(doc, (*where, "obligations", index),
                             f"obligation '{code}' belongs to industry '{target.industry}', "
                             f"which entry '{key}' does not apply to")

    def check_questionnaire(self, slug: str, doc: Document) -> None:
        data = doc.data if isinstance(doc.data, dict) else {}
        questions: dict[str, tuple[dict[str, Any], Path_]] = {}
        sections: dict[str, int] = {}
        for s_index, section in _items(data, "sections"):
            s_path: Path_ = ("sections", s_index)
            s_id = section.get("id")
            if isinstance(s_id, str):
                if s_id in sections:
                    self.add(doc, (*s_path, "id"), f"duplicate section id '{s_id}' "
                             f"(first at line {sections[s_id]})")
                sections.setdefault(s_id, doc.line(s_path) or 0)
            self.check_show_if(doc, (*s_path, "show_if"), section.get("show_if"), questions)
            for q_index, question in _items(section, "questions"):
                q_path: Path_ = (*s_path, "questions", q_index)
                q_id = question.get("id")
                self.check_show_if(doc, (*q_path, "show_if"), question.get("show_if"),
                                   questions, own=q_id)
                if isinstance(q_id, str):
                    if q_id in questions:
                        self.add(doc, (*q_path, "id"), f"duplicate question id '{q_id}' (first "
                                 f"at line {doc.line(questions[q_id][1])})")
                    else:
                        questions[q_id] = (question, q_path)
                self.check_question(slug, doc, q_path, question)
        total_weight = sum(q.get("weight", 0) for q, _ in questions.values()
                           if isinstance(q.get("weight", 0), int | float))
        if questions and total_weight <= 0:
            self.add(doc, ("sections",), "no question has a weight: the score would be undefined")
        self.check_bands(doc, data.get("bands"))

    def check_show_if(self, doc: Document, where: Path_, show_if: Any,
                      questions: dict[str, tuple[dict[str, Any], Path_]],
                      own: Any = None) -> None:
        """Check that every clause names an earlier question and suits its type.

        ``questions`` holds only the questions before this point, so a name not
        in it is either later in the file or unknown.
        """
        if not isinstance(show_if, dict):
            return
        for mode in ("all", "any"):
            clauses = show_if.get(mode)
            for index, clause in enumerate(clauses if isinstance(clauses, list) else []):
                if not isinstance(clause, dict) or not isinstance(clause.get("question"), str):
                    continue
                path: Path_ = (*where, mode, index)
                name = clause["question"]
                if name == own:
                    self.add(doc, (*path, "question"), f"show_if names the question itself "
                             f"('{name}')")
                elif name not in questions:
                    later = self.later_question(doc, name)
                    if later is not None:
                        self.add(doc, (*path, "question"), f"show_if names question '{name}', "
                                 f"which comes later (line {later}); it can only test earlier "
                                 f"answers")
                    else:
                        self.add(doc, (*path, "question"),
                                 f"show_if names unknown question '{name}'")
                else:
                    target, _ = questions[name]
                    self.check_predicate(doc, path, clause, target, name)

    def later_question(self, doc: Document, name: str) -> int | None:
        data = doc.data if isinstance(doc.data, dict) else {}
        for s_index, section in _items(data, "sections"):
            for q_index, question in _items(section, "questions"):
                if question.get("id") == name:
                    return doc.line(("sections", s_index, "questions", q_index))
        return None

    def check_predicate(self, doc: Document, where: Path_, predicate: dict[str, Any],
                        target: dict[str, Any], name: str) -> None:
        """Check that the operator and value suit question ``name``'s type and options."""
        kind = target.get("type")
        ops = [op for op in _OPERATORS if op in predicate]
        if len(ops) != 1:
            return  # the schema reports it
        op = ops[0]
        value = predicate[op]
        path = (*where, op)
        values = value if isinstance(value, list) else [value]
        if kind in ("text", "attachment"):
            self.add(doc, path, f"question '{name}' is a {kind} question; its answer cannot "
                     "be tested")
        elif kind == "yes_no":
            if op not in ("equals", "not_equals"):
                self.add(doc, path, f"yes_no question '{name}' can only be tested with equals "
                         "or not_equals")
            elif not isinstance(value, bool):
                self.add(doc, path, f"yes_no question '{name}' is answered true or false, "
                         f"not {value!r}")
        elif kind in ("single_choice", "multiple_choice"):
            offered = [o.get("value") for o in target.get("options", []) if isinstance(o, dict)]
            if op in ("gt", "lt"):
                self.add(doc, path, f"choice question '{name}' cannot be compared with {op}")
            for item in values:
                if item not in offered:
                    self.add(doc, path, f"option {item!r} is not offered by question '{name}' "
                             f"(offered: {', '.join(str(o) for o in offered)})")
        elif kind == "number":
            for item in values:
                if isinstance(item, bool) or not isinstance(item, int | float):
                    self.add(doc, path, f"number question '{name}' is compared with a number, "
                             f"not {item!r}")
        elif kind == "date":
            if op in ("in", "not_in"):
                self.add(doc, path, f"date question '{name}' cannot be tested with {op}")
            for item in values:
                if _parse_date(item) is None:
                    self.add(doc, path, f"date question '{name}' is compared with a date "
                             f"YYYY-MM-DD, not {item!r}")

    def check_question(self, slug: str, doc: Document, where: Path_,
                       question: dict[str, Any]) -> None:
        kind = question.get("type")
        options = question.get("options")
        if kind in ("single_choice", "multiple_choice"):
            if not isinstance(options, list) or len(options) < 2:
                self.add(doc, where, f"a {kind} question needs at least two options")
            else:
                seen: set[Any] = set()
                for index, option in enumerate(options):
                    value = option.get("value") if isinstance(option, dict) else None
                    if value in seen:
                        self.add(doc, (*where, "options", index, "value"),
                                 f"duplicate option value '{value}'")
                    seen.add(value)
        elif options is not None:
            self.add(doc, (*where, "options"), f"a {kind} question has no options")
        allowed_extras = {"number": {"unit", "min", "max", "integer"}, "text": {"max_length"},
                          "attachment": {"accept"}}
        for extra in ("unit", "min", "max", "integer", "max_length", "accept"):
            if extra in question and extra not in allowed_extras.get(str(kind), set()):
                self.add(doc, (*where, extra), f"'{extra}' does not apply to a {kind} question")
        low, high = question.get("min"), question.get("max")
        if isinstance(low, int | float) and isinstance(high, int | float) and low > high:
            self.add(doc, (*where, "max"), f"max {high} is below min {low}")
        findings = list(_items(question, "findings"))
        if findings and kind in ("text", "attachment"):
            self.add(doc, (*where, "findings"), f"a {kind} answer cannot trigger findings")
            return
        weight = question.get("weight", 0)
        if findings and isinstance(weight, int | float) and weight <= 0:
            self.add(doc, (*where, "weight"), "a question with findings needs a weight above 0")
        for index, finding in findings:
            f_path: Path_ = (*where, "findings", index)
            when = finding.get("when")
            if isinstance(when, dict):
                self.check_predicate(doc, (*f_path, "when"), when, question,
                                     str(question.get("id")))
            code = finding.get("obligation")
            target = self.obligations.get(code) if isinstance(code, str) else None
            if isinstance(code, str) and target is None:
                self.add(doc, (*f_path, "obligation"), f"unknown obligation code '{code}'")
            elif target is not None and not self.scope_ok(slug, target.industry):
                self.add(doc, (*f_path, "obligation"), f"obligation '{code}' belongs to industry "
                         f"'{target.industry}', not '{slug}'")
            keys = finding.get("exemptions")
            for k_index, key in enumerate(keys if isinstance(keys, list) else []):
                if not isinstance(key, str):
                    continue
                entry = self.entries.get(key)
                k_path = (*f_path, "exemptions", k_index)
                if entry is None:
                    self.add(doc, k_path, f"unknown exemption entry '{key}'")
                    continue
                also = entry.data.get("also_industries") or []
                if entry.industry != COMMON and slug != entry.industry and slug not in also:
                    self.add(doc, k_path, f"exemption entry '{key}' does not apply to "
                             f"industry '{slug}'")
                related = entry.data.get("obligations") or []
                if isinstance(code, str) and code not in related:
                    self.add(doc, k_path, f"exemption entry '{key}' does not relate to "
                             f"obligation '{code}' (its obligations: {', '.join(related)})")

    def check_bands(self, doc: Document, bands: Any) -> None:
        if not isinstance(bands, list):
            return
        valid = [(i, b) for i, b in enumerate(bands) if isinstance(b, dict)
                 and isinstance(b.get("min"), int) and isinstance(b.get("max"), int)]
        codes: set[Any] = set()
        for index, band in valid:
            if band["min"] > band["max"]:
                self.add(doc, ("bands", index, "max"),
                         f"band max {band['max']} is below its min {band['min']}")
            if band.get("code") in codes:
                self.add(doc, ("bands", index, "code"), f"duplicate band '{band.get('code')}'")
            codes.add(band.get("code"))
        expected = 0
        for index, band in sorted(valid, key=lambda item: item[1]["min"]):
            if band["min"] != expected:
                problem = "overlaps the band below" if band["min"] < expected else "leaves a gap"
                self.add(doc, ("bands", index, "min"), f"band starts at {band['min']} but the "
                         f"bands below end at {expected - 1}: it {problem}")
            expected = max(expected, band["max"] + 1)
        if valid and expected != 101:
            self.add(doc, ("bands",), f"bands must cover scores 0 to 100; they end at "
                     f"{expected - 1}")

    # -- the whole tree

    def run(self) -> list[ContentError]:
        if not self.root.is_dir():
            return [ContentError(self.root.as_posix(), None, "", "content folder not found")]
        self.check_reference()
        common = self.root / COMMON
        if common.is_dir():
            self.check_obligations(common / "obligations.yaml", COMMON)
            if (common / "exemptions.yaml").exists():
                self.check_entries(common / "exemptions.yaml", COMMON)
        self.check_industries()
        self.check_entry_references()
        for slug, doc in self.questionnaires.items():
            self.check_questionnaire(slug, doc)
        return sorted(set(self.errors), key=lambda e: (e.file, e.line or 0, e.path, e.message))


def _schema_dir(root: Path, schema_dir: Path | None) -> Path:
    if schema_dir is not None:
        return schema_dir
    local = root / "schema"
    return local if local.is_dir() else DEFAULT_SCHEMA_DIR


def check_content(root: Path, *, schema_dir: Path | None = None) -> list[ContentError]:
    """Check every file under ``root`` and return every error found (empty when valid)."""
    root = Path(root)
    try:
        return _Checker(root, _schema_dir(root, schema_dir)).run()
    except yaml.YAMLError as exc:  # pragma: no cover - read_yaml reports these
        return [ContentError(root.as_posix(), None, "", f"malformed YAML: {exc}")]


# --------------------------------------------------------------------------- building


def _citations(raw: list[dict[str, Any]] | None, laws: dict[str, Law]) -> tuple[Citation, ...]:
    return tuple(Citation(law=c["law"], law_name=dict(laws[c["law"]].name),
                          article=_text(c.get("article")), note=_text(c.get("note")))
                 for c in raw or [])


def _condition(raw: dict[str, Any]) -> Condition:
    return Condition(type=raw["type"], look_back_months=raw.get("look_back_months"),
                     text=_text(raw.get("text")),
                     options=tuple(_condition(o) for o in raw.get("options", [])))


def _date_or_none(value: Any) -> dt.date | None:
    return _parse_date(value) if value is not None else None


def _obligation(raw: dict[str, Any], industry: str, laws: dict[str, Law]) -> Obligation:
    return Obligation(code=raw["code"], industry=industry, title=dict(raw["title"]),
                      description=dict(raw["description"]),
                      legal_basis=_citations(raw["legal_basis"], laws),
                      department=raw["department"], severity=raw["severity"],
                      verify=raw.get("verify"), digest=_digest(raw))


def _entry(raw: dict[str, Any], industry: str, laws: dict[str, Law],
           sources: dict[str, SourceList]) -> ExemptionEntry:
    source = sources.get(raw.get("source") or "")
    start = (_date_or_none(raw["effective_from"]) if "effective_from" in raw
             else source.effective_from if source else None)
    end = (_date_or_none(raw["effective_until"]) if "effective_until" in raw
           else source.effective_until if source else None)
    repeat = raw["repeat_rule"]
    number = raw.get("source_item_number")
    return ExemptionEntry(
        key=raw["key"], industry=industry, also_industries=tuple(raw.get("also_industries", [])),
        item_code=raw.get("item_code"), list_type=raw["list_type"],
        published_heading=raw.get("published_heading"), illustrative=raw["illustrative"],
        source=raw.get("source"), source_item_number=None if number is None else str(number),
        department=raw["department"], violation=dict(raw["violation"]),
        rule_breached=_citations(raw["rule_breached"], laws),
        legal_ground=_citations(raw["legal_ground"], laws),
        conditions=tuple(_condition(c) for c in raw["conditions"]),
        conditions_text=_text(raw.get("conditions_text")), range=_text(raw.get("range")),
        follow_up_measures=tuple(raw["follow_up_measures"]),
        follow_up_text=_text(raw.get("follow_up_text")),
        correction_working_days=raw.get("correction_working_days"),
        exempt_again=repeat["exempt_again"], repeat_look_back_months=repeat.get("look_back_months"),
        repeat_note=_text(repeat.get("note")), effective_from=start, effective_until=end,
        obligations=tuple(raw["obligations"]), article_unsure=raw.get("article_unsure", False),
        verify=raw.get("verify"), digest=_digest(raw, industry))


def _clause(raw: dict[str, Any], question: str) -> Clause:
    op = next(op for op in _OPERATORS if op in raw)
    value = raw[op]
    return Clause(question=raw.get("question", question), op=op,
                  value=tuple(value) if isinstance(value, list) else value)


def _show_if(raw: dict[str, Any] | None) -> ShowIf | None:
    if raw is None:
        return None
    mode = "all" if "all" in raw else "any"
    return ShowIf(mode=mode, clauses=tuple(_clause(c, "") for c in raw[mode]))


def _questionnaire(raw: dict[str, Any], industry: str) -> Questionnaire:
    sections = []
    for s in raw["sections"]:
        questions = []
        for q in s["questions"]:
            findings = tuple(
                Finding(when=_clause(f["when"], q["id"]), obligation=f["obligation"],
                        severity=f["severity"], action=dict(f["action"]),
                        correction_working_days=f.get("correction_working_days"),
                        exemptions=tuple(f.get("exemptions", [])))
                for f in q.get("findings", []))
            questions.append(Question(
                id=q["id"], section=s["id"], type=q["type"], text=dict(q["text"]),
                hint=_text(q.get("hint")), required=q["required"],
                allow_not_applicable=q.get("allow_not_applicable", False),
                weight=float(q.get("weight", 0)), show_if=_show_if(q.get("show_if")),
                options=tuple(Option(o["value"], dict(o["label"])) for o in q.get("options", [])),
                unit=_text(q.get("unit")), min=q.get("min"), max=q.get("max"),
                integer=q.get("integer", False), max_length=q.get("max_length"),
                accept=tuple(q.get("accept", [])), findings=findings))
        sections.append(Section(id=s["id"], title=dict(s["title"]),
                                description=_text(s.get("description")),
                                show_if=_show_if(s.get("show_if")), questions=tuple(questions)))
    bands = tuple(Band(b["code"], b["min"], b["max"], dict(b["label"]), dict(b["advice"]))
                  for b in sorted(raw["bands"], key=lambda b: b["min"]))
    return Questionnaire(industry=industry, version=raw["version"], title=dict(raw["title"]),
                         intro=dict(raw["intro"]), commitment=dict(raw["commitment"]),
                         sections=tuple(sections), bands=bands, digest=_digest(raw))


def load_content(root: Path, *, schema_dir: Path | None = None) -> Content:
    """Load the checked content under ``root``.

    :raises ContentInvalid: when ``check_content`` finds any error (all are attached).
    """
    root = Path(root)
    checker = _Checker(root, _schema_dir(root, schema_dir))
    errors = checker.run()
    if errors:
        raise ContentInvalid(errors)
    docs = checker.docs

    def data(relative: Path) -> Any:
        return docs[checker.rel(root / relative)].data

    departments = {d["code"]: Department(d["code"], dict(d["name"]), d.get("short_name"),
                                         d.get("verify"))
                   for d in data(Path("departments.yaml"))["departments"]}
    laws = {key: Law(key, dict(v["name"]), v["kind"], v.get("verify"))
            for key, v in data(Path("laws.yaml"))["laws"].items()}
    sources = {s["id"]: SourceList(
        id=s["id"], name=dict(s["name"]), issuer=dict(s["issuer"]), scope=s["scope"],
        doc_number=s["doc_number"], doc_number_confirmed=s.get("doc_number_confirmed", False),
        year=s.get("year"), effective_from=_date_or_none(s["effective_from"]),
        effective_until=_date_or_none(s["effective_until"]), dates_note=s.get("dates_note"),
        status=s["status"], urls=tuple(s["urls"]), source_kind=s["source_kind"],
        verify=s.get("verify")) for s in data(Path("sources.yaml"))["lists"]}
    common_obligations: tuple[Obligation, ...] = ()
    common_entries: tuple[ExemptionEntry, ...] = ()
    if (root / COMMON / "obligations.yaml").exists():
        common_obligations = tuple(_obligation(o, COMMON, laws) for o in
                                   data(Path(COMMON, "obligations.yaml"))["obligations"])
    if (root / COMMON / "exemptions.yaml").exists():
        common_entries = tuple(_entry(e, COMMON, laws, sources) for e in
                               data(Path(COMMON, "exemptions.yaml"))["entries"])
    guides: dict[str, Guide] = {}
    for slug in sorted(checker.guides):
        folder = Path("industries", slug)
        meta = data(folder / "guide.yaml")
        bodies = dict(checker.bodies[slug])
        generated = "zh_Hant" not in bodies
        if generated:
            bodies["zh_Hant"] = to_zh_hant(bodies["zh_Hans"])
        obligations = tuple(_obligation(o, slug, laws)
                            for o in data(folder / "obligations.yaml")["obligations"])
        entries = tuple(_entry(e, slug, laws, sources)
                        for e in data(folder / "exemptions.yaml")["entries"])
        questionnaire = _questionnaire(data(folder / "questionnaire.yaml"), slug)
        guides[slug] = Guide(
            slug=slug, divisions=tuple(meta["divisions"]), title=dict(meta["title"]),
            summary=dict(meta["summary"]), lead_department=meta["lead_department"],
            other_departments=tuple(meta.get("other_departments", [])),
            version=meta["version"], reviewed_on=dt.date.fromisoformat(meta["reviewed_on"]),
            body=bodies, zh_hant_generated=generated, obligations=obligations,
            exemption_entries=entries, questionnaire=questionnaire,
            digest=_digest(meta, checker.bodies[slug]))
    return Content(departments=departments, laws=laws, sources=sources, guides=guides,
                   common_obligations=common_obligations, common_entries=common_entries)
