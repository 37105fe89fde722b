"""USCC validation (GB 32100-2015), DOMAIN.md §6."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.core.identifiers import (
    USCC_CHARSET,
    InvalidUscc,
    UsccProblem,
    make_uscc,
    normalise_uscc,
    validate_uscc,
)

# Codes of well-known enterprises, as printed on their licences.
REAL_CODES = ["914403001922038216", "9144030071526726XG", "91330100799655058B"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert validate_uscc(code) == code


def test_input_is_normalised_before_checking():
    assert validate_uscc(" 9144030071526726xg ") == "9144030071526726XG"
    assert validate_uscc("９１４４０３００１９２２０３８２１６") == "914403001922038216"
    assert validate_uscc("9144 0300 1922 0382 16") == "914403001922038216"
    assert normalise_uscc("ａｂｃ") == "ABC"


@pytest.mark.parametrize(("code", "problem"), [
    ("", UsccProblem.EMPTY),
    ("   ", UsccProblem.EMPTY),
    ("91440300192203821", UsccProblem.LENGTH),
    ("9144030019220382166", UsccProblem.LENGTH),
    ("91440300192203821I", UsccProblem.CHARACTER),   # I is not in the charset
    ("9144030019220382O6", UsccProblem.CHARACTER),   # O neither
    ("914403001922038226", UsccProblem.ORGANISATION_CHECK),  # 9th org-code char changed
    ("914403001922038217", UsccProblem.CHECK_CHARACTER),     # last char changed
])
def test_invalid_codes_say_why(code, problem):
    with pytest.raises(InvalidUscc) as raised:
        validate_uscc(code)
    assert raised.value.problem == problem


@given(st.text(alphabet=USCC_CHARSET, min_size=8, max_size=8),
       st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
def test_made_codes_validate_and_any_single_change_is_caught(prefix, base):
    code = make_uscc(prefix, base)
    assert validate_uscc(code) == code
    for position in range(18):
        for replacement in "07AX":
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1:]
            with pytest.raises(InvalidUscc):
                validate_uscc(changed)
