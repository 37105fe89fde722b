"""Today in Nansha is the local date, not the UTC date."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask

from portal.core.clock import local_date, local_today


def test_local_date_is_already_tomorrow_in_shanghai_before_8_utc() -> None:
    moment = dt.datetime(2026, 3, 31, 16, 30, tzinfo=dt.UTC)
    assert local_date(moment, "Asia/Shanghai") == dt.date(2026, 4, 1)
    assert local_date(moment, "UTC") == dt.date(2026, 3, 31)


def test_local_today_follows_the_configured_time_zone(app: Flask,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # UTC+14 and UTC-12 are 26 hours apart: their dates differ at any moment.
    with app.app_context():
        monkeypatch.setitem(app.config, "TIMEZONE", "Pacific/Kiritimati")
        east = local_today()
        monkeypatch.setitem(app.config, "TIMEZONE", "Etc/GMT+12")
        west = local_today()
    assert east > west
