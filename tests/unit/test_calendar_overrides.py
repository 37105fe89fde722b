"""Working days beyond the published calendar: statutory holidays estimated, overrides first.

Every calendar here is built from override files written in the test, with the package
turned off (``use_package=False``) where a year must stay unpublished, so the tests do
not change meaning when chinese-calendar gains a year (issue 9 §2).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from portal.config import load_config
from portal.core.deadlines import (
    CalendarInvalid,
    add_working_days,
    current_calendar,
    load_calendar,
    statutory_holidays,
    working_days_left,
)

D = dt.date

#: Part of the State Council's 2026 notice: New Year's Day 1–3 January, Sunday 4 worked.
NOTICE_2026 = """\
year: 2026
source: 国务院办公厅关于2026年部分节假日安排的通知（test excerpt）
holidays:
  - {name: 元旦, from: 2026-01-01, to: 2026-01-03}
working_days:
  - {name: 元旦调休, date: 2026-01-04}
"""

#: An illustrative 2027 notice (not the real one): a 调休 Saturday after the Spring Festival.
NOTICE_2027 = """\
year: 2027
source: illustrative notice for the test
holidays:
  - {name: 元旦, date: 2027-01-01}
  - {name: 春节, from: 2027-02-05, to: 2027-02-11}
working_days:
  - {name: 春节调休, date: 2027-02-20}
"""


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def only_2026(tmp_path):
    """2026 official from an override; 2027 unpublished whatever the package holds."""
    write(tmp_path, "2026.yaml", NOTICE_2026)
    return load_calendar(tmp_path, use_package=False)


@pytest.fixture
def with_2027(tmp_path):
    write(tmp_path, "2026.yaml", NOTICE_2026)
    write(tmp_path, "2027.yaml", NOTICE_2027)
    return load_calendar(tmp_path, use_package=False)


def test_statutory_holidays_of_2027_from_the_2024_rules():
    assert statutory_holidays(2027) == {
        D(2027, 1, 1),                                             # 元旦
        D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8),  # 除夕 to 初三
        D(2027, 4, 5),                                             # 清明
        D(2027, 5, 1), D(2027, 5, 2),                              # 劳动节
        D(2027, 6, 9),                                             # 端午 (五月初五)
        D(2027, 9, 15),                                            # 中秋 (八月十五)
        D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3),            # 国庆
    }


def test_a_spring_festival_in_january_starts_on_the_eve_in_january():
    # 2028: 初一 is 26 January, so 除夕 is 25 January.
    assert {D(2028, 1, 25), D(2028, 1, 28)} <= statutory_holidays(2028)
    assert D(2028, 1, 24) not in statutory_holidays(2028)
    assert D(2028, 1, 29) not in statutory_holidays(2028)


def test_across_new_year_2026_to_2027_the_holiday_is_skipped_and_estimated(only_2026):
    # Thursday 31 December 2026 + 1: Friday 1 January 2027 is New Year's Day.
    deadline = add_working_days(D(2026, 12, 31), 1, calendar=only_2026)
    assert deadline.date == D(2027, 1, 4)
    assert deadline.estimated
    assert only_2026.is_working_day(D(2027, 1, 1)) == (False, True)
    assert only_2026.is_working_day(D(2027, 1, 4)) == (True, True)


def test_a_period_inside_the_overridden_year_is_not_estimated(only_2026):
    deadline = add_working_days(D(2026, 12, 24), 5, calendar=only_2026)
    assert deadline == type(deadline)(D(2026, 12, 31), estimated=False)
    # The override's make-up Sunday counts, its holiday does not.
    assert add_working_days(D(2025, 12, 31) + dt.timedelta(days=2), 1,
                            calendar=only_2026).date == D(2026, 1, 4)
    assert only_2026.is_working_day(D(2026, 1, 2)) == (False, False)


def test_spring_festival_2027_is_estimated_from_the_lunar_calendar(only_2026):
    # Thursday 4 February 2027 + 1: 5 (除夕) to 8 (初三) February are off.
    deadline = add_working_days(D(2027, 2, 4), 1, calendar=only_2026)
    assert deadline.date == D(2027, 2, 9)
    assert deadline.estimated
    # Without the holidays it would have been Friday 5 February.
    assert add_working_days(D(2027, 2, 1), 5, calendar=only_2026).date == D(2027, 2, 10)


def test_an_override_adds_a_make_up_working_saturday(only_2026, with_2027):
    friday, saturday = D(2027, 2, 19), D(2027, 2, 20)
    assert saturday.weekday() == 5
    assert add_working_days(friday, 1, calendar=only_2026).date == D(2027, 2, 22)
    deadline = add_working_days(friday, 1, calendar=with_2027)
    assert deadline.date == saturday
    assert not deadline.estimated
    # The notice's holiday replaces the estimate: 9–11 February are off too.
    assert add_working_days(D(2027, 2, 4), 1, calendar=with_2027).date == D(2027, 2, 12)


def test_an_override_takes_precedence_over_the_package(tmp_path):
    # chinese-calendar has 1–7 October 2026 off; a (fictitious) notice without them wins.
    write(tmp_path, "2026.yaml", "year: 2026\nsource: test\nholidays: []\n")
    calendar = load_calendar(tmp_path)
    assert calendar.is_working_day(D(2026, 10, 5)) == (True, False)
    assert load_calendar(tmp_path / "none").is_working_day(D(2026, 10, 5)) == (False, False)


def test_an_estimate_logs_a_warning_and_an_official_date_does_not(only_2026, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.core.deadlines"):
        add_working_days(D(2026, 12, 1), 5, calendar=only_2026)
        assert not caplog.records
        add_working_days(D(2026, 12, 30), 3, calendar=only_2026)
    assert len(caplog.records) == 1
    assert "estimated" in caplog.text and "2027" in caplog.text


def test_first_year_without_data(only_2026, with_2027):
    assert only_2026.first_year_without_data(2026) == 2027
    assert with_2027.first_year_without_data(2026) == 2028
    assert with_2027.source_of(2027) == "overrides (illustrative notice for the test)"
    assert with_2027.source_of(2028) is None


@pytest.mark.parametrize(("today", "left"), [
    (D(2027, 1, 13), 2),    # Wednesday: Thursday and Friday left
    (D(2027, 1, 14), 1),
    (D(2027, 1, 15), 0),    # the Friday deadline: due today
    (D(2027, 1, 16), -1),   # Saturday after it: overdue, not "due today"
    (D(2027, 1, 17), -1),
    (D(2027, 1, 18), -1),   # Monday
    (D(2027, 1, 19), -2),
])
def test_working_days_left_around_a_friday_deadline(only_2026, today, left):
    assert working_days_left(today, D(2027, 1, 15), calendar=only_2026) == left


@pytest.mark.parametrize(("today", "left"), [
    (D(2027, 2, 5), -1),    # 除夕, a holiday after a Thursday deadline: overdue
    (D(2027, 2, 8), -1),    # 初三, still no working day since, still overdue
    (D(2027, 2, 9), -1),    # first working day after the holiday
    (D(2027, 2, 10), -2),
])
def test_working_days_left_over_a_holiday_after_the_deadline(only_2026, today, left):
    assert working_days_left(today, D(2027, 2, 4), calendar=only_2026) == left


def test_working_days_left_before_a_deadline_after_weekend_and_holiday(only_2026, with_2027):
    # Saturday 2 January 2027 with the deadline on Monday 4 January: one working day left.
    assert working_days_left(D(2027, 1, 2), D(2027, 1, 4), calendar=only_2026) == 1
    # Thursday 31 December 2026 to Monday 4 January 2027: 1 January is no working day.
    assert working_days_left(D(2026, 12, 31), D(2027, 1, 4), calendar=only_2026) == 1
    # A make-up Saturday from an override counts.
    assert working_days_left(D(2027, 2, 19), D(2027, 2, 22), calendar=with_2027) == 2
    assert working_days_left(D(2027, 2, 19), D(2027, 2, 22), calendar=only_2026) == 1


@pytest.mark.parametrize(("text", "message"), [
    ("year: 2027\nsource: s\n", "year: must be 2026"),
    ("year: 2026\n", "source: required"),
    ("year: 2026\nsource: s\nholidays:\n  - {name: x, date: 2026-02-30}\n", "is not a date"),
    ("year: 2026\nsource: s\nholidays:\n  - {name: x, date: 2027-01-01}\n", "is not in 2026"),
    ("year: 2026\nsource: s\nholidays:\n  - {name: x, from: 2026-02-03, to: 2026-02-01}\n",
     "is before from"),
    ("year: 2026\nsource: s\nholidays:\n  - {name: x, from: 2026-02-01}\n",
     ".to: None is not a date"),
    ("year: 2026\nsource: s\nholidays:\n  - {name: a, date: 2026-02-14}\n"
     "working_days:\n  - {name: b, date: 2026-02-14}\n",
     "2026-02-14 is both a holiday (a) and a working day (b)"),
    ("year: 2026\nsource: s\nworking_days:\n  - {name: b, date: 2026-02-16}\n",
     "is a weekday"),
    ("year: 2026\nsource: s\nholiday: []\n", "unknown key(s) holiday"),
    ("year: 2026\nsource: s\nsource: t\n", "duplicate key(s): source"),
    ("year: 2026\nsource: s\nholidays:\n  - {name: a, from: 2026-05-01, to: 2026-05-03}\n"
     "  - {name: b, date: 2026-05-03}\n", "2026-05-03 is listed twice"),
])
def test_invalid_override_files_are_refused_with_the_file_and_the_error(tmp_path, text,
                                                                        message):
    path = write(tmp_path, "2026.yaml", text)
    with pytest.raises(CalendarInvalid) as raised:
        load_calendar(tmp_path)
    assert any(str(path) in error and message in error for error in raised.value.errors), \
        raised.value.errors


def test_every_invalid_file_is_reported_at_once_and_other_names_are_refused(tmp_path):
    write(tmp_path, "2026.yaml", "year: 2026\n")
    write(tmp_path, "notes.yaml", "year: 2026\nsource: s\n")
    write(tmp_path, "README.md", "ignored")
    with pytest.raises(CalendarInvalid) as raised:
        load_calendar(tmp_path)
    assert len(raised.value.errors) == 2
    assert "notes.yaml: the file name must be <year>.yaml" in raised.value.errors[1]


def test_the_repository_calendar_folder_is_valid():
    folder = Path(load_config()["CALENDAR_DIR"])
    assert folder.is_dir()
    calendar = load_calendar(folder)
    for schedule in calendar.overrides.values():
        assert schedule.source


def test_the_app_reads_the_configured_folder(app, tmp_path, monkeypatch):
    write(tmp_path, "2026.yaml", "year: 2026\nsource: configured\n")
    monkeypatch.setitem(app.config, "CALENDAR_DIR", str(tmp_path))
    with app.app_context():
        assert current_calendar().source_of(2026) == "overrides (configured)"
        # 1 October 2026 is a working day in this (fictitious) configured notice.
        assert add_working_days(D(2026, 9, 30), 1) == type(
            add_working_days(D(2026, 9, 30), 1))(D(2026, 10, 1), estimated=False)
