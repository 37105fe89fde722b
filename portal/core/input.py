"""Strict parsing of what arrives at the edge: ids, page numbers, NUL-free text.

Every malformed value is answered with a 400 or 404 page in the user's language
before it reaches a query; nothing a visitor types may become a 500.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BaseConverter, ValidationError

#: The largest id any table holds: PostgreSQL's ``integer`` (SQLite's is wider).
MAX_ID = 2**31 - 1

#: ASCII digits only: ``str.isdigit`` also accepts "²" and other digit symbols.
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")

BAD_CHARACTER_MESSAGE = _l("What you sent contains characters that cannot be accepted (a "
                           "null character, or bytes that are not text). Nothing was saved. "
                           "Go back, remove them and try again.")


def parse_positive_int(raw: str | None, *, maximum: int = MAX_ID) -> int | None:
    """Return ``raw`` as an int in 1..``maximum``, or None if it is not one.

    Only ASCII digits count; a value with more digits than any id is refused
    before it is converted.
    """
    if raw is None or not _ASCII_DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None


class IdConverter(BaseConverter):
    """``<int:…>`` for ids: ASCII digits within the id column's range, else 404."""

    regex = r"[0-9]{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_positive_int(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: object) -> str:
        return str(int(value))  # type: ignore[call-overload]


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


def _is_utf8(wsgi_text: str) -> bool:
    """Return whether a WSGI string (bytes carried as latin-1) is valid UTF-8."""
    try:
        wsgi_text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return False
    return True


def _is_utf8_query(raw: bytes) -> bool:
    """Return whether the percent-decoded query string is valid UTF-8."""
    try:
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def reject_nul_bytes() -> None:
    """Answer a NUL character (or bytes that are not UTF-8) in the request with a 400 page.

    :raises werkzeug.exceptions.BadRequest: a NUL or a non-UTF-8 byte is present.
    """
    # Servers hand undecodable path bytes on as latin-1 (gunicorn) or already replaced by
    # U+FFFD (werkzeug's own): refuse both.
    if ("\x00" in request.path or "\ufffd" in request.path
            or not _is_utf8(request.environ.get("PATH_INFO", ""))
            or not _is_utf8_query(request.query_string)):
        abort(400, str(BAD_CHARACTER_MESSAGE))
    if _has_nul(request.args.keys()) or _has_nul(request.args.values()):
        abort(400, str(BAD_CHARACTER_MESSAGE))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        form = request.form
        if _has_nul(form.keys()) or _has_nul(form.values()):
            abort(400, str(BAD_CHARACTER_MESSAGE))
        if _has_nul(upload.filename or "" for upload in request.files.values()):
            abort(400, str(BAD_CHARACTER_MESSAGE))


def register_converters(app: Flask) -> None:
    """Make every ``<int:…>`` URL part a bounded id (call before blueprints)."""
    app.url_map.converters["int"] = IdConverter
