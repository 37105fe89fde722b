"""Languages, error pages, health check and the home page (issue 2, points 6-7)."""

import re

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import reload


def _lang(page):
    return re.search(r'<html lang="([^"]+)"', page).group(1)


def test_home_is_in_simplified_chinese_by_default(app):
    page = app.test_client().get("/").get_data(as_text=True)
    assert _lang(page) == "zh-Hans-CN"
    assert "南沙" in page


@pytest.mark.parametrize(("accept", "lang"), [
    ("en-US,en;q=0.9", "en"),
    ("zh-TW,zh;q=0.9", "zh-Hant"),
    ("zh-HK", "zh-Hant"),
    ("zh-CN", "zh-Hans-CN"),
    ("fr-FR,de;q=0.8", "zh-Hans-CN"),
])
def test_browser_language_is_followed(app, accept, lang):
    page = app.test_client().get("/", headers={"Accept-Language": accept})
    assert _lang(page.get_data(as_text=True)) == lang


def test_switching_language_keeps_the_page_and_the_choice(client):
    response = client.submit("/language", {"locale": "en", "next": "/sign-in"},
                             token_from="/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    page = client.get("/sign-in").get_data(as_text=True)
    assert _lang(page) == "en"
    assert "Sign in" in page


def test_traditional_chinese_pages(client):
    client.submit("/language", {"locale": "zh_Hant"})
    page = client.get("/").get_data(as_text=True)
    assert _lang(page) == "zh-Hant"
    assert "企業" in page  # traditional characters, not 企业


def test_saved_language_of_a_user_wins_over_the_browser(client, world):
    reload(world.officer).locale = "en"
    db.session.commit()
    client.sign_in(world.officer.email)
    assert _lang(client.get("/account").get_data(as_text=True)) == "en"


def test_switching_language_when_signed_in_saves_it(client, world):
    client.sign_in(world.officer.email)
    client.submit("/language", {"locale": "zh_Hant"}, token_from="/account")
    assert db.session.scalar(select(User.locale).where(User.id == world.officer.id)) == "zh_Hant"


def test_an_unknown_locale_is_refused_with_a_message_and_nothing_changes(client):
    response = client.submit("/language", {"locale": "xx_YY"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "English" in page and "繁體中文" in page
    assert _lang(client.get("/").get_data(as_text=True)) == "zh-Hans-CN"


@pytest.mark.parametrize(("locale", "lang"), [("zh_Hans_CN", "zh-Hans-CN"), ("en", "en"),
                                              ("zh_Hant", "zh-Hant")])
def test_not_found_page_in_every_language_with_a_reference(client, locale, lang):
    client.submit("/language", {"locale": locale})
    response = client.get("/no-such-page")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert _lang(page) == lang
    assert response.headers["X-Request-ID"] in page


def test_server_error_page_has_a_reference_and_no_traceback(app, client, monkeypatch):
    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "main.home", boom)
    response = client.get("/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in page and "Traceback" not in page
    assert response.headers["X-Request-ID"] in page


def test_security_headers(client):
    response = client.get("/")
    headers = response.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in headers
    secure = client.get("/", base_url="https://portal.test")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


def test_pages_have_no_inline_scripts_or_styles(client):
    page = client.get("/register").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert " style=" not in page and "<style" not in page


def test_signed_in_pages_are_not_cached(client, world):
    client.sign_in(world.officer.email)
    assert client.get("/account").headers["Cache-Control"] == "no-store"


def test_a_concurrent_change_gets_a_clear_page_and_nothing_is_saved(app, english_client,
                                                                     monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    def changed_meanwhile():
        raise StaleDataError("UPDATE statement on table expected to update 1 row(s)")

    monkeypatch.setitem(app.view_functions, "main.home", changed_meanwhile)
    response = english_client.get("/")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Nothing you entered was saved" in page
    assert "UPDATE statement" not in page


def test_favicon_is_the_portals_own_svg_and_linked_from_every_page(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data
    icon.close()
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<link rel="icon" href="/static/img/favicon\.svg" type="image/svg\+xml">',
                     page)


def test_home_promises_only_what_the_portal_does(english_client):
    page = english_client.get("/").get_data(as_text=True)
    for missing in ("Upload proof of correction", "published decision",
                    "Verify corrections", "numbered decision"):
        assert missing not in page
    assert "self-check questionnaire" in page
    # Credit repair exists now (portal/credit/); signed-in enterprise users get the link.
    assert "apply for credit repair" in page
    assert "download the result as a PDF" in page
