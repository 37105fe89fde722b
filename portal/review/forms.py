"""Forms of the officers' and legal reviewers' exemption pages.

Forms check shape (required, length, dates, numbers); the services enforce the rules
(every condition confirmed before a grant, the defence period, the reviewer not the
proposer) and their messages are shown beside the field or flashed.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.core.clock import local_today
from portal.core.forms import INVALID_CHOICE, INVALID_DATE
from portal.exemptions.models import EducationForm, WithdrawalKind
from portal.exemptions.rules import Condition
from portal.exemptions.services import MAX_WORKING_DAYS
from portal.review.labels import EDUCATION_FORM_LABELS

#: Longest text of a note, reasons or an answer (characters).
MAX_TEXT = 4000
#: Largest fine accepted (yuan): well above any penalty of the lists.
MAX_FINE = Decimal("100000000")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _length() -> Length:
    return Length(max=MAX_TEXT, message=_l("Write at most %(max)d characters", max=MAX_TEXT))


def _text(label: Any, required: Any, *, description: Any = None) -> TextAreaField:
    return TextAreaField(label, description=description, filters=[_strip],
                         validators=[DataRequired(required), _length()])


def _optional_text(label: Any, *, description: Any = None) -> TextAreaField:
    return TextAreaField(label, description=description, filters=[_strip],
                         validators=[Optional(), _length()])


def _version() -> IntegerField:
    return IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


def _not_in_future(_form: Any, field: Field) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError(_l("The date cannot be in the future"))


#: The two answers an officer gives on each condition.
CONFIRM_CHOICES = [SelectChoice("yes", _l("Confirmed: met")),
                   SelectChoice("no", _l("Not confirmed"))]


class VerificationForm(FlaskForm):
    """The officer's verification: one answer and note per condition, and the record.

    Built per application by ``verification_form``: one ``condition_NN``/``note_NN``
    pair per condition, the reasoned choice only for a discretionary ground and the
    lighter penalty only for 减轻/从轻 outcomes.
    """

    education_form = SelectField(
        _l("Form of the education"), validate_choice=False,
        choices=[SelectChoice("", _l("Not recorded yet")),
                 *[SelectChoice(form.value, EDUCATION_FORM_LABELS[form])
                   for form in EducationForm]])
    education_on = DateField(_l("Date of the education"), invalid_value_message=INVALID_DATE,
                             description=_l("For example, 2026-12-01."),
                             validators=[Optional(), _not_in_future])
    education_content = _optional_text(_l("What the enterprise was taught"))
    economic_impact = _optional_text(
        _l("Likely effect on the enterprise's operations"),
        description=_l("For example, how a penalty or its absence affects its business and "
                       "jobs."))
    internal_note = _optional_text(_l("Internal note"),
                                   description=_l("Officers only; never shown to the "
                                                  "enterprise."))
    version = _version()

    #: Keys of the conditions, in the order of their fields.
    condition_keys: Sequence[str] = ()

    def condition_rows(self) -> list[tuple[str, Field, Field]]:
        """Return (key, answer field, note field) for each condition."""
        return [(key, self[f"condition_{index:02d}"], self[f"note_{index:02d}"])
                for index, key in enumerate(self.condition_keys)]

    def checks(self) -> dict[str, tuple[bool, str | None]]:
        """Return the answers as the service takes them."""
        return {key: (answer.data == "yes", note.data or None)
                for key, answer, note in self.condition_rows()}

    def validate_education_form(self, field: Field) -> None:
        if field.data and field.data not in {form.value for form in EducationForm}:
            raise ValidationError(INVALID_CHOICE)


def verification_form(conditions: Sequence[Condition], *, discretionary: bool,
                      mitigation: bool, **kwargs: Any) -> VerificationForm:
    """Return the verification form for these conditions (and the outcome's fields)."""

    class Form(VerificationForm):
        pass

    for index, _condition in enumerate(conditions):
        setattr(Form, f"condition_{index:02d}", RadioField(
            _l("Your finding"), choices=CONFIRM_CHOICES, invalid_choice_message=INVALID_CHOICE,
            validators=[InputRequired(_l("Say whether this condition is met"))]))
        setattr(Form, f"note_{index:02d}", _optional_text(_l("Note (what you checked)")))
    if discretionary:
        Form.discretion_reason = _optional_text(
            _l("Reasons for your choice (首违不罚 is at the authority's discretion)"),
            description=_l("Required for a grant: why not penalising this first violation "
                           "is right."))
    if mitigation:
        Form.mitigation_detail = _optional_text(
            _l("The lighter penalty imposed"),
            description=_l("Required for a grant: the penalty within the entry's range."))
        Form.fine_yuan = DecimalField(
            _l("Fine (yuan)"), places=2,
            invalid_value_message=_l("Enter an amount in yuan, for example 2000 or 1500.50"),
            validators=[Optional(), NumberRange(
                0, MAX_FINE, message=_l("Enter an amount from 0 to 100,000,000 yuan"))])
    form = Form(**kwargs)
    form.condition_keys = [condition.key for condition in conditions]
    return form


class SupplementForm(FlaskForm):
    """Ask the enterprise for more (补正); the review clock stops."""

    reasons = _text(_l("What is missing"), _l("Say what is missing"),
                    description=_l("The enterprise reads this."))
    working_days = IntegerField(
        _l("Working days to send it"),
        invalid_value_message=_l("Enter a whole number, for example 10"),
        validators=[InputRequired(_l("Enter a number of working days, for example 10")),
                    NumberRange(1, MAX_WORKING_DAYS,
                                message=_l("Enter a whole number of working days from 1 to "
                                           "%(max)d", max=MAX_WORKING_DAYS))])
    version = _version()


class RefusalForm(FlaskForm):
    """Propose a refusal with its facts, reasons and basis (Art. 44)."""

    facts = _text(_l("Facts found"), _l("State the facts found"))
    reasons = _text(_l("Reasons for refusing"), _l("Give the reasons"))
    basis = _text(_l("Legal basis"), _l("Give the legal basis"))
    version = _version()


class DefenceAnswerForm(FlaskForm):
    """Answer the enterprise's statement and defence."""

    accepted = RadioField(_l("Your answer to the defence"), choices=[
        SelectChoice("yes", _l("Accept it: verify the application again (a refusal can no "
                               "longer be proposed)")),
        SelectChoice("no", _l("Maintain the refusal")),
    ], invalid_choice_message=INVALID_CHOICE,
        validators=[InputRequired(_l("Choose your answer"))])
    answer = _text(_l("Your answer to each point the enterprise made"),
                   _l("Answer the enterprise's statement and defence"),
                   description=_l("The enterprise reads this."))
    version = _version()


class LegalReviewForm(FlaskForm):
    """A legal reviewer's approval or return of a proposed decision."""

    result = RadioField(_l("Your review"), choices=[
        SelectChoice("approve", _l("Approve: the decision is issued")),
        SelectChoice("return", _l("Return to the officer with comments")),
    ], invalid_choice_message=INVALID_CHOICE,
        validators=[InputRequired(_l("Choose approve or return"))])
    comments = _optional_text(_l("Comments"),
                              description=_l("Required when you return the proposal."))
    version = _version()

    def validate_comments(self, field: Field) -> None:
        if self.result.data == "return" and not field.data:
            raise ValidationError(_l("Say why the proposal is returned."))


class ObjectionAnswerForm(FlaskForm):
    """The department's answer to an objection."""

    answer = _text(_l("Your answer"), _l("Write the answer"),
                   description=_l("The enterprise reads this."))
    version = _version()


class WithdrawDecisionForm(FlaskForm):
    """Withdraw a changed or revoked decision from disclosure."""

    kind = RadioField(_l("Why it is withdrawn"), choices=[
        SelectChoice(WithdrawalKind.CHANGED.value, _l("The decision was changed")),
        SelectChoice(WithdrawalKind.REVOKED.value, _l("The decision was revoked")),
    ], invalid_choice_message=INVALID_CHOICE,
        validators=[InputRequired(_l("Choose why it is withdrawn"))])
    reason = _text(_l("Reason shown to the public"), _l("Give the reason shown to the public."))
    version = _version()


class VersionForm(FlaskForm):
    """A button that acts on the version of the application the user saw."""

    version = _version()
