"""Legal periods in working days (工作日) on the official PRC calendar (行政处罚法 Art. 85).

The calendar, including make-up working days (调休), comes from chinese-calendar.
For a year it has no data for (the State Council publishes each year's schedule
late in the year before), Monday to Friday is assumed and the result is marked
as estimated, so pages can say so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    """A date N working days after a start, and whether it is estimated."""

    date: dt.date
    estimated: bool


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """Return (is a working day, estimated) for ``day``."""
    try:
        return chinese_calendar.is_workday(day), False
    except NotImplementedError:
        return day.weekday() < 5, True


def add_working_days(start: dt.date, days: int) -> Deadline:
    """Return the date ``days`` working days after ``start`` (the start day not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day, counted, estimated = start, 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        working, guessed = is_working_day(day)
        estimated = estimated or guessed
        if working:
            counted += 1
    return Deadline(day, estimated)


def working_days_left(today: dt.date, deadline: dt.date) -> int:
    """Return the working days from ``today`` (excluded) to ``deadline`` (included)."""
    if deadline <= today:
        return -sum(1 for n in range((today - deadline).days)
                    if is_working_day(deadline + dt.timedelta(days=n + 1))[0])
    return sum(1 for n in range((deadline - today).days)
               if is_working_day(today + dt.timedelta(days=n + 1))[0])
