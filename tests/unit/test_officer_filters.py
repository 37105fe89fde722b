"""Parsing the officers' list filters: strict, with bands from the questionnaires."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from portal.extensions import db
from portal.selfcheck.services import band_codes_in_force, parse_officer_filters
from tests.factories import TEST_QUESTIONNAIRE, make_questionnaire

NANSHA = ZoneInfo("Asia/Shanghai")
TOWNS = {"nansha": "Nansha", "lanhe": "Lanhe"}


def _parse(args, bands=("high", "low")):
    return parse_officer_filters(args, industries={"catering"}, towns=TOWNS, bands=bands,
                                 timezone=NANSHA)


def test_valid_filters_become_a_period_in_nansha(app):
    with app.test_request_context():
        filters, errors = _parse({"from": "2026-11-01", "until": "2026-11-30", "band": "high",
                                  "town": "lanhe", "industry": "catering"})
    assert errors == {}
    assert filters.submitted_from == dt.datetime(2026, 11, 1, tzinfo=NANSHA)
    assert filters.submitted_before == dt.datetime(2026, 12, 1, tzinfo=NANSHA)  # whole day
    assert (filters.band, filters.town, filters.industry) == ("high", "lanhe", "catering")


def test_each_bad_value_is_refused_beside_its_field(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        filters, errors = _parse({"from": "yesterday", "band": "medium", "town": "kowloon",
                                  "industry": "mining"})
    assert set(errors) == {"from", "band", "town", "industry"}
    assert errors["band"] == "Choose a risk band from the list."
    assert (filters.band, filters.town, filters.industry, filters.submitted_from) == (
        None, None, None, None)


def test_the_bands_offered_are_those_of_the_questionnaires_in_force(world):
    # The world's questionnaires have bands "high" and "low"; add one with a new band.
    assert band_codes_in_force(db.session) == ["high", "low"]
    label = {"label": {"zh_Hans": "风险"}, "advice": {"zh_Hans": "建议"}}
    make_questionnaire("third", definition={**TEST_QUESTIONNAIRE, "bands": [
        {"code": "critical", "min": 0, "max": 9, **label},
        {"code": "medium", "min": 10, "max": 100, **label}]})
    assert band_codes_in_force(db.session) == ["high", "medium", "low", "critical"]
