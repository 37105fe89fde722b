"""Credit repair (issue 12) in a real browser: from the notice to the end of publication.

The market officer enters a penalty record for the construction enterprise (decided
long enough ago and performed, so that it may be repaired); the enterprise receives the
repair notice (两书同达) in its notification centre, sees the record eligible on its
credit page, applies with the signed credit commitment and a proof of payment; the
officer accepts (受理) and approves; the record leaves the public credit page. Main pages
are checked with axe, the repair page on a 360 px phone, with screenshots ``90…`` and the
credit page once in English and once in Traditional Chinese.
"""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from portal.cases.demo import demo_pdf
from portal.core.clock import local_date
from portal.core.db import utcnow
from portal.core.identifiers import make_uscc
from tests.e2e.conftest import ARTIFACTS, sign_in, sign_out

ENTERPRISE = "construction-admin@demo.nansha.invalid"
OFFICER = "officer-market@demo.nansha.invalid"
#: The demo construction enterprise's code (portal.accounts.demo.ENTERPRISES).
USCC = make_uscc("91440115", "MA5DEC03")
NUMBER = "穗南市监罚〔2026〕9901号"


def _submit(page, form: str) -> None:
    """Press the submit button of the form matched by ``form`` and wait for the next page."""
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()
    page.wait_for_load_state("load")


def _no_errors(page) -> None:
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:1500]


def _fits_360(browser, live_server, storage_state, path: str, name: str) -> int:
    """Return the page's scroll width on a 360 px phone (and keep its screenshot)."""
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  viewport={"width": 360, "height": 740},
                                  storage_state=storage_state)
    phone = context.new_page()
    phone.goto(path, wait_until="load")
    width = phone.evaluate("document.documentElement.scrollWidth")
    phone.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()
    return int(width)


def test_credit_repair_from_the_notice_to_the_end_of_publication(page, axe, browser,
                                                                  live_server, tmp_path):
    today = local_date(utcnow(), "Asia/Shanghai")
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"/credit/public/{USCC}")
    expect(page.locator("main")).not_to_contain_text(NUMBER)

    sign_in(page, OFFICER)
    page.goto("/officer/credit/records/new")
    page.locator('input[name="decision_number"]').fill(NUMBER)
    page.locator('input[name="uscc"]').fill(USCC)
    page.locator('textarea[name="violation"]').fill("施工现场食堂未公示食品经营许可证（浏览器测试）")
    page.locator('input[name="penalty_types"][value="fine"]').check()
    page.locator('input[name="fine_amount"]').fill("3000")
    page.locator('input[name="decision_date"]').fill(
        (today - dt.timedelta(days=250)).isoformat())
    page.locator('select[name="record_class"]').select_option("general")
    page.locator('select[name="market_category"]').select_option("other")
    page.locator('input[name="performed_on"]').fill((today - dt.timedelta(days=240)).isoformat())
    axe.check(page, "90a-credit-officer-new-record")
    _submit(page, "main form")
    _no_errors(page)
    expect(page.locator("main")).to_contain_text(NUMBER)
    page.goto(f"/credit/public/{USCC}")
    expect(page.locator("main")).to_contain_text(NUMBER)
    axe.check(page, "90b-credit-public-published")

    sign_in(page, ENTERPRISE)
    page.goto("/notifications")
    notice = page.locator(".notification", has_text=NUMBER)
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("信用修复")
    axe.check(page, "90c-credit-repair-notice")
    page.goto("/credit")
    record = page.locator("section.card", has_text=NUMBER)
    apply_link = record.locator("a.button--primary")
    expect(apply_link).to_have_count(1)
    axe.check(page, "90d-credit-page-eligible")
    with page.expect_navigation():
        apply_link.click()
    repair_path = page.url.removeprefix(live_server)
    assert re.search(r"/credit/records/\d+/repair$", repair_path), repair_path
    expect(page.locator("#commitment-text")).to_contain_text(NUMBER)
    page.locator('textarea[name="statement"]').fill("罚款已于决定后十日内全额缴纳，已在食堂公示许可证")
    proof = tmp_path / "罚款缴款凭证.pdf"
    proof.write_bytes(demo_pdf(f"缴款凭证 {NUMBER}"))
    page.locator('input[name="proof"]').set_input_files(str(proof))
    page.locator('input[name="commitment"]').check()
    axe.check(page, "90e-credit-repair-form")
    width = _fits_360(browser, live_server, page.context.storage_state(), repair_path,
                      "90f-credit-repair-360px")
    assert width <= 360, f"the repair page scrolls sideways on a phone ({width} px)"
    _submit(page, "main form[enctype]")
    _no_errors(page)
    expect(page.locator("#repair-status")).to_be_visible()
    expect(page.locator("main")).to_contain_text("罚款缴款凭证.pdf")
    axe.check(page, "90g-credit-repair-applied")

    sign_in(page, OFFICER)
    page.goto("/officer/credit")
    axe.check(page, "90h-credit-officer-queue")
    with page.expect_navigation():
        page.get_by_role("link", name=NUMBER).click()
    review_path = page.url.removeprefix(live_server)
    page.locator('input[name="decision"][value="accept"]').check()
    axe.check(page, "90i-credit-officer-review")
    _submit(page, 'form[action$="/decide"]')
    _no_errors(page)
    page.locator('input[name="decision"][value="approve"]').check()
    page.locator('textarea[name="reasons"]').fill("处罚决定已全部履行，材料齐全，准予修复")
    _submit(page, 'form[action$="/decide"]')
    _no_errors(page)
    expect(page.locator('input[name="decision"]')).to_have_count(0)
    axe.check(page, "90j-credit-officer-approved")
    assert page.url.endswith(review_path)

    sign_out(page)
    page.goto(f"/credit/public/{USCC}")
    expect(page.locator("main")).not_to_contain_text(NUMBER)
    axe.check(page, "90k-credit-public-after-repair")

    sign_in(page, ENTERPRISE)
    page.goto(repair_path)
    expect(page.locator("#repair-status")).to_contain_text("修复")
    axe.check(page, "90l-credit-repaired")
    page.goto("/credit")
    for locale, name in (("en", "90m-credit-page-en"), ("zh_Hant", "90n-credit-page-zh-hant")):
        with page.expect_navigation():
            page.locator(f'.language-switcher__option[value="{locale}"]').click()
        assert page.url.endswith("/credit")
        axe.check(page, name)
    expect(page.locator("html")).to_have_attribute("lang", re.compile("zh-Hant"))
    with page.expect_navigation():
        page.locator('.language-switcher__option[value="zh_Hans_CN"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")
