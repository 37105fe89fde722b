"""Entries are labelled example / other city / not in force wherever offered (issue 9, §1)."""

from __future__ import annotations

import datetime as dt
import re

from portal.extensions import db
from portal.guides.queries import current_entries, source_list_for
from portal.guides.standing import standing_of
from tests.conftest import loaded_content

OTHER_CITY = "Other city"
NOT_IN_FORCE = "Not in force today"


def _item(page: str, key: str) -> str:
    """Return the list item of ``page`` that links to entry ``key``."""
    items = re.split(r'<li class="result">', page)
    [item] = [i for i in items if f'/exemptions/{key}"' in i or f"/check/{key}" in i]
    return item.split("</li>")[0]


def _illustrative_key(industry: str) -> str:
    return next(e.key for e in loaded_content().exemption_entries.values()
                if e.illustrative and e.industry == industry)


def test_the_list_shows_other_city_and_not_in_force_at_a_glance(english_client,
                                                                real_content):
    shanghai = _item(english_client.get("/exemptions", query_string={"q": "ad-01"})
                     .get_data(as_text=True), "ad-01")
    assert OTHER_CITY in shanghai and NOT_IN_FORCE in shanghai
    jiangmen = _item(english_client.get("/exemptions", query_string={"q": "env-01"})
                     .get_data(as_text=True), "env-01")
    assert OTHER_CITY in jiangmen and NOT_IN_FORCE in jiangmen
    guangzhou = _item(english_client.get("/exemptions", query_string={"q": "price-01"})
                      .get_data(as_text=True), "price-01")
    assert OTHER_CITY not in guangzhou and NOT_IN_FORCE not in guangzhou


def test_the_guide_page_labels_each_entry(english_client, real_content):
    page = english_client.get("/guides/culture_entertainment").get_data(as_text=True)
    assert OTHER_CITY in _item(page, "ad-01")
    example = _illustrative_key("catering")
    catering = english_client.get("/guides/catering").get_data(as_text=True)
    item = _item(catering, example)
    assert "Example" in item and OTHER_CITY not in item


def test_the_precheck_choices_and_result_label_the_entry(english_client, real_content):
    start = english_client.get("/check", query_string={"industry": "chemicals"}).get_data(
        as_text=True)
    assert OTHER_CITY in _item(start, "env-01") and NOT_IN_FORCE in _item(start, "env-01")
    answers = {"first_time": "yes", "exempted_before": "no", "harm": "none",
               "corrected": "on_the_spot"}
    result = english_client.get("/check/ad-01", query_string=answers).get_data(as_text=True)
    assert OTHER_CITY in result and NOT_IN_FORCE in result


def test_chinese_labels(client, real_content):
    page = client.get("/exemptions", query_string={"q": "ad-01"}).get_data(as_text=True)
    assert "外地清单" in _item(page, "ad-01")


def test_standing_flags(app, real_content):
    entries = loaded_content().exemption_entries

    def standing(key: str, today: dt.date) -> tuple[bool, bool, bool]:
        [version] = current_entries(db.session, {key})
        result = standing_of(version, source_list_for(db.session, version), today=today)
        return result.illustrative, result.other_region, result.not_in_force

    assert standing("env-01", dt.date(2024, 6, 1)) == (False, True, False)
    assert standing("env-01", dt.date(2025, 2, 1)) == (False, True, True)
    assert standing("price-01", dt.date(2026, 11, 29)) == (False, False, False)
    example = next(e.key for e in entries.values() if e.illustrative)
    assert standing(example, dt.date(2026, 11, 29))[:2] == (True, False)
