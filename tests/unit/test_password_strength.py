"""Common passwords are refused, with the usual decorations people add to them."""

import pytest

from portal.core.security import _COMMON, PasswordProblem, is_common_password, password_problems


def test_the_list_is_a_real_breach_corpus_not_a_handful():
    assert len(_COMMON) >= 10_000
    assert {"123456", "password", "qwerty", "woaini1314"} <= _COMMON


@pytest.mark.parametrize("password", [
    "password", "Password123!", "qwerty2026", "!!monkey!!", "Dragon1234", "woaini1314",
    "1qaz2wsx3edc", "Nansha2026",
])
def test_common_passwords_and_their_decorations_are_refused(password):
    assert is_common_password(password)


@pytest.mark.parametrize("password", [
    "Correct-Horse-42", "Brand-New-Pass-77", "Nansha-Demo-2026", "lantern-ferry-8812",
])
def test_uncommon_passphrases_pass(password):
    assert not is_common_password(password)


def test_a_common_password_long_enough_is_still_refused_with_its_reason():
    problems = password_problems("Baseball12345", min_length=10)
    assert problems == [PasswordProblem.TOO_COMMON]
