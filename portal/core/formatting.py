"""Template filters that format dates and numbers for the active locale (Babel)."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask_babel import format_date, format_datetime


def register_filters(app: Flask) -> None:
    """Register ``|date`` and ``|datetime`` filters."""

    @app.template_filter("date")
    def date_filter(value: dt.date | dt.datetime | None, style: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = value.date()
        return format_date(value, style)

    @app.template_filter("datetime")
    def datetime_filter(value: dt.datetime | None, style: str = "medium") -> str:
        return "" if value is None else format_datetime(value, style)
