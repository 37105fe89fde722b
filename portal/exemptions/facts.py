"""Facts the portal derives for the officer, shown beside the conditions they bear on.

The enterprise declares; the records say. Each fact reads the database once and
states what it found, and which conditions it supports or contradicts:

* ``earlier_decisions`` — granted exemptions for the same entry or the same kind of
  violation (entries sharing an obligation) within the entry's look-back window before
  the violation (first discovery);
* ``rectification`` — whether the linked rectification case was accepted and the
  correction reported done within the ordered period;
* ``exempted_before`` — any earlier exemption for the same kind, ever (Guangdong,
  粤农农规〔2022〕2号: never exempt again);
* ``limitation`` — the limitation period of Art. 36 (2 years from the end of the
  violation to its discovery; 5 where life, health or financial safety was harmed);
* ``supervision`` — the enterprise's white-list or observation-period standing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import CaseStatus
from portal.exemptions.models import (
    ApplicationStatus,
    Decision,
    DecisionKind,
    ExemptionApplication,
)

#: Art. 36: years after which an undiscovered violation is no longer penalised.
LIMITATION_YEARS = 2
#: Art. 36: the longer period for life, health or financial safety with harm.
LIMITATION_YEARS_SERIOUS = 5


class Bearing(StrEnum):
    """How a fact bears on the conditions it concerns."""

    SUPPORTS = "supports"
    CONTRADICTS = "contradicts"
    UNKNOWN = "unknown"
    INFO = "info"


#: Condition codes (without their position) each fact bears on.
FIRST_VIOLATION_CODES = frozenset({"baseline.first_violation", "condition.first_discovery"})
TIMELY_CORRECTION_CODES = frozenset({
    "baseline.corrected_in_time", "condition.corrected_within_ordered_period",
    "condition.corrected_on_the_spot", "condition.corrected_before_order",
    "condition.corrected_before_discovery", "condition.any_of"})
NOT_EXEMPTED_CODES = frozenset({"baseline.not_exempted_before"})


@dataclass(frozen=True)
class Fact:
    """One derived fact: what was found, how it bears, on which conditions."""

    code: str
    bearing: Bearing
    #: Condition codes (``baseline.*``, ``condition.*``) it concerns.
    concerns: frozenset[str]
    #: Values for the page's words (references, dates, counts).
    values: dict[str, Any] = field(default_factory=dict)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def look_back_months(entry: dict[str, Any]) -> int | None:
    """Return the entry's look-back window for first discovery, in months (None: ever).

    No national rule sets one (DOMAIN.md §3): a first-discovery condition or the
    entry's repeat rule may; without either, every earlier decision counts.
    """
    for condition in entry.get("conditions") or []:
        if condition.get("type") == "first_discovery" and condition.get("look_back_months"):
            return int(condition["look_back_months"])
    months = (entry.get("repeat_rule") or {}).get("look_back_months")
    return int(months) if months else None


def _same_kind(application: ExemptionApplication, other: ExemptionApplication) -> bool:
    """Return whether two applications concern the same kind of violation."""
    if other.entry_key == application.entry_key:
        return True
    mine = set(application.entry_data.get("obligations") or [])
    return bool(mine & set(other.entry_data.get("obligations") or []))


def _earlier_grants(session: Session,
                    application: ExemptionApplication) -> list[tuple[Decision,
                                                                     ExemptionApplication]]:
    rows = session.execute(
        select(Decision, ExemptionApplication)
        .join(ExemptionApplication, ExemptionApplication.id == Decision.application_id)
        .where(Decision.enterprise_id == application.enterprise_id,
               Decision.kind == DecisionKind.GRANT,
               Decision.application_id != application.id)
        .order_by(Decision.issued_on)).all()
    return [(decision, other) for decision, other in rows if _same_kind(application, other)]


def earlier_decisions(session: Session, application: ExemptionApplication) -> Fact:
    """Find granted exemptions of the same kind within the look-back window (first discovery)."""
    months = look_back_months(application.entry_data)
    since = _add_months(application.violation_on, -months) if months else None
    found = [decision for decision, _other in _earlier_grants(session, application)
             if decision.issued_on <= application.violation_on
             and (since is None or decision.issued_on >= since)]
    return Fact("earlier_decisions", Bearing.CONTRADICTS if found else Bearing.SUPPORTS,
                FIRST_VIOLATION_CODES,
                {"numbers": [d.document_number for d in found], "months": months,
                 "since": since})


def exempted_before(session: Session, application: ExemptionApplication) -> Fact:
    """Find any earlier exemption for the same kind of violation (never again in Guangdong)."""
    found = [decision for decision, _other in _earlier_grants(session, application)]
    return Fact("exempted_before", Bearing.CONTRADICTS if found else Bearing.SUPPORTS,
                NOT_EXEMPTED_CODES, {"numbers": [d.document_number for d in found]})


def rectification(application: ExemptionApplication) -> Fact:
    """Say whether the linked case was accepted with the correction done in the ordered period."""
    case = application.case
    if case is None:
        return Fact("rectification", Bearing.UNKNOWN, TIMELY_CORRECTION_CODES, {})
    values: dict[str, Any] = {"reference": case.reference, "due": case.due_date,
                              "status": case.status.value}
    reports = [s for s in case.submissions if s.withdrawn_at is None]
    completed = reports[-1].completed_on if reports else None
    values["completed_on"] = completed
    if case.status == CaseStatus.RECTIFIED:
        in_time = completed is None or completed <= case.due_date
        return Fact("rectification", Bearing.SUPPORTS if in_time else Bearing.CONTRADICTS,
                    TIMELY_CORRECTION_CODES, values)
    if case.status == CaseStatus.NOT_RECTIFIED:
        return Fact("rectification", Bearing.CONTRADICTS, TIMELY_CORRECTION_CODES, values)
    return Fact("rectification", Bearing.UNKNOWN, TIMELY_CORRECTION_CODES, values)


def limitation(application: ExemptionApplication) -> Fact:
    """Say whether the violation was discovered within the limitation period (Art. 36)."""
    ended = application.violation_ended_on or application.violation_on
    discovered = application.case.issued_on if application.case else application.submitted_on
    limit = _add_months(ended, 12 * LIMITATION_YEARS)
    passed = discovered > limit
    return Fact("limitation", Bearing.INFO, frozenset(),
                {"ended": ended, "discovered": discovered, "limit": limit, "passed": passed,
                 "serious_limit": _add_months(ended, 12 * LIMITATION_YEARS_SERIOUS)})


def supervision(application: ExemptionApplication, *, today: dt.date) -> Fact:
    """State the enterprise's white-list and observation-period standing today."""
    enterprise = application.enterprise
    white = enterprise.white_listed_until
    observation = enterprise.observation_until
    return Fact("supervision", Bearing.INFO, frozenset(),
                {"white_listed_until": white if white and white >= today else None,
                 "observation_until": observation if observation and observation >= today
                 else None})


def derive_facts(session: Session, application: ExemptionApplication, *,
                 today: dt.date) -> list[Fact]:
    """Return every derived fact for the officer's verification page."""
    return [earlier_decisions(session, application), rectification(application),
            exempted_before(session, application), limitation(application),
            supervision(application, today=today)]


def facts_for_condition(facts: list[Fact], code: str) -> list[Fact]:
    """Return the facts that bear on the condition ``code`` (``01:baseline.x`` or bare)."""
    bare = code.split(":", 1)[-1]
    return [fact for fact in facts if bare in fact.concerns]


__all__ = ["ApplicationStatus", "Bearing", "Fact", "derive_facts", "earlier_decisions",
           "exempted_before", "facts_for_condition", "limitation", "look_back_months",
           "rectification", "supervision"]
