"""Localised content text and Chinese script conversion (OpenCC).

Content texts are mappings by language (``zh_Hans``, ``en`` and optionally
``zh_Hant``); ``localized`` picks the one for a portal locale. Pure Python, no
Flask: the content loader, the reference data and the catalogue tools use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import opencc
import yaml

__all__ = ["LOCALES", "PHRASES_FILE", "apply_phrases", "load_phrases", "localized",
           "s2hk", "to_zh_hant"]

#: Reviewed Hong Kong vocabulary applied after OpenCC ``s2hk`` (s2hk output → HK usage).
PHRASES_FILE = Path(__file__).resolve().parents[2] / "compliance_guides" / "zh_hant_phrases.yaml"

#: Locales of the portal (DESIGN.md "Languages").
LOCALES = ("zh_Hans_CN", "en", "zh_Hant")


@cache
def _s2hk() -> opencc.OpenCC:
    return opencc.OpenCC("s2hk")


def s2hk(text: str) -> str:
    """Return OpenCC ``s2hk`` of ``text`` alone (characters only, no phrase list)."""
    return _s2hk().convert(text)


def load_phrases(path: Path) -> dict[str, str]:
    """Return the phrase list of ``path`` (``phrases:`` mapping of s2hk output to HK usage).

    :raises ValueError: when the file is not a mapping of non-empty strings.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    phrases = data.get("phrases") if isinstance(data, dict) else None
    if not isinstance(phrases, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k and v for k, v in phrases.items()):
        raise ValueError(f"{path}: 'phrases' must map non-empty strings to strings")
    return dict(phrases)


@cache
def _pattern(keys: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(k) for k in sorted(keys, key=len, reverse=True)))


def apply_phrases(text: str, phrases: Mapping[str, str]) -> str:
    """Replace every phrase of ``phrases`` in ``text`` in one pass, longest match first."""
    if not phrases or not text:
        return text
    return _pattern(tuple(phrases)).sub(lambda match: phrases[match[0]], text)


@cache
def _hk_phrases() -> dict[str, str]:
    return load_phrases(PHRASES_FILE) if PHRASES_FILE.exists() else {}


def to_zh_hant(text: str) -> str:
    """Convert Simplified Chinese to Hong Kong Traditional Chinese.

    OpenCC ``s2hk`` converts the characters; the reviewed phrase list
    (``compliance_guides/zh_hant_phrases.yaml``) then gives Hong Kong vocabulary.
    """
    return apply_phrases(_s2hk().convert(text), _hk_phrases())


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
