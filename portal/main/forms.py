"""Forms of the public pages."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField


class LanguageForm(FlaskForm):
    """Choose the interface language (one button per language)."""

    locale = StringField()
    next = HiddenField()
