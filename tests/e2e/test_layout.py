"""Pages fit a 360 px phone: nothing makes the whole page scroll sideways."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS

PAGES = ["/", "/sign-in", "/register", "/guides", "/guides/catering", "/exemptions",
         "/exemptions?q=价格", "/check", "/check?industry=catering", "/no-such-page"]


@pytest.fixture
def phone(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  viewport={"width": 360, "height": 740})
    page = context.new_page()
    yield page
    context.close()


def test_pages_fit_a_360px_phone(phone):
    overflowing = []
    for path in PAGES:
        phone.goto(path, wait_until="load")
        width = phone.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            overflowing.append((path, width))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.goto("/exemptions?q=价格")
    phone.screenshot(path=str(ARTIFACTS / "50-exemptions-360px.png"), full_page=True)
    assert overflowing == []


def test_base_text_is_at_least_16px(phone):
    phone.goto("/")
    size = phone.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 16
    for selector in [".button", ".language-switcher__option", ".nav__link"]:
        height = phone.evaluate(
            f"document.querySelector('{selector}').getBoundingClientRect().height")
        assert height >= 44, selector  # large touch targets
