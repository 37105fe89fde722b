"""Forms of the enterprise's exemption pages: the application and every answer on it."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.core.forms import INVALID_CHOICE, INVALID_DATE
from portal.exemptions.labels import CORRECTED_LABELS, HARM_LABELS

#: Longest text of a statement, an answer or an objection (characters).
MAX_TEXT = 4000

#: The files hint; ``%(size)s`` is filled in with the per-file limit.
FILES_HINT = _l("Photos (JPEG, PNG, HEIC), PDF, Word (.docx) or Excel (.xlsx) files, each at "
                "most %(size)s MB. You can choose several at once.")


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _length() -> Length:
    return Length(max=MAX_TEXT, message=_l("Write at most %(max)d characters", max=MAX_TEXT))


def _text(label: Any, required: Any, *, description: Any = None) -> TextAreaField:
    return TextAreaField(label, description=description, filters=[_strip],
                         validators=[DataRequired(required), _length()])


def _yes_no(label: Any, required: Any) -> RadioField:
    return RadioField(label, choices=[SelectChoice("yes", _l("Yes")),
                                      SelectChoice("no", _l("No"))],
                      invalid_choice_message=INVALID_CHOICE,
                      validators=[InputRequired(required)])


def _version() -> IntegerField:
    return IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class ApplicationForm(FlaskForm):
    """An application for exemption from penalty under one entry, for one violation."""

    facts = _text(_l("What happened"), _l("Describe what happened"),
                  description=_l("The violation as you see it: where, what and how it was "
                                 "found."))
    violation_on = DateField(
        _l("Day of the violation"), description=_l("For example, 2026-11-02. The entry must "
                                                   "have been in force on that day."),
        invalid_value_message=INVALID_DATE,
        validators=[InputRequired(_l("Enter the day of the violation, for example "
                                     "2026-11-02"))])
    violation_ended_on = DateField(
        _l("Day a continuing violation ended (optional)"),
        description=_l("Only when the violation went on for more than one day."),
        invalid_value_message=INVALID_DATE, validators=[Optional()])
    harm = RadioField(_l("Did the violation cause any harm?"),
                      choices=[SelectChoice(value, label)
                               for value, label in HARM_LABELS.items()],
                      invalid_choice_message=INVALID_CHOICE,
                      validators=[InputRequired(_l("Say what harm the violation caused"))])
    harm_statement = _text(_l("About the harm"), _l("Explain the harm, or why there was none"))
    first_violation = _yes_no(_l("Is this the first time this violation was found at your "
                                 "business?"), _l("Say whether it is the first time"))
    exempted_before = _yes_no(_l("Was your business ever exempted from a penalty for the same "
                                 "kind of violation?"),
                              _l("Say whether you were exempted before"))
    corrected = RadioField(_l("Has the violation been corrected, and when?"),
                           choices=[SelectChoice(value, label)
                                    for value, label in CORRECTED_LABELS.items()],
                           invalid_choice_message=INVALID_CHOICE,
                           validators=[InputRequired(_l("Say whether it was corrected"))])
    corrected_on = DateField(_l("Day it was corrected (optional)"),
                             invalid_value_message=INVALID_DATE, validators=[Optional()])
    no_fault_claim = TextAreaField(
        _l("Why you had no fault"), filters=[_strip],
        description=_l("This entry rests on proving that your business had no fault (Art. 33(2)"
                       " of the Administrative Penalty Law): explain why, and attach the "
                       "evidence below."), validators=[_length()])
    no_fault_files = MultipleFileField(_l("Evidence that you had no fault"),
                                       description=FILES_HINT)
    files = MultipleFileField(_l("Other files (optional)"), description=FILES_HINT)
    commitment = BooleanField(validators=[DataRequired(
        _l("Sign the commitment before you apply"))])


class SupplementForm(FlaskForm):
    """The enterprise's answer to a supplement request (补正)."""

    answer = _text(_l("Your answer"), _l("Write what the department asked for"))
    supplement_files = MultipleFileField(_l("Files (optional)"), description=FILES_HINT)
    version = _version()


class DefenceForm(FlaskForm):
    """The enterprise's statement and defence (陈述、申辩) against a proposed refusal."""

    text = _text(_l("Your statement and defence"), _l("Write your statement and defence"))
    defence_files = MultipleFileField(_l("Files (optional)"), description=FILES_HINT)
    version = _version()


class ObjectionForm(FlaskForm):
    """An objection (异议) to a final refusal."""

    objection = _text(_l("Your objection"), _l("Write your objection"))
    version = _version()


class VersionForm(FlaskForm):
    """A button that acts on the version of the application the user saw."""

    version = _version()
