"""Today in Nansha: the portal's one notion of the local date.

Dates that parties are told (mandate ends, validity of entries, deadlines)
are local calendar dates in the portal's time zone (``TIMEZONE``,
Asia/Shanghai by default), not UTC dates: between 00:00 and 08:00 in Nansha
the UTC date is still yesterday.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from portal.core.db import utcnow


def local_date(moment: dt.datetime, timezone: str) -> dt.date:
    """Return the calendar date of the aware ``moment`` in ``timezone``."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def local_today() -> dt.date:
    """Return today's date in the portal's time zone (needs an application context)."""
    return local_date(utcnow(), current_app.config["TIMEZONE"])
