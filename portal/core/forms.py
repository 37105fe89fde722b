"""Form pieces shared by every feature: the empty form and common validators."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form
from wtforms.validators import ValidationError

from portal.core.identifiers import InvalidUscc, UsccProblem, validate_uscc
from portal.core.security import PasswordProblem, password_problems

MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


#: Shown when a posted value is not one of the options offered (a tampered post).
INVALID_CHOICE = _l("Choose one of the options shown")
#: Shown when a date cannot be read.
INVALID_DATE = _l("Enter a real date, for example 2027-06-30")


class EmptyForm(FlaskForm):
    """A form with only its CSRF token, for POST-only buttons."""


USCC_MESSAGES = {
    UsccProblem.EMPTY: _l("Enter the unified social credit code"),
    UsccProblem.LENGTH: _l("The unified social credit code must be 18 characters"),
    UsccProblem.CHARACTER: _l("The unified social credit code can only contain digits and "
                              "capital letters other than I, O, S, V and Z"),
    UsccProblem.ORGANISATION_CHECK: _l("The unified social credit code is not valid: "
                                       "check characters 9 to 17"),
    UsccProblem.CHECK_CHARACTER: _l("The unified social credit code is not valid: check the "
                                    "last character and the characters before it"),
}

PASSWORD_MESSAGES = {
    PasswordProblem.TOO_SHORT: _l("The password must be at least %(length)s characters"),
    PasswordProblem.TOO_LONG: _l("The password must be 128 characters or fewer"),
    PasswordProblem.NEEDS_LETTERS_AND_DIGITS: _l("The password must contain letters and "
                                                 "digits"),
    PasswordProblem.TOO_COMMON: _l("This password is too common; choose another"),
    PasswordProblem.CONTAINS_IDENTITY: _l("The password must not contain your email or "
                                          "mobile number"),
}


def uscc_validator(_form: Form, field: Field) -> None:
    """Check a USCC field with GB 32100-2015 and store the normalised code."""
    try:
        field.data = validate_uscc(field.data or "")
    except InvalidUscc as error:
        raise ValidationError(str(USCC_MESSAGES[error.problem])) from error


def mobile_validator(_form: Form, field: Field) -> None:
    """Check a mainland mobile number (11 digits starting with 1)."""
    if field.data:
        field.data = "".join(field.data.split())
        if not MOBILE_PATTERN.match(field.data):
            raise ValidationError(str(_l("Enter a mobile number of 11 digits, like "
                                         "13800138000")))


def strong_password(*identity_fields: str) -> Any:
    """Return a validator refusing weak passwords (and ones containing the named fields)."""

    def validator(form: Form, field: Field) -> None:
        identities = tuple(str(form[name].data or "") for name in identity_fields
                           if name in form)
        min_length = current_app.config["PASSWORD_MIN_LENGTH"]
        problems = password_problems(field.data or "", min_length=min_length,
                                     identities=identities)
        if problems:
            raise ValidationError(str(PASSWORD_MESSAGES[problems[0]]) % {"length": min_length})

    return validator
