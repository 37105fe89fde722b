"""The "Might I qualify?" pre-check: every condition, every list type and the exit."""

import datetime as dt

import pytest

from portal.guides.precheck import (
    Answers,
    Corrected,
    FirstTime,
    Harm,
    Reason,
    Status,
    evaluate_entry,
)

TODAY = dt.date(2026, 11, 25)
CLEAN = Answers(first_time=FirstTime.YES, exempted_before=False, harm=Harm.NONE,
                corrected=Corrected.ON_THE_SPOT)

# The typical conditions of each list type (DOMAIN.md §3, Administrative Penalty Law 32-33).
ENTRIES = {
    "no_penalty": [{"type": "no_harm"}, {"type": "corrected_within_ordered_period"}],
    "first_violation": [{"type": "first_discovery", "look_back_months": 24},
                        {"type": "slight_harm"}, {"type": "corrected_within_ordered_period"}],
    "mitigated": [{"type": "harm_reduced_before_order"}],
    "lenient": [{"type": "first_discovery"}, {"type": "corrected_within_ordered_period"}],
    "no_compulsion": [{"type": "no_harm"}, {"type": "commitment_signed"}],
}


def _entry(list_type, conditions, **extra):
    return {"list_type": list_type, "conditions": conditions, "exempt_again": False, **extra}


@pytest.mark.parametrize("list_type", sorted(ENTRIES))
def test_each_list_type_applies_to_a_clean_case(list_type):
    outcome = evaluate_entry(_entry(list_type, ENTRIES[list_type]), CLEAN, today=TODAY)
    assert outcome.applies
    assert not outcome.failed


def test_no_penalty_exits_when_there_was_harm():
    outcome = evaluate_entry(_entry("no_penalty", ENTRIES["no_penalty"]),
                             Answers(FirstTime.YES, False, Harm.SLIGHT, Corrected.ON_THE_SPOT),
                             today=TODAY)
    assert not outcome.applies
    assert [r.reason for r in outcome.failed] == [Reason.HARM_TOO_GREAT]


def test_first_violation_exits_for_a_repeat_and_for_serious_harm():
    entry = _entry("first_violation", ENTRIES["first_violation"])
    repeat = evaluate_entry(entry, Answers(FirstTime.NO, False, Harm.SLIGHT,
                                           Corrected.WITHIN_PERIOD), today=TODAY)
    assert [r.reason for r in repeat.failed] == [Reason.NOT_FIRST_TIME]
    serious = evaluate_entry(entry, Answers(FirstTime.YES, False, Harm.SERIOUS,
                                            Corrected.WITHIN_PERIOD), today=TODAY)
    assert [r.reason for r in serious.failed] == [Reason.HARM_TOO_GREAT]
    slight = evaluate_entry(entry, Answers(FirstTime.YES, False, Harm.SLIGHT,
                                           Corrected.WITHIN_PERIOD), today=TODAY)
    assert slight.applies


def test_unsure_history_and_not_yet_corrected_are_things_to_do_not_failures():
    outcome = evaluate_entry(_entry("first_violation", ENTRIES["first_violation"]),
                             Answers(FirstTime.UNSURE, False, Harm.NONE, Corrected.NOT_YET),
                             today=TODAY)
    assert outcome.applies
    assert {r.reason for r in outcome.to_do} == {Reason.CHECK_RECORDS,
                                                 Reason.CORRECT_WITHIN_PERIOD}


def test_late_correction_fails_the_ordered_period():
    outcome = evaluate_entry(_entry("lenient", ENTRIES["lenient"]),
                             Answers(FirstTime.YES, False, Harm.NONE, Corrected.LATE),
                             today=TODAY)
    assert [r.reason for r in outcome.failed] == [Reason.CORRECTED_TOO_LATE]


@pytest.mark.parametrize(("corrected", "status"), [
    (Corrected.BEFORE_DISCOVERY, Status.MET), (Corrected.ON_THE_SPOT, Status.MET),
    (Corrected.WITHIN_PERIOD, Status.FAILED), (Corrected.LATE, Status.FAILED),
    (Corrected.NOT_YET, Status.TO_DO)])
def test_corrected_on_the_spot(corrected, status):
    outcome = evaluate_entry(_entry("no_penalty", [{"type": "corrected_on_the_spot"}]),
                             Answers(FirstTime.YES, False, Harm.NONE, corrected), today=TODAY)
    assert outcome.results[0].status == status


def test_mitigation_asks_to_reduce_harm_when_there_was_some():
    outcome = evaluate_entry(_entry("mitigated", ENTRIES["mitigated"]),
                             Answers(FirstTime.YES, False, Harm.SERIOUS, Corrected.NOT_YET),
                             today=TODAY)
    assert outcome.applies
    assert outcome.to_do[0].reason == Reason.REDUCE_HARM


def test_any_of_is_met_by_one_option():
    entry = _entry("no_penalty", [{"type": "any_of", "options": [
        {"type": "corrected_on_the_spot"}, {"type": "corrected_before_discovery"}]}])
    assert evaluate_entry(entry, CLEAN, today=TODAY).applies
    late = Answers(FirstTime.YES, False, Harm.NONE, Corrected.LATE)
    assert not evaluate_entry(entry, late, today=TODAY).applies


def test_guangdong_rule_no_second_exemption_for_the_same_kind():
    again = Answers(FirstTime.YES, True, Harm.NONE, Corrected.ON_THE_SPOT)
    outcome = evaluate_entry(_entry("no_penalty", ENTRIES["no_penalty"]), again, today=TODAY)
    assert not outcome.applies
    assert outcome.blockers == (Reason.EXEMPTED_BEFORE,)
    allowed = _entry("no_penalty", ENTRIES["no_penalty"], exempt_again=True)
    assert evaluate_entry(allowed, again, today=TODAY).applies


def test_an_entry_out_of_force_does_not_apply():
    expired = _entry("no_penalty", ENTRIES["no_penalty"], effective_until="2025-01-31")
    assert evaluate_entry(expired, CLEAN, today=TODAY).blockers == (Reason.NOT_IN_FORCE,)
    future = _entry("no_penalty", ENTRIES["no_penalty"], effective_from="2027-01-01")
    assert not evaluate_entry(future, CLEAN, today=TODAY).applies


def test_conditions_the_user_cannot_settle_are_left_to_the_officer():
    entry = _entry("no_penalty", [{"type": "no_fault_proven"}, {"type": "other"}])
    outcome = evaluate_entry(entry, CLEAN, today=TODAY)
    assert outcome.applies
    assert [r.reason for r in outcome.to_do] == [Reason.PROVE_NO_FAULT, Reason.OFFICER_CHECKS]


def test_answers_ignore_values_that_were_not_offered():
    answers = Answers.from_mapping({"first_time": "maybe", "harm": "none",
                                    "exempted_before": "yes", "corrected": "<script>"})
    assert answers == Answers(None, True, Harm.NONE, None)
    assert answers.next_question() == "history"
    assert Answers.from_mapping(CLEAN.as_params()) == CLEAN
