"""The verification address printed on a decision and its QR code (segno)."""

from __future__ import annotations

import segno
from flask import current_app, url_for
from markupsafe import Markup


def verify_url(code: str) -> str:
    """Return the absolute public address of ``/verify/<code>`` (``BASE_URL``)."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for("disclosure.verify", code=code)


def qr_svg(url: str, *, title: str) -> Markup:
    """Return an inline SVG QR code of ``url`` (error correction M), for pages and PDFs.

    Inline SVG needs no fetch, so WeasyPrint renders it with the static-only fetcher.
    """
    svg = segno.make(url, error="m").svg_inline(scale=3, title=title, border=2)
    return Markup(svg)  # noqa: S704  (segno's own markup; ``title`` is escaped by segno)
