"""A rectification case, both sides, in a real browser.

The catering enterprise completes a self-check answering "no" (so it has findings
of the market regulation department), opens a case from a finding with "整改此项",
reports with a photo; the market officer asks for more (补正); the enterprise
answers with another photo; the officer accepts (复查合格); the enterprise sees
the result. Screenshots of each step are kept; the case page is also shot in
English, Traditional Chinese and on a 360 px phone, where nothing may scroll sideways.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS, DEMO_PASSWORD, sign_out

ENTERPRISE = "catering-admin@demo.nansha.invalid"
OFFICER = "officer-market@demo.nansha.invalid"

ANSWER_NO = """
() => {
  // Answer every visible question: "no" where it can be (findings), else the first option.
  const groups = new Set();
  for (const input of document.querySelectorAll('form input[name^="q-"]')) {
    if (input.type === 'radio' || input.type === 'checkbox') {
      if (groups.has(input.name)) continue;
      const no = document.querySelector(`form input[name="${input.name}"][value="no"]`);
      if (no) { no.checked = true; groups.add(input.name); continue; }
      if (input.value === '__not_applicable__') continue;
      groups.add(input.name);
      input.checked = true;
    } else if (input.type === 'date') {
      input.value = '2027-06-30';
    } else if (input.type === 'text') {
      input.value = '1';
    }
  }
  for (const area of document.querySelectorAll('form textarea[name^="q-"]')) {
    area.value = '未落实';
  }
}
"""


def _photo(tmp_path, name: str, colour: str) -> str:
    """Write a real PNG photo to ``tmp_path`` and return its path."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, format="PNG")
    path = tmp_path / name
    path.write_bytes(out.getvalue())
    return str(path)


def _sign_in(page, email: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("电子邮箱或手机号码").fill(email)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def _self_check_with_findings(page) -> None:
    """Complete a self-check answering "no" and open its result."""
    page.goto("/self-checks")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("开始自查|继续")).click()
    tasks_url = page.url
    for _ in range(12):
        pending = page.locator(".task-list__item", has_not=page.locator(".tag--green"))
        if pending.count() == 0:
            break
        pending.first.locator("a").click()
        section_url = page.url
        for _save in range(5):
            page.evaluate(ANSWER_NO)
            with page.expect_navigation():
                page.get_by_role("button", name="保存并继续").click()
            if page.url != section_url:
                break
        page.goto(tasks_url)
    page.get_by_role("link", name="核对您的答案").click()
    page.get_by_role("link", name="继续签署承诺").click()
    page.get_by_label("本人代表企业作出以上承诺").check()
    with page.expect_navigation():
        page.get_by_role("button", name="提交自查").click()
    page.get_by_role("link", name="查看自查结果").click()


def _report(page, photo: str, description: str) -> None:
    page.locator('textarea[name="description"]').fill(description)
    page.locator('input[name="completed_on"]').fill(
        dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat())
    page.locator('input[name="evidence"]').set_input_files(photo)
    page.locator('input[name="commitment"]').check()


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


def test_case_from_a_finding_to_rectified_both_sides(page, axe, browser, live_server, tmp_path):
    page.set_viewport_size({"width": 1100, "height": 900})
    _sign_in(page, ENTERPRISE)
    _self_check_with_findings(page)
    rectify = page.locator(".finding-rectify button")
    assert rectify.count() >= 1, "the self-check has no finding to put right"
    axe.check(page, "60-case-finding")
    with page.expect_navigation():
        rectify.first.click()
    assert re.search(r"/cases/\d+$", page.url)
    case_url = page.url.removeprefix(live_server)
    reference = re.search(r"ZG\d{11}", page.content()).group(0)
    axe.check(page, "61-case-opened")

    page.goto(f"{case_url}/report")
    _report(page, _photo(tmp_path, "门店整改后.png", "#2f7d4f"), "已在门店入口处张贴许可证")
    axe.check(page, "63-case-report-form")
    with page.expect_navigation():
        page.get_by_role("button", name="提交部门").click()
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:1500]
    expect(page.locator(".evidence__file")).to_have_count(1)
    expect(page.locator("code.digest")).to_have_text(re.compile(r"[0-9a-f]{64}"))
    axe.check(page, "64-case-submitted")
    sign_out(page)

    _sign_in(page, OFFICER)
    page.goto("/officer/cases")
    expect(page.locator("main")).to_contain_text(reference)
    axe.check(page, "65-officer-queue")
    width = _fits_360(browser, live_server, page.context.storage_state(), "/officer/cases",
                      "65b-officer-queue-360px")
    assert width <= 360, f"the officer queue scrolls sideways on a phone ({width} px)"
    page.goto(case_url)
    # The officer's page decides; the enterprise's does not.
    page.locator('input[name="decision"][value="request_supplement"]').check()
    page.locator('textarea[name="reasons"]').fill("请补充整改前后的对比照片")
    page.locator('input[name="working_days"]').fill("5")
    axe.check(page, "66-officer-review")
    with page.expect_navigation():
        page.get_by_role("button", name="记录处理决定").click()
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:1500]
    expect(page.locator("main")).to_contain_text("请补充整改前后的对比照片")
    axe.check(page, "67-supplement-requested")
    sign_out(page)

    _sign_in(page, ENTERPRISE)
    page.goto(case_url)
    expect(page.locator("main")).to_contain_text("请补充整改前后的对比照片")
    assert page.locator('input[name="decision"]').count() == 0
    axe.check(page, "68-enterprise-sees-supplement")
    page.goto(f"{case_url}/report")
    _report(page, _photo(tmp_path, "整改前后对比.png", "#1d4f91"), "补充整改前后对比照片")
    with page.expect_navigation():
        page.get_by_role("button", name="提交部门").click()
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:1500]
    expect(page.locator(".evidence__file")).to_have_count(2)
    axe.check(page, "69-supplement-sent")
    sign_out(page)

    _sign_in(page, OFFICER)
    page.goto(case_url)
    page.locator('input[name="decision"][value="accept"]').check()
    page.locator('textarea[name="reasons"]').fill("对比照片显示已整改到位")
    with page.expect_navigation():
        page.get_by_role("button", name="记录处理决定").click()
    assert page.locator(".error-summary").count() == 0, page.locator("main").inner_text()[:1500]
    axe.check(page, "70-officer-accepted")
    sign_out(page)

    _sign_in(page, ENTERPRISE)
    page.goto(case_url)
    expect(page.locator("main")).to_contain_text("复查合格")
    expect(page.locator("main")).to_contain_text("对比照片显示已整改到位")
    axe.check(page, "71-enterprise-sees-result")
    width = _fits_360(browser, live_server, page.context.storage_state(), case_url,
                      "62-case-360px")
    assert width <= 360, f"the case page scrolls sideways on a phone ({width} px)"
    for locale, name in (("en", "72-case-en"), ("zh_Hant", "73-case-zh-hant")):
        with page.expect_navigation():
            page.locator(f'.language-switcher__option[value="{locale}"]').click()
        assert page.url.endswith(case_url)
        axe.check(page, name)
    expect(page.locator("html")).to_have_attribute("lang", re.compile("zh-Hant"))
    # The choice is kept for the user: give the demo enterprise back its default language.
    with page.expect_navigation():
        page.locator('.language-switcher__option[value="zh_Hans_CN"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans-CN")
