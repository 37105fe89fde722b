"""Legal periods in working days (工作日) on the official PRC calendar (行政处罚法 Art. 85).

Whether a day is a working day is decided, in this order:

1. **Overrides** — the State Council's yearly notice (国务院办公厅关于某年部分节假日安排的
   通知) entered by hand in ``<CALENDAR_DIR>/<year>.yaml`` (reviewed data, format in
   ``compliance_guides/calendar/README.md``). A year with a file is official as a whole:
   its holidays and make-up working weekends (调休) are listed, every other day is a
   working day from Monday to Friday.
2. **chinese-calendar** — the package's copy of the published notices (official too).
3. **Estimate** — for a year neither covers, Monday to Friday without the statutory
   holidays of 《全国年节及纪念日放假办法》 as revised in 2024: New Year's Day, the
   Spring Festival from 除夕 to 初三, Qingming, 1–2 May, the Dragon Boat Festival,
   the Mid-Autumn Festival and 1–3 October. Lunar dates and Qingming come from
   lunar-python. The notice also moves days (补休 for holidays on a weekend, 调休),
   which cannot be known in advance: such a date is *estimated*, pages say so in
   words, and a warning is logged.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from flask import current_app, has_app_context
from lunar_python import Lunar, Solar

from portal.config import load_config

logger = logging.getLogger(__name__)

#: What a file of the calendar folder is called: the year it holds.
YEAR_FILE = re.compile(r"^(\d{4})\.yaml$")


class CalendarInvalid(ValueError):
    """Raised when the overrides folder holds an invalid file; lists every error."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Deadline:
    """A date N working days after a start, and whether it is estimated."""

    date: dt.date
    estimated: bool


@dataclass(frozen=True)
class YearSchedule:
    """One year's official schedule as entered from the State Council's notice."""

    year: int
    source: str
    #: Days off that are not weekends or that are weekends named in the notice.
    holidays: frozenset[dt.date]
    #: Weekend days worked in exchange (调休).
    working_days: frozenset[dt.date]


def statutory_holidays(year: int) -> frozenset[dt.date]:
    """Return the days off of 《全国年节及纪念日放假办法》 (2024) in ``year``, without 补休/调休."""
    return _statutory_holidays(year)


@functools.cache
def _statutory_holidays(year: int) -> frozenset[dt.date]:
    def solar(day: Any) -> dt.date:
        return dt.date(day.getYear(), day.getMonth(), day.getDay())

    new_year = solar(Lunar.fromYmd(year, 1, 1).getSolar())
    days = {dt.date(year, 1, 1), dt.date(year, 5, 1), dt.date(year, 5, 2),
            dt.date(year, 10, 1), dt.date(year, 10, 2), dt.date(year, 10, 3),
            solar(Lunar.fromYmd(year, 5, 5).getSolar()),     # 端午节
            solar(Lunar.fromYmd(year, 8, 15).getSolar()),    # 中秋节
            solar(Solar.fromYmd(year, 4, 15).getLunar().getJieQiTable()["清明"])}
    # 春节: 除夕 (the last day of the twelfth month) to 初三.
    days.update(new_year + dt.timedelta(days=n) for n in range(-1, 3))
    return frozenset(day for day in days if day.year == year)


def _package_covers(year: int) -> bool:
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@dataclass(frozen=True)
class WorkingCalendar:
    """The official calendar with the overrides entered in the repository."""

    overrides: Mapping[int, YearSchedule] = field(default_factory=dict)
    #: Consult chinese-calendar for years without an override (tests turn it off so
    #: that they do not depend on which years the installed release covers).
    use_package: bool = True

    def is_working_day(self, day: dt.date) -> tuple[bool, bool]:
        """Return (is a working day, estimated) for ``day``."""
        schedule = self.overrides.get(day.year)
        if schedule is not None:
            if day in schedule.working_days:
                return True, False
            return day.weekday() < 5 and day not in schedule.holidays, False
        if self.use_package:
            try:
                return chinese_calendar.is_workday(day), False
            except NotImplementedError:
                pass
        return day.weekday() < 5 and day not in statutory_holidays(day.year), True

    def source_of(self, year: int) -> str | None:
        """Return where ``year``'s official schedule comes from, or None if it is estimated."""
        if year in self.overrides:
            return f"overrides ({self.overrides[year].source})"
        if self.use_package and _package_covers(year):
            return "chinese-calendar"
        return None

    def first_year_without_data(self, from_year: int) -> int:
        """Return the first year from ``from_year`` on that has no official schedule."""
        year = from_year
        while self.source_of(year) is not None:
            year += 1
        return year


def add_working_days(start: dt.date, days: int, *,
                     calendar: WorkingCalendar | None = None) -> Deadline:
    """Return the date ``days`` working days after ``start`` (the start day not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    calendar = calendar or current_calendar()
    day, counted, estimated = start, 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        working, guessed = calendar.is_working_day(day)
        estimated = estimated or guessed
        if working:
            counted += 1
    if estimated:
        logger.warning("Deadline %s + %d working days = %s is estimated: no official holiday "
                       "schedule for %s; statutory holidays assumed", start, days, day,
                       ", ".join(str(y) for y in range(start.year, day.year + 1)
                                 if calendar.source_of(y) is None))
    return Deadline(day, estimated)


def working_days_left(today: dt.date, deadline: dt.date, *,
                      calendar: WorkingCalendar | None = None) -> int:
    """Return the working days left before ``deadline``; 0 on the day, negative after.

    Before the deadline: the working days from ``today`` (excluded) to ``deadline``
    (included), so a weekend before a Monday deadline leaves 1. After it: minus the
    working days from the deadline (excluded) to ``today`` (included), and at least 1,
    so the weekend or holiday after a Friday deadline is already overdue, never "due today".
    """
    calendar = calendar or current_calendar()

    def working_between(first: dt.date, last: dt.date) -> int:
        return sum(1 for n in range((last - first).days)
                   if calendar.is_working_day(first + dt.timedelta(days=n + 1))[0])

    if today == deadline:
        return 0
    if today > deadline:
        return -max(1, working_between(deadline, today))
    return working_between(today, deadline)



# -- A clock that stops while the other party acts ------------------------------------


def stop_clock(today: dt.date, deadline: dt.date, *,
               calendar: WorkingCalendar | None = None) -> int:
    """Return the working days a period has left when its clock stops on ``today``.

    A period already past its deadline keeps nothing (0): stopping it late does not
    give time back.
    """
    return max(0, working_days_left(today, deadline, calendar=calendar))


def resume_clock(today: dt.date, days_left: int, *,
                 calendar: WorkingCalendar | None = None) -> Deadline:
    """Return the new deadline of a period resumed on ``today`` with ``days_left`` kept.

    The days the clock stood still (补正, waiting on the other party) do not count:
    the deadline moves on by exactly those working days.
    """
    return add_working_days(today, days_left, calendar=calendar)


# -- The overrides folder ---------------------------------------------------------------

class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys (PyYAML would keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
        if duplicates:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key(s): {', '.join(duplicates)}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


# Dates stay text until checked, so that an impossible date is reported, not a crash.
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def _as_date(value: object) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _days(items: object, where: str, year: int, errors: list[str]) -> dict[dt.date, str]:
    """Return {date: name} of a list of ``{name, date}`` or ``{name, from, to}`` items."""
    if items is None:
        return {}
    if not isinstance(items, list):
        errors.append(f"{where}: must be a list")
        return {}
    found: dict[dt.date, str] = {}
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        if not isinstance(item, dict):
            errors.append(f"{at}: must be a mapping with name and date (or from and to)")
            continue
        unknown = sorted(set(map(str, item)) - {"name", "date", "from", "to"})
        if unknown:
            errors.append(f"{at}: unknown key(s) {', '.join(unknown)}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(f"{at}.name: required text")
            name = "?"
        if "date" in item and ("from" in item or "to" in item):
            errors.append(f"{at}: give either date or from and to, not both")
        keys = ("date", "date") if "date" in item else ("from", "to")
        first, last = _as_date(item.get(keys[0])), _as_date(item.get(keys[1]))
        if first is None or last is None:
            for key in sorted(set(keys)):
                if _as_date(item.get(key)) is None:
                    errors.append(f"{at}.{key}: {item.get(key)!r} is not a date (YYYY-MM-DD)")
            continue
        if last < first:
            errors.append(f"{at}: to ({last}) is before from ({first})")
            continue
        for n in range((last - first).days + 1):
            day = first + dt.timedelta(days=n)
            if day.year != year:
                errors.append(f"{at}: {day} is not in {year}")
                break
            if day in found:
                errors.append(f"{at}: {day} is listed twice")
            found[day] = name
    return found


def parse_year_file(path: Path) -> YearSchedule:
    """Read and check one ``<year>.yaml``; raise CalendarInvalid naming every error."""
    errors: list[str] = []
    match = YEAR_FILE.match(path.name)
    if match is None:
        raise CalendarInvalid([f"{path}: the file name must be <year>.yaml"])
    year = int(match.group(1))
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise CalendarInvalid([f"{path}: cannot be read: {error}"]) from error
    if not isinstance(doc, dict):
        raise CalendarInvalid([f"{path}: must be a mapping with year, source, holidays "
                               "and working_days"])
    unknown = sorted(set(map(str, doc)) - {"year", "source", "holidays", "working_days"})
    if unknown:
        errors.append(f"{path}: unknown key(s) {', '.join(unknown)}")
    if doc.get("year") != year:
        errors.append(f"{path}: year: must be {year}, as in the file name "
                      f"(found {doc.get('year')!r})")
    source = doc.get("source")
    if not isinstance(source, str) or not source.strip():
        errors.append(f"{path}: source: required (the notice's title and number)")
        source = ""
    holidays = _days(doc.get("holidays"), f"{path}: holidays", year, errors)
    working = _days(doc.get("working_days"), f"{path}: working_days", year, errors)
    for day in sorted(set(holidays) & set(working)):
        errors.append(f"{path}: {day} is both a holiday ({holidays[day]}) and a working "
                      f"day ({working[day]})")
    for day in sorted(set(working) - set(holidays)):
        if day.weekday() < 5:
            errors.append(f"{path}: working_days: {day} ({working[day]}) is a weekday; only "
                          "weekend days worked in exchange (调休) are listed")
    if errors:
        raise CalendarInvalid(errors)
    return YearSchedule(year, source.strip(), frozenset(holidays), frozenset(working))


def load_calendar(folder: Path | str, *, use_package: bool = True) -> WorkingCalendar:
    """Return the calendar with every ``<year>.yaml`` of ``folder`` (missing folder: none)."""
    root = Path(folder)
    errors: list[str] = []
    schedules: dict[int, YearSchedule] = {}
    files: Iterable[Path] = sorted(root.iterdir()) if root.is_dir() else ()
    for path in files:
        if path.suffix.lower() not in {".yaml", ".yml"}:
            continue  # README.md and the like
        try:
            schedule = parse_year_file(path)
        except CalendarInvalid as invalid:
            errors.extend(invalid.errors)
            continue
        schedules[schedule.year] = schedule
    if errors:
        raise CalendarInvalid(errors)
    return WorkingCalendar(schedules, use_package=use_package)


@functools.lru_cache(maxsize=8)
def _cached_calendar(folder: str) -> WorkingCalendar:
    return load_calendar(folder)


def calendar_dir() -> Path:
    """Return the overrides folder: the app's CALENDAR_DIR, else the configured default."""
    if has_app_context():
        return Path(current_app.config["CALENDAR_DIR"])
    return Path(load_config()["CALENDAR_DIR"])


def current_calendar() -> WorkingCalendar:
    """Return the calendar of the configured overrides folder (read once per process)."""
    return _cached_calendar(str(calendar_dir().resolve()))


def is_working_day(day: dt.date, *, calendar: WorkingCalendar | None = None) -> tuple[bool, bool]:
    """Return (is a working day, estimated) for ``day``."""
    return (calendar or current_calendar()).is_working_day(day)
