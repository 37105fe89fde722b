"""The entry page says "Not in force today" exactly when the in_force rule says so."""

from __future__ import annotations

import datetime as dt

import pytest

from portal.core.clock import local_today
from portal.extensions import db
from tests.factories import make_entry

ONE_DAY = dt.timedelta(days=1)


def _entry_valid(start: dt.date | None, end: dt.date | None) -> str:
    record = make_entry("dated-01")
    version = record.versions[0]
    version.effective_from, version.effective_until = start, end
    version.data = {**version.data,
                    "effective_from": start.isoformat() if start else None,
                    "effective_until": end.isoformat() if end else None}
    db.session.commit()
    return record.key


@pytest.mark.parametrize(("start_offset", "end_offset", "in_force"), [
    (None, None, True),
    (-30, 0, True),     # last day
    (0, 30, True),      # first day
    (-30, -1, False),   # ended yesterday
    (1, 30, False),     # starts tomorrow
])
def test_the_entry_page_asks_the_rule(app, english_client, start_offset, end_offset,
                                      in_force) -> None:
    with app.app_context():
        today = local_today()  # in Nansha: around midnight it differs from the UTC date
    start = None if start_offset is None else today + start_offset * ONE_DAY
    end = None if end_offset is None else today + end_offset * ONE_DAY
    key = _entry_valid(start, end)
    page = english_client.get(f"/exemptions/{key}").get_data(as_text=True)
    assert ("Not in force today" not in page) is in_force
    assert "Prices not marked" in page
