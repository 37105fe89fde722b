"""Forms of the credit pages: the import, a repair application, the department's steps."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
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
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from portal.core.clock import local_today
from portal.core.forms import INVALID_CHOICE, INVALID_DATE, uscc_validator
from portal.credit.imports import ImportMode
from portal.credit.labels import CLASS_LABELS, MARKET_LABELS, PENALTY_LABELS
from portal.credit.models import PenaltyType

#: Longest text of a statement, reasons or an objection (characters).
MAX_TEXT = 4000
_TOO_LONG = _l("Write at most %(max)d characters", max=MAX_TEXT)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _text(label: Any, required: Any | None, *, description: Any = None) -> TextAreaField:
    validators: list[Any] = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=MAX_TEXT, message=_TOO_LONG))
    return TextAreaField(label, description=description, filters=[_strip],
                         validators=validators)


def _version() -> IntegerField:
    return IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class ImportForm(FlaskForm):
    """Upload a file of penalty records."""

    file = FileField(_l("File of records (CSV or XLSX)"),
                     description=_l("Use the template. CSV files may be saved by Excel (GBK) "
                                    "or as UTF-8."))
    mode = RadioField(_l("If some rows have errors"), default=ImportMode.ALL.value,
                      validate_choice=True, choices=[
                          SelectChoice(ImportMode.ALL.value,
                                       _l("Import nothing, so that I can correct the file")),
                          SelectChoice(ImportMode.VALID.value,
                                       _l("Import the valid rows and report the others"))])
    #: Names this import's progress for the page that polls it (``portal.core.progress``).
    progress_id = HiddenField()


class RepairForm(FlaskForm):
    """Apply for credit repair of one record."""

    statement = _text(_l("What was done to perform the decision and remove its effects"),
                      _l("Say what was done"))
    by_agent = BooleanField(_l("I apply as an agent authorised by the enterprise"))
    proof = MultipleFileField(_l("Proof of performance"),
                              description=_l("Payment receipt of the fine, proof of the "
                                             "correction, or a rectification statement."))
    authorisation = MultipleFileField(_l("Authorisation (授权委托书), when an agent applies"))
    commitment = BooleanField(validators=[DataRequired(
        _l("Sign the credit commitment to apply"))])


class SupplementForm(FlaskForm):
    """Send the materials the department asked for."""

    statement = _text(_l("What you are sending"), None)
    proof = MultipleFileField(_l("Files"))
    version = _version()


class ObjectionForm(FlaskForm):
    """Object to a refusal (异议)."""

    objection = _text(_l("Why you object to the refusal"), _l("Say why you object"))
    version = _version()


#: The department's steps, by workflow action.
DECISIONS = {
    "request_supplement": _l("Ask for more materials (补正): the deadline stops"),
    "not_accept": _l("Do not accept (不予受理)"),
    "accept": _l("Accept (受理)"),
    "approve": _l("Approve: publication ends"),
    "refuse": _l("Refuse"),
    "grant_objection": _l("Grant the objection: approve the repair"),
    "uphold_refusal": _l("Keep the refusal"),
}


class DecisionForm(FlaskForm):
    """One step of the department on an application."""

    decision = RadioField(_l("Your decision"), validate_choice=True,
                          choices=[SelectChoice(key, label) for key, label in DECISIONS.items()])
    reasons = _text(_l("Reasons, or what must be supplied"), None,
                    description=_l("Required when you refuse, do not accept, ask for more or "
                                   "answer an objection."))
    false_materials = BooleanField(
        _l("The materials are false"),
        description=_l("Only when you refuse or do not accept: the enterprise may then never "
                       "repair its credit again. Say what was false in the reasons."))
    version = _version()

    def validate_decision(self, field: Any) -> None:
        """Refuse a value that is not one of the options (a tampered post)."""
        if field.data not in DECISIONS:
            raise ValueError(str(INVALID_CHOICE))


class StandingForm(FlaskForm):
    """An officer's override of the risk class and the enterprise's list entries."""

    risk = SelectField(_l("Risk class"), validate_choice=True, choices=[
        SelectChoice("", _l("As computed")), SelectChoice("A", "A"), SelectChoice("B", "B"),
        SelectChoice("C", "C"), SelectChoice("D", "D")])
    reason = _text(_l("Reason"), _l("Give the reason for the change"))
    on_abnormal_list = BooleanField(_l("On the list of abnormal operations (经营异常名录)"))
    on_serious_violation_list = BooleanField(
        _l("On the list of serious violators (严重违法失信名单)"))


def _not_in_future(_form: Any, field: Field) -> None:
    if field.data is not None and field.data > local_today():
        raise ValidationError(_l("The date cannot be in the future"))


class RecordForm(FlaskForm):
    """An officer's manual entry of one penalty record of the officer's department."""

    decision_number = StringField(_l("Decision number"), filters=[_strip], validators=[
        DataRequired(_l("Enter the decision number")),
        Length(max=100, message=_l("Write at most %(max)d characters", max=100))])
    uscc = StringField(_l("Unified social credit code of the enterprise"),
                       filters=[_strip], validators=[uscc_validator])
    violation = _text(_l("Violation"), _l("Describe the violation"))
    penalty_types = SelectMultipleField(
        _l("Penalty"), validate_choice=True, widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        choices=[SelectChoice(code.value, PENALTY_LABELS[code]) for code in PenaltyType],
        validators=[DataRequired(_l("Choose at least one penalty"))])
    fine_amount = DecimalField(_l("Fine (yuan)"), places=2, default=0,
                               invalid_value_message=_l("Enter an amount, like 2000.50"),
                               validators=[Optional(), NumberRange(
                                   min=0, max=10**12, message=_l("A fine cannot be negative."))])
    decision_date = DateField(_l("Decision date"), invalid_value_message=INVALID_DATE,
                              validators=[InputRequired(INVALID_DATE), _not_in_future])
    record_class = SelectField(_l("Record class"), validate_choice=True,
                               choices=[SelectChoice(code, label)
                                        for code, label in CLASS_LABELS.items()])
    market_category = SelectField(
        _l("Market-regulation category"), validate_choice=True,
        choices=[SelectChoice("", _l("Not a market-regulation penalty")),
                 *(SelectChoice(code, label) for code, label in MARKET_LABELS.items())])
    food_drug_special_equipment = BooleanField(_l("Food, drugs or special equipment"))
    performed_on = DateField(_l("Performed on (optional)"), invalid_value_message=INVALID_DATE,
                             validators=[Optional(), _not_in_future])

    def validate_performed_on(self, field: Field) -> None:
        """Refuse performance before the decision."""
        if (field.data is not None and self.decision_date.data is not None
                and field.data < self.decision_date.data):
            raise ValidationError(_l("Performed before the decision date."))
