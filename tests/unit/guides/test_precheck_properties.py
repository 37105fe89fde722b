"""Issue 9 §1: over every real entry and every answer, the pre-check never over-promises.

Hypothesis draws an entry of compliance_guides/ (as the content sync stores it)
and any combination of the four answers, each possibly left out; the whole
space is small, so a second test walks it exhaustively.
"""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.guides.conditions import (
    Answers,
    ConditionStatus,
    Corrected,
    FirstTime,
    Ground,
    Harm,
    PrecheckOutcome,
    assess_entry,
    baseline_conditions,
)
from portal.guides.content import load_content
from portal.guides.services import to_jsonable
from tests.unit.guides.conftest import REAL_CONTENT

TODAY = dt.date(2026, 11, 25)
ART33 = {Ground.ART33_1_MINOR, Ground.ART33_1_FIRST_VIOLATION, Ground.ART33_2_NO_FAULT}


@cache
def stored_entries() -> dict[str, dict[str, Any]]:
    """Return every real entry as the sync stores it on its version (JSON data)."""
    return {key: to_jsonable(entry)
            for key, entry in sorted(load_content(REAL_CONTENT).exemption_entries.items())}


def _maybe(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from([None, *values])


ANSWERS = st.builds(Answers, first_time=_maybe(list(FirstTime)),
                    exempted_before=_maybe([True, False]), harm=_maybe(list(Harm)),
                    corrected=_maybe(list(Corrected)))


def _violations(data: dict[str, Any], answers: Answers) -> list[str]:
    """Return the promises a may_apply outcome would break for this entry and these answers."""
    assessment = assess_entry(data, answers, today=TODAY)
    if assessment.outcome != PrecheckOutcome.MAY_APPLY:
        return []
    broken = []
    if answers.harm == Harm.SERIOUS and assessment.ground in ART33:
        broken.append("may_apply with serious harm under Art. 33")
    if answers.exempted_before is not False:
        broken.append("may_apply although exempted before (or not said)")
    if not data.get("conditions"):
        broken.append("may_apply without transcribed conditions")
    if assessment.ground is None:
        broken.append("may_apply without a legal ground")
    if any(check.status != ConditionStatus.MET for check in assessment.checks):
        broken.append("may_apply with a condition not met")
    if assessment.ground is not None and any(
            check.status != ConditionStatus.MET
            for check in baseline_conditions(assessment.ground, answers)):
        broken.append("the entry's own conditions relaxed its ground's baseline")
    if assessment.ground == Ground.ART33_1_FIRST_VIOLATION and answers.first_time != \
            FirstTime.YES:
        broken.append("first-violation ground without a first violation")
    if assessment.ground in ART33 and answers.corrected in (Corrected.LATE, Corrected.NOT_YET,
                                                            None):
        broken.append("Art. 33 without timely correction")
    return broken


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(key=st.sampled_from(sorted(stored_entries())), answers=ANSWERS)
def test_the_precheck_never_over_promises(key: str, answers: Answers) -> None:
    assert _violations(stored_entries()[key], answers) == [], (key, answers)


def test_every_entry_and_every_answer_combination() -> None:
    combinations = list(itertools.product(
        [None, *FirstTime], [None, True, False], [None, *Harm], [None, *Corrected]))
    outcomes: dict[PrecheckOutcome, int] = dict.fromkeys(PrecheckOutcome, 0)
    for key, data in stored_entries().items():
        for first_time, exempted, harm, corrected in combinations:
            answers = Answers(first_time, exempted, harm, corrected)
            assert _violations(data, answers) == [], (key, answers)
            outcomes[assess_entry(data, answers, today=TODAY).outcome] += 1
    assert len(stored_entries()) == 68
    assert all(outcomes.values()), outcomes  # every outcome occurs, so the test can fail


def test_entries_whose_conditions_are_not_transcribed_never_may_apply() -> None:
    untranscribed = [key for key, data in stored_entries().items() if not data["conditions"]]
    assert untranscribed == ["culture-01"]
    best = Answers(FirstTime.YES, False, Harm.NONE, Corrected.BEFORE_DISCOVERY)
    assert assess_entry(stored_entries()["culture-01"], best,
                        today=TODAY).outcome == PrecheckOutcome.CANNOT_ASSESS
