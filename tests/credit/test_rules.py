"""Credit repair rules: publication periods by class, eligibility at each boundary, risk class.

Periods are calendar months from the decision date (DOMAIN.md §4); each boundary is
tested on the day before the minimum period ends and on the day it ends.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask_babel import force_locale

from portal.config import load_config
from portal.credit.models import MarketCategory, PenaltyType, RecordClass, RiskClass
from portal.credit.rules import (
    CreditRules,
    RecordFacts,
    RiskFacts,
    Unmet,
    add_months,
    describe_unmet,
    publication,
    risk_class,
    unmet_conditions,
)

D = dt.date
RULES = CreditRules()
DECIDED = D(2026, 1, 31)


def test_defaults_match_the_settings():
    assert CreditRules.from_config(load_config(environ={})) == RULES


def test_a_setting_changes_the_rule():
    rules = CreditRules.from_config(load_config(environ={"PORTAL_CREDIT_GENERAL_MIN_MONTHS": "4",
                                                         "PORTAL_CREDIT_NO_EARLY_REPAIR_TYPES":
                                                         "suspension, fine"}))
    assert rules.general_min_months == 4
    assert rules.no_early_repair_types == {"suspension", "fine"}


@pytest.mark.parametrize(("start", "months", "expected"), [
    (D(2026, 1, 31), 1, D(2026, 2, 28)),
    (D(2028, 1, 31), 1, D(2028, 2, 29)),
    (D(2026, 11, 15), 3, D(2027, 2, 15)),
    (D(2026, 3, 31), -1, D(2026, 2, 28)),
    (D(2026, 5, 10), 36, D(2029, 5, 10)),
])
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


# (record class, market category, special field) -> (ends on, earliest repair on)
PERIODS = [
    (RecordClass.MINOR, None, False, D(2026, 4, 30), D(2026, 1, 31)),
    (RecordClass.GENERAL, None, False, D(2027, 1, 31), D(2026, 4, 30)),
    (RecordClass.SERIOUS, None, False, D(2029, 1, 31), D(2027, 1, 31)),
    (RecordClass.GENERAL, MarketCategory.LOW_FINE_OR_CRITICISM, False, D(2026, 4, 30),
     D(2026, 1, 31)),
    (RecordClass.GENERAL, MarketCategory.OTHER, False, D(2029, 1, 31), D(2026, 7, 31)),
    (RecordClass.GENERAL, MarketCategory.OTHER, True, D(2029, 1, 31), D(2027, 1, 31)),
]


@pytest.mark.parametrize(("kind", "category", "special", "ends", "earliest"), PERIODS)
def test_publication_periods_from_the_decision_date(kind, category, special, ends, earliest):
    period = publication(decision_date=DECIDED, record_class=kind, market_category=category,
                         food_drug_special_equipment=special, rules=RULES)
    assert period.published
    assert (period.starts_on, period.ends_on, period.earliest_repair_on) == (
        DECIDED, ends, earliest)


def test_market_warning_is_not_published():
    period = publication(decision_date=DECIDED, record_class=RecordClass.MINOR,
                         market_category=MarketCategory.WARNING,
                         food_drug_special_equipment=False, rules=RULES)
    assert not period.published and period.ends_on is None


def _facts(period, **changes) -> RecordFacts:
    values = {"published": True, "earliest_repair_on": period.earliest_repair_on,
              "publication_ends_on": period.ends_on, "performed_on": DECIDED,
              "penalty_types": (PenaltyType.FINE.value,)}
    values.update(changes)
    return RecordFacts(**values)


@pytest.mark.parametrize(("kind", "category", "special", "ends", "earliest"),
                         [row for row in PERIODS if row[4] > DECIDED])
def test_eligible_on_the_day_the_minimum_period_ends_not_the_day_before(
        kind, category, special, ends, earliest):
    period = publication(decision_date=DECIDED, record_class=kind, market_category=category,
                         food_drug_special_equipment=special, rules=RULES)
    facts = _facts(period)
    assert unmet_conditions(facts, today=earliest - dt.timedelta(days=1), rules=RULES) == [
        Unmet.PERIOD_NOT_ELAPSED]
    assert unmet_conditions(facts, today=earliest, rules=RULES) == []


def test_general_record_boundary_in_words():
    period = publication(decision_date=D(2026, 3, 10), record_class=RecordClass.GENERAL,
                         market_category=None, food_drug_special_equipment=False, rules=RULES)
    facts = _facts(period, performed_on=D(2026, 3, 20))
    assert unmet_conditions(facts, today=D(2026, 6, 9), rules=RULES) == [Unmet.PERIOD_NOT_ELAPSED]
    assert unmet_conditions(facts, today=D(2026, 6, 10), rules=RULES) == []
    with force_locale("en"):
        words = describe_unmet([Unmet.PERIOD_NOT_ELAPSED], facts, rules=RULES)
    assert words == ["The minimum publication period has not elapsed: you may apply from "
                     "2026-06-10."]


def test_every_unmet_condition_is_reported():
    period = publication(decision_date=DECIDED, record_class=RecordClass.GENERAL,
                         market_category=None, food_drug_special_equipment=False, rules=RULES)
    today = D(2026, 3, 1)
    facts = _facts(period, performed_on=None, new_penalty_same_kind=True, on_abnormal_list=True,
                   on_serious_violation_list=True, has_application=True,
                   penalty_types=("fine", "suspension"),
                   approved_repairs=(D(2025, 6, 1), D(2022, 1, 1)))
    unmet = unmet_conditions(facts, today=today, rules=RULES)
    assert unmet == [Unmet.APPLIED_ALREADY, Unmet.NO_EARLY_REPAIR, Unmet.NOT_PERFORMED,
                     Unmet.NEW_PENALTY_SAME_KIND, Unmet.ON_ABNORMAL_LIST,
                     Unmet.ON_SERIOUS_VIOLATION_LIST, Unmet.REPAIRED_RECENTLY,
                     Unmet.REPAIRED_TOO_OFTEN]
    with force_locale("en"):
        words = describe_unmet(unmet, facts, rules=RULES)
    assert all(word and "%(" not in word for word in words)
    assert "2027-01-31" in words[1]


def test_performed_in_the_future_is_not_performed():
    period = publication(decision_date=DECIDED, record_class=RecordClass.MINOR,
                         market_category=None, food_drug_special_equipment=False, rules=RULES)
    facts = _facts(period, performed_on=D(2026, 2, 2))
    assert unmet_conditions(facts, today=D(2026, 2, 1), rules=RULES) == [Unmet.NOT_PERFORMED]
    assert unmet_conditions(facts, today=D(2026, 2, 2), rules=RULES) == []


@pytest.mark.parametrize("penalty", sorted(RULES.no_early_repair_types))
def test_no_early_repair_for_the_listed_penalty_types(penalty):
    period = publication(decision_date=DECIDED, record_class=RecordClass.SERIOUS,
                         market_category=None, food_drug_special_equipment=False, rules=RULES)
    facts = _facts(period, penalty_types=("fine", penalty))
    assert unmet_conditions(facts, today=D(2028, 1, 1), rules=RULES) == [Unmet.NO_EARLY_REPAIR]


def test_local_ground_a_repair_within_the_last_year():
    period = publication(decision_date=D(2024, 1, 1), record_class=RecordClass.MINOR,
                         market_category=None, food_drug_special_equipment=False, rules=RULES)
    facts = _facts(period, performed_on=D(2024, 1, 2), approved_repairs=(D(2025, 6, 1),))
    assert unmet_conditions(facts, today=D(2026, 5, 31), rules=RULES) == [
        Unmet.REPAIRED_RECENTLY]
    assert unmet_conditions(facts, today=D(2026, 6, 1), rules=RULES) == []
    off = CreditRules(refuse_repair_within_months=0)
    assert unmet_conditions(facts, today=D(2026, 5, 31), rules=off) == []


def test_local_ground_two_repairs_in_five_years():
    period = publication(decision_date=D(2024, 1, 1), record_class=RecordClass.MINOR,
                         market_category=None, food_drug_special_equipment=False, rules=RULES)
    facts = _facts(period, performed_on=D(2024, 1, 2),
                   approved_repairs=(D(2021, 6, 1), D(2023, 3, 1)))
    assert unmet_conditions(facts, today=D(2026, 5, 31), rules=RULES) == [
        Unmet.REPAIRED_TOO_OFTEN]
    assert unmet_conditions(facts, today=D(2026, 6, 1), rules=RULES) == []


def test_an_unpublished_record_has_nothing_to_repair():
    facts = RecordFacts(published=False, earliest_repair_on=None, publication_ends_on=None,
                        performed_on=DECIDED, penalty_types=("warning",))
    assert unmet_conditions(facts, today=DECIDED, rules=RULES) == [Unmet.NOT_PUBLISHED]


@pytest.mark.parametrize(("facts", "expected"), [
    (RiskFacts(), RiskClass.A),
    (RiskFacts(self_check_in_last_year=False), RiskClass.B),
    (RiskFacts(published_classes=("minor",)), RiskClass.B),
    (RiskFacts(overdue_cases=True), RiskClass.B),
    (RiskFacts(published_classes=("minor", "general")), RiskClass.C),
    (RiskFacts(on_abnormal_list=True), RiskClass.C),
    (RiskFacts(not_rectified_recently=True), RiskClass.C),
    (RiskFacts(published_classes=("serious",)), RiskClass.D),
    (RiskFacts(on_serious_violation_list=True), RiskClass.D),
])
def test_risk_class_rule(facts, expected):
    assert risk_class(facts) == expected
