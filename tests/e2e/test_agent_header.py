"""An agent acting for two enterprises sees which one is active and switches (issue 9, §4)."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.accounts.services import DEMO_EMAIL_DOMAIN
from tests.e2e.conftest import DEMO_PASSWORD

CATERING = "南沙湾海鲜酒家（演示）"
LOGISTICS = "广州南沙演示仓储物流有限公司"


def test_the_agent_sees_the_active_enterprise_in_the_header_and_switches(browser, live_server,
                                                                          axe):
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  viewport={"width": 360, "height": 780})
    page = context.new_page()
    try:
        page.goto("/sign-in")
        page.get_by_label("电子邮箱或手机号码").fill(f"agent@{DEMO_EMAIL_DOMAIN}")
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="登录").click()
        page.goto("/")
        active = page.locator("#acting-enterprise")
        expect(active).to_have_text(CATERING)
        expect(page.get_by_text("当前代表企业")).to_be_visible()
        switcher = page.get_by_label("切换到其他企业")
        expect(switcher).to_be_visible()
        # The header fits a 360 px phone: nothing scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        axe.check(page, "agent-header-360-zh-before")

        switcher.select_option(label=LOGISTICS)
        with page.expect_navigation():
            page.get_by_role("button", name="切换", exact=True).click()
        expect(page.locator("#acting-enterprise")).to_have_text(LOGISTICS)
        page.goto("/")
        expect(page.locator("#acting-enterprise")).to_have_text(LOGISTICS)
        expect(page.get_by_label("切换到其他企业")).to_have_value(
            page.locator("#acting-switch option", has_text=LOGISTICS).get_attribute("value"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        axe.check(page, "agent-header-360-zh-after")
        page.goto("/self-checks")
        expect(page.locator(".caption").first).to_have_text(LOGISTICS)
    finally:
        context.close()
