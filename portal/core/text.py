"""Localised content text and Chinese script conversion (OpenCC).

Content texts are mappings by language (``zh_Hans``, ``en`` and optionally
``zh_Hant``); ``localized`` picks the one for a portal locale. Pure Python, no
Flask: the content loader, the reference data and the catalogue tools use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import opencc

__all__ = ["LOCALES", "localized", "to_zh_hant"]

#: Locales of the portal (DESIGN.md "Languages").
LOCALES = ("zh_Hans_CN", "en", "zh_Hant")


@cache
def _s2hk() -> opencc.OpenCC:
    return opencc.OpenCC("s2hk")


def to_zh_hant(text: str) -> str:
    """Convert Simplified Chinese to Hong Kong Traditional Chinese (OpenCC ``s2hk``)."""
    return _s2hk().convert(text)


def localized(text: Mapping[str, str], locale: str) -> tuple[str, bool]:
    """Return ``(text, is_fallback)`` for ``locale`` (zh_Hans_CN, en or zh_Hant).

    zh_Hant is the written Traditional text or the OpenCC s2hk conversion of
    the Simplified text (not a fallback); a missing English text falls back to
    Simplified Chinese with ``is_fallback`` True.

    :raises ValueError: for an unknown locale or a text with no language at all.
    """
    simplified = text.get("zh_Hans") or ""
    english = text.get("en") or ""
    if locale in ("zh_Hans_CN", "zh_Hans", "zh_CN", "zh"):
        if simplified:
            return simplified, False
        if english:
            return english, True
    elif locale == "en":
        if english:
            return english, False
        if simplified:
            return simplified, True
    elif locale in ("zh_Hant", "zh_Hant_HK", "zh_HK", "zh_TW"):
        written = text.get("zh_Hant") or ""
        if written:
            return written, False
        if simplified:
            return to_zh_hant(simplified), False
        if english:
            return english, True
    else:
        raise ValueError(f"unknown locale {locale!r}; expected one of {', '.join(LOCALES)}")
    raise ValueError("text has no zh_Hans or en version")
