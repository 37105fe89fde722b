"""``flask calendar due|check`` with an overrides folder made in the test (issue 9 §2).

Years far ahead (2039–2041) stand for "published" (an override) and "not published":
no release of chinese-calendar will cover them for a long time.
"""

from __future__ import annotations

import pytest

NOTICE_2039 = """\
year: 2039
source: illustrative notice for the test
holidays:
  - {name: 国庆节, from: 2039-10-01, to: 2039-10-07}
working_days:
  - {name: 国庆调休, date: 2039-10-08}
"""


@pytest.fixture
def calendar_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CALENDAR_DIR", str(tmp_path))
    (tmp_path / "2039.yaml").write_text(NOTICE_2039, encoding="utf-8")
    return tmp_path


def run(app, *args):
    return app.test_cli_runner().invoke(args=["calendar", *args])


def test_due_prints_the_iso_date_from_the_overrides_without_warning(app, calendar_folder):
    # Friday 30 September 2039 + 1: the holiday week, then Saturday 8 October is worked.
    result = run(app, "due", "2039-09-30", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "2039-10-08\n"
    assert result.stderr == ""


def test_due_beyond_the_overrides_is_estimated_with_a_warning_on_stderr(app, calendar_folder):
    # Friday 30 December 2039 + 1: 1 January 2040 (Sunday) and Monday 2 January.
    result = run(app, "due", "2039-12-30", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "2040-01-02\n"
    assert "warning: estimated: no official holiday schedule for 2040;" in result.stderr
    # Spring Festival 2040 is estimated from the lunar calendar: 初一 is 12 February,
    # so Friday 10 February + 1 skips 除夕 (11) to 初三 (14).
    result = run(app, "due", "2040-02-10", "1")
    assert result.stdout == "2040-02-15\n"
    assert "warning: estimated" in result.stderr


def test_due_refuses_bad_arguments(app, calendar_folder):
    assert run(app, "due", "2039-02-30", "1").exit_code == 2
    assert run(app, "due", "2039-01-03", "-1").exit_code == 2


@pytest.mark.parametrize(("today", "code"), [
    ("2039-11-30", 0),   # next year not published yet, but it is still November
    ("2039-12-01", 1),   # December: next year's notice should be entered
    ("2040-03-01", 1),   # this year has no official schedule at all
])
def test_check_reports_the_first_year_without_data(app, calendar_folder, today, code):
    result = run(app, "check", "--today", today)
    assert result.exit_code == code, result.output
    assert "First year without an official schedule: 2040" in result.stdout
    assert "2040: no official schedule (estimated)" in result.stdout
    if code:
        assert "2040.yaml" in result.stderr


def test_check_passes_in_december_once_next_year_is_entered(app, calendar_folder):
    (calendar_folder / "2040.yaml").write_text(
        "year: 2040\nsource: illustrative\nholidays:\n  - {name: 元旦, date: 2040-01-02}\n",
        encoding="utf-8")
    result = run(app, "check", "--today", "2039-12-15")
    assert result.exit_code == 0, result.output
    assert "2039: overrides (illustrative notice for the test)" in result.stdout
    assert "First year without an official schedule: 2041" in result.stdout
    assert run(app, "due", "2039-12-30", "1").stdout == "2040-01-03\n"


def test_invalid_overrides_are_refused_with_every_error(app, calendar_folder):
    (calendar_folder / "2040.yaml").write_text(
        "year: 2040\nsource: s\nholidays:\n  - {name: a, date: 2040-01-07}\n"
        "working_days:\n  - {name: b, date: 2040-01-07}\n  - {name: c, date: 2040-01-09}\n",
        encoding="utf-8")
    for args in (["check"], ["due", "2039-12-30", "1"]):
        result = run(app, *args)
        assert result.exit_code == 1
        assert "2040-01-07 is both a holiday (a) and a working day (b)" in result.stderr
        assert "2040-01-09 (c) is a weekday" in result.stderr
        assert "2 error(s)" in result.stderr


def test_doctor_checks_the_overrides(app, calendar_folder):
    runner = app.test_cli_runner()
    assert "PASS  calendar overrides valid" in runner.invoke(args=["doctor"]).stdout
    (calendar_folder / "2040.yaml").write_text("year: 2041\nsource: s\n", encoding="utf-8")
    result = runner.invoke(args=["doctor"])
    assert result.exit_code == 1
    assert "FAIL  calendar overrides valid: 1 error(s)" in result.stdout
    assert "year: must be 2040" in result.stdout
