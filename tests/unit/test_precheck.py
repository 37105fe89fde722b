"""The pre-check's condition service: baselines by legal ground, three outcomes, boundaries."""

import datetime as dt

import pytest

from portal.guides.conditions import (
    Answers,
    ConditionStatus,
    Corrected,
    FirstTime,
    Harm,
    PrecheckOutcome,
    Reason,
    assess_entry,
    judge_condition,
)

TODAY = dt.date(2026, 11, 25)
CLEAN = Answers(first_time=FirstTime.YES, exempted_before=False, harm=Harm.NONE,
                corrected=Corrected.ON_THE_SPOT)
MAY, NOT, CANNOT = (PrecheckOutcome.MAY_APPLY, PrecheckOutcome.DOES_NOT_APPLY,
                    PrecheckOutcome.CANNOT_ASSESS)

# Typical conditions of each ground (DOMAIN.md §2-3).
ENTRIES = {
    "art33_1_minor": [{"type": "no_harm"}, {"type": "corrected_within_ordered_period"}],
    "art33_1_first_violation": [{"type": "first_discovery", "look_back_months": 24},
                                {"type": "slight_harm"},
                                {"type": "corrected_within_ordered_period"}],
    "art32_mitigation": [{"type": "harm_reduced_before_order"}],
    "compulsion_exemption": [{"type": "first_discovery"}, {"type": "corrected_on_the_spot"}],
}


def _entry(ground, conditions, **extra):
    return {"legal_basis_ground": ground, "conditions": conditions, "exempt_again": False,
            **extra}


def _assess(ground, conditions, answers=CLEAN, **extra):
    return assess_entry(_entry(ground, conditions, **extra), answers, today=TODAY)


@pytest.mark.parametrize("ground", sorted(ENTRIES))
def test_each_ground_may_apply_to_a_clean_case(ground):
    assessment = _assess(ground, ENTRIES[ground])
    assert assessment.outcome == MAY
    assert all(c.status == ConditionStatus.MET for c in assessment.checks)


def test_minor_ground_adds_no_harm_and_timely_correction_to_an_entry_that_lacks_them():
    # Found in issue 9: an entry that transcribed only first discovery accepted serious harm.
    bare = [{"type": "first_discovery"}]
    serious = Answers(FirstTime.YES, False, Harm.SERIOUS, Corrected.ON_THE_SPOT)
    assessment = _assess("art33_1_minor", bare, serious)
    assert assessment.outcome == NOT
    assert {c.code for c in assessment.unmet} == {"baseline.minor_violation",
                                                  "baseline.no_harmful_consequence"}
    slight = _assess("art33_1_minor", bare, Answers(FirstTime.YES, False, Harm.SLIGHT,
                                                    Corrected.ON_THE_SPOT))
    assert [c.code for c in slight.unmet] == ["baseline.no_harmful_consequence"]
    late = _assess("art33_1_minor", bare, Answers(FirstTime.YES, False, Harm.NONE,
                                                  Corrected.LATE))
    assert [c.code for c in late.unmet] == ["baseline.corrected_in_time"]
    assert [c.reason for c in late.unmet] == [Reason.CORRECTED_TOO_LATE]


def test_first_violation_ground_fails_serious_harm_even_when_the_entry_omits_slight_harm():
    # food-03 (首违不罚) transcribed no slight_harm and said "could apply" with serious harm.
    entry = [{"type": "first_discovery"}, {"type": "corrected_within_ordered_period"}]
    serious = Answers(FirstTime.YES, False, Harm.SERIOUS, Corrected.WITHIN_PERIOD)
    assessment = _assess("art33_1_first_violation", entry, serious)
    assert assessment.outcome == NOT
    assert [c.code for c in assessment.unmet] == ["baseline.slight_harm_at_most"]
    slight = Answers(FirstTime.YES, False, Harm.SLIGHT, Corrected.WITHIN_PERIOD)
    assert _assess("art33_1_first_violation", entry, slight).outcome == MAY


def test_first_violation_ground_fails_a_repeat_offender():
    assessment = _assess("art33_1_first_violation", [{"type": "corrected_on_the_spot"}],
                         Answers(FirstTime.NO, False, Harm.NONE, Corrected.ON_THE_SPOT))
    assert [c.code for c in assessment.unmet] == ["baseline.first_violation"]
    assert assessment.unmet[0].reason == Reason.NOT_FIRST_TIME


def test_baseline_is_not_repeated_when_the_entry_is_at_least_as_strict():
    assessment = _assess("art33_1_first_violation", ENTRIES["art33_1_first_violation"])
    assert [c.code for c in assessment.checks] == [
        "baseline.not_exempted_before", "condition.first_discovery", "condition.slight_harm",
        "condition.corrected_within_ordered_period"]


def test_no_fault_ground_can_never_be_settled_by_the_answers():
    assessment = _assess("art33_2_no_fault", [{"type": "no_harm"}])
    assert assessment.outcome == CANNOT
    assert [c.code for c in assessment.to_confirm] == ["baseline.no_fault_proven"]


def test_compulsion_exemption_fails_with_serious_harm():
    assessment = _assess("compulsion_exemption", ENTRIES["compulsion_exemption"],
                         Answers(FirstTime.YES, False, Harm.SERIOUS, Corrected.ON_THE_SPOT))
    assert [c.code for c in assessment.unmet] == ["baseline.no_obvious_harm"]


def test_an_entry_without_transcribed_conditions_cannot_be_assessed():
    # culture-01 said "could apply" to a repeat offender with serious harm who corrected late.
    assessment = _assess("art33_1_first_violation", [])
    assert assessment.outcome == CANNOT
    assert [c.code for c in assessment.to_confirm] == ["entry.conditions_transcribed"]
    worst = _assess("art33_1_first_violation", [],
                    Answers(FirstTime.NO, True, Harm.SERIOUS, Corrected.LATE))
    assert worst.outcome == NOT


def test_an_entry_without_a_ground_cannot_be_assessed():
    assessment = assess_entry({"conditions": [{"type": "no_harm"}]}, CLEAN, today=TODAY)
    assert assessment.ground is None
    assert assessment.outcome == CANNOT
    assert [c.code for c in assessment.to_confirm] == ["entry.ground_recorded"]


@pytest.mark.parametrize("condition", [{"type": "other", "text": {"zh_Hans": "货值不超过500元"}},
                                       {"type": "no_fault_proven"}, {"type": "commitment_signed"}])
def test_conditions_the_answers_cannot_settle_make_the_outcome_cannot_assess(condition):
    assessment = _assess("art33_1_minor", [{"type": "no_harm"}, condition])
    assert assessment.outcome == CANNOT
    assert [c.code for c in assessment.to_confirm] == [f"condition.{condition['type']}"]


def test_unmet_beats_to_confirm():
    assessment = _assess("art33_1_minor", [{"type": "other", "text": {"zh_Hans": "其他"}}],
                         Answers(FirstTime.YES, False, Harm.SLIGHT, Corrected.ON_THE_SPOT))
    assert assessment.outcome == NOT


def test_guangdong_rule_no_second_exemption_even_if_the_entry_allows_one():
    again = Answers(FirstTime.YES, True, Harm.NONE, Corrected.ON_THE_SPOT)
    for exempt_again in (False, True):
        assessment = _assess("art33_1_minor", ENTRIES["art33_1_minor"], again,
                             exempt_again=exempt_again)
        assert assessment.outcome == NOT
        assert [c.reason for c in assessment.unmet] == [Reason.EXEMPTED_BEFORE]


def test_unanswered_questions_are_to_confirm_not_met():
    assessment = _assess("art33_1_minor", ENTRIES["art33_1_minor"], Answers())
    assert assessment.outcome == CANNOT
    assert not any(c.status == ConditionStatus.MET for c in assessment.checks)


def test_an_entry_out_of_force_does_not_apply():
    expired = _assess("art33_1_minor", ENTRIES["art33_1_minor"], effective_until="2025-01-31")
    assert [c.code for c in expired.unmet] == ["entry.in_force"]
    future = _assess("art33_1_minor", ENTRIES["art33_1_minor"], effective_from="2027-01-01")
    assert future.outcome == NOT


M, U, C = ConditionStatus.MET, ConditionStatus.UNMET, ConditionStatus.TO_CONFIRM


@pytest.mark.parametrize(("kind", "expected"), [
    # answers: before_discovery, before_order, on_the_spot, within_period, in_time, late, not_yet
    ("corrected_within_ordered_period", [M, M, M, M, M, U, C]),
    ("corrected_on_the_spot", [M, C, M, U, C, U, C]),
    ("corrected_before_discovery", [M, U, U, U, C, U, C]),
    # price-01, 在责令改正前及时改正: before the order, which may come after discovery.
    ("corrected_before_order", [M, M, C, U, C, U, C]),
])
def test_timing_conditions_for_every_answer(kind, expected):
    order = [Corrected.BEFORE_DISCOVERY, Corrected.BEFORE_ORDER, Corrected.ON_THE_SPOT,
             Corrected.WITHIN_PERIOD, Corrected.IN_TIME, Corrected.LATE, Corrected.NOT_YET]
    got = [judge_condition({"type": kind}, Answers(corrected=answer))[0] for answer in order]
    assert got == expected


def test_corrected_before_the_order_but_after_discovery_meets_price_01():
    price_01 = [{"type": "corrected_before_order"}, {"type": "no_harm"}]
    answers = Answers(FirstTime.NO, False, Harm.NONE, Corrected.BEFORE_ORDER)
    assert _assess("art33_1_minor", price_01, answers).outcome == MAY
    ordered = Answers(FirstTime.NO, False, Harm.NONE, Corrected.WITHIN_PERIOD)
    assessment = _assess("art33_1_minor", price_01, ordered)
    assert [c.reason for c in assessment.unmet] == [Reason.ALREADY_ORDERED]


def test_any_of_is_met_by_one_option_and_unmet_only_when_all_fail():
    entry = [{"type": "any_of", "options": [{"type": "corrected_on_the_spot"},
                                            {"type": "corrected_before_discovery"}]}]
    assert _assess("art33_1_minor", entry).outcome == MAY
    late = Answers(FirstTime.YES, False, Harm.NONE, Corrected.LATE)
    assert _assess("art33_1_minor", entry, late).outcome == NOT
    either = [{"type": "any_of", "options": [{"type": "other", "text": {"zh_Hans": "x"}},
                                             {"type": "no_fault_proven"}]}]
    assert _assess("art33_1_minor", either).outcome == CANNOT


def test_mitigation_asks_to_reduce_harm_when_there_was_some():
    assessment = _assess("art32_mitigation", ENTRIES["art32_mitigation"],
                         Answers(FirstTime.YES, False, Harm.SERIOUS, Corrected.NOT_YET))
    assert assessment.outcome == CANNOT
    assert assessment.to_confirm[0].reason == Reason.REDUCE_HARM


def test_answers_ignore_values_that_were_not_offered():
    answers = Answers.from_mapping({"first_time": "maybe", "harm": "none",
                                    "exempted_before": "yes", "corrected": "<script>"})
    assert answers == Answers(None, True, Harm.NONE, None)
    assert answers.next_question() == "history"
    assert Answers.from_mapping(CLEAN.as_params()) == CLEAN
