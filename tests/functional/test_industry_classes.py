"""Wholesale and retail enterprises register by class and reach their own self-check.

The registration stored only the division, so a fuel station or a chemicals wholesaler
(divisions 52, 51) was sent to the food self-check (issue 9, §3).
"""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Enterprise
from portal.core.reference import industry_name
from portal.extensions import db
from portal.selfcheck.services import industry_for
from tests.factories import EnterpriseFactory
from tests.functional.test_registration import (
    VALID_USCC,
    _confirmation_path,
    _form,
    _refused,
)


def test_the_registration_form_offers_classes_for_wholesale_and_retail(client):
    page = client.get("/register").get_data(as_text=True)
    assert 'value="5265"' in page and "5265 机动车燃油零售" in page
    assert 'value="5162"' in page and 'value="5212"' in page
    assert 'value="51"' not in page and 'value="52"' not in page
    assert 'value="62"' in page  # undivided divisions are still chosen whole
    assert "批发业和零售业按小类选择" in page


def test_a_fuel_station_registers_with_its_class(client):
    client.submit("/register", _form(industry_code="5265"))
    client.submit(_confirmation_path("wang.xiaowu@example.com"))
    enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == VALID_USCC))
    assert enterprise is not None and enterprise.industry_code == "5265"


def test_a_bare_wholesale_or_retail_division_is_refused(client):
    _refused(client, _form(industry_code="52"), "选项")
    _refused(client, _form(industry_code="51"), "选项")


def test_each_class_is_routed_to_its_guide(real_content):
    expected = {"5265": "chemicals", "5266": "chemicals", "5162": "chemicals",
                "5166": "chemicals", "5169": "chemicals", "5212": "food_retail",
                "5124": "food_retail", "5229": "food_retail", "5232": None, "52": None,
                "51": None, "26": "chemicals", "62": "catering"}
    for code, slug in expected.items():
        enterprise = EnterpriseFactory(industry_code=code)
        assert industry_for(db.session, enterprise) == slug, code


def test_a_class_is_named_like_a_division():
    assert industry_name("5265", "zh_Hans") == "机动车燃油零售"
    assert industry_name("5265", "en") == "Retail of motor fuel (fuel stations)"
    assert industry_name("62", "en") == "Catering services"
