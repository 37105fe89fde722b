"""Forms of the case pages: opening a case, the report, the officer's steps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from portal.cases.services import MAX_WORKING_DAYS
from portal.core.clock import local_today
from portal.core.forms import INVALID_CHOICE, INVALID_DATE, uscc_validator

#: Longest text of a description, reasons or findings (characters).
MAX_TEXT = 4000


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _text(label: Any, required: Any, *, description: Any = None) -> TextAreaField:
    return TextAreaField(label, description=description, filters=[_strip], validators=[
        DataRequired(required),
        Length(max=MAX_TEXT, message=_l("Write at most %(max)d characters", max=MAX_TEXT))])


def _working_days(label: Any, *, description: Any = None) -> IntegerField:
    return IntegerField(label, description=description, invalid_value_message=WHOLE_NUMBER,
                        validators=[
        InputRequired(_l("Enter a number of working days, for example 10")),
        NumberRange(1, MAX_WORKING_DAYS,
                    message=_l("Enter a whole number of working days from 1 to %(max)d",
                               max=MAX_WORKING_DAYS))])


#: Shown when a number of days is not a whole number.
WHOLE_NUMBER = _l("Enter a whole number, for example 10")


def _invalid_choices(_count: int) -> str:
    return str(INVALID_CHOICE)


def _version() -> IntegerField:
    return IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


def _not_in_future(_form: Any, field: Field) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError(_l("The date cannot be in the future"))


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class OwnCaseForm(FlaskForm):
    """Open a case on the enterprise's own initiative."""

    department = SelectField(_l("Department to report to"), choices=[],
                             invalid_choice_message=INVALID_CHOICE, validators=[
                                 InputRequired(_l("Choose the department"))])
    problem = _text(_l("What is wrong"), _l("Describe what is wrong"))
    requirement = _text(_l("What you will do to put it right"),
                        _l("Describe what you will do"))
    due_date = DateField(
        _l("Date by which it will be put right"),
        description=_l("For example, 2027-01-15. At most 180 days from today."),
        invalid_value_message=INVALID_DATE,
        validators=[InputRequired(_l("Enter the date, for example 2027-01-15"))])

    def validate_due_date(self, field: Field) -> None:
        today = local_today()
        if field.data <= today:
            raise ValidationError(_l("Choose a date after today"))
        if field.data > today + dt.timedelta(days=180):
            raise ValidationError(_l("Choose a date at most 180 days from today"))


class OrderForm(FlaskForm):
    """An officer's order to correct (责令改正通知)."""

    uscc = StringField(_l("Unified social credit code of the enterprise"),
                       filters=[_strip], validators=[uscc_validator])
    problem = _text(_l("Violation found"), _l("Describe the violation"))
    legal_basis = StringField(
        _l("Legal basis (optional)"), filters=[_strip],
        description=_l("For example, 《中华人民共和国食品安全法》第一百二十六条"),
        validators=[Length(max=300, message=_l("Write at most %(max)d characters", max=300))])
    requirement = _text(_l("What must be done"), _l("Describe what must be done"))
    working_days = _working_days(_l("Working days to put it right"),
                                 description=_l("Counted from today, without weekends and "
                                                "public holidays."))


class ReportForm(FlaskForm):
    """The enterprise's rectification report, or the supplement asked for."""

    description = _text(_l("What you did to put it right"), _l("Describe what you did"))
    completed_on = DateField(
        _l("Date the correction was completed"),
        description=_l("For example, 2026-12-01. Photos should show the situation after "
                       "this date."),
        invalid_value_message=INVALID_DATE,
        validators=[InputRequired(_l("Enter the date the correction was completed")),
                    _not_in_future])
    evidence = MultipleFileField(
        _l("Evidence files"),
        description=_l("Photos (JPEG, PNG, HEIC), PDF, Word (.docx) or Excel (.xlsx) files, "
                       "each at most %(size)s MB. You can choose several at once."))
    supersedes = CheckboxesField(_l("Files that the new ones replace (optional)"),
                                 choices=[], coerce=int,
                                 invalid_choice_message=_invalid_choices,
                                 invalid_value_message=INVALID_CHOICE)
    commitment = BooleanField(validators=[DataRequired(
        _l("Confirm the commitment before you submit"))])
    version = _version()


#: The officer's decisions on a report.
DECISIONS = ("accept", "request_supplement", "find_not_rectified")


class ReviewForm(FlaskForm):
    """The officer's decision on the report under review."""

    decision = RadioField(_l("Your decision"), choices=[
        SelectChoice("accept", _l("Put right (复查合格): close the case")),
        SelectChoice("request_supplement",
                     _l("Ask for more (补正): say what is missing and by when")),
        SelectChoice("find_not_rectified",
                     _l("Not put right: close the case with the reasons")),
    ], invalid_choice_message=INVALID_CHOICE,
        validators=[InputRequired(_l("Choose your decision"))])
    reasons = TextAreaField(
        _l("Reasons and what was checked"), filters=[_strip],
        description=_l("The enterprise reads this. Required when asking for more or when it "
                       "was not put right."),
        validators=[Length(max=MAX_TEXT, message=_l("Write at most %(max)d characters",
                                                    max=MAX_TEXT))])
    working_days = IntegerField(_l("Working days for the supplement"),
                                description=_l("Only when asking for more."),
                                invalid_value_message=WHOLE_NUMBER)
    version = _version()

    def validate_reasons(self, field: Field) -> None:
        if self.decision.data in ("request_supplement", "find_not_rectified") and not field.data:
            raise ValidationError(_l("Give the reasons"))

    def validate_working_days(self, field: Field) -> None:
        if self.decision.data != "request_supplement":
            field.errors = []
            return
        if field.data is None or not 1 <= field.data <= MAX_WORKING_DAYS:
            raise ValidationError(_l("Enter a whole number of working days from 1 to %(max)d",
                                     max=MAX_WORKING_DAYS))


class ClosingForm(FlaskForm):
    """Close a case without a report: on site, or once its deadline has passed."""

    decision = RadioField(_l("Your decision"), choices=[
        SelectChoice("accept_on_site",
                     _l("Put right, as the on-site re-inspection found: close the case")),
        SelectChoice("find_overdue",
                     _l("Not put right by the deadline: close the case with the reasons")),
    ], invalid_choice_message=INVALID_CHOICE,
        validators=[InputRequired(_l("Choose your decision"))])
    reasons = _text(_l("Reasons and what was checked"), _l("Give the reasons"))
    version = _version()


class ReinspectionForm(FlaskForm):
    """An on-site re-inspection (现场复查)."""

    inspected_on = DateField(_l("Date of the re-inspection"), invalid_value_message=INVALID_DATE,
                             validators=[InputRequired(_l("Enter the date of the "
                                                          "re-inspection")),
                                         _not_in_future])
    officers = CheckboxesField(_l("Officers present (at least two)"), choices=[], coerce=int,
                               invalid_choice_message=_invalid_choices,
                               invalid_value_message=INVALID_CHOICE)
    findings = _text(_l("What was found on site"), _l("Describe what was found"))
    photos = MultipleFileField(_l("Photos or records (optional)"))
    version = _version()

    def validate_officers(self, field: Field) -> None:
        if len(set(field.data or ())) < 2:
            raise ValidationError(_l("A re-inspection is made by at least two officers: "
                                     "choose them."))


class ExtendForm(FlaskForm):
    """Give the enterprise more time (延期)."""

    working_days = _working_days(_l("Further working days"))
    reason = _text(_l("Reason for the extension"), _l("Give the reason"))
    version = _version()


class VersionForm(FlaskForm):
    """A button that acts on the version of the case the user saw."""

    version = _version()
