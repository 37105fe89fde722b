"""Forms of the administration pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from portal.accounts.models import UserKind
from portal.core.forms import INVALID_CHOICE, mobile_validator, strong_password


class StaffUserForm(FlaskForm):
    """Create an officer, legal-reviewer or administrator account."""

    display_name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the person's name")),
                    Length(max=100, message=_l("The name must be 100 characters or fewer"))])
    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(_l("Enter the email address")),
                    Email(_l("Enter an email address like name@example.com")),
                    Length(max=254, message=_l("The email must be 254 characters or fewer"))])
    mobile = TelField(_l("Mobile number (optional)"), validators=[Optional(), mobile_validator])
    kind = SelectField(
        _l("Role"),
        choices=[SelectChoice(UserKind.OFFICER.value, _l("Officer")),
                 SelectChoice(UserKind.LEGAL_REVIEWER.value, _l("Legal reviewer")),
                 SelectChoice(UserKind.ADMIN.value, _l("Administrator"))],
        invalid_choice_message=INVALID_CHOICE,
        validators=[DataRequired(_l("Choose the role"))])
    department = SelectField(
        _l("Department"), description=_l("Required for officers and legal reviewers."),
        # No Optional(): it would skip the choice check, and "   " must be refused as a
        # choice that is not offered ("" for no department is one of the choices).
        invalid_choice_message=INVALID_CHOICE)
    password = PasswordField(
        _l("Initial password"),
        description=_l("Give it to the person in a safe way; they should change it at once."),
        validators=[DataRequired(_l("Enter a password")), strong_password("email", "mobile")])


class DepartmentForm(FlaskForm):
    """Add an enforcement department."""

    code = StringField(
        _l("Code"), description=_l("Lower-case letters, digits and underscores, e.g. "
                                   "market_regulation."),
        validators=[DataRequired(_l("Enter a code")),
                    Regexp(r"^[a-z][a-z0-9_]{1,39}$",
                           message=_l("Use 2 to 40 lower-case letters, digits or "
                                      "underscores, starting with a letter"))])
    name_zh_hans = StringField(
        _l("Name in Simplified Chinese"),
        validators=[DataRequired(_l("Enter the Chinese name")),
                    Length(max=100, message=_l("The department name must be 100 characters "
                                               "or fewer"))])
    name_en = StringField(
        _l("Name in English"),
        validators=[DataRequired(_l("Enter the English name")),
                    Length(max=200, message=_l("The department name must be 200 characters "
                                               "or fewer"))])
    short_name = StringField(
        _l("Short name for document numbers"), description=_l("For example 穗南市监."),
        validators=[DataRequired(_l("Enter the short name")),
                    Length(max=20, message=_l("The short name must be 20 characters or "
                                              "fewer"))])


class DepartmentShortNameForm(FlaskForm):
    """Set and confirm the short name of a department's document numbers."""

    short_name = StringField(
        _l("Short name for document numbers"),
        description=_l("The department's own short name, as in its documents: Chinese "
                       "characters, e.g. 穗南市监."),
        validators=[Optional(),
                    Length(max=20, message=_l("The short name must be 20 characters or "
                                              "fewer"))])
    confirmed = BooleanField(
        _l("I confirm that this is the department's short name in its document numbers"),
        description=_l("Numbered decisions can be issued only under a confirmed short name."))
