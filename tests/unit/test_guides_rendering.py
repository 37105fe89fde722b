"""Guide bodies render safely with one h1; exported cells cannot be read as formulas."""

import pytest

from portal.guides.exports import spreadsheet_safe


@pytest.mark.parametrize(("value", "safe"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("未明码标价", "未明码标价"), (12, 12), ("", ""),
])
def test_formula_like_cells_are_neutralised(value, safe):
    assert spreadsheet_safe(value) == safe


def test_guide_bodies_have_no_second_h1_and_no_script():
    from portal.guides.queries import render_markdown

    html = str(render_markdown("# 餐饮服务合规指引\n\n正文\n\n## 一、证照\n\n<script>x()</script>"))
    assert "<h1>" not in html and "餐饮服务合规指引" not in html
    assert "<h3>一、证照</h3>" in html
    assert "<script>" not in html
