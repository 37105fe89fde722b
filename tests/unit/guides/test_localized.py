"""Texts in three locales: written, converted with OpenCC s2hk, or falling back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from portal.guides.content import load_content, localized, to_zh_hant

Builder = Callable[..., Path]


def test_zh_hans_and_en_are_returned_as_written() -> None:
    text = {"zh_Hans": "食品经营许可证", "en": "Food business licence"}
    assert localized(text, "zh_Hans_CN") == ("食品经营许可证", False)
    assert localized(text, "en") == ("Food business licence", False)


def test_zh_hant_is_converted_with_opencc_hong_kong() -> None:
    converted, fallback = localized({"zh_Hans": "食品经营许可证", "en": "x"}, "zh_Hant")
    assert converted == "食品經營許可證"
    assert fallback is False
    assert to_zh_hant("发展和改革局") == "發展和改革局"


def test_written_zh_hant_wins_over_conversion() -> None:
    text = {"zh_Hans": "网吧", "en": "Internet café", "zh_Hant": "網咖"}
    assert localized(text, "zh_Hant") == ("網咖", False)


def test_missing_english_falls_back_to_chinese() -> None:
    assert localized({"zh_Hans": "明码标价"}, "en") == ("明码标价", True)
    assert localized({"zh_Hans": "明码标价", "en": ""}, "en") == ("明码标价", True)


def test_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown locale"):
        localized({"zh_Hans": "x", "en": "x"}, "fr")


def test_guide_body_zh_hant_is_generated_unless_written(tree: Builder) -> None:
    guide = load_content(tree()).guides["demo"]
    assert guide.zh_hant_generated is True
    assert guide.body["zh_Hant"] == to_zh_hant(guide.body["zh_Hans"])
    assert "經營許可證" in guide.body["zh_Hant"]
    written = load_content(tree({"industries/demo/guide.zh_Hant.md": "# 示範指引\n"}))
    assert written.guides["demo"].zh_hant_generated is False
    assert written.guides["demo"].body["zh_Hant"] == "# 示範指引\n"


def test_entry_validity_inherits_the_source_list_dates(tree: Builder) -> None:
    entry = load_content(tree()).exemption_entries["demo-01"]
    assert (entry.effective_from, entry.effective_until) == (dt.date(2024, 1, 1),
                                                             dt.date(2026, 12, 31))
    assert entry.is_valid_on(dt.date(2025, 6, 1))
    assert not entry.is_valid_on(dt.date(2027, 1, 1))
    assert not entry.is_valid_on(dt.date(2023, 12, 31))
