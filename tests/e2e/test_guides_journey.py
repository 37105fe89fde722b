"""The public browses guides and searches the exemption lists, in Chinese and in English."""

from __future__ import annotations


def test_browse_and_search_in_chinese_then_english(page, axe):
    page.goto("/")
    page.get_by_role("navigation").get_by_role("link", name="减免责清单").click()
    axe.check(page, "20-exemptions-zh")

    page.get_by_label("搜索").fill("价格")
    page.get_by_role("button", name="筛选").click()
    results = page.locator(".result")
    assert results.count() > 0
    assert page.locator(".result mark").first.inner_text() == "价格"
    axe.check(page, "21-search-zh")

    page.get_by_label("搜索").fill("")
    page.get_by_label("清单类型").select_option("first_violation")
    page.get_by_role("button", name="筛选").click()
    assert page.locator(".result").count() > 0
    for tag in page.locator(".result .tag--first_violation").all():
        assert tag.is_visible()
    page.locator(".result__title a").first.click()
    assert page.get_by_role("heading", name="版本历史").is_visible()
    axe.check(page, "22-entry-zh")

    page.get_by_role("navigation").get_by_role("link", name="合规指引").click()
    page.locator(".card h2 a").first.click()
    assert page.get_by_role("heading", name="合规义务").is_visible()
    axe.check(page, "23-guide-zh")

    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("navigation").get_by_role("link", name="Exemption lists").click()
    page.get_by_label("Search").fill("price")
    page.get_by_role("button", name="Apply").click()
    assert page.locator(".result").count() > 0
    axe.check(page, "24-search-en")


def test_might_i_qualify_in_chinese(page, axe):
    page.goto("/check")
    axe.check(page, "30-precheck-start")
    page.get_by_role("button", name="继续").click()
    page.locator(".result a").first.click()
    axe.check(page, "31-precheck-history")
    page.get_by_label("是，首次被发现").check()
    page.locator("#exempted_before-no").check()
    page.get_by_role("button", name="继续").click()
    page.locator("#harm-none").check()
    page.get_by_role("button", name="继续").click()
    page.locator("#corrected-before_discovery").check()
    page.get_by_role("button", name="继续").click()
    assert page.get_by_role("heading", level=1).is_visible()
    axe.check(page, "32-precheck-result")
