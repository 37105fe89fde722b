"""A new enterprise registers, signs out, signs in again and switches language."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.core.identifiers import make_uscc
from tests.e2e.conftest import link_in_mail

USCC = make_uscc("91440115", "MA5E2E01")
PASSWORD = "Browser-Journey-2026"


def test_register_sign_out_sign_in_and_switch_language(page, axe):
    page.goto("/")
    axe.check(page, "01-home-zh")
    assert page.locator("html").get_attribute("lang") == "zh-Hans-CN"

    page.get_by_role("link", name="注册企业").first.click()
    axe.check(page, "02-register-empty")

    # A wrong check character is explained beside the field, and nothing is created.
    page.get_by_label("统一社会信用代码").fill(USCC[:-1] + ("1" if USCC[-1] != "1" else "2"))
    with page.expect_navigation():
        page.get_by_role("button", name="注册").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check(page, "03-register-errors")

    page.get_by_label("统一社会信用代码").fill(USCC.lower())
    page.get_by_label("企业名称").fill("广州南沙浏览器测试餐饮有限公司")
    page.get_by_label("所属行业").select_option("62")
    page.get_by_label("所在镇街").select_option("nansha")
    page.get_by_label("经营地址").fill("南沙街道进港大道1号")
    page.get_by_label("法定代表人").fill("刘测试")
    page.get_by_label("企业联系手机号码").fill("13912340000")
    page.get_by_label("企业联系电子邮箱").fill("contact@e2e.example.com")
    page.get_by_label("您的姓名").fill("刘管理")
    page.get_by_label("您的电子邮箱").fill("admin@e2e.example.com")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="注册").click()

    # Nothing is created until the email address is confirmed through the link sent to it.
    expect(page.get_by_role("heading", name="请查收电子邮件以继续")).to_be_visible()
    axe.check(page, "04a-register-check-email")
    page.goto(link_in_mail("/register/confirm/"))
    expect(page.get_by_text("广州南沙浏览器测试餐饮有限公司")).to_be_visible()
    axe.check(page, "04b-register-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name="确认并创建账号").click()

    expect(page.get_by_role("heading", name="广州南沙浏览器测试餐饮有限公司")).to_be_visible()
    expect(page.get_by_text(USCC)).to_be_visible()
    axe.check(page, "04-enterprise")

    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()
    menu = page.get_by_role("navigation")
    expect(menu.get_by_role("link", name="登录")).to_be_visible()

    menu.get_by_role("link", name="登录").click()
    axe.check(page, "05-sign-in")
    page.get_by_label("电子邮箱或手机号码").fill("admin@e2e.example.com")
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="刘管理")).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe.check(page, "06-home-en")

    with page.expect_navigation():
        page.get_by_role("button", name="繁體中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    assert re.search("企業", page.content())
    axe.check(page, "07-home-zh-hant")


def test_demo_officer_and_administrator_pages(page, axe):
    from tests.e2e.conftest import DEMO_PASSWORD

    page.goto("/sign-in")
    page.get_by_label("电子邮箱或手机号码").fill("admin@demo.nansha.invalid")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    page.goto("/admin/")
    axe.check(page, "10-admin")
    page.goto("/admin/users")
    axe.check(page, "11-admin-users")
    page.goto("/admin/users/new")
    axe.check(page, "12-admin-user-new")
    page.goto("/admin/audit")
    axe.check(page, "13-admin-audit")
    page.goto("/admin/departments")
    axe.check(page, "14-admin-departments")
    page.goto("/no-such-page")
    axe.check(page, "15-not-found")


def test_a_copied_session_cookie_dies_when_its_owner_signs_out(browser, live_server, page):
    from tests.e2e.conftest import DEMO_PASSWORD

    page.goto("/sign-in")
    page.get_by_label("电子邮箱或手机号码").fill("officer-market@demo.nansha.invalid")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    cookies = page.context.cookies()
    assert any(cookie["name"] == "portal_session" for cookie in cookies)

    thief = browser.new_context(base_url=live_server, locale="zh-CN")
    try:
        thief.add_cookies(cookies)
        stolen = thief.new_page()
        stolen.goto("/account")
        expect(stolen).to_have_url(re.compile(r"/account$"))

        with page.expect_navigation():
            page.get_by_role("button", name="退出登录").click()
        stolen.goto("/account")
        expect(stolen).to_have_url(re.compile(r"/sign-in"))
    finally:
        thief.close()
