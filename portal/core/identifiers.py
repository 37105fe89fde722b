"""Identifiers: the unified social credit code (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

import unicodedata
from enum import StrEnum

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_CODE_CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class UsccProblem(StrEnum):
    """Why a code is not a valid USCC (the form maps each to a message)."""

    EMPTY = "empty"
    LENGTH = "length"
    CHARACTER = "character"
    ORGANISATION_CHECK = "organisation_check"
    CHECK_CHARACTER = "check_character"


class InvalidUscc(ValueError):
    """Raised when a code fails GB 32100-2015."""

    def __init__(self, problem: UsccProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def normalise_uscc(raw: str) -> str:
    """Trim, drop inner spaces, fold full-width characters and upper-case."""
    folded = unicodedata.normalize("NFKC", raw or "")
    return "".join(folded.split()).upper()


def uscc_check_character(first17: str) -> str:
    """Return the 18th character for the first 17 of a USCC."""
    total = sum(USCC_CHARSET.index(char) * weight
                for char, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def organisation_check_character(first8: str) -> str:
    """Return the 9th character of an organisation code (GB 11714) for its first 8."""
    total = sum(_ORG_CODE_CHARSET.index(char) * weight
                for char, weight in zip(first8, _ORG_CODE_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate_uscc(raw: str) -> str:
    """Return the normalised code, or raise why it is not a valid USCC.

    :raises InvalidUscc: with the problem found first.
    """
    code = normalise_uscc(raw)
    if not code:
        raise InvalidUscc(UsccProblem.EMPTY)
    if len(code) != 18:
        raise InvalidUscc(UsccProblem.LENGTH)
    if any(char not in USCC_CHARSET for char in code):
        raise InvalidUscc(UsccProblem.CHARACTER)
    organisation = code[8:17]
    if organisation_check_character(organisation[:8]) != organisation[8]:
        raise InvalidUscc(UsccProblem.ORGANISATION_CHECK)
    if uscc_check_character(code[:17]) != code[17]:
        raise InvalidUscc(UsccProblem.CHECK_CHARACTER)
    return code


def make_uscc(prefix: str, organisation_base: str) -> str:
    """Build a valid USCC from its first 8 characters and an 8-character organisation base."""
    organisation = organisation_base + organisation_check_character(organisation_base)
    first17 = prefix + organisation
    return first17 + uscc_check_character(first17)
