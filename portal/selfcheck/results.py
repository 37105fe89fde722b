"""What a submitted self-check's result page, PDF and officers' view show.

Findings and their deadlines are read from the ``findings`` rows stored at
submission; only "working days left" depends on today.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Department, User
from portal.core.audit import record_event
from portal.core.deadlines import working_days_left
from portal.guides.content import localized
from portal.guides.content.model import Question
from portal.guides.models import (
    ExemptionEntryVersion,
    IndustryGuideVersion,
    ObligationRecord,
    ObligationVersion,
)
from portal.guides.queries import current_entries, current_guides, obligations_for
from portal.selfcheck import engine
from portal.selfcheck.models import Finding, SelfCheck
from portal.selfcheck.services import compare_with_previous, last_submitted, typed_questionnaire

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FindingView:
    """A stored finding with what the page adds: its obligation, entries, days left."""

    row: Finding
    #: What is wrong, by language: the heading of the finding.
    problem: Mapping[str, str]
    obligation_version: ObligationVersion | None
    entries: list[ExemptionEntryVersion]
    #: Working days from today to the stored deadline (negative when overdue).
    days_left: int | None

    @property
    def question_id(self) -> str:
        """Return the question that raised it."""
        return self.row.question_id

    @property
    def obligation(self) -> str:
        """Return the obligation's code."""
        return self.row.obligation_code

    @property
    def severity(self) -> str:
        """Return high, medium or low."""
        return self.row.severity

    @property
    def action(self) -> Mapping[str, str]:
        """Return what to do, by language."""
        return self.row.action

    @property
    def correction_working_days(self) -> int | None:
        """Return the correction period in working days, if the questionnaire gives one."""
        return self.row.correction_working_days

    @property
    def deadline(self) -> dt.date | None:
        """Return the deadline stored at submission."""
        return self.row.deadline

    @property
    def department(self) -> str | None:
        """Return the code of the department responsible for the obligation, if known."""
        return self.obligation_version.department if self.obligation_version else None

    @property
    def status(self) -> str:
        """Return where the finding stands (open, rectifying or closed)."""
        return str(self.row.status.value)

    @property
    def anchor(self) -> str:
        """Return the id of the finding's details on the page."""
        return f"finding-{self.row.id}"

    @property
    def deadline_estimated(self) -> bool:
        """Return whether the stored deadline assumed weekdays for a year without data."""
        return self.row.deadline_estimated


def _text(value: Mapping[str, str] | None, locale: str) -> str:
    return localized(value, locale)[0] if value else ""


def display_answer(question: Question, answer: Any, locale: str) -> str:
    """Return an answer as the user reads it, in ``locale``."""
    if answer is None:
        return ""
    if answer == engine.NOT_APPLICABLE:
        return _("Not applicable")
    if question.type == "attachment":
        return str(answer["name"])
    if question.type == "yes_no":
        return _("Yes") if answer else _("No")
    labels = {o.value: _text(o.label, locale) for o in question.options}
    if question.type == "multiple_choice":
        return "、".join(labels.get(v, v) for v in answer) if answer else _("None of these")
    if question.type == "single_choice":
        return str(labels.get(answer, answer))
    if question.type == "number":
        unit = _text(question.unit, locale)
        return f"{answer:g} {unit}".strip() if isinstance(answer, float) else (
            f"{answer} {unit}".strip())
    return str(answer)


def answer_rows(self_check: SelfCheck, locale: str) -> list[dict[str, Any]]:
    """Return each visible question with its answer, as shown on check-answers and result."""
    questionnaire = typed_questionnaire(self_check.questionnaire)
    index = engine.question_index(questionnaire)
    return [{"question": index[qid], "answer": self_check.answers.get(qid),
             "display": display_answer(index[qid], self_check.answers.get(qid), locale)}
            for qid in engine.visible_question_ids(questionnaire, self_check.answers)]


def finding_views(session: Session, self_check: SelfCheck, *, today: dt.date,
                  ) -> list[FindingView]:
    """Return the stored findings with their problems, obligations, entries and days left."""
    obligations = dict(obligations_for(session, self_check.industry))
    keys = {key for finding in self_check.findings for key in finding.exemptions}
    entries = {version.data["key"]: version for version in current_entries(session, keys)}
    problems = problem_texts(self_check)
    return [FindingView(
        row=finding, problem=problems[finding.question_id, finding.obligation_code],
        obligation_version=obligations.get(finding.obligation_code),
        entries=[entries[key] for key in finding.exemptions if key in entries],
        days_left=working_days_left(today, finding.deadline) if finding.deadline else None)
        for finding in self_check.findings]


def problem_texts(self_check: SelfCheck) -> dict[tuple[str, str], Mapping[str, str]]:
    """Return the problem text of each (question, obligation) the stored findings may name.

    It is read from the stored result; results stored before findings had a
    problem text (and questions the result does not mention) fall back to the
    question's text.
    """
    questionnaire = typed_questionnaire(self_check.questionnaire)
    texts: dict[tuple[str, str], Mapping[str, str]] = {}
    for question in questionnaire.questions:
        for finding in question.findings:
            texts[question.id, finding.obligation] = question.text
    for stored in (self_check.result or {}).get("findings") or []:
        if stored.get("problem"):
            texts[stored["question_id"], stored["obligation"]] = stored["problem"]
    return texts


def findings_for_department(findings: list[FindingView], department_code: str,
                            ) -> list[FindingView]:
    """Return the findings of obligations ``department_code`` is responsible for.

    A finding whose obligation is no longer published has no known department and
    is left out: no officer can tell it is theirs.
    """
    return [finding for finding in findings if finding.department == department_code]


def build_result_view(session: Session, self_check: SelfCheck, *, locale: str,
                      today: dt.date, submitted_on: dt.date,
                      officer_department: str | None = None) -> dict[str, Any]:
    """Return what the result page and its PDF show of a submitted self-check.

    ``today`` and ``submitted_on`` are dates in Nansha; deadlines are the stored ones.
    With ``officer_department``, only the findings of obligations that department is
    responsible for are shown; ``other_findings`` counts the rest.
    """
    questionnaire = typed_questionnaire(self_check.questionnaire)
    result = self_check.result or {}
    previous = last_submitted(session, self_check.enterprise, before_id=self_check.id)
    guide: IndustryGuideVersion | None = next(
        (v for v in current_guides(session) if v.guide.slug == self_check.industry), None)
    findings = finding_views(session, self_check, today=today)
    shown = (findings if officer_department is None
             else findings_for_department(findings, officer_department))
    return {
        "self_check": self_check, "definition": questionnaire, "result": result,
        "findings": shown, "other_findings": len(findings) - len(shown),
        "departments": {d.code: d for d in session.scalars(select(Department))},
        "index": engine.question_index(questionnaire), "band": result.get("band"),
        "comparison": compare_with_previous(self_check, previous), "previous": previous,
        "sections": {s.id: s for s in questionnaire.sections},
        "answers": answer_rows(self_check, locale), "submitted_local": submitted_on,
        "guide": guide,
    }


def record_self_check_viewed(session: Session, self_check: SelfCheck, *, officer: User,
                             department_code: str, now: dt.datetime) -> None:
    """Record in the audit trail that an officer opened a self-check (flushes, no commit)."""
    record_event(session, action="selfcheck.viewed_by_officer", object_type="self_check",
                 object_id=self_check.id, actor=officer, now=now,
                 details={"department": department_code, "reference": self_check.reference})
    logger.info("self-check %s viewed by %s", self_check.id, officer.audit_label)


def obligation_codes_of_department(session: Session, department_code: str) -> set[str]:
    """Return the codes of current obligations ``department_code`` is responsible for."""
    return set(session.scalars(
        select(ObligationRecord.code).join(ObligationVersion)
        .where(ObligationVersion.is_current.is_(True),
               ObligationVersion.department == department_code)))
