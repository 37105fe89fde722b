"""The working-day clock of a case: National Day 2026, a 调休 Saturday, a clock stopped for 补正.

The calendar is built from an override file written here, with the package off, so
these tests keep their meaning whatever chinese-calendar publishes.
"""

from __future__ import annotations

import datetime as dt

import pytest

from portal.core.deadlines import (
    add_working_days,
    load_calendar,
    resume_clock,
    stop_clock,
    working_days_left,
)

D = dt.date

#: The National Day part of the State Council's 2026 notice, as entered in an override file.
NATIONAL_DAY_2026 = """\
year: 2026
source: 国务院办公厅关于2026年部分节假日安排的通知（国庆节部分，test excerpt）
holidays:
  - {name: 国庆节、中秋节, from: 2026-10-01, to: 2026-10-07}
working_days:
  - {name: 国庆节调休, date: 2026-09-20}
  - {name: 国庆节调休, date: 2026-10-10}
"""


@pytest.fixture
def calendar(tmp_path):
    (tmp_path / "2026.yaml").write_text(NATIONAL_DAY_2026, encoding="utf-8")
    return load_calendar(tmp_path, use_package=False)


def test_the_national_day_week_is_skipped(calendar):
    # Wednesday 30 September + 1 working day: the holiday runs 1-7 October.
    assert add_working_days(D(2026, 9, 30), 1, calendar=calendar).date == D(2026, 10, 8)


def test_a_make_up_saturday_counts_as_a_working_day(calendar):
    assert add_working_days(D(2026, 10, 9), 1, calendar=calendar).date == D(2026, 10, 10)
    # Without the override the same Saturday would be skipped.
    assert add_working_days(D(2026, 10, 16), 1, calendar=calendar).date == D(2026, 10, 19)


def test_a_period_is_fixed_once_and_counts_days_left_across_the_holiday(calendar):
    due = add_working_days(D(2026, 9, 28), 5, calendar=calendar).date
    # 29, 30 September, then 8, 9, 10 (the make-up Saturday) October.
    assert due == D(2026, 10, 10)
    assert working_days_left(D(2026, 10, 3), due, calendar=calendar) == 3


def test_a_clock_stopped_for_a_supplement_keeps_its_days_and_resumes_after_the_answer(
        calendar):
    review_due = D(2026, 10, 9)
    kept = stop_clock(D(2026, 9, 29), review_due, calendar=calendar)
    assert kept == 3  # 30 September, 8 and 9 October
    # The enterprise answers on Monday 12 October: three working days from then.
    resumed = resume_clock(D(2026, 10, 12), kept, calendar=calendar)
    assert resumed.date == D(2026, 10, 15)
    assert not resumed.estimated


def test_a_clock_stopped_on_its_last_day_resumes_due_the_day_of_the_answer(calendar):
    kept = stop_clock(D(2026, 10, 9), D(2026, 10, 9), calendar=calendar)
    assert kept == 0
    assert resume_clock(D(2026, 10, 12), kept, calendar=calendar).date == D(2026, 10, 12)


def test_stopping_a_clock_already_overdue_gives_no_time_back(calendar):
    assert stop_clock(D(2026, 10, 12), D(2026, 10, 9), calendar=calendar) == 0


def test_a_clock_resumed_in_a_year_without_official_data_is_estimated(calendar):
    resumed = resume_clock(D(2026, 12, 30), 3, calendar=calendar)
    assert resumed.estimated  # 2027 has no file here and the package is off
    assert resumed.date == D(2027, 1, 5)  # 31 Dec, (1 Jan holiday), 4 and 5 Jan
