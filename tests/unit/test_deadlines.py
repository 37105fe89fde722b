"""Working days follow the official calendar, including make-up working days."""

import datetime as dt

from portal.core.deadlines import add_working_days, working_days_left


def test_national_day_holiday_is_skipped():
    # 2026-09-30 (Wed) + 1 working day: 1-7 October are the National Day holiday.
    deadline = add_working_days(dt.date(2026, 9, 30), 1)
    assert deadline.date == dt.date(2026, 10, 8)
    assert not deadline.estimated
    # 2026-10-10 is a Saturday worked in exchange for the holiday (调休).
    assert add_working_days(dt.date(2026, 10, 9), 1).date == dt.date(2026, 10, 10)


def test_a_make_up_saturday_is_a_working_day():
    # 2026-01-04 (Sunday) is a make-up working day for New Year's Day 2026.
    friday = dt.date(2026, 1, 2)
    assert add_working_days(friday, 1).date == dt.date(2026, 1, 4)


def test_ordinary_weeks_skip_weekends():
    assert add_working_days(dt.date(2026, 11, 20), 5).date == dt.date(2026, 11, 27)
    assert add_working_days(dt.date(2026, 11, 25), 0).date == dt.date(2026, 11, 25)


def test_years_without_published_calendar_are_estimated():
    deadline = add_working_days(dt.date(2026, 12, 30), 5)
    assert deadline.estimated
    assert deadline.date.weekday() < 5


def test_working_days_left():
    assert working_days_left(dt.date(2026, 11, 20), dt.date(2026, 11, 27)) == 5
    assert working_days_left(dt.date(2026, 11, 27), dt.date(2026, 11, 20)) == -5
