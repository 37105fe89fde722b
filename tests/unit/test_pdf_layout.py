"""The PDF stylesheet keeps each table row on one page (issue 9, §4)."""

import io
import re
from pathlib import Path

from pypdf import PdfReader

from portal.core.pdf import render_pdf

STATIC = Path(__file__).resolve().parents[2] / "portal" / "static"


def _page_of_each_line(pdf: bytes) -> dict[str, int]:
    pages: dict[str, int] = {}
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        for mark in re.findall(r"R\d+L\d+", page.extract_text()):
            pages[mark] = number
    return pages


def test_score_table_rows_are_not_split_across_pages():
    # Rows nine lines tall, so that without break-inside: avoid some row straddles a break.
    rows = "".join(
        f"<tr><td>{'<br>'.join(f'R{row}L{line}' for line in range(9))}</td><td>5</td></tr>"
        for row in range(40))
    html = ('<!doctype html><html><head><link rel="stylesheet" '
            'href="portal-static:///css/pdf.css"></head><body>'
            f'<table class="table table--compact"><tbody>{rows}</tbody></table></body></html>')
    pages = _page_of_each_line(render_pdf(html, static_folder=STATIC))
    assert len(pages) == 40 * 9
    assert max(pages.values()) >= 2  # the table really spans several pages
    for row in range(40):
        assert len({pages[f"R{row}L{line}"] for line in range(9)}) == 1, f"row {row} was split"
