"""The conditions of an exemption entry, judged against what a business says (pure Python).

One service for every place that asks "could this entry apply?": the HTML
pre-check, its JSON twin and, later, exemption applications. Each entry rests
on a legal ground (``legal_basis_ground``, DOMAIN.md §2); the ground brings
baseline conditions (Administrative Penalty Law Arts. 32-33, the
Administrative Compulsion Law, Guangdong's no-repeat rule) and the entry's own
transcribed conditions add to them, never relax them.

Every condition comes out ``met``, ``unmet`` or ``to_confirm`` (the answers
cannot settle it: an officer decides). The outcome is ``may_apply`` only when
every condition is met, ``does_not_apply`` as soon as one is unmet, and
``cannot_assess`` otherwise, including when the entry's conditions or its
ground were never transcribed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    """Has the violation been corrected, and when?

    The page asks the fine answers; ``in_time`` is the coarse answer of the
    JSON pre-check ("within the time allowed", without saying when), which
    settles the general timely-correction condition but not the stricter ones.
    """

    BEFORE_DISCOVERY = "before_discovery"
    BEFORE_ORDER = "before_order"
    ON_THE_SPOT = "on_the_spot"
    WITHIN_PERIOD = "within_period"
    IN_TIME = "in_time"
    LATE = "late"
    NOT_YET = "not_yet"


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


class Ground(StrEnum):
    """The legal ground an entry rests on, whatever its list is called (DOMAIN.md §2)."""

    #: Art. 33(1) first sentence: minor, corrected in time, no harm: shall not penalise.
    ART33_1_MINOR = "art33_1_minor"
    #: Art. 33(1) second sentence (首违不罚): first violation, slight harm, corrected in time:
    #: may not penalise (the officer's reasoned choice).
    ART33_1_FIRST_VIOLATION = "art33_1_first_violation"
    #: Art. 33(2): the party proves it had no fault: shall not penalise.
    ART33_2_NO_FAULT = "art33_2_no_fault"
    #: Art. 32: a lighter (从轻) or mitigated (减轻) penalty, not none.
    ART32_MITIGATION = "art32_mitigation"
    #: Administrative Compulsion Law Art. 16(2): no compulsory measure.
    COMPULSION_EXEMPTION = "compulsion_exemption"


class ConditionStatus(StrEnum):
    """How one condition stands against the answers."""

    MET = "met"
    UNMET = "unmet"
    TO_CONFIRM = "to_confirm"


class PrecheckOutcome(StrEnum):
    """The verdict on one entry."""

    MAY_APPLY = "may_apply"
    DOES_NOT_APPLY = "does_not_apply"
    CANNOT_ASSESS = "cannot_assess"


class Reason(StrEnum):
    """Why a condition is unmet or still to confirm (pages map each to words)."""

    MET = "met"
    NOT_FIRST_TIME = "not_first_time"
    CHECK_RECORDS = "check_records"
    HARM_TOO_GREAT = "harm_too_great"
    ANSWER_HARM = "answer_harm"
    NOT_CORRECTED_ON_THE_SPOT = "not_corrected_on_the_spot"
    CORRECTED_TOO_LATE = "corrected_too_late"
    CORRECT_NOW = "correct_now"
    CORRECT_WITHIN_PERIOD = "correct_within_period"
    ALREADY_DISCOVERED = "already_discovered"
    ALREADY_ORDERED = "already_ordered"
    OFFICER_CONFIRMS_TIMING = "officer_confirms_timing"
    PROVE_NO_FAULT = "prove_no_fault"
    SIGN_COMMITMENT = "sign_commitment"
    REDUCE_HARM = "reduce_harm"
    OFFICER_CHECKS = "officer_checks"
    EXEMPTED_BEFORE = "exempted_before"
    ANSWER_EXEMPTED_BEFORE = "answer_exempted_before"
    NOT_IN_FORCE = "not_in_force"
    NOT_TRANSCRIBED = "not_transcribed"
    NO_GROUND = "no_ground"


#: Codes of the baseline conditions a ground brings (``baseline.*``) and of the checks
#: every entry gets (``entry.*``); an entry's own conditions are ``condition.<type>``.
BASELINE_CODES = (
    "baseline.minor_violation", "baseline.first_violation", "baseline.no_harmful_consequence",
    "baseline.slight_harm_at_most", "baseline.no_obvious_harm", "baseline.corrected_in_time",
    "baseline.no_fault_proven", "baseline.not_exempted_before", "entry.in_force",
    "entry.conditions_transcribed", "entry.ground_recorded")


@dataclass(frozen=True)
class ConditionCheck:
    """One condition and how it stands.

    ``code`` is stable (``baseline.*``, ``entry.*`` or ``condition.<type>``);
    ``condition`` is the entry's own condition item (None for baseline ones),
    whose ``text`` clarifies it in the content's languages.
    """

    code: str
    status: ConditionStatus
    reason: Reason
    condition: Mapping[str, Any] | None = None

    @property
    def text(self) -> Mapping[str, str] | None:
        """Return the content's own wording of this condition, when it has one."""
        return self.condition.get("text") if self.condition else None


@dataclass(frozen=True)
class Assessment:
    """Every condition of one entry, its ground and the outcome."""

    ground: Ground | None
    checks: tuple[ConditionCheck, ...]

    @property
    def outcome(self) -> PrecheckOutcome:
        """Return may_apply only when every condition is met; unmet beats to_confirm."""
        statuses = {check.status for check in self.checks}
        if ConditionStatus.UNMET in statuses:
            return PrecheckOutcome.DOES_NOT_APPLY
        if ConditionStatus.TO_CONFIRM in statuses or not self.checks:
            return PrecheckOutcome.CANNOT_ASSESS
        return PrecheckOutcome.MAY_APPLY

    @property
    def unmet(self) -> tuple[ConditionCheck, ...]:
        """Return the conditions that fail."""
        return tuple(c for c in self.checks if c.status == ConditionStatus.UNMET)

    @property
    def to_confirm(self) -> tuple[ConditionCheck, ...]:
        """Return the conditions the answers cannot settle."""
        return tuple(c for c in self.checks if c.status == ConditionStatus.TO_CONFIRM)


_MET = (ConditionStatus.MET, Reason.MET)
_IN_TIME = {Corrected.BEFORE_DISCOVERY, Corrected.BEFORE_ORDER, Corrected.ON_THE_SPOT,
            Corrected.WITHIN_PERIOD, Corrected.IN_TIME}


def _first_time(answers: Answers) -> tuple[ConditionStatus, Reason]:
    if answers.first_time == FirstTime.YES:
        return _MET
    if answers.first_time == FirstTime.NO:
        return ConditionStatus.UNMET, Reason.NOT_FIRST_TIME
    return ConditionStatus.TO_CONFIRM, Reason.CHECK_RECORDS


def _harm_at_most(answers: Answers, allowed: set[Harm]) -> tuple[ConditionStatus, Reason]:
    if answers.harm is None:
        return ConditionStatus.TO_CONFIRM, Reason.ANSWER_HARM
    return _MET if answers.harm in allowed else (ConditionStatus.UNMET, Reason.HARM_TOO_GREAT)


def _corrected(answers: Answers, met: set[Corrected], unconfirmed: set[Corrected],
               late: Reason, pending: Reason) -> tuple[ConditionStatus, Reason]:
    """Judge a timing condition: ``met`` answers meet it, ``unconfirmed`` need an officer."""
    if answers.corrected in met:
        return _MET
    if answers.corrected is None or answers.corrected == Corrected.NOT_YET:
        return ConditionStatus.TO_CONFIRM, pending
    if answers.corrected in unconfirmed:
        return ConditionStatus.TO_CONFIRM, Reason.OFFICER_CONFIRMS_TIMING
    return ConditionStatus.UNMET, late


def _in_time(answers: Answers) -> tuple[ConditionStatus, Reason]:
    return _corrected(answers, _IN_TIME, set(), Reason.CORRECTED_TOO_LATE,
                      Reason.CORRECT_WITHIN_PERIOD)


def judge_condition(condition: Mapping[str, Any],
                    answers: Answers) -> tuple[ConditionStatus, Reason]:
    """Judge one of an entry's own condition items against ``answers``."""
    kind = condition.get("type")
    if kind == "first_discovery":
        return _first_time(answers)
    if kind == "no_harm":
        return _harm_at_most(answers, {Harm.NONE})
    if kind == "slight_harm":
        return _harm_at_most(answers, {Harm.NONE, Harm.SLIGHT})
    if kind == "corrected_within_ordered_period":
        return _in_time(answers)
    if kind == "corrected_on_the_spot":
        return _corrected(answers, {Corrected.BEFORE_DISCOVERY, Corrected.ON_THE_SPOT},
                          {Corrected.BEFORE_ORDER, Corrected.IN_TIME},
                          Reason.NOT_CORRECTED_ON_THE_SPOT, Reason.CORRECT_NOW)
    if kind == "corrected_before_discovery":
        return _corrected(answers, {Corrected.BEFORE_DISCOVERY}, {Corrected.IN_TIME},
                          Reason.ALREADY_DISCOVERED, Reason.CORRECT_NOW)
    if kind == "corrected_before_order":
        # 在责令改正前及时改正: before the order to correct, which may follow discovery.
        return _corrected(answers, {Corrected.BEFORE_DISCOVERY, Corrected.BEFORE_ORDER},
                          {Corrected.ON_THE_SPOT, Corrected.IN_TIME},
                          Reason.ALREADY_ORDERED, Reason.CORRECT_NOW)
    if kind == "harm_reduced_before_order":
        return _MET if answers.harm == Harm.NONE else (ConditionStatus.TO_CONFIRM,
                                                       Reason.REDUCE_HARM)
    if kind == "no_fault_proven":
        return ConditionStatus.TO_CONFIRM, Reason.PROVE_NO_FAULT
    if kind == "commitment_signed":
        return ConditionStatus.TO_CONFIRM, Reason.SIGN_COMMITMENT
    if kind == "any_of":
        options = [judge_condition(option, answers) for option in condition.get("options") or []]
        if any(status == ConditionStatus.MET for status, _ in options):
            return _MET
        pending = [reason for status, reason in options if status == ConditionStatus.TO_CONFIRM]
        if pending or not options:
            return ConditionStatus.TO_CONFIRM, pending[0] if pending else Reason.OFFICER_CHECKS
        return ConditionStatus.UNMET, options[0][1]
    # 'other' and anything unknown: shown in words, the officer decides.
    return ConditionStatus.TO_CONFIRM, Reason.OFFICER_CHECKS


_TIMING = {"corrected_on_the_spot", "corrected_within_ordered_period",
           "corrected_before_discovery", "corrected_before_order"}


def _covers(conditions: Sequence[Mapping[str, Any]], kinds: set[str]) -> bool:
    """Return whether one of the entry's conditions is at least as strict as a baseline one.

    A top-level item of one of ``kinds``, or an ``any_of`` whose options all are,
    is judged at least as strictly as the baseline it stands for, so the
    baseline item is not repeated on the page.
    """
    for condition in conditions:
        if condition.get("type") in kinds:
            return True
        options = condition.get("options") or []
        if condition.get("type") == "any_of" and options and all(
                option.get("type") in kinds for option in options):
            return True
    return False


def baseline_conditions(ground: Ground, answers: Answers, *,
                        entry_conditions: Sequence[Mapping[str, Any]] = ()) -> list[ConditionCheck]:
    """Return the conditions the law attaches to ``ground``, judged against ``answers``.

    Those that one of ``entry_conditions`` states at least as strictly are left out.
    """
    conditions = entry_conditions
    checks: list[ConditionCheck] = []

    def add(code: str, judged: tuple[ConditionStatus, Reason], *,
            unless: set[str] | None = None) -> None:
        if unless is None or not _covers(conditions, unless):
            checks.append(ConditionCheck(f"baseline.{code}", *judged))

    if ground == Ground.ART33_1_MINOR:
        # The list classes the violation as minor; one that caused serious harm is not.
        add("minor_violation", _harm_at_most(answers, {Harm.NONE, Harm.SLIGHT}))
        add("no_harmful_consequence", _harm_at_most(answers, {Harm.NONE}), unless={"no_harm"})
        add("corrected_in_time", _in_time(answers), unless=_TIMING)
    elif ground == Ground.ART33_1_FIRST_VIOLATION:
        add("first_violation", _first_time(answers), unless={"first_discovery"})
        add("slight_harm_at_most", _harm_at_most(answers, {Harm.NONE, Harm.SLIGHT}),
            unless={"slight_harm", "no_harm"})
        add("corrected_in_time", _in_time(answers), unless=_TIMING)
    elif ground == Ground.ART33_2_NO_FAULT:
        add("no_fault_proven", (ConditionStatus.TO_CONFIRM, Reason.PROVE_NO_FAULT))
    elif ground == Ground.COMPULSION_EXEMPTION:
        add("no_obvious_harm", _harm_at_most(answers, {Harm.NONE, Harm.SLIGHT}),
            unless={"slight_harm", "no_harm"})
    # Guangdong (粤农农规〔2022〕2号): after an exemption, the same kind of violation is never
    # exempt again, whatever an entry's own repeat rule says.
    if answers.exempted_before is None:
        add("not_exempted_before", (ConditionStatus.TO_CONFIRM, Reason.ANSWER_EXEMPTED_BEFORE))
    else:
        add("not_exempted_before", (ConditionStatus.UNMET, Reason.EXEMPTED_BEFORE)
            if answers.exempted_before else _MET)
    return checks


def assess_entry(entry: Mapping[str, Any], answers: Answers, *, today: dt.date) -> Assessment:
    """Judge every condition of ``entry`` (its stored data) against ``answers``."""
    starts, ends = entry.get("effective_from"), entry.get("effective_until")
    checks: list[ConditionCheck] = []
    if not in_force(dt.date.fromisoformat(starts) if starts else None,
                    dt.date.fromisoformat(ends) if ends else None, on=today):
        checks.append(ConditionCheck("entry.in_force", ConditionStatus.UNMET,
                                     Reason.NOT_IN_FORCE))
    conditions: list[Mapping[str, Any]] = list(entry.get("conditions") or [])
    raw_ground = entry.get("legal_basis_ground")
    ground = Ground(raw_ground) if raw_ground in {g.value for g in Ground} else None
    if ground is None:
        checks.append(ConditionCheck("entry.ground_recorded", ConditionStatus.TO_CONFIRM,
                                     Reason.NO_GROUND))
    else:
        checks.extend(baseline_conditions(ground, answers, entry_conditions=conditions))
    if not conditions:
        checks.append(ConditionCheck("entry.conditions_transcribed", ConditionStatus.TO_CONFIRM,
                                     Reason.NOT_TRANSCRIBED))
    checks.extend(ConditionCheck(f"condition.{condition.get('type')}",
                                 *judge_condition(condition, answers), condition=condition)
                  for condition in conditions)
    return Assessment(ground=ground, checks=tuple(checks))
