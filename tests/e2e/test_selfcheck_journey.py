"""An enterprise completes a self-check in Chinese on a phone (390×844)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DEMO_PASSWORD

FILL_PAGE = """
() => {
  // Answer every visible question: "yes" or the first option, a number, a date, a text.
  const groups = new Set();
  for (const input of document.querySelectorAll('form input[name^="q-"]')) {
    if (input.type === 'radio' || input.type === 'checkbox') {
      if (input.value === '__not_applicable__' || groups.has(input.name)) continue;
      groups.add(input.name);
      input.checked = true;
    } else if (input.type === 'date') {
      input.value = '2027-06-30';
    } else if (input.type === 'text') {
      input.value = '1';
    }
  }
  for (const area of document.querySelectorAll('form textarea[name^="q-"]')) {
    area.value = '已落实';
  }
}
"""


def test_complete_a_self_check_on_a_phone(page, axe):
    page.goto("/sign-in")
    page.get_by_label("电子邮箱或手机号码").fill("catering-admin@demo.nansha.invalid")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()

    page.get_by_role("navigation").get_by_role("link", name="自查", exact=True).click()
    axe.check(page, "40-selfcheck-index")
    with page.expect_navigation():
        page.get_by_role("button", name="开始自查").click()
    assert re.search(r"/self-checks/\d+$", page.url)
    axe.check(page, "41-task-list")
    tasks_url = page.url

    screenshots = 0
    for _ in range(12):  # one round per section at most
        pending = page.locator(".task-list__item", has_not=page.locator(".tag--green"))
        if pending.count() == 0:
            break
        pending.first.locator("a").click()
        section_url = page.url
        for _save in range(5):  # a page may grow questions after a save
            page.evaluate(FILL_PAGE)
            if not screenshots:
                axe.check(page, "42-section")
                screenshots += 1
            with page.expect_navigation():
                page.get_by_role("button", name="保存并继续").click()
            assert page.locator(".error-summary").count() == 0, page.content()[:3000]
            if page.url != section_url:
                break
        else:
            pytest.fail(f"{section_url} still asks for answers after five saves")
        page.goto(tasks_url)
    assert page.locator(".tag--green").count() == page.locator(".task-list__item").count()

    page.get_by_role("link", name="核对您的答案").click()
    axe.check(page, "43-check-answers")
    # "修改" opens the answer's section; saving it comes back to check-your-answers.
    check_url = page.url
    page.locator(".summary__action a").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="保存并继续").click()
    expect(page).to_have_url(re.compile(re.escape(check_url) + "#section-[a-z0-9_]+$"))
    page.get_by_role("link", name="继续签署承诺").click()
    # The signatory is the signed-in user, in the role of their membership: nothing to type.
    expect(page.locator(".summary")).to_contain_text("管理员")
    page.get_by_label("本人代表企业作出以上承诺").check()
    axe.check(page, "44-declaration")
    with page.expect_navigation():
        page.get_by_role("button", name="提交自查").click()

    expect(page.get_by_role("heading", name="自查已提交")).to_be_visible()
    reference = page.locator(".reference-number").inner_text()
    assert re.fullmatch(r"ZC\d{11}", reference)
    axe.check(page, "45-confirmation")
    page.get_by_role("link", name="查看自查结果").click()
    expect(page.locator(".score__value")).to_be_visible()
    axe.check(page, "46-result")
