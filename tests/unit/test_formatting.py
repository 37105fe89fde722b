"""One date format and one date-time format per language (issue 9, §4)."""

import datetime as dt

import pytest
from flask_babel import force_locale

from portal.core.formatting import format_day, format_moment

# 01:09 UTC on 29 November is 09:09 in Nansha.
MOMENT = dt.datetime(2026, 11, 29, 1, 9, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 12, 24, 17, 30, tzinfo=dt.UTC)  # already 25 December in Nansha


@pytest.mark.parametrize(("locale", "day", "moment"), [
    ("zh_Hans_CN", "2026年12月25日", "2026年11月29日 09:09"),
    ("zh_Hant", "2026年12月25日", "2026年11月29日 09:09"),
    ("en", "25 Dec 2026", "29 Nov 2026, 09:09"),
])
def test_each_language_has_one_date_and_one_date_time_format(app, locale, day, moment):
    with app.test_request_context(), force_locale(locale):
        assert format_day(dt.date(2026, 12, 25)) == day
        assert format_day(LATE) == day
        assert format_moment(MOMENT) == moment
        template = app.jinja_env.from_string("{{ d | date }}|{{ m | datetime }}")
        assert template.render(d=dt.date(2026, 12, 25), m=MOMENT) == f"{day}|{moment}"


def test_templates_cannot_ask_for_another_style(app):
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(TypeError):
            app.jinja_env.from_string('{{ m | datetime("short") }}').render(m=MOMENT)
        with pytest.raises(TypeError):
            app.jinja_env.from_string('{{ d | date("full") }}').render(d=MOMENT)
