"""The self-check engine (自查自纠): visibility, answer checking, findings and score.

Pure Python: no Flask, no database. It works on the typed questionnaire
(``portal.guides.content.model.Questionnaire`` and its sections and questions)
of the version a self-check was answered on, rebuilt from the stored JSON once
per version (``portal.selfcheck.services.typed_questionnaire``), so a
self-check is always evaluated against the version it was answered on.

Scoring, shown to the user question by question:

* only visible questions with a weight count;
* "not applicable" answers are left out of both sides of the sum;
* an answer that raises a finding earns 0 of its weight, any other answer earns
  all of it;
* an unanswered required question earns 0 (unfavourable);
* score = 100 × earned ÷ possible, rounded half up to a whole number (84.5
  gives 85, never banker's rounding), 100 when nothing counts.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from portal.guides.content.model import Band, Clause, Question, Questionnaire, Section, ShowIf

#: Stored in place of an answer when the user chose "not applicable".
NOT_APPLICABLE = "__not_applicable__"

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


class AnswerProblem(StrEnum):
    """Why a posted answer was refused (the form maps each to a message)."""

    NOT_OFFERED = "not_offered"
    NOT_A_NUMBER = "not_a_number"
    NOT_WHOLE = "not_whole"
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_A_DATE = "not_a_date"
    TOO_LONG = "too_long"
    NOT_APPLICABLE_REFUSED = "not_applicable_refused"


class InvalidAnswer(ValueError):
    """A posted value cannot be an answer to its question."""

    def __init__(self, problem: AnswerProblem, **details: Any) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.details = details


def questions(questionnaire: Questionnaire) -> tuple[Question, ...]:
    """Return every question of the questionnaire in order."""
    return questionnaire.questions


def question_index(questionnaire: Questionnaire) -> dict[str, Question]:
    """Return the questions by id."""
    return {q.id: q for q in questionnaire.questions}


def _clause_holds(clause: Clause, answer: Any) -> bool:
    """Return whether ``answer`` satisfies one clause (unanswered and N/A never do)."""
    if answer is None or answer == NOT_APPLICABLE:
        return False
    op, value = clause.op, clause.value
    if isinstance(answer, list):  # multiple choice: about membership
        chosen = set(answer)
        if op == "equals":
            return value in chosen
        if op == "not_equals":
            return value not in chosen
        if op == "in":
            return bool(chosen & set(value))
        if op == "not_in":
            return not chosen & set(value)
        return False
    if op == "equals":
        return bool(answer == value)
    if op == "not_equals":
        return bool(answer != value)
    if op == "in":
        return answer in value
    if op == "not_in":
        return answer not in value
    try:
        if op == "gt":
            return bool(answer > value)
        if op == "lt":
            return bool(answer < value)
    except TypeError:
        return False
    return False


def _show_if_holds(show_if: ShowIf | None, answers: Mapping[str, Any]) -> bool:
    if show_if is None:
        return True
    results = [_clause_holds(c, answers.get(c.question)) for c in show_if.clauses]
    return all(results) if show_if.mode == "all" else any(results)


def visible_question_ids(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[str]:
    """Return the ids of the questions shown for these answers, in order.

    Conditions only look at earlier questions, and a hidden question's answer
    counts as no answer, so a chain of conditions is evaluated in one pass.
    """
    visible: list[str] = []
    effective: dict[str, Any] = {}
    for section in questionnaire.sections:
        section_shown = _show_if_holds(section.show_if, effective)
        for question in section.questions:
            if section_shown and _show_if_holds(question.show_if, effective):
                visible.append(question.id)
                if question.id in answers:
                    effective[question.id] = answers[question.id]
    return visible


def visible_sections(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> list[Section]:
    """Return the sections that have at least one visible question."""
    shown = set(visible_question_ids(questionnaire, answers))
    return [s for s in questionnaire.sections if any(q.id in shown for q in s.questions)]


def keep_visible(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Return only the answers of visible questions (hidden answers are discarded)."""
    shown = set(visible_question_ids(questionnaire, answers))
    return {qid: value for qid, value in answers.items() if qid in shown}


def parse_answer(question: Question, raw: str | list[str] | None) -> Any:
    """Turn a posted value into an answer; None means "not answered".

    :raises InvalidAnswer: the value is not one the question accepts.
    """
    kind = question.type
    if raw == NOT_APPLICABLE or (isinstance(raw, list) and NOT_APPLICABLE in raw):
        if not question.allow_not_applicable:
            raise InvalidAnswer(AnswerProblem.NOT_APPLICABLE_REFUSED)
        return NOT_APPLICABLE
    offered = [o.value for o in question.options]
    if kind == "multiple_choice":
        values = [v for v in (raw if isinstance(raw, list) else [raw] if raw else []) if v]
        if any(v not in offered for v in values):
            raise InvalidAnswer(AnswerProblem.NOT_OFFERED)
        return sorted(set(values), key=offered.index) or None
    if kind == "attachment":
        return _parse_attachment(raw)
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    raw = (raw or "").strip()
    if not raw:
        return None
    if kind == "yes_no":
        if raw not in {"yes", "no"}:
            raise InvalidAnswer(AnswerProblem.NOT_OFFERED)
        return raw == "yes"
    if kind == "single_choice":
        if raw not in offered:
            raise InvalidAnswer(AnswerProblem.NOT_OFFERED)
        return raw
    if kind == "number":
        return _parse_number(question, raw)
    if kind == "date":
        try:
            return dt.date.fromisoformat(raw).isoformat()
        except ValueError as error:
            raise InvalidAnswer(AnswerProblem.NOT_A_DATE) from error
    if kind == "text":
        limit = question.max_length or 2000
        if len(raw) > limit:
            raise InvalidAnswer(AnswerProblem.TOO_LONG, limit=limit)
        return raw
    raise InvalidAnswer(AnswerProblem.NOT_OFFERED)


_ATTACHMENT_KEYS = {"name", "sha256", "size", "content_type"}


def _parse_attachment(raw: Any) -> dict[str, Any] | None:
    """Accept only the metadata of a file the portal stored (never posted text)."""
    if raw is None or raw == "" or raw == []:
        return None
    if (isinstance(raw, dict) and set(raw) == _ATTACHMENT_KEYS
            and isinstance(raw["sha256"], str) and len(raw["sha256"]) == 64):
        return dict(raw)
    raise InvalidAnswer(AnswerProblem.NOT_OFFERED)


def _parse_number(question: Question, raw: str) -> float | int:
    try:
        number = float(raw.replace(",", "").replace("，", ""))
    except ValueError as error:
        raise InvalidAnswer(AnswerProblem.NOT_A_NUMBER) from error
    if not math.isfinite(number):
        raise InvalidAnswer(AnswerProblem.NOT_A_NUMBER)
    if question.integer:
        if number != int(number):
            raise InvalidAnswer(AnswerProblem.NOT_WHOLE)
        number = int(number)
    if question.min is not None and number < question.min:
        raise InvalidAnswer(AnswerProblem.TOO_SMALL, min=question.min)
    if question.max is not None and number > question.max:
        raise InvalidAnswer(AnswerProblem.TOO_LARGE, max=question.max)
    return number


@dataclass(frozen=True)
class FindingResult:
    """A problem found: the obligation breached and what to do, by when."""

    question_id: str
    obligation: str
    severity: str
    action: Mapping[str, str]
    correction_working_days: int | None
    exemptions: tuple[str, ...]
    #: What is wrong, by language (the question's text for a questionnaire stored
    #: before findings had one). Last, so that older stored results keep their keys.
    problem: Mapping[str, str]


@dataclass(frozen=True)
class Contribution:
    """One question's part in the score."""

    question_id: str
    weight: float
    earned: float
    #: counted, not_applicable, unanswered (counts as 0) or finding (counts as 0).
    outcome: str


@dataclass(frozen=True)
class Evaluation:
    """Findings, score and band of a set of answers."""

    findings: tuple[FindingResult, ...]
    contributions: tuple[Contribution, ...]
    earned: float
    possible: float
    score: int
    band: Band | None
    missing_required: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """Return the evaluation as JSON-compatible data (stored with the self-check)."""
        return {
            "findings": [vars(f) | {"exemptions": list(f.exemptions),
                                    "action": dict(f.action), "problem": dict(f.problem)}
                         for f in self.findings],
            "contributions": [vars(c) for c in self.contributions],
            "earned": self.earned, "possible": self.possible, "score": self.score,
            "band": _band_as_dict(self.band) if self.band else None,
            "missing_required": list(self.missing_required),
        }


def _band_as_dict(band: Band) -> dict[str, Any]:
    """Return a band as stored in the questionnaire definition (and in results)."""
    return {"code": band.code, "min": band.min, "max": band.max, "label": dict(band.label),
            "advice": dict(band.advice)}


def evaluate(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> Evaluation:
    """Evaluate answers against the questionnaire: findings, contributions, score, band."""
    index = question_index(questionnaire)
    shown = visible_question_ids(questionnaire, answers)
    findings: list[FindingResult] = []
    contributions: list[Contribution] = []
    missing: list[str] = []
    for qid in shown:
        question = index[qid]
        answer = answers.get(qid)
        if answer is None and question.required:
            missing.append(qid)
        raised = [f for f in question.findings if _clause_holds(f.when, answer)]
        for finding in raised:
            findings.append(FindingResult(
                question_id=qid, problem=finding.problem or question.text,
                obligation=finding.obligation,
                severity=finding.severity, action=finding.action,
                correction_working_days=finding.correction_working_days,
                exemptions=tuple(finding.exemptions)))
        weight = float(question.weight or 0)
        if weight <= 0:
            continue
        if answer == NOT_APPLICABLE:
            contributions.append(Contribution(qid, weight, 0.0, "not_applicable"))
        elif answer is None:
            if question.required:
                contributions.append(Contribution(qid, weight, 0.0, "unanswered"))
        elif raised:
            contributions.append(Contribution(qid, weight, 0.0, "finding"))
        else:
            contributions.append(Contribution(qid, weight, weight, "counted"))
    counted = [c for c in contributions if c.outcome != "not_applicable"]
    possible = sum(c.weight for c in counted)
    earned = sum(c.earned for c in counted)
    score = 100 if possible == 0 else percent_half_up(earned, possible)
    findings.sort(key=lambda f: SEVERITY_ORDER.get(f.severity, 9))
    return Evaluation(findings=tuple(findings), contributions=tuple(contributions),
                      earned=earned, possible=possible, score=score,
                      band=band_for(questionnaire, score), missing_required=tuple(missing))


def percent_half_up(earned: float, possible: float) -> int:
    """Return 100 × earned ÷ possible rounded half up (84.5 → 85), not to even."""
    exact = Decimal(repr(float(earned))) * 100 / Decimal(repr(float(possible)))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def band_codes(questionnaire: Questionnaire) -> tuple[str, ...]:
    """Return the codes of the questionnaire's risk bands, in order."""
    return tuple(band.code for band in questionnaire.bands)


def band_for(questionnaire: Questionnaire, score: int) -> Band | None:
    """Return the risk band whose range holds ``score``."""
    for band in questionnaire.bands:
        if band.min <= score <= band.max:
            return band
    return None


def section_status(questionnaire: Questionnaire, section: Section,
                   answers: Mapping[str, Any], visited: set[str]) -> str:
    """Return not_started, to_confirm, in_progress or complete for a section of the task list.

    A section that was never saved in this self-check but has answers holds answers carried
    over from the previous one: it is "to confirm" until the user saves it.
    """
    shown = set(visible_question_ids(questionnaire, answers))
    own = [q for q in section.questions if q.id in shown]
    if section.id not in visited:
        return "to_confirm" if any(q.id in answers for q in own) else "not_started"
    missing = [q for q in own if q.required and answers.get(q.id) is None]
    return "in_progress" if missing else "complete"
