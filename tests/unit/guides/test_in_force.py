"""One rule for "in force on a date": content model, stored versions and pre-check agree."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.guides.content import in_force
from portal.guides.models import ExemptionEntryVersion
from portal.guides.precheck import Answers, assess_entry
from tests.factories import make_entry

START = dt.date(2026, 1, 1)
END = dt.date(2026, 12, 31)

#: (day, in force?) around a validity of START..END, both ends inclusive.
BOUNDARIES = [
    (START - dt.timedelta(days=1), False),
    (START, True),
    (END, True),
    (END + dt.timedelta(days=1), False),
]


@pytest.mark.parametrize(("day", "expected"), BOUNDARIES)
def test_in_force_includes_the_first_and_last_day(day: dt.date, expected: bool) -> None:
    assert in_force(START, END, on=day) is expected


def test_open_ends_are_in_force() -> None:
    assert in_force(None, None, on=START)
    assert in_force(None, END, on=dt.date(1990, 1, 1))
    assert in_force(START, None, on=dt.date(2099, 1, 1))
    assert not in_force(None, END, on=END + dt.timedelta(days=1))
    assert not in_force(START, None, on=START - dt.timedelta(days=1))


def _dated_version() -> ExemptionEntryVersion:
    record = make_entry("dated-01")
    version = record.versions[0]
    version.effective_from, version.effective_until = START, END
    version.data = {**version.data, "effective_from": START.isoformat(),
                    "effective_until": END.isoformat()}
    db.session.flush()
    return version


@pytest.mark.parametrize(("day", "expected"), BOUNDARIES)
def test_a_stored_version_answers_the_same_in_python_and_in_sql(day: dt.date,
                                                                 expected: bool) -> None:
    version = _dated_version()
    assert version.in_force(on=day) is expected
    found = db.session.scalar(select(ExemptionEntryVersion.id).where(
        ExemptionEntryVersion.id == version.id, ExemptionEntryVersion.in_force(on=day)))
    assert (found == version.id) is expected


@pytest.mark.parametrize(("day", "expected"), BOUNDARIES)
def test_the_precheck_blocks_an_entry_only_outside_its_dates(day: dt.date,
                                                             expected: bool) -> None:
    version = _dated_version()
    assessment = assess_entry(version.data, Answers(), today=day)
    assert ("entry.in_force" not in {c.code for c in assessment.unmet}) is expected
