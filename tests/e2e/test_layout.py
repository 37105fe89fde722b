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


#: Signed-in pages reported too wide or squeezed on phones, with the demo user who sees them.
SIGNED_IN_PAGES = [
    ("officer-market@demo.nansha.invalid", "/officer/self-checks", "officer-self-checks"),
    ("admin@demo.nansha.invalid", "/admin/users", "admin-users"),
    ("admin@demo.nansha.invalid", "/admin/audit", "admin-audit"),
    ("catering-admin@demo.nansha.invalid", "/self-checks", "self-checks"),
]

#: Text that must never break inside: codes, and every cell of a stacked table.
_BROKEN_TEXT = """() => {
  const broken = [];
  for (const el of document.querySelectorAll('main code, main .nowrap')) {
    if (el.getClientRects().length > 1) broken.push(el.textContent);
  }
  return broken;
}"""

#: Table cells narrower than three characters: text standing one character per line.
_SQUEEZED_CELLS = """() => {
  const squeezed = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    const style = getComputedStyle(cell);
    const em = parseFloat(style.fontSize);
    const box = cell.getBoundingClientRect();
    if (box.width < 2) continue;  // a visually hidden header row
    if (cell.textContent.trim().length > 3 && box.width < 3 * em) {
      squeezed.push(cell.textContent.trim().slice(0, 20));
    }
  }
  return squeezed;
}"""


def _sign_in(page, email: str) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.conftest import DEMO_PASSWORD

    page.goto("/sign-in")
    page.get_by_label("电子邮箱或手机号码").fill(email)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


#: Signed-in browser state by demo email: each user signs in once (sign-in is rate limited).
_SIGNED_IN: dict[str, object] = {}


def _phone_as(browser, live_server, email: str):  # type: ignore[no-untyped-def]
    """Return a 360 px browser context signed in as ``email``."""
    if email not in _SIGNED_IN:
        context = browser.new_context(base_url=live_server, locale="zh-CN")
        _sign_in(context.new_page(), email)
        _SIGNED_IN[email] = context.storage_state()
        context.close()
    return browser.new_context(base_url=live_server, locale="zh-CN",
                               viewport={"width": 360, "height": 740},
                               storage_state=_SIGNED_IN[email])


def _width(page) -> int:  # type: ignore[no-untyped-def]
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_guide_codes_do_not_wrap_on_a_phone(phone):
    phone.goto("/guides/catering", wait_until="load")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "51-guide-catering-360px.png"), full_page=True)
    assert phone.evaluate(_BROKEN_TEXT) == []
    assert _width(phone) <= 360


@pytest.mark.parametrize(("email", "path", "name"), SIGNED_IN_PAGES,
                         ids=[name for _e, _p, name in SIGNED_IN_PAGES])
def test_signed_in_pages_fit_a_360px_phone(browser, live_server, email, path, name):
    context = _phone_as(browser, live_server, email)
    page = context.new_page()
    try:
        response = page.goto(path, wait_until="load")
        assert response is not None and response.status == 200
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"52-{name}-360px.png"), full_page=True)
        assert _width(page) <= 360, path
        assert page.evaluate(_SQUEEZED_CELLS) == [], path
        assert page.evaluate(_BROKEN_TEXT) == [], path
    finally:
        context.close()


PUT_ONE_THING_WRONG = """
() => {
  const no = document.querySelector('input[name="q-stock_within_shelf_life"][value="no"]');
  if (no) no.checked = true;
}
"""


@pytest.fixture(scope="module")
def submitted_self_check(browser, live_server):  # type: ignore[no-untyped-def]
    """Submit a catering self-check in the browser, so officers' lists have a row."""
    from tests.e2e.test_selfcheck_journey import FILL_PAGE

    context = _phone_as(browser, live_server, "catering-admin@demo.nansha.invalid")
    page = context.new_page()
    try:
        page.goto("/self-checks")
        with page.expect_navigation():
            page.locator("main form button[type=submit]").first.click()
        tasks_url = page.url
        self_check_id = tasks_url.rstrip("/").rsplit("/", 1)[-1]
        # Every section is answered here, those already complete too: a new self-check
        # starts from the enterprise's previous answers, which another journey on this
        # server may have left with other problems.
        answered: set[str] = set()
        for _ in range(30):
            links = [href for href in (a.get_attribute("href") for a in
                                       page.locator(".task-list__item a").all())
                     if href and "/sections/" in href and href not in answered]
            pending = page.locator(".task-list__item", has_not=page.locator(".tag--green"))
            if not links and pending.count() == 0:
                break
            section = links[0] if links else pending.first.locator("a").get_attribute("href")
            answered.add(section or "")
            page.goto(section or tasks_url)
            section_url = page.url
            for _save in range(5):
                page.evaluate(FILL_PAGE)
                # One problem on purpose, so that the result and officer pages have rows.
                page.evaluate(PUT_ONE_THING_WRONG)
                with page.expect_navigation():
                    page.locator("main form button[type=submit]").last.click()
                if page.url != section_url:
                    break
            page.goto(tasks_url)
        page.goto(f"/self-checks/{self_check_id}/declaration")
        commitment = page.locator("main input[type=checkbox]")
        if commitment.count() == 0:  # say where it stopped rather than time out
            page.screenshot(path=str(ARTIFACTS / "layout-fixture-declaration.png"),
                            full_page=True)
            raise AssertionError(f"no commitment on {page.url}: "
                                 f"{page.locator('main').inner_text()[:800]}")
        commitment.check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").last.click()
        response = page.goto(f"/self-checks/{self_check_id}/result")
        assert response is not None and response.status == 200
        return self_check_id
    finally:
        context.close()


def test_result_and_officer_pages_with_rows_fit_a_360px_phone(browser, live_server,
                                                             submitted_self_check):
    for email, path, name in [
            ("catering-admin@demo.nansha.invalid",
             f"/self-checks/{submitted_self_check}/result", "result"),
            ("officer-market@demo.nansha.invalid", "/officer/self-checks",
             "officer-self-checks-with-rows"),
            ("officer-market@demo.nansha.invalid",
             f"/officer/self-checks/{submitted_self_check}", "officer-view")]:
        context = _phone_as(browser, live_server, email)
        page = context.new_page()
        try:
            response = page.goto(path, wait_until="load")
            assert response is not None and response.status == 200, path
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"53-{name}-360px.png"), full_page=True)
            assert _width(page) <= 360, path
            assert page.evaluate(_SQUEEZED_CELLS) == [], path
            assert page.evaluate(_BROKEN_TEXT) == [], path
            if name == "officer-self-checks-with-rows":
                assert page.locator("main tbody tr").count() >= 1
            if name == "result":
                # The summary of what to put right comes first; the page is no scroll marathon.
                assert page.locator(".findings-summary").is_visible()
                height = page.evaluate("document.documentElement.scrollHeight")
                assert height < 5000, height
        finally:
            context.close()
