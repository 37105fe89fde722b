"""Template filters that format dates and numbers for the active locale (Babel).

Each language has one way to write a date and one way to write a date and time,
used on every page and in the PDF: "2026年12月25日" / "2026年12月25日 09:09" in
Chinese, "25 Dec 2026" / "25 Dec 2026, 09:09" in English. Times are on the
24-hour clock in the portal's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from babel.dates import parse_pattern
from babel.lists import format_list
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale, get_timezone

#: The date pattern of each language (CLDR pattern syntax), by language code.
DATE_PATTERNS = {"zh": "y年M月d日", "en": "d MMM y"}
#: The date-and-time pattern of each language: the date, then hours and minutes.
DATETIME_PATTERNS = {"zh": "y年M月d日 HH:mm", "en": "d MMM y, HH:mm"}


def _language() -> str:
    locale = get_locale()
    language = locale.language if locale is not None else "zh"
    return language if language in DATE_PATTERNS else "zh"


def format_day(value: dt.date | dt.datetime) -> str:
    """Return a date in the active language's one date format."""
    if isinstance(value, dt.datetime):
        # The day in the portal's time zone, not in UTC.
        return format_datetime(value, DATE_PATTERNS[_language()])
    return format_date(value, DATE_PATTERNS[_language()])


def format_moment(value: dt.datetime) -> str:
    """Return a date and time in the active language's one date-time format."""
    return format_datetime(value, DATETIME_PATTERNS[_language()])


def moment_formatter() -> Callable[[dt.datetime | None], str]:
    """Return a function that formats date-times exactly like ``|datetime``.

    The language, time zone and pattern are looked up once, when it is made: a list
    makes one per page and calls it for each row.
    """
    locale = get_locale()
    timezone = get_timezone()
    pattern = parse_pattern(DATETIME_PATTERNS[_language()])

    def format_value(value: dt.datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return pattern.apply(value.astimezone(timezone), locale)

    return format_value


def register_filters(app: Flask) -> None:
    """Register ``|date``, ``|datetime`` and ``|join_list`` filters."""

    @app.template_filter("date")
    def date_filter(value: dt.date | dt.datetime | None) -> str:
        return "" if value is None else format_day(value)

    @app.template_filter("join_list")
    def join_list_filter(values: Iterable[object]) -> str:
        """Join items the way the language does ("A、B和C", "A, B and C")."""
        items = [str(value) for value in values]
        return format_list(items, locale=get_locale()) if items else ""

    @app.template_filter("datetime")
    def datetime_filter(value: dt.datetime | None) -> str:
        return "" if value is None else format_moment(value)
