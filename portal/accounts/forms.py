"""Forms of the account and enterprise pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from portal.accounts.models import MembershipRole
from portal.core.forms import INVALID_CHOICE, INVALID_DATE


class InviteForm(FlaskForm):
    """Invite a member or a mandated agent to the enterprise."""

    email = EmailField(
        _l("Email address"),
        description=_l("We send the invitation link to this address."),
        validators=[DataRequired(_l("Enter the email address")),
                    Email(_l("Enter an email address like name@example.com")),
                    Length(max=254, message=_l("The email must be 254 characters or fewer"))])
    role = RadioField(
        _l("Access"),
        choices=[
            SelectChoice(MembershipRole.MEMBER.value, _l("Staff member of the enterprise")),
            SelectChoice(MembershipRole.AGENT.value,
                         _l("Agent acting for the enterprise (accounting or law firm), with a "
                            "mandate")),
            SelectChoice(MembershipRole.ADMIN.value,
                         _l("Administrator: may also invite and remove people")),
        ],
        invalid_choice_message=INVALID_CHOICE,
        validators=[InputRequired(_l("Choose the access to give"))])
    agent_firm = StringField(
        _l("Agent's firm (agents only)"),
        validators=[Optional(), Length(max=200, message=_l("The firm's name must be 200 "
                                                           "characters or fewer"))])
    mandate_expires_on = DateField(
        _l("Last day of the mandate (agents only)"),
        description=_l("The agent loses access after this day. For example, 2027-06-30."),
        invalid_value_message=INVALID_DATE, validators=[Optional()])


class MandateForm(FlaskForm):
    """Change the last day of an agent's mandate."""

    mandate_expires_on = DateField(
        _l("Last day of the mandate"), invalid_value_message=INVALID_DATE,
        validators=[InputRequired(_l("Enter a date like 2027-06-30"))])
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class VersionedActionForm(FlaskForm):
    """A button acting on a record, carrying the version the user saw."""

    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class SwitchEnterpriseForm(FlaskForm):
    """Choose the enterprise to act for."""

    enterprise_id = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class IndustryClassForm(FlaskForm):
    """Choose the GB/T 4754 class of an enterprise registered under a whole division."""

    industry_class = SelectField(
        _l("Industry class"),
        description=_l("The class of the National Industries Classification (GB/T 4754-2017) "
                       "that describes your main business. It decides your self-check."),
        validators=[DataRequired(_l("Choose the class"))],
        invalid_choice_message=INVALID_CHOICE)
