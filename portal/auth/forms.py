"""Forms of sign-in, registration, password change and invitation acceptance."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.core.forms import INVALID_CHOICE, mobile_validator, strong_password, uscc_validator
from portal.core.reference import town_choices


class SignInForm(FlaskForm):
    """Sign in with email or mobile number and password."""

    identifier = StringField(
        _l("Email or mobile number"),
        validators=[DataRequired(_l("Enter your email or mobile number")),
                    Length(max=254, message=_l("This is too long to be an email or mobile "
                                               "number"))])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password")),
                    Length(max=128, message=_l("The password must be 128 characters or "
                                               "fewer"))])


def new_password_fields(*identity_fields: str) -> tuple[PasswordField, PasswordField]:
    """Return a new password field and its confirmation, checked for strength."""
    password = PasswordField(
        _l("Password"),
        description=_l("At least 10 characters, with letters and digits."),
        validators=[DataRequired(_l("Enter a password")), strong_password(*identity_fields)])
    confirm = PasswordField(
        _l("Confirm password"),
        validators=[DataRequired(_l("Enter the password again")),
                    EqualTo("password", message=_l("The two passwords do not match"))])
    return password, confirm


class RegistrationForm(FlaskForm):
    """Register an enterprise and its administrator account."""

    uscc = StringField(
        _l("Unified social credit code"),
        description=_l("18 characters, as printed on the business licence."),
        validators=[uscc_validator])
    name = StringField(
        _l("Enterprise name"),
        validators=[DataRequired(_l("Enter the enterprise name")),
                    Length(max=200, message=_l("The name must be 200 characters or fewer"))])
    industry_code = SelectField(
        _l("Industry"),
        description=_l("The division of the National Industries Classification "
                       "(GB/T 4754-2017); for wholesale and retail, the class, which "
                       "decides your self-check."),
        validators=[DataRequired(_l("Choose the industry"))],
        invalid_choice_message=INVALID_CHOICE)
    town = SelectField(
        _l("Town or street"),
        choices=[SelectChoice("", _l("Choose the town or street")), *town_choices()],
        invalid_choice_message=INVALID_CHOICE,
        validators=[DataRequired(_l("Choose the town or street"))])
    address = StringField(
        _l("Business address"),
        validators=[DataRequired(_l("Enter the business address")),
                    Length(max=300, message=_l("The address must be 300 characters or "
                                               "fewer"))])
    legal_representative = StringField(
        _l("Legal representative"),
        validators=[DataRequired(_l("Enter the legal representative's name")),
                    Length(max=100, message=_l("The name must be 100 characters or fewer"))])
    contact_mobile = TelField(
        _l("Enterprise contact mobile number"),
        validators=[DataRequired(_l("Enter the contact mobile number")), mobile_validator])
    contact_email = EmailField(
        _l("Enterprise contact email"),
        validators=[DataRequired(_l("Enter the contact email")),
                    Email(_l("Enter an email address like name@example.com")),
                    Length(max=254, message=_l("The email must be 254 characters or fewer"))])
    admin_name = StringField(
        _l("Your name"),
        description=_l("You become the enterprise's administrator on the portal."),
        validators=[DataRequired(_l("Enter your name")),
                    Length(max=100, message=_l("The name must be 100 characters or fewer"))])
    admin_email = EmailField(
        _l("Your email"),
        description=_l("You sign in with this address."),
        validators=[DataRequired(_l("Enter your email")),
                    Email(_l("Enter an email address like name@example.com")),
                    Length(max=254, message=_l("The email must be 254 characters or fewer"))])
    admin_mobile = TelField(
        _l("Your mobile number (optional)"),
        description=_l("You can also sign in with this number."),
        validators=[Optional(), mobile_validator])
    password, confirm = new_password_fields("admin_email", "admin_mobile")


class ChangePasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your current password"))])
    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters, with letters and digits."),
        validators=[DataRequired(_l("Enter a new password")), strong_password()])
    confirm = PasswordField(
        _l("Confirm new password"),
        validators=[DataRequired(_l("Enter the new password again")),
                    EqualTo("password", message=_l("The two passwords do not match"))])


class AcceptInvitationForm(FlaskForm):
    """Create an account to accept an invitation."""

    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name")),
                    Length(max=100, message=_l("The name must be 100 characters or fewer"))])
    password, confirm = new_password_fields()


class PasswordResetRequestForm(FlaskForm):
    """Ask for a password-reset link by email."""

    identifier = StringField(
        _l("Email or mobile number"),
        description=_l("The link is sent to the email address of the account."),
        validators=[DataRequired(_l("Enter your email or mobile number")),
                    Length(max=254, message=_l("This is too long to be an email or mobile "
                                               "number"))])


class NewPasswordForm(FlaskForm):
    """Choose a new password through a reset link."""

    password, confirm = new_password_fields()
