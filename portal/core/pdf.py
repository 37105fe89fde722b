"""PDF rendering that never leaves the portal's static files.

WeasyPrint gets the static files from disk and nothing else: a PDF never makes
a network request, not even to the portal itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Base URL of the resources a PDF may use: the portal's own static files.
PDF_RESOURCES = "portal-static:///"


def render_pdf(html: str, *, static_folder: Path) -> bytes:
    """Render ``html`` to PDF with real (selectable) text, reading only ``static_folder``.

    :raises ValueError: the HTML refers to anything but a file in ``static_folder``.
    """
    # Imported here: WeasyPrint loads Pango, which only PDFs need.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static = static_folder.resolve()

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = (static / url.removeprefix(PDF_RESOURCES)).resolve()
            if not url.startswith(PDF_RESOURCES) or static not in path.parents or (
                    not path.is_file()):
                raise ValueError(f"not one of the portal's static files: {url}")
            return URLFetcherResponse(url, body=path.read_bytes(),
                                      headers={"Content-Type": "text/css; charset=utf-8"})

    pdf: bytes = HTML(string=html, base_url=PDF_RESOURCES,
                      url_fetcher=StaticOnlyFetcher(fail_on_errors=True)).write_pdf()
    return pdf
