"""Forms of the self-check journey (question pages are built from the questionnaire)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField
from wtforms.validators import DataRequired, InputRequired

from portal.selfcheck.engine import AnswerProblem

#: Why an answer was refused; a refused file's message is ``refusal_message``'s.
ANSWER_MESSAGES = {
    AnswerProblem.NOT_OFFERED: _l("Choose one of the answers shown"),
    AnswerProblem.NOT_A_NUMBER: _l("Enter a number, like 12"),
    AnswerProblem.NOT_WHOLE: _l("Enter a whole number"),
    AnswerProblem.TOO_SMALL: _l("Enter a number of %(min)s or more"),
    AnswerProblem.TOO_LARGE: _l("Enter a number of %(max)s or less"),
    AnswerProblem.NOT_A_DATE: _l("Enter a real date, for example 2027-06-30"),
    AnswerProblem.TOO_LONG: _l("The answer must be %(limit)s characters or fewer"),
    AnswerProblem.NOT_APPLICABLE_REFUSED: _l("This question cannot be answered with \"not "
                                             "applicable\": choose an answer"),
}


class DeclarationForm(FlaskForm):
    """The commitment (承诺) signed before submitting."""

    agree = BooleanField(
        _l("I make this commitment on behalf of the enterprise"),
        validators=[DataRequired(_l("Confirm the commitment to submit the self-check"))])
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
