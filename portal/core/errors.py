"""The base of every feature's domain errors: a message for the user and an HTTP status.

Features define their exceptions beside their services as subclasses;
``portal/errors.py`` turns any of them that a route does not handle into the
error page, in the user's language, with a reference id. A route that wants
the message beside a form field catches the error and calls
``show_beside_field`` instead.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Form

from portal.core.db import db

#: Page title of a refusal whose class names none.
REFUSED_TITLE = _l("This could not be done")


class DomainError(Exception):
    """A rule of the portal refused the request.

    ``message`` is for the user (a lazy translation, rendered in their language);
    ``field`` names the form field it belongs beside, if any.
    """

    #: HTTP status of the error page when no route handles the error.
    status_code: int = 400
    #: Title of the error page; None for the status's usual title.
    title: Any = REFUSED_TITLE

    def __init__(self, message: Any, field: str | None = None) -> None:
        # Kept lazy: it is rendered in the language of whoever reads it.
        super().__init__(message)
        self.message = message
        self.field = field


def show_beside_field(form: Form, error: DomainError, *, default_field: str) -> None:
    """Roll back the request's changes and put ``error``'s message beside its field.

    The message goes beside ``error.field``, or ``default_field`` when it names none.
    """
    db.session.rollback()
    form[error.field or default_field].errors.append(str(error.message))
