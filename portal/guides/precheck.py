""""Might I qualify?": a pre-check of an exemption entry's conditions (pure Python).

The user answers four questions about one violation; each structured
condition of the entry comes out as met, still to do, or failed. Any failed
condition means the entry does not apply, and the result page says why and
what may apply instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from portal.guides.content import in_force


class FirstTime(StrEnum):
    """Is this the first time the violation was found?"""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class Harm(StrEnum):
    """What harm did the violation cause?"""

    NONE = "none"
    SLIGHT = "slight"
    SERIOUS = "serious"


class Corrected(StrEnum):
    """Has the violation been corrected, and when?"""

    BEFORE_DISCOVERY = "before_discovery"
    ON_THE_SPOT = "on_the_spot"
    WITHIN_PERIOD = "within_period"
    NOT_YET = "not_yet"
    LATE = "late"


@dataclass(frozen=True)
class Answers:
    """The user's answers; any may still be missing."""

    first_time: FirstTime | None = None
    exempted_before: bool | None = None
    harm: Harm | None = None
    corrected: Corrected | None = None

    @classmethod
    def from_mapping(cls, values: Mapping[str, str]) -> Answers:
        """Read answers from request arguments, ignoring values that are not offered."""

        def pick(enum: type[StrEnum], name: str) -> Any:
            value = values.get(name)
            return enum(value) if value in {m.value for m in enum} else None

        exempted = values.get("exempted_before")
        return cls(first_time=pick(FirstTime, "first_time"),
                   exempted_before={"yes": True, "no": False}.get(exempted or ""),
                   harm=pick(Harm, "harm"), corrected=pick(Corrected, "corrected"))

    def as_params(self) -> dict[str, str]:
        """Return the answers given, as request arguments."""
        params = {}
        if self.first_time:
            params["first_time"] = self.first_time.value
        if self.exempted_before is not None:
            params["exempted_before"] = "yes" if self.exempted_before else "no"
        if self.harm:
            params["harm"] = self.harm.value
        if self.corrected:
            params["corrected"] = self.corrected.value
        return params

    def next_question(self) -> str | None:
        """Return the name of the first unanswered question, or None when complete."""
        if self.first_time is None or self.exempted_before is None:
            return "history"
        if self.harm is None:
            return "harm"
        if self.corrected is None:
            return "corrected"
        return None


class Status(StrEnum):
    """How one condition stands."""

    MET = "met"
    TO_DO = "to_do"
    FAILED = "failed"


class Reason(StrEnum):
    """Why a condition failed or what remains to do (the page maps each to words)."""

    NOT_FIRST_TIME = "not_first_time"
    CHECK_RECORDS = "check_records"
    HARM_TOO_GREAT = "harm_too_great"
    NOT_CORRECTED_ON_THE_SPOT = "not_corrected_on_the_spot"
    CORRECTED_TOO_LATE = "corrected_too_late"
    CORRECT_NOW = "correct_now"
    CORRECT_WITHIN_PERIOD = "correct_within_period"
    ALREADY_DISCOVERED = "already_discovered"
    PROVE_NO_FAULT = "prove_no_fault"
    SIGN_COMMITMENT = "sign_commitment"
    REDUCE_HARM = "reduce_harm"
    OFFICER_CHECKS = "officer_checks"
    EXEMPTED_BEFORE = "exempted_before"
    NOT_IN_FORCE = "not_in_force"
    MET = "met"


@dataclass(frozen=True)
class ConditionResult:
    """One condition of the entry and how it stands."""

    condition: Mapping[str, Any]
    status: Status
    reason: Reason


@dataclass(frozen=True)
class Outcome:
    """The pre-check's verdict on one entry."""

    results: tuple[ConditionResult, ...]
    blockers: tuple[Reason, ...] = field(default=())

    @property
    def applies(self) -> bool:
        """Return whether the entry can still apply (no condition failed)."""
        return not self.blockers and all(r.status != Status.FAILED for r in self.results)

    @property
    def to_do(self) -> tuple[ConditionResult, ...]:
        """Return the conditions still to meet."""
        return tuple(r for r in self.results if r.status == Status.TO_DO)

    @property
    def failed(self) -> tuple[ConditionResult, ...]:
        """Return the conditions that cannot be met."""
        return tuple(r for r in self.results if r.status == Status.FAILED)


_CORRECTED_IN_TIME = {Corrected.BEFORE_DISCOVERY, Corrected.ON_THE_SPOT, Corrected.WITHIN_PERIOD}


def _evaluate(condition: Mapping[str, Any], answers: Answers) -> tuple[Status, Reason]:
    kind = condition["type"]
    if kind == "first_discovery":
        if answers.first_time == FirstTime.YES:
            return Status.MET, Reason.MET
        if answers.first_time == FirstTime.NO:
            return Status.FAILED, Reason.NOT_FIRST_TIME
        return Status.TO_DO, Reason.CHECK_RECORDS
    if kind == "no_harm":
        return ((Status.MET, Reason.MET) if answers.harm == Harm.NONE
                else (Status.FAILED, Reason.HARM_TOO_GREAT))
    if kind == "slight_harm":
        return ((Status.FAILED, Reason.HARM_TOO_GREAT) if answers.harm == Harm.SERIOUS
                else (Status.MET, Reason.MET))
    if kind == "corrected_on_the_spot":
        if answers.corrected in {Corrected.BEFORE_DISCOVERY, Corrected.ON_THE_SPOT}:
            return Status.MET, Reason.MET
        if answers.corrected == Corrected.NOT_YET:
            return Status.TO_DO, Reason.CORRECT_NOW
        return Status.FAILED, Reason.NOT_CORRECTED_ON_THE_SPOT
    if kind == "corrected_within_ordered_period":
        if answers.corrected in _CORRECTED_IN_TIME:
            return Status.MET, Reason.MET
        if answers.corrected == Corrected.NOT_YET:
            return Status.TO_DO, Reason.CORRECT_WITHIN_PERIOD
        return Status.FAILED, Reason.CORRECTED_TOO_LATE
    if kind == "corrected_before_discovery":
        if answers.corrected == Corrected.BEFORE_DISCOVERY:
            return Status.MET, Reason.MET
        if answers.corrected == Corrected.NOT_YET:
            return Status.TO_DO, Reason.CORRECT_NOW
        return Status.FAILED, Reason.ALREADY_DISCOVERED
    if kind == "no_fault_proven":
        return Status.TO_DO, Reason.PROVE_NO_FAULT
    if kind == "commitment_signed":
        return Status.TO_DO, Reason.SIGN_COMMITMENT
    if kind == "harm_reduced_before_order":
        return ((Status.MET, Reason.MET) if answers.harm == Harm.NONE
                else (Status.TO_DO, Reason.REDUCE_HARM))
    if kind == "any_of":
        options = [_evaluate(option, answers) for option in condition.get("options") or []]
        if any(status == Status.MET for status, _ in options):
            return Status.MET, Reason.MET
        pending = [reason for status, reason in options if status == Status.TO_DO]
        if pending:
            return Status.TO_DO, pending[0]
        return (Status.FAILED, options[0][1]) if options else (Status.TO_DO,
                                                               Reason.OFFICER_CHECKS)
    return Status.TO_DO, Reason.OFFICER_CHECKS


def evaluate_entry(entry: Mapping[str, Any], answers: Answers, *, today: dt.date) -> Outcome:
    """Evaluate every condition of ``entry`` (its stored data) against ``answers``."""
    blockers: list[Reason] = []
    starts, ends = entry.get("effective_from"), entry.get("effective_until")
    if not in_force(dt.date.fromisoformat(starts) if starts else None,
                    dt.date.fromisoformat(ends) if ends else None, on=today):
        blockers.append(Reason.NOT_IN_FORCE)
    if answers.exempted_before and not entry.get("exempt_again", False):
        # Guangdong: after an exemption, the same kind of violation is never exempt again.
        blockers.append(Reason.EXEMPTED_BEFORE)
    results = tuple(ConditionResult(condition, *_evaluate(condition, answers))
                    for condition in entry.get("conditions") or [])
    return Outcome(results=results, blockers=tuple(blockers))


def alternative_entries(entry: Any, candidates: Iterable[Any], answers: Answers, *,
                        today: dt.date) -> list[Any]:
    """Return the candidates that would apply instead of ``entry`` and cover one of its duties.

    ``entry`` and the candidates are stored entry versions (with ``id`` and ``data``);
    ``entry`` itself is skipped.
    """
    duties = set(entry.data["obligations"])
    return [candidate for candidate in candidates
            if candidate.id != entry.id and candidate.data["obligations"]
            and set(candidate.data["obligations"]) & duties
            and evaluate_entry(candidate.data, answers, today=today).applies]
