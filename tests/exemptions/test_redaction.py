"""Natural persons' data never reaches a published decision."""

from __future__ import annotations

import pytest

from portal.exemptions.redaction import (
    ID_MASK,
    MOBILE_MASK,
    is_individual_business,
    mask_name,
    redact,
)


@pytest.mark.parametrize("text", [
    "身份证号440115199001011234", "身份证 44011519900101123X 号", "ID 440115900101123",
    "香港身份证 A123456(7)", "澳门 1234567(8)"])
def test_identity_numbers_are_masked(text):
    assert ID_MASK in redact(text)
    assert not any(ch.isdigit() for ch in redact(text).replace(ID_MASK, "").replace(
        "号", "")) or "ID" in text


@pytest.mark.parametrize("text", ["电话13912345678", "+86 139 1234 5678", "8613912345678",
                                  "手机：139-1234-5678"])
def test_mobile_numbers_are_masked(text):
    assert MOBILE_MASK in redact(text) and "5678" not in redact(text)


def test_other_numbers_stay():
    text = "罚款2000元，于2026年3月1日检查，统一社会信用代码91440115MA59XXXX1X，面积120平方米"
    assert redact(text) == text


def test_names_are_masked_but_for_their_surname():
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***"
    assert redact("经营者张三未标价，张三已改正", names=["张三"]) == "经营者张*未标价，张*已改正"
    assert redact("no names", names=["", " "]) == "no names"


def test_individual_businesses_are_recognised_by_their_uscc():
    assert is_individual_business("92440115MA59XXXX1X")
    assert not is_individual_business("91440115MA59XXXX1X")
    assert not is_individual_business("92440115")
