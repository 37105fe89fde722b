"""Entry facts corrected against the sources (issue 9, §3): citations, caveats, list types."""

from __future__ import annotations

import pytest
from markupsafe import escape

from tests.conftest import loaded_content

UNSURE = ["culture-01", "culture-06", "safety-02", "price-03"]


@pytest.mark.parametrize("key", UNSURE)
def test_article_unsure_entry_names_the_law_but_no_article(english_client, real_content,
                                                           key):
    entry = loaded_content().exemption_entries[key]
    assert entry.article_unsure
    articles = [str(c.article["en"]) for c in (*entry.rule_breached, *entry.legal_ground)
                if c.article]
    assert articles, f"{key} has no article to hide; the test would be vacuous"
    page = english_client.get(f"/exemptions/{key}").get_data(as_text=True)
    assert "only the law is cited" in page
    for citation in (*entry.rule_breached, *entry.legal_ground):
        law = str(escape(citation.law_name["en"]))
        assert law in page
        if citation.article:
            assert f"{law} {escape(citation.article['en'])}" not in page


def test_a_sure_entry_still_shows_its_article(english_client, real_content):
    page = english_client.get("/exemptions/ad-01").get_data(as_text=True)
    assert "Art. 7, para. 1" in page


def test_ad_01_says_the_drug_advertising_standards_are_repealed(client, english_client,
                                                                real_content):
    page = english_client.get("/exemptions/ad-01").get_data(as_text=True)
    assert "repealed from 1 March 2020 by SAMR Order No. 21" in page
    chinese = client.get("/exemptions/ad-01").get_data(as_text=True)
    assert "国家市场监督管理总局令第21号自2020年3月1日起废止" in chinese


@pytest.mark.parametrize("key", [f"food-0{n}" for n in range(1, 7)])
def test_samr_food_entries_warn_that_the_summaries_disagree(client, english_client,
                                                            real_content, key):
    page = english_client.get(f"/exemptions/{key}").get_data(as_text=True)
    assert "The summaries disagree on the items and their conditions" in page
    chinese = client.get(f"/exemptions/{key}").get_data(as_text=True)
    assert "各摘要对事项和条件的说法不一" in chinese


def test_an_entry_without_caveat_shows_none(english_client, real_content):
    page = english_client.get("/exemptions/price-01").get_data(as_text=True)
    assert "The summaries disagree" not in page


@pytest.mark.parametrize("key", ["safety-03", "safety-04"])
def test_first_violation_chemicals_entries_are_typed_as_published(key):
    entry = loaded_content().exemption_entries[key]
    assert entry.published_heading == "首违不罚（不予行政处罚清单）"
    assert entry.list_type == "first_violation"
    assert entry.legal_basis_ground == "art33_1_first_violation"


def test_the_precheck_of_a_samr_food_entry_shows_the_caveat(english_client, real_content):
    answers = {"first_time": "yes", "exempted_before": "no", "harm": "slight",
               "corrected": "on_the_spot"}
    page = english_client.get("/check/food-05", query_string=answers).get_data(as_text=True)
    assert "The summaries disagree on the items and their conditions" in page
