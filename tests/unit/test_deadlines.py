"""Working days follow the official calendar, including make-up working days.

The tests name 2025 and 2026 dates from the State Council's published schedules, and
test "beyond the data" relative to the last year the installed chinese-calendar
covers, so that a release with next year's schedule does not break them. The
estimate's holidays and the overrides folder are tested with files made in the test
in test_calendar_overrides.py.
"""

import datetime as dt

import chinese_calendar
import pytest

from portal.core.deadlines import add_working_days, is_working_day, working_days_left

#: The last year whose official schedule the installed chinese-calendar holds.
LAST_COVERED_YEAR = max(day.year for day in chinese_calendar.holidays)


def test_the_installed_calendar_covers_2025_and_2026():
    assert LAST_COVERED_YEAR >= 2026


@pytest.mark.parametrize("day", [
    dt.date(2025, 1, 28), dt.date(2025, 2, 4),     # Spring Festival 2025 (Tue to Tue)
    dt.date(2025, 10, 1), dt.date(2025, 10, 8),    # National Day 2025 (8 days)
    dt.date(2026, 2, 16), dt.date(2026, 2, 23),    # Spring Festival 2026 (Mon 16 to Mon 23)
    dt.date(2026, 10, 1), dt.date(2026, 10, 7),    # National Day 2026
])
def test_published_weekday_holidays_are_not_working_days(day):
    assert day.weekday() < 5
    assert is_working_day(day) == (False, False)


@pytest.mark.parametrize("day", [
    dt.date(2025, 1, 26), dt.date(2025, 2, 8),     # make-up days for Spring Festival 2025
    dt.date(2025, 9, 28), dt.date(2025, 10, 11),   # make-up days for National Day 2025
    dt.date(2026, 2, 14), dt.date(2026, 2, 28),    # make-up days for Spring Festival 2026
    dt.date(2026, 1, 4), dt.date(2026, 10, 10),
])
def test_published_make_up_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_working_day(day) == (True, False)


def test_national_day_holiday_is_skipped():
    # 2026-09-30 (Wed) + 1 working day: 1-7 October are the National Day holiday.
    deadline = add_working_days(dt.date(2026, 9, 30), 1)
    assert deadline.date == dt.date(2026, 10, 8)
    assert not deadline.estimated
    # 2026-10-10 is a Saturday worked in exchange for the holiday (调休).
    assert add_working_days(dt.date(2026, 10, 9), 1).date == dt.date(2026, 10, 10)


def test_spring_festival_2025_is_skipped_and_its_make_up_saturday_counts():
    # Mon 27 Jan 2025 + 1: 28 Jan to 4 Feb are the holiday.
    assert add_working_days(dt.date(2025, 1, 27), 1) == add_working_days(
        dt.date(2025, 2, 4), 1)
    assert add_working_days(dt.date(2025, 1, 27), 1).date == dt.date(2025, 2, 5)
    # Fri 7 Feb 2025 + 1 is Saturday 8 Feb, a make-up working day.
    assert add_working_days(dt.date(2025, 2, 7), 1).date == dt.date(2025, 2, 8)


def test_a_make_up_saturday_is_a_working_day():
    # 2026-01-04 (Sunday) is a make-up working day for New Year's Day 2026.
    friday = dt.date(2026, 1, 2)
    assert add_working_days(friday, 1).date == dt.date(2026, 1, 4)


def test_ordinary_weeks_skip_weekends():
    assert add_working_days(dt.date(2026, 11, 20), 5).date == dt.date(2026, 11, 27)
    assert add_working_days(dt.date(2026, 11, 25), 0).date == dt.date(2026, 11, 25)


def test_a_period_inside_the_published_data_is_not_estimated():
    deadline = add_working_days(dt.date(LAST_COVERED_YEAR, 11, 2), 5)
    assert deadline.date.year == LAST_COVERED_YEAR
    assert not deadline.estimated


def test_a_period_reaching_past_the_published_data_is_estimated():
    deadline = add_working_days(dt.date(LAST_COVERED_YEAR, 12, 30), 5)
    assert deadline.estimated
    assert deadline.date.year == LAST_COVERED_YEAR + 1
    assert deadline.date.weekday() < 5


def test_beyond_the_published_data_weekends_are_skipped():
    # 2 January of the first uncovered year, and the following Monday to Friday
    # (a week without statutory holidays: the Spring Festival is 21 January at the earliest).
    beyond = dt.date(LAST_COVERED_YEAR + 1, 1, 2)
    monday = beyond + dt.timedelta(days=7 - beyond.weekday())
    deadline = add_working_days(monday, 5)
    assert deadline.estimated
    assert deadline.date == monday + dt.timedelta(days=7)  # the next Monday
    saturday = monday + dt.timedelta(days=5)
    assert is_working_day(saturday) == (False, True)
    assert is_working_day(monday) == (True, True)


def test_working_days_left():
    assert working_days_left(dt.date(2026, 11, 20), dt.date(2026, 11, 27)) == 5
    assert working_days_left(dt.date(2026, 11, 27), dt.date(2026, 11, 20)) == -5
