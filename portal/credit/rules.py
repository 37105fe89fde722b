"""Credit repair rules (DOMAIN.md §4, §5) as pure functions: periods, eligibility, risk class.

Nothing here reads the database, the request or the clock: callers pass the
facts, the day and the settings (``CreditRules.from_config``), so every
boundary can be tested on its own.

**Periods** are calendar periods in months, counted from the decision date
(DOMAIN.md §4: "periods run from the decision date"). ``add_months`` keeps the
day of the month, or the month's last day when it has no such day (31 January
+ 1 month = 28/29 February). With ``d`` the decision date:

=====================================  ==================  ========================
record                                 published until     repair from (earliest)
=====================================  ==================  ========================
minor                                  d + 3 months        d + 0 months
general                                d + 12 months       d + 3 months
serious                                d + 36 months       d + 12 months
market regulation, warning             not published       —
market, criticism or low fine          d + 3 months        d + 0 months
market, other                          d + 36 months       d + 6 months
market, other, food/drug/special eq.   d + 36 months       d + 12 months
=====================================  ==================  ========================

Each figure is a setting (``PORTAL_CREDIT_*``). "Published until" is the
day publication ends automatically (the record is shown on the days before
it); "repair from" is the first day on which the minimum period has elapsed
and an application may be made.

**Risk class** (信用风险分类, DOMAIN.md §5), from what the portal knows:

* **D** (high): a serious record still published, or on the serious-violation list;
* **C** (higher): a general record still published, or on the abnormal-operations
  list, or a rectification case found not put right in the last 24 months;
* **B** (general): any other record still published, or a rectification case
  overdue now;
* **A** (low): none of these. An enterprise that submitted no self-check in the
  last 12 months is at best **B**.

An officer may override the computed class with a reason (audited); the
override wins until it is removed.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.credit.models import MarketCategory, PenaltyType, RecordClass, RiskClass


def add_months(day: dt.date, months: int) -> dt.date:
    """Return ``day`` plus ``months`` calendar months (clamped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class CreditRules:
    """The settings of DOMAIN.md §4, with its defaults."""

    minor_min_months: int = 0
    minor_max_months: int = 3
    minor_published: bool = True
    general_min_months: int = 3
    general_max_months: int = 12
    serious_min_months: int = 12
    serious_max_months: int = 36
    market_warning_published: bool = False
    market_low_months: int = 3
    market_low_min_months: int = 0
    market_other_months: int = 36
    market_other_min_months: int = 6
    market_special_min_months: int = 12
    no_early_repair_types: frozenset[str] = frozenset({
        PenaltyType.SUSPENSION, PenaltyType.RESTRICT_PRODUCTION, PenaltyType.RESTRICT_PRACTICE,
        PenaltyType.QUALIFICATION_LOWERED, PenaltyType.LICENCE_REVOKED,
        PenaltyType.BUSINESS_LICENCE_REVOKED})
    refuse_repair_within_months: int = 12
    refuse_repairs_count: int = 2
    refuse_repairs_years: int = 5

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CreditRules:
        """Return the rules configured in ``config`` (the app's settings)."""
        return cls(
            minor_min_months=config["CREDIT_MINOR_MIN_MONTHS"],
            minor_max_months=config["CREDIT_MINOR_MAX_MONTHS"],
            minor_published=config["CREDIT_MINOR_PUBLISHED"],
            general_min_months=config["CREDIT_GENERAL_MIN_MONTHS"],
            general_max_months=config["CREDIT_GENERAL_MAX_MONTHS"],
            serious_min_months=config["CREDIT_SERIOUS_MIN_MONTHS"],
            serious_max_months=config["CREDIT_SERIOUS_MAX_MONTHS"],
            market_warning_published=config["CREDIT_MARKET_WARNING_PUBLISHED"],
            market_low_months=config["CREDIT_MARKET_LOW_MONTHS"],
            market_low_min_months=config["CREDIT_MARKET_LOW_MIN_MONTHS"],
            market_other_months=config["CREDIT_MARKET_OTHER_MONTHS"],
            market_other_min_months=config["CREDIT_MARKET_OTHER_MIN_MONTHS"],
            market_special_min_months=config["CREDIT_MARKET_SPECIAL_MIN_MONTHS"],
            no_early_repair_types=frozenset(
                code for code in str(config["CREDIT_NO_EARLY_REPAIR_TYPES"]).split(",") if code),
            refuse_repair_within_months=config["CREDIT_REFUSE_REPAIR_WITHIN_MONTHS"],
            refuse_repairs_count=config["CREDIT_REFUSE_REPAIRS_COUNT"],
            refuse_repairs_years=config["CREDIT_REFUSE_REPAIRS_YEARS"],
        )


@dataclass(frozen=True)
class Publication:
    """When a record is published and when it may be repaired (None: not published)."""

    published: bool
    starts_on: dt.date | None
    #: The day publication ends automatically (its maximum period).
    ends_on: dt.date | None
    #: The first day an application for repair may be made (its minimum period).
    earliest_repair_on: dt.date | None


def publication(*, decision_date: dt.date, record_class: RecordClass | str,
                market_category: MarketCategory | str | None,
                food_drug_special_equipment: bool, rules: CreditRules) -> Publication:
    """Return the publication period and earliest repair date of a record (calendar months)."""
    if market_category is not None:
        category = MarketCategory(market_category)
        if category == MarketCategory.WARNING:
            if not rules.market_warning_published:
                return Publication(False, None, None, None)
            low, high = rules.market_low_min_months, rules.market_low_months
        elif category == MarketCategory.LOW_FINE_OR_CRITICISM:
            low, high = rules.market_low_min_months, rules.market_low_months
        else:
            low = (rules.market_special_min_months if food_drug_special_equipment
                   else rules.market_other_min_months)
            high = rules.market_other_months
    else:
        kind = RecordClass(record_class)
        if kind == RecordClass.MINOR and not rules.minor_published:
            return Publication(False, None, None, None)
        low, high = {
            RecordClass.MINOR: (rules.minor_min_months, rules.minor_max_months),
            RecordClass.GENERAL: (rules.general_min_months, rules.general_max_months),
            RecordClass.SERIOUS: (rules.serious_min_months, rules.serious_max_months),
        }[kind]
    return Publication(True, decision_date, add_months(decision_date, high),
                       add_months(decision_date, min(low, high)))


# -- Eligibility ---------------------------------------------------------------------------


class Unmet(StrEnum):
    """A condition of repair that does not hold (DOMAIN.md §4), by code."""

    NOT_PUBLISHED = "not_published"
    APPLIED_ALREADY = "applied_already"
    PERIOD_NOT_ELAPSED = "period_not_elapsed"
    NOT_PERFORMED = "not_performed"
    NEW_PENALTY_SAME_KIND = "new_penalty_same_kind"
    ON_ABNORMAL_LIST = "on_abnormal_list"
    ON_SERIOUS_VIOLATION_LIST = "on_serious_violation_list"
    NO_EARLY_REPAIR = "no_early_repair"
    REPAIRED_RECENTLY = "repaired_recently"
    REPAIRED_TOO_OFTEN = "repaired_too_often"
    FALSE_MATERIALS = "false_materials"


#: Each unmet condition in words; ``%(date)s`` is the earliest repair date when it matters.
UNMET_MESSAGES: dict[Unmet, Any] = {
    Unmet.NOT_PUBLISHED: _l("The record is not published, so there is nothing to repair."),
    Unmet.APPLIED_ALREADY: _l("A repair has already been applied for for this record."),
    Unmet.PERIOD_NOT_ELAPSED: _l("The minimum publication period has not elapsed: you may "
                                 "apply from %(date)s."),
    Unmet.NOT_PERFORMED: _l("The decision has not been fully performed: pay the fine and "
                            "finish the correction, then ask the authority to record it."),
    Unmet.NEW_PENALTY_SAME_KIND: _l("The enterprise received a new penalty for the same kind "
                                    "of violation after this one."),
    Unmet.ON_ABNORMAL_LIST: _l("The enterprise is on the list of abnormal operations "
                               "(经营异常名录)."),
    Unmet.ON_SERIOUS_VIOLATION_LIST: _l("The enterprise is on the list of serious violators "
                                        "(严重违法失信名单)."),
    Unmet.NO_EARLY_REPAIR: _l("Records of this penalty type (suspension, restriction, lowered "
                              "qualification, revoked licence) are not repaired early; "
                              "publication ends on %(end)s."),
    Unmet.REPAIRED_RECENTLY: _l("A repair was approved for the enterprise within the last "
                                "%(months)s months."),
    Unmet.REPAIRED_TOO_OFTEN: _l("%(count)s repairs were approved for the enterprise within "
                                 "the last %(years)s years."),
    Unmet.FALSE_MATERIALS: _l("An earlier repair application of the enterprise was refused "
                              "for false materials: it may not repair its credit again."),
}


@dataclass(frozen=True)
class RecordFacts:
    """What eligibility depends on, read from the record and its enterprise."""

    published: bool
    earliest_repair_on: dt.date | None
    publication_ends_on: dt.date | None
    performed_on: dt.date | None
    penalty_types: tuple[str, ...]
    has_application: bool = False
    new_penalty_same_kind: bool = False
    on_abnormal_list: bool = False
    on_serious_violation_list: bool = False
    #: Days on which repairs of the enterprise's other records were approved.
    approved_repairs: tuple[dt.date, ...] = ()
    #: An application of the enterprise was refused for false materials (DOMAIN.md §4).
    false_materials: bool = False


def unmet_conditions(facts: RecordFacts, *, today: dt.date, rules: CreditRules) -> list[Unmet]:
    """Return every condition of repair that does not hold on ``today`` (empty: eligible)."""
    if not facts.published:
        return [Unmet.NOT_PUBLISHED]
    unmet: list[Unmet] = []
    if facts.has_application:
        unmet.append(Unmet.APPLIED_ALREADY)
    if set(facts.penalty_types) & rules.no_early_repair_types:
        unmet.append(Unmet.NO_EARLY_REPAIR)
    elif facts.earliest_repair_on is None or today < facts.earliest_repair_on:
        unmet.append(Unmet.PERIOD_NOT_ELAPSED)
    if facts.performed_on is None or facts.performed_on > today:
        unmet.append(Unmet.NOT_PERFORMED)
    if facts.new_penalty_same_kind:
        unmet.append(Unmet.NEW_PENALTY_SAME_KIND)
    if facts.on_abnormal_list:
        unmet.append(Unmet.ON_ABNORMAL_LIST)
    if facts.on_serious_violation_list:
        unmet.append(Unmet.ON_SERIOUS_VIOLATION_LIST)
    if rules.refuse_repair_within_months > 0 and any(
            day > add_months(today, -rules.refuse_repair_within_months)
            for day in facts.approved_repairs):
        unmet.append(Unmet.REPAIRED_RECENTLY)
    if rules.refuse_repairs_count > 0:
        since = add_months(today, -12 * rules.refuse_repairs_years)
        if sum(1 for day in facts.approved_repairs if day > since) >= rules.refuse_repairs_count:
            unmet.append(Unmet.REPAIRED_TOO_OFTEN)
    if facts.false_materials:
        unmet.append(Unmet.FALSE_MATERIALS)
    return unmet


def describe_unmet(unmet: Iterable[Unmet], facts: RecordFacts, *, rules: CreditRules,
                   format_day: Any = str) -> list[str]:
    """Return each unmet condition in words in the current language (``format_day`` for dates)."""
    values = {
        "date": format_day(facts.earliest_repair_on) if facts.earliest_repair_on else "",
        "end": format_day(facts.publication_ends_on) if facts.publication_ends_on else "",
        "months": rules.refuse_repair_within_months,
        "count": rules.refuse_repairs_count,
        "years": rules.refuse_repairs_years,
    }
    return [str(UNMET_MESSAGES[code]) % values for code in unmet]


# -- Risk class ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskFacts:
    """What the risk class depends on (see the module docstring for the rule)."""

    published_classes: tuple[str, ...] = ()
    on_abnormal_list: bool = False
    on_serious_violation_list: bool = False
    not_rectified_recently: bool = False
    overdue_cases: bool = False
    self_check_in_last_year: bool = True


def risk_class(facts: RiskFacts) -> RiskClass:
    """Return the credit risk class A–D computed by the documented rule."""
    published = set(facts.published_classes)
    if RecordClass.SERIOUS in published or facts.on_serious_violation_list:
        return RiskClass.D
    if (RecordClass.GENERAL in published or facts.on_abnormal_list
            or facts.not_rectified_recently):
        return RiskClass.C
    if published or facts.overdue_cases or not facts.self_check_in_last_year:
        return RiskClass.B
    return RiskClass.A
