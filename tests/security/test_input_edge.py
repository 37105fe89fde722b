"""Malformed input at the edge: a clear 400/404 page, never a 500, nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.core.input import parse_positive_int
from portal.extensions import db

NUL_PATHS = [
    "/exemptions?q=a%00b",
    "/exemptions/export.csv?q=a%00b",
    "/guides/%00",
    "/exemptions/%00",
    "/check/%00",
    "/exemptions?a%00=1",
]


@pytest.mark.parametrize("path", NUL_PATHS)
def test_a_nul_character_in_a_url_gets_a_400_page_in_chinese(client, path):
    response = client.get(path)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "空字符" in page
    assert "请求编号" in page


def test_the_api_answers_a_nul_character_in_json(client):
    response = client.get("/api/v1/exemption-entries?q=a%00b")
    assert response.status_code == 400
    assert "空字符" in response.get_json()["errors"]["request"]


def test_a_nul_character_gets_an_english_page_for_an_english_browser(english_client):
    response = english_client.get("/exemptions?q=a%00b")
    assert response.status_code == 400
    assert "a null character, or bytes that are not text" in response.get_data(as_text=True)


def test_a_nul_in_the_sign_in_identifier_is_refused_and_counts_nothing(client, world):
    response = client.submit("/sign-in", {"identifier": f"{world.officer.email}\x00",
                                          "password": "wrong"})
    assert response.status_code == 400
    assert "空字符" in response.get_data(as_text=True)
    assert db.session.get(User, world.officer.id, populate_existing=True).failed_sign_ins == 0


def test_a_nul_in_registration_creates_no_account(client):
    before = db.session.scalar(select(func.count(User.id)))
    response = client.submit("/register", {"display_name": "张\x00三", "email": "a@example.cn"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(User.id))) == before


@pytest.mark.parametrize("path", [
    "/self-checks/2147483648",
    "/self-checks/99999999999999999999",
    "/officer/self-checks/2147483648",
    "/enterprise/2147483648/members",
    "/self-checks/%C2%B2",
    "/self-checks/0",
])
def test_ids_outside_the_column_range_are_not_found(client, world, path):
    client.sign_in(world.officer.email)
    assert client.get(path).status_code == 404


def test_a_huge_id_in_a_post_is_not_found(client, world):
    client.sign_in(world.admin.email)
    response = client.submit("/admin/users/99999999999999999999/active", {"active": "0"},
                             token_from="/admin/users")
    assert response.status_code == 404


@pytest.mark.parametrize(("query", "message"), [
    ("page=%C2%B2", "页码须为"), ("page=" + "9" * 5000, "页码须为"), ("page=0", "页码须为"),
    ("page=-1", "页码须为"), ("per_page=%C2%B3", "每页"),
])
def test_odd_page_numbers_get_a_message_not_a_500(client, query, message):
    response = client.get(f"/exemptions?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    api = client.get(f"/api/v1/exemption-entries?{query}")
    assert api.status_code == 400
    assert set(api.get_json()["errors"]) <= {"page", "per_page"}


@pytest.mark.parametrize("page", ["%C2%B2", "9" * 5000, "0", "x"])
def test_odd_audit_page_numbers_are_not_found(client, world, page):
    client.sign_in(world.admin.email)
    assert client.get(f"/admin/audit?page={page}").status_code == 404


def test_a_department_of_spaces_is_an_invalid_choice_not_a_500(client, world):
    client.sign_in(world.admin.email)
    before = db.session.scalar(select(func.count(User.id)))
    response = client.submit("/admin/users/new", {
        "email": "new.officer@nansha.gov.cn", "display_name": "新 执法人员",
        "kind": "officer", "department": "   ", "password": "Another-Strong-Pass-91"})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(User.id))) == before


@pytest.mark.parametrize(("raw", "expected"), [
    ("1", 1), ("2147483647", 2147483647), ("2147483648", None), ("0", None), ("", None),
    (None, None), ("²", None), ("١", None), (" 1", None), ("1.0", None), ("9" * 5000, None),
])
def test_positive_ints_are_ascii_digits_within_bounds(raw, expected):
    assert parse_positive_int(raw) == expected


@pytest.mark.parametrize("path", ["/exemptions?q=%FF%FE", "/guides/%C3%28", "/exemptions/%E4%BB"])
def test_bytes_that_are_not_utf8_get_a_400_page(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "请求编号" in response.get_data(as_text=True)


def test_valid_chinese_in_the_query_is_not_refused(client):
    assert client.get("/exemptions?q=%E4%BB%B7%E6%A0%BC").status_code == 200
