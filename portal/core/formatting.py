"""Template filters that format dates and numbers for the active locale (Babel)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from babel.lists import format_list
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale


def register_filters(app: Flask) -> None:
    """Register ``|date`` and ``|datetime`` filters."""

    @app.template_filter("date")
    def date_filter(value: dt.date | dt.datetime | None, style: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.date()
        return format_date(value, style)

    @app.template_filter("join_list")
    def join_list_filter(values: Iterable[object]) -> str:
        """Join items the way the language does ("A、B和C", "A, B and C")."""
        items = [str(value) for value in values]
        return format_list(items, locale=get_locale()) if items else ""

    @app.template_filter("datetime")
    def datetime_filter(value: dt.datetime | None, style: str = "medium") -> str:
        return "" if value is None else format_datetime(value, style)
