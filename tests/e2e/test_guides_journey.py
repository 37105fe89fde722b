"""The public browses guides and searches the exemption lists, in Chinese and in English."""

from __future__ import annotations

from playwright.sync_api import expect


def test_browse_and_search_in_chinese_then_english(page, axe):
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="减免责清单").click()
    axe.check(page, "20-exemptions-zh")

    page.get_by_label("搜索").fill("价格")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    expect(page.locator(".result mark").first).to_have_text("价格")
    axe.check(page, "21-search-zh")

    page.get_by_label("搜索").fill("")
    page.get_by_label("清单类型").select_option("first_violation")
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    expect(page.locator(".result .tag--first_violation").first).to_be_visible()
    assert page.locator(".result__title").count() == page.locator(
        ".result .tag--first_violation").count()
    page.locator(".result__title a").first.click()
    expect(page.get_by_role("heading", name="版本历史")).to_be_visible()
    axe.check(page, "22-entry-zh")

    page.get_by_role("navigation").get_by_role("link", name="合规指引").click()
    page.locator(".card h2 a").first.click()
    expect(page.get_by_role("heading", name="合规义务")).to_be_visible()
    axe.check(page, "23-guide-zh")

    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("navigation").get_by_role("link", name="Exemption lists").click()
    page.get_by_label("Search").fill("price")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    expect(page.locator(".result__title mark").first).to_be_visible()
    axe.check(page, "24-search-en")


def test_might_i_qualify_in_chinese(page, axe):
    page.goto("/check")
    axe.check(page, "30-precheck-start")
    with page.expect_navigation():
        page.get_by_role("button", name="继续").click()
    page.locator(".result a").first.click()
    expect(page.get_by_label("是，首次被发现")).to_be_visible()
    axe.check(page, "31-precheck-history")
    page.get_by_label("是，首次被发现").check()
    page.locator("#exempted_before-no").check()
    for answer in ("#harm-none", "#corrected-before_discovery"):
        with page.expect_navigation():
            page.get_by_role("button", name="继续").click()
        page.locator(answer).check()
    with page.expect_navigation():
        page.get_by_role("button", name="继续").click()
    expect(page.locator(".panel--success, .notice").first).to_be_visible()
    axe.check(page, "32-precheck-result")
