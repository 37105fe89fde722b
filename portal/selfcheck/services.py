"""Rules of self-checks: start, save a page, submit, compare, list.

Services flush but never commit; routes commit once. Submission is the one
state change of a self-check: it checks the row version the user saw, writes
the audit event and bumps the version in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, defer, load_only

from portal.accounts.models import Enterprise, User
from portal.core.audit import record_event
from portal.core.deadlines import add_working_days
from portal.core.errors import DomainError
from portal.guides.content.model import Question, Questionnaire, Section
from portal.guides.content.stored import questionnaire_from_stored
from portal.guides.models import IndustryGuide, IndustryGuideVersion, QuestionnaireVersion
from portal.guides.queries import current_guides, guide_by_slug, guide_for_division
from portal.selfcheck import engine
from portal.selfcheck.models import Finding, SelfCheck, SelfCheckDepartment, SelfCheckStatus
from portal.selfcheck.workflow import SELF_CHECK_WORKFLOW

logger = logging.getLogger(__name__)


class SelfCheckError(DomainError):
    """A rule of self-checks refused the request; ``detail`` is for the log only."""

    #: What the user is told (routes that handle the error show it too).
    user_message: Any = _l("The self-check could not be changed.")

    def __init__(self, detail: str = "") -> None:
        super().__init__(self.user_message)
        self.detail = detail


class NoQuestionnaire(SelfCheckError):
    """No questionnaire covers the enterprise's industry."""

    status_code = 404
    user_message = _l("There is no self-check questionnaire for your industry yet. Read the "
                      "compliance guides meanwhile.")


class TamperedPost(SelfCheckError):
    """The post names questions that are not on the page (refused whole)."""

    user_message = _l("The answers sent do not belong to this page. Nothing was saved. "
                      "Reload the page and try again.")


class Incomplete(SelfCheckError):
    """Required questions are unanswered; ``missing`` lists them in order."""

    user_message = _l("Answer every required question before you submit.")

    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__(f"{len(missing)} required answers missing")
        self.missing = missing


class Unconfirmed(SelfCheckError):
    """Sections carried over from the previous self-check were not confirmed (saved) yet."""

    user_message = _l("Confirm the answers carried over from your previous self-check: open "
                      "each section below, check its answers and save it.")

    def __init__(self, sections: tuple[str, ...]) -> None:
        super().__init__(f"{len(sections)} sections to confirm")
        self.sections = sections


class AlreadySubmitted(SelfCheckError):
    """The self-check was submitted already (for example from another tab)."""

    status_code = 409
    user_message = _l("This self-check was already submitted; here is its confirmation.")


#: File kinds an attachment question accepts when the questionnaire names none.
DEFAULT_ACCEPTED_KINDS = ("pdf", "jpg", "png")


def accepted_kinds(question: Question) -> tuple[str, ...]:
    """Return the file kinds an attachment question accepts."""
    return tuple(question.accept or DEFAULT_ACCEPTED_KINDS)


#: Typed questionnaires by stored version (id, industry, number, digest); the JSON of a
#: stored version never changes, so each is rebuilt once per process.
_TYPED: dict[tuple[int, str, int, str], Questionnaire] = {}
_TYPED_LIMIT = 256


def typed_questionnaire(version: QuestionnaireVersion) -> Questionnaire:
    """Return the typed questionnaire of a stored version (what the engine works on)."""
    if version.id is None:  # not flushed yet: nothing identifies it for the cache
        return questionnaire_from_stored(version.definition)
    key = (version.id, version.industry, version.version_no, version.digest)
    typed = _TYPED.get(key)
    if typed is None:
        if len(_TYPED) >= _TYPED_LIMIT:
            _TYPED.clear()
        typed = _TYPED[key] = questionnaire_from_stored(version.definition)
    return typed


def scope_departments(guide: IndustryGuideVersion | None) -> list[SelfCheckDepartment]:
    """Return the departments whose officers may see self-checks of ``guide``'s industry."""
    if guide is None:
        return []
    others = [code for code in guide.other_departments if code != guide.lead_department]
    return [SelfCheckDepartment(department_code=guide.lead_department, lead=True),
            *(SelfCheckDepartment(department_code=code, lead=False)
              for code in dict.fromkeys(others))]


def industry_for(session: Session, enterprise: Enterprise) -> str | None:
    """Return the slug of the guide that covers the enterprise's GB/T 4754 division."""
    version = guide_for_division(session, enterprise.industry_code)
    return version.guide.slug if version else None


def current_questionnaire(session: Session, industry: str) -> QuestionnaireVersion | None:
    """Return the questionnaire version in force for ``industry``."""
    return session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.industry == industry, QuestionnaireVersion.is_current.is_(True),
        QuestionnaireVersion.retired_at.is_(None)))


def has_questionnaire_for(session: Session, enterprise: Enterprise) -> bool:
    """Return whether a questionnaire is in force for the enterprise's industry.

    The same answer as ``questionnaire_for(...) is not None`` in one narrow query: the
    guides' divisions and whether each has a questionnaire, without their texts.
    """
    has_questionnaire = select(QuestionnaireVersion.id).where(
        QuestionnaireVersion.industry == IndustryGuide.slug,
        QuestionnaireVersion.is_current.is_(True),
        QuestionnaireVersion.retired_at.is_(None)).exists()
    rows = session.execute(
        select(IndustryGuideVersion.divisions, has_questionnaire).join(IndustryGuide)
        .where(IndustryGuideVersion.is_current.is_(True), IndustryGuide.retired_at.is_(None))
        .order_by(IndustryGuide.slug))
    return next((bool(found) for divisions, found in rows
                 if enterprise.industry_code in divisions), False)


def questionnaire_for(session: Session, enterprise: Enterprise) -> QuestionnaireVersion | None:
    """Return the questionnaire in force for the enterprise's industry, if there is one."""
    industry = industry_for(session, enterprise)
    return current_questionnaire(session, industry) if industry else None


#: Self-checks listed per page of the enterprise's history.
SELF_CHECKS_PER_PAGE = 20


class SelfCheckLine(NamedTuple):
    """One line of the enterprise's history: the self-check and what the line shows of it."""

    #: The self-check, with only the columns the line shows (not its answers or result).
    self_check: SelfCheck
    #: The name of its risk band in each language (from the stored result), if any.
    band_label: Mapping[str, str] | None
    findings: int


class SelfCheckHistory(NamedTuple):
    """One page of the enterprise's self-checks, and whether it has a draft in progress."""

    lines: list[SelfCheckLine]
    #: The cursor of the next page (None on the last).
    older: int | None
    has_draft: bool


def list_self_checks(session: Session, enterprise: Enterprise, *, before: int | None = None,
                     limit: int = SELF_CHECKS_PER_PAGE) -> SelfCheckHistory:
    """Return one page of the enterprise's self-checks, newest first (those with an id
    below ``before``), the cursor of the next page, and whether a draft is in progress.

    One statement: whether there is a draft is a column of every line (asked apart only
    for an empty page past the first, where there is no line to carry it).
    """
    findings = (select(func.count(Finding.id)).where(Finding.self_check_id == SelfCheck.id)
                .scalar_subquery())
    draft = aliased(SelfCheck)
    has_draft = _draft_of(enterprise, draft).exists()
    query = (select(SelfCheck, SelfCheck.result[("band", "label")], findings, has_draft)
             .where(SelfCheck.enterprise_id == enterprise.id)
             # The answers and the stored result are the bulk of a row; the list shows
             # neither (the band's name is read from the result by the database).
             .options(load_only(SelfCheck.enterprise_id, SelfCheck.status,
                                SelfCheck.reference, SelfCheck.submitted_at, SelfCheck.score,
                                SelfCheck.band, SelfCheck.updated_at, SelfCheck.version)))
    if before is not None:
        query = query.where(SelfCheck.id < before)
    rows = session.execute(query.order_by(SelfCheck.id.desc()).limit(limit + 1)).all()
    lines = [SelfCheckLine(check, label if isinstance(label, dict) else None, count)
             for check, label, count, _draft in rows]
    if rows:
        drafting = bool(rows[0][3])
    elif before is None:
        drafting = False  # no self-check at all, so no draft
    else:
        drafting = open_draft(session, enterprise) is not None
    more = len(lines) > limit
    lines = lines[:limit]
    return SelfCheckHistory(lines, lines[-1].self_check.id if more else None, drafting)


def _draft_of(enterprise: Enterprise, self_check: Any = SelfCheck) -> Select[Any]:
    """Return the select of the enterprise's draft (``self_check``: the entity or an alias)."""
    return select(self_check).where(self_check.enterprise_id == enterprise.id,
                                    self_check.status == SelfCheckStatus.DRAFT)


def open_draft(session: Session, enterprise: Enterprise) -> SelfCheck | None:
    """Return the enterprise's draft, if one is in progress."""
    return session.scalar(_draft_of(enterprise))


def last_submitted(session: Session, enterprise: Enterprise, *,
                   before_id: int | None = None) -> SelfCheck | None:
    """Return the enterprise's latest submitted self-check (before ``before_id``)."""
    query = select(SelfCheck).where(SelfCheck.enterprise_id == enterprise.id,
                                    SelfCheck.status == SelfCheckStatus.SUBMITTED)
    if before_id is not None:
        query = query.where(SelfCheck.id < before_id)
    return session.scalar(query.order_by(SelfCheck.id.desc()).limit(1))


def _carry_over(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Keep previous answers that are still valid answers to this version's questions."""
    index = engine.question_index(questionnaire)
    kept = {}
    for qid, value in answers.items():
        question = index.get(qid)
        if question is None:
            continue
        raw: Any = value
        if isinstance(value, bool):
            raw = "yes" if value else "no"
        elif isinstance(value, int | float):
            raw = str(value)
        try:
            parsed = engine.parse_answer(question, raw)
        except engine.InvalidAnswer:
            continue
        if parsed is not None:
            kept[qid] = parsed
    return engine.keep_visible(questionnaire, kept)


def start_self_check(session: Session, enterprise: Enterprise, *, user: User,
                     now: dt.datetime) -> SelfCheck:
    """Return the enterprise's draft, or start one from the previous answers.

    :raises NoQuestionnaire: no questionnaire covers the enterprise's industry.
    """
    draft = open_draft(session, enterprise)
    if draft is not None:
        return draft
    questionnaire = questionnaire_for(session, enterprise)
    if questionnaire is None:
        raise NoQuestionnaire(enterprise.industry_code)
    previous = last_submitted(session, enterprise)
    answers = (_carry_over(typed_questionnaire(questionnaire), previous.answers) if previous
               else {})
    self_check = SelfCheck(
        enterprise_id=enterprise.id, questionnaire_version_id=questionnaire.id,
        industry=questionnaire.industry, answers=answers, visited_sections=[],
        previous_id=previous.id if previous else None, started_by_id=user.id,
        created_at=now, updated_at=now,
        departments=scope_departments(guide_by_slug(session, questionnaire.industry)))
    session.add(self_check)
    session.flush()
    record_event(session, action="selfcheck.started", object_type="self_check",
                 object_id=self_check.id, actor=user, to_state=SelfCheckStatus.DRAFT.value,
                 details={"enterprise_id": enterprise.id,
                          "questionnaire_version_id": questionnaire.id,
                          "from_previous": self_check.previous_id}, now=now)
    logger.info("self-check %s started by %s", self_check.id, user.id)
    return self_check


def section_of(questionnaire: Questionnaire, section_id: str) -> Section | None:
    """Return the section ``section_id`` of the questionnaire."""
    return next((s for s in questionnaire.sections if s.id == section_id), None)


def save_section(session: Session, self_check: SelfCheck, section_id: str,
                 posted: Mapping[str, Any], *, now: dt.datetime,
                 ) -> tuple[dict[str, engine.InvalidAnswer], list[str]]:
    """Save the answers posted on one section page.

    ``posted`` maps question ids to posted values (lists for multiple choice).
    Returns the refused answers by question id (then nothing is saved) and the
    ids of questions of this section that became visible and are unanswered.

    :raises TamperedPost: the post names questions that are not on this page.
    :raises AlreadySubmitted: the self-check is no longer a draft.
    """
    if self_check.status != SelfCheckStatus.DRAFT:
        raise AlreadySubmitted()
    questionnaire = typed_questionnaire(self_check.questionnaire)
    section = section_of(questionnaire, section_id)
    if section is None:
        raise TamperedPost(section_id)
    own = {q.id: q for q in section.questions}
    unknown = set(posted) - set(own)
    if unknown:
        raise TamperedPost(", ".join(sorted(unknown)))
    base = {qid: value for qid, value in self_check.answers.items() if qid not in own}
    errors: dict[str, engine.InvalidAnswer] = {}
    parsed: dict[str, Any] = {}
    for qid, question in own.items():
        try:
            value = engine.parse_answer(question, posted.get(qid))
        except engine.InvalidAnswer as error:
            errors[qid] = error
            continue
        if value is not None:
            parsed[qid] = value
    shown_before = set(engine.visible_question_ids(questionnaire, self_check.answers))
    merged = engine.keep_visible(questionnaire, base | parsed)
    # Only answers to questions that were on the page count as refused.
    errors = {qid: e for qid, e in errors.items() if qid in shown_before}
    if errors:
        return errors, []
    self_check.answers = merged
    if section_id not in self_check.visited_sections:
        self_check.visited_sections = [*self_check.visited_sections, section_id]
    self_check.updated_at = now
    session.flush()
    shown_after = engine.visible_question_ids(questionnaire, merged)
    appeared = [qid for qid in shown_after if qid in own and qid not in shown_before
                and qid not in merged]
    return {}, appeared


def sections_to_confirm(self_check: SelfCheck) -> list[Section]:
    """Return the visible sections whose carried-over answers were not confirmed yet."""
    questionnaire = typed_questionnaire(self_check.questionnaire)
    visited = set(self_check.visited_sections)
    return [section for section in engine.visible_sections(questionnaire, self_check.answers)
            if engine.section_status(questionnaire, section, self_check.answers, visited)
            == "to_confirm"]


def _reference(self_check: SelfCheck, now: dt.datetime) -> str:
    """Return the reference number: ZC, the year, and the id (unique across processes)."""
    return f"ZC{now.year}{self_check.id:07d}"


def findings_of(evaluation: engine.Evaluation, *, submitted_on: dt.date,
                now: dt.datetime) -> list[Finding]:
    """Return the evaluation's findings as rows, each deadline computed once, from the day
    of submission (Nansha time) in working days."""
    rows = []
    for found in evaluation.findings:
        days = found.correction_working_days
        deadline = add_working_days(submitted_on, days) if days is not None else None
        rows.append(Finding(
            obligation_code=found.obligation, question_id=found.question_id,
            severity=found.severity, action=dict(found.action),
            exemptions=list(found.exemptions), correction_working_days=days,
            deadline=deadline.date if deadline else None,
            deadline_estimated=deadline.estimated if deadline else False, created_at=now))
    return rows


def submit_self_check(session: Session, self_check: SelfCheck, *, user: User,
                      signer_role: str, expected_version: int,
                      commitment_text: str, now: dt.datetime, timezone: ZoneInfo,
                      ) -> SelfCheck:
    """Submit a complete draft with the signed commitment (承诺), and score it.

    The signatory is the signed-in ``user`` (their account's name, never typed in);
    ``signer_role`` is the role they act in for the enterprise, as they saw it.

    :raises AlreadySubmitted: it was submitted already (another tab).
    :raises StaleObject: it changed since the page was loaded.
    :raises ConcurrentUpdate: another request submitted or changed it meanwhile.
    :raises TransitionForbidden: the user does not act for its enterprise.
    :raises Unconfirmed: sections carried over from the previous self-check were not saved.
    :raises Incomplete: required answers are missing.

    Each finding's correction deadline is counted from the day of submission in
    ``timezone`` and stored; pages show the stored date.
    """
    if self_check.status != SelfCheckStatus.DRAFT:
        raise AlreadySubmitted()
    SELF_CHECK_WORKFLOW.check(self_check, SelfCheckStatus.SUBMITTED, actor=user,
                              expected_version=expected_version)
    unconfirmed = sections_to_confirm(self_check)
    if unconfirmed:
        raise Unconfirmed(tuple(section.id for section in unconfirmed))
    questionnaire = typed_questionnaire(self_check.questionnaire)
    answers = engine.keep_visible(questionnaire, self_check.answers)
    evaluation = engine.evaluate(questionnaire, answers)
    if evaluation.missing_required:
        raise Incomplete(evaluation.missing_required)
    # One flush, in the transition: the version column then bumps once, and a concurrent
    # second submit fails there (as ConcurrentUpdate), not in an earlier autoflush.
    with session.no_autoflush:
        self_check.answers = answers
        self_check.submitted_at = now
        self_check.submitted_by_id = user.id
        self_check.signer_name = user.display_name
        self_check.signer_role = signer_role.strip()
        self_check.commitment_text = commitment_text
        self_check.score = evaluation.score
        self_check.band = evaluation.band.code if evaluation.band else None
        self_check.result = evaluation.as_dict()
        self_check.reference = _reference(self_check, now)
        self_check.findings = findings_of(evaluation, submitted_on=now.astimezone(timezone).date(),
                                          now=now)
        self_check.updated_at = now
    # The version column makes a concurrent second submit fail at this flush.
    SELF_CHECK_WORKFLOW.transition(
        self_check, SelfCheckStatus.SUBMITTED, actor=user, now=now,
        details={"reference": self_check.reference, "score": self_check.score,
                 "band": self_check.band, "findings": len(evaluation.findings),
                 "signer_name": self_check.signer_name, "signer_role": self_check.signer_role})
    return self_check


@dataclass(frozen=True)
class SectionComparison:
    """How a section scored now and the previous time."""

    section_id: str
    now: int | None
    before: int | None

    @property
    def trend(self) -> str:
        """Return better, worse, same or new."""
        if self.now is None or self.before is None:
            return "new"
        return "better" if self.now > self.before else "worse" if self.now < self.before else (
            "same")


def section_scores(questionnaire: Questionnaire, result: Mapping[str, Any]) -> dict[str, int]:
    """Return each section's score (0-100) from a stored evaluation's contributions."""
    section_of_question = {q.id: s.id for s in questionnaire.sections for q in s.questions}
    totals: dict[str, list[float]] = {}
    for contribution in result.get("contributions", []):
        if contribution["outcome"] == "not_applicable":
            continue
        earned, possible = totals.setdefault(section_of_question.get(
            contribution["question_id"], "?"), [0.0, 0.0])
        totals[section_of_question.get(contribution["question_id"], "?")] = [
            earned + contribution["earned"], possible + contribution["weight"]]
    return {sid: round(100 * e / p) if p else 100 for sid, (e, p) in totals.items()}


def compare_with_previous(current: SelfCheck, previous: SelfCheck | None,
                          ) -> list[SectionComparison]:
    """Compare each section's score with the previous submitted self-check (if any)."""
    if current.result is None or previous is None or previous.result is None:
        return []
    questionnaire = typed_questionnaire(current.questionnaire)
    now_scores = section_scores(questionnaire, current.result)
    before_scores = section_scores(typed_questionnaire(previous.questionnaire), previous.result)
    return [SectionComparison(s.id, now_scores.get(s.id), before_scores.get(s.id))
            for s in questionnaire.sections if s.id in now_scores]


@dataclass(frozen=True)
class OfficerFilters:
    """Filters of the officers' list of self-checks."""

    industry: str | None = None
    town: str | None = None
    band: str | None = None
    #: Start and end (exclusive) of the submission period, as aware datetimes.
    submitted_from: dt.datetime | None = None
    submitted_before: dt.datetime | None = None


#: Messages of the officers' list filters, shown beside each field.
FILTER_MESSAGES = {
    "date": _l("Enter the date as YYYY-MM-DD, for example 2026-11-25."),
    "town": _l("Choose a town or street from the list."),
    "band": _l("Choose a risk band from the list."),
    "industry": _l("Choose one of your department's industries."),
}


def band_codes_in_force(session: Session) -> list[str]:
    """Return the risk band codes of the questionnaires in force, highest risk first."""
    # The typed questionnaires are cached by version: their definitions are read only
    # when one is not yet (deferred column).
    codes = {code for version in session.scalars(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.is_current.is_(True), QuestionnaireVersion.retired_at.is_(None))
        .options(defer(QuestionnaireVersion.definition)))
        for code in engine.band_codes(typed_questionnaire(version))}
    return sorted(codes, key=lambda code: (engine.SEVERITY_ORDER.get(code, 9), code))


def parse_officer_filters(args: Mapping[str, str], *, industries: set[str],
                          towns: Mapping[str, Any], bands: Collection[str], timezone: ZoneInfo,
                          ) -> tuple[OfficerFilters, dict[str, str]]:
    """Parse the officers' list query; return the filters and messages by field name.

    Dates are days in ``timezone``; "until" includes its whole day.
    """
    errors: dict[str, str] = {}
    dates: dict[str, dt.datetime | None] = {"from": None, "until": None}
    for name in dates:
        raw = args.get(name) or ""
        if not raw:
            continue
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            errors[name] = str(FILTER_MESSAGES["date"])
            continue
        if name == "until":
            day += dt.timedelta(days=1)
        dates[name] = dt.datetime.combine(day, dt.time(), timezone)
    choices: dict[str, str | None] = {}
    for name, allowed in (("town", towns), ("band", bands), ("industry", industries)):
        value = args.get(name) or None
        if value is not None and value not in allowed:
            errors[name] = str(FILTER_MESSAGES[name])
            value = None
        choices[name] = value
    return OfficerFilters(industry=choices["industry"], town=choices["town"],
                          band=choices["band"], submitted_from=dates["from"],
                          submitted_before=dates["until"]), errors


def department_industries(session: Session, department_code: str, *,
                          guides: Iterable[IndustryGuideVersion] | None = None) -> set[str]:
    """Return the industries whose current guide names ``department_code`` as a department.

    Only for the list's industry filter: which self-checks an officer sees is
    decided by the departments stored on each self-check. ``guides``: the current
    guides, if the caller has read them already.
    """
    return {v.guide.slug for v in (current_guides(session) if guides is None else guides)
            if v.lead_department == department_code or department_code in v.other_departments}


def count_findings_by_severity(session: Session, *, department_code: str | None = None,
                               ) -> dict[str, int]:
    """Return the number of findings per severity (of one department's scope, if given)."""
    query = select(Finding.severity, func.count(Finding.id)).group_by(Finding.severity)
    if department_code is not None:
        query = query.where(Finding.self_check_id.in_(
            select(SelfCheckDepartment.self_check_id).where(
                SelfCheckDepartment.department_code == department_code)))
    return {severity: count for severity, count in session.execute(query)}
