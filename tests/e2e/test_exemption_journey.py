"""Exemption applications (issue 11) in a real browser, both sides and the public pages.

Four journeys on the demo portal: a first-violation grant through legal review (the
enterprise applies from the entry page, the market officer verifies and proposes, the
legal reviewer approves, the enterprise reads its numbered decision, anyone verifies it);
a refusal after the enterprise's defence, with an objection answered; a supplement loop
(补正) that gives the officer back the review clock; and a published grant withdrawn from
disclosure. Each journey checks its main pages with axe, one page on a 360 px phone, and
keeps screenshots (``80-…`` upward), with one page each in English and Traditional Chinese.

Only what is not the point of a journey is set up through the services: the published
grant of the withdrawal journey, issued on a day whose publication day has come.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DEMO_PASSWORD, SERVER_LOG

ENTERPRISE = "catering-admin@demo.nansha.invalid"
OFFICER = "officer-market@demo.nansha.invalid"
REVIEWER = "legal-reviewer@demo.nansha.invalid"
NUMBER = re.compile(r"穗南市监不罚〔\d{4}〕\d+号|穗南市监[^\s〔]*〔\d{4}〕\d+号")


def _today() -> dt.date:
    from portal.core.clock import local_date
    from portal.core.db import utcnow

    return local_date(utcnow(), "Asia/Shanghai")


def _sign_in(page, email: str) -> None:
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.get_by_label("电子邮箱或手机号码").fill(email)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def _submit(page, form: str) -> None:
    """Press the submit button of the form matched by ``form`` and wait for the next page."""
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()
    page.wait_for_load_state("load")


def _no_errors(page) -> None:
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:1500]
    assert page.locator(".notice--error, .flash--error").count() == 0, \
        page.locator("main").inner_text()[:1500]


def _photo(tmp_path, name: str, colour: str) -> str:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(out, format="PNG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return str(path)


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


def _in_languages(page, axe, path: str, names: tuple[str, str]) -> None:
    """Check ``path`` in English and Traditional Chinese, then give back Simplified Chinese."""
    page.goto(path)
    for locale, name in zip(("en", "zh_Hant"), names, strict=True):
        with page.expect_navigation():
            page.locator(f'.language-switcher__option[value="{locale}"]').click()
        assert page.url.endswith(path)
        axe.check(page, name)
    expect(page.locator("html")).to_have_attribute("lang", re.compile("zh-Hant"))
    # The choice is kept for the user: give the demo account back its default language.
    with page.expect_navigation():
        page.locator('.language-switcher__option[value="zh_Hans_CN"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")


def _apply(page, entry_key: str, *, facts: str, violation_on: dt.date,
           photo: str | None = None) -> str:
    """Apply for exemption from the entry's page; return the application's path."""
    page.goto(f"/exemptions/{entry_key}")
    with page.expect_navigation():
        page.locator("#apply-for-exemption").click()
    page.locator('textarea[name="facts"]').fill(facts)
    page.locator('input[name="violation_on"]').fill(violation_on.isoformat())
    page.locator('input[name="harm"][value="none"]').check()
    page.locator('textarea[name="harm_statement"]').fill("未造成消费者损失")
    page.locator('input[name="first_violation"][value="yes"]').check()
    page.locator('input[name="exempted_before"][value="no"]').check()
    page.locator('input[name="corrected"][value="on_the_spot"]').check()
    page.locator('input[name="corrected_on"]').fill(violation_on.isoformat())
    if photo:
        page.locator('input[name="files"]').set_input_files(photo)
    page.locator('input[name="commitment"]').check()
    return page.url


def _verify(page, *, discretion: str | None = None) -> None:
    """Confirm every condition, record the education (and the reasoned choice)."""
    for answer in page.locator('#verify-form input[name^="condition_"][value="yes"]').all():
        answer.check()
    for note in page.locator('#verify-form textarea[name^="note_"]').all():
        note.fill("现场核实，符合")
    if discretion is not None:
        page.locator('textarea[name="discretion_reason"]').fill(discretion)
    page.locator('select[name="education_form"]').select_option("talk")
    page.locator('input[name="education_on"]').fill(_today().isoformat())
    page.locator('textarea[name="education_content"]').fill("约谈负责人，讲解网店经营者信息公示规定")


# -- 1. A first-violation grant through legal review ----------------------------------------


def test_first_violation_grant_through_legal_review(page, axe, browser, live_server, tmp_path):
    page.set_viewport_size({"width": 1100, "height": 900})
    _sign_in(page, ENTERPRISE)
    page.goto("/exemptions/ecom-02")
    axe.check(page, "80-exemption-entry")
    _apply(page, "ecom-02", facts="网店首页经营者信息公示链接失效，发现后当日修复（浏览器测试）",
           violation_on=_today() - dt.timedelta(days=11),
           photo=_photo(tmp_path, "修复后的网店首页.png", "#1d4f91"))
    axe.check(page, "81-exemption-apply-form")
    _submit(page, "main form[enctype]")
    _no_errors(page)
    assert re.search(r"/exemptions/applications/\d+$", page.url), page.url
    application_path = page.url.removeprefix(live_server)
    application_id = application_path.rsplit("/", 1)[1]
    reference = re.search(r"MF\d{11}", page.locator("h1").inner_text()).group(0)
    expect(page.locator("#application-status")).to_be_visible()
    expect(page.locator(".evidence__file")).to_have_count(1)
    axe.check(page, "82-exemption-applied")
    width = _fits_360(browser, live_server, page.context.storage_state(), application_path,
                      "82b-exemption-application-360px")
    assert width <= 360, f"the application page scrolls sideways on a phone ({width} px)"

    _sign_in(page, OFFICER)
    page.goto("/officer/exemptions")
    expect(page.locator("main")).to_contain_text(reference)
    axe.check(page, "83-officer-exemption-queue")
    review_path = f"/officer/exemptions/{application_id}"
    page.goto(review_path)
    expect(page.locator("#legal-review-need")).to_contain_text("法制审核")
    _verify(page, discretion="首次违法且当日改正，危害后果轻微，依法裁量不予处罚")
    axe.check(page, "84-officer-verification")
    _submit(page, "#verify-form")
    _no_errors(page)
    assert page.locator("#grant-not-yet").count() == 0, page.locator("#grant-not-yet").inner_text()
    _submit(page, "#action-grant form")
    _no_errors(page)
    expect(page.locator("#legal-review")).to_be_visible()
    axe.check(page, "85-officer-proposed-grant")

    _sign_in(page, REVIEWER)
    page.goto(review_path)
    page.locator('#legal-review input[name="result"][value="approve"]').check()
    page.locator('#legal-review textarea[name="comments"]').fill("事实清楚，适用清单事项正确，同意")
    axe.check(page, "86-legal-review")
    _submit(page, "#legal-review form")
    _no_errors(page)
    number = page.locator("#decision").inner_text()
    code = page.locator("#decision code").first.inner_text().strip()
    document_number = NUMBER.search(number)
    assert document_number, number
    axe.check(page, "87-legal-review-approved")

    _sign_in(page, ENTERPRISE)
    page.goto(application_path)
    expect(page.locator("#decision")).to_contain_text(document_number.group(0))
    axe.check(page, "88-enterprise-sees-decision")
    with page.expect_navigation():
        page.locator("#decision a").first.click()
    expect(page.locator(".decision-document__number")).to_contain_text(document_number.group(0))
    expect(page.locator("main")).to_contain_text("首次违法且当日改正")
    axe.check(page, "89-decision-document")
    pdf = page.request.get(page.url.split("?")[0] + ".pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    _in_languages(page, axe, application_path, ("89b-exemption-decision-en",
                                                "89c-exemption-decision-zh-hant"))

    page.context.clear_cookies()
    page.goto(f"/verify/{code}")
    expect(page.locator("#document-number")).to_have_text(document_number.group(0))
    expect(page.locator("#decision-status")).to_contain_text("有效")
    axe.check(page, "89d-verify-decision")
