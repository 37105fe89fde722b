"""The content model: frozen dataclasses of what ``compliance_guides/`` holds.

Pure Python (no Flask, no SQLAlchemy). The loader builds these from checked
YAML and Markdown; the database sync, the CLI and the self-check use them.
Also home of the rule "in force on a date" (``in_force``), which entries here,
their stored versions and the pre-check all ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

#: 清单类型, DOMAIN.md §3.
LIST_TYPES = ("no_penalty", "first_violation", "mitigated", "lenient", "no_compulsion")
#: Structured conditions (适用情形) an entry may require, DOMAIN.md §3.
CONDITION_TYPES = ("first_discovery", "corrected_on_the_spot", "corrected_within_ordered_period",
                   "corrected_before_discovery", "corrected_before_order", "no_harm", "slight_harm",
                   "no_fault_proven", "commitment_signed", "harm_reduced_before_order", "other",
                   "any_of")
#: Legal grounds an entry rests on (DOMAIN.md §2), whatever its list is called.
LEGAL_BASIS_GROUNDS = ("art33_1_minor", "art33_1_first_violation", "art33_2_no_fault",
                       "art32_mitigation", "compulsion_exemption")
#: Pseudo-industry whose obligations and entries apply to every industry.
COMMON = "common"
#: Lists whose entries bind Nansha departments (others only show the pattern).
BINDING_SCOPES = ("national", "guangdong_province", "guangzhou")
#: Operators of a clause on an answer, in the order the builder looks for them.
OPERATORS = ("equals", "not_equals", "in", "not_in", "gt", "lt")


def in_force(effective_from: dt.date | None, effective_until: dt.date | None, *,
             on: dt.date) -> bool:
    """Return whether a validity from ``effective_from`` to ``effective_until`` covers ``on``.

    Both ends are inclusive: an entry is in force on its first and on its last
    day. An unknown start counts as started and an unknown end as open.
    """
    return ((effective_from is None or effective_from <= on)
            and (effective_until is None or on <= effective_until))


def is_binding_scope(scope: str | None) -> bool:
    """Return whether a list of this scope binds Nansha's departments."""
    return scope in BINDING_SCOPES


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
        return is_binding_scope(self.scope)


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
    #: The legal ground (one of LEGAL_BASIS_GROUNDS), judged from the conditions, not the list name.
    legal_basis_ground: str
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
    #: A warning shown on the entry page (how far its wording can be trusted).
    caveat: dict[str, str] | None = None

    @property
    def industries(self) -> tuple[str, ...]:
        """Return every industry slug the entry applies to (common: all)."""
        return (self.industry, *self.also_industries)

    def in_force(self, *, on: dt.date) -> bool:
        """Return whether the entry is in force on ``on`` (see the module's ``in_force``)."""
        return in_force(self.effective_from, self.effective_until, on=on)

    def is_valid_on(self, day: dt.date) -> bool:
        """Return whether the entry is in force on ``day`` (same rule as ``in_force``)."""
        return self.in_force(on=day)


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
    #: What is wrong, stated plainly (the finding's heading); ``None`` only in
    #: questionnaire versions stored before findings had one.
    problem: dict[str, str] | None
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


def industry_lookup_codes(code: str | None) -> tuple[str, ...]:
    """Return the codes a guide may list for an enterprise's GB/T 4754 code, closest first.

    A class (four digits) is found by itself, then by its division; a division (two
    digits) only by itself — so a division that guides split by class (51, 52) leads
    to no guide until the enterprise gives its class.
    """
    if not code:
        return ()
    return (code, code[:2]) if len(code) == 4 else (code,)


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
        """Return the guide of a GB/T 4754 division or class (two or four digits), if any."""
        for code in industry_lookup_codes(division):
            for guide in self.guides.values():
                if code in guide.divisions:
                    return guide
        return None

