"""Exported cells cannot be read as spreadsheet formulas."""

import pytest

from portal.guides.routes import spreadsheet_safe


@pytest.mark.parametrize(("value", "safe"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1", "'+1"), ("-2", "'-2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("未明码标价", "未明码标价"), (12, 12), ("", ""),
])
def test_formula_like_cells_are_neutralised(value, safe):
    assert spreadsheet_safe(value) == safe
