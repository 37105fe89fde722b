"""Forms of the self-check journey (question pages are built from the questionnaire)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import DataRequired, InputRequired

from portal.selfcheck.engine import AnswerProblem

ANSWER_MESSAGES = {
    AnswerProblem.NOT_OFFERED: _l("Choose one of the answers shown"),
    AnswerProblem.NOT_A_NUMBER: _l("Enter a number, like 12"),
    AnswerProblem.NOT_WHOLE: _l("Enter a whole number"),
    AnswerProblem.TOO_SMALL: _l("Enter a number of %(min)s or more"),
    AnswerProblem.TOO_LARGE: _l("Enter a number of %(max)s or less"),
    AnswerProblem.NOT_A_DATE: _l("Enter a real date, for example 2027-06-30"),
    AnswerProblem.TOO_LONG: _l("The answer must be %(limit)s characters or fewer"),
    AnswerProblem.FILE_TYPE: _l("The file must be one of these kinds: %(kinds)s"),
    AnswerProblem.FILE_EMPTY: _l("The file is empty"),
    AnswerProblem.FILE_TOO_LARGE: _l("The file must be smaller than %(megabytes)s MB"),
    AnswerProblem.FILE_UNSAFE: _l("The file cannot be accepted: it is damaged, protected by "
                                  "a password, or contains scripts or other files. Save it "
                                  "again as a plain PDF or photo and upload that."),
    AnswerProblem.NOT_APPLICABLE_REFUSED: _l("This question cannot be answered with \"not "
                                             "applicable\": choose an answer"),
}


class DeclarationForm(FlaskForm):
    """The commitment (承诺) signed before submitting."""

    agree = BooleanField(
        _l("I make this commitment on behalf of the enterprise"),
        validators=[DataRequired(_l("Confirm the commitment to submit the self-check"))])
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
