"""The kinds of notification and their texts, rendered in the reader's language.

A feature registers each kind once, at import, with lazy-gettext templates taking
``%(name)s`` parameters::

    register_kind("case_returned",
                  subject=_l("Case %(number)s was returned to you"),
                  text=_l("%(officer)s returned case %(number)s: %(reason)s"))

Only the kind's name and its parameters are stored, so the in-app text is rendered
in the language of whoever reads it, when they read it, and the email in the
recipient's saved language when it is queued. Parameters are plain values (numbers,
names, codes); ``prepare`` may turn them into localised text at rendering time (a
status code into its label, a date into the reader's format).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

#: Turns stored parameters into the values the templates take, in the current locale.
Prepare = Callable[[Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class NotificationKind:
    """A registered kind: its name, subject and text templates."""

    name: str
    #: Lazy strings (flask_babel.lazy_gettext); rendered in the locale active then.
    subject: Any
    text: Any
    prepare: Prepare | None = None

    def render_subject(self, params: Mapping[str, Any]) -> str:
        """Return the email subject in the current locale."""
        return self._render(self.subject, params)

    def render_text(self, params: Mapping[str, Any]) -> str:
        """Return the notification's text in the current locale."""
        return self._render(self.text, params)

    def _render(self, template: Any, params: Mapping[str, Any]) -> str:
        values = dict(self.prepare(params) if self.prepare else params)
        pattern = str(template)
        try:
            return pattern % values
        except (KeyError, ValueError, TypeError):
            # A template and stored parameters that no longer match (a kind changed
            # after notifications were stored): show the text without its values.
            logger.warning("notification kind %s: parameters %s do not fit %r",
                           self.name, sorted(values), pattern)
            return pattern


_KINDS: dict[str, NotificationKind] = {}


def register_kind(kind: str, *, subject: Any, text: Any,
                  prepare: Prepare | None = None) -> NotificationKind:
    """Register a kind of notification (once, at import).

    :raises ValueError: ``kind`` is registered already with other templates.
    """
    definition = NotificationKind(kind, subject, text, prepare)
    existing = _KINDS.get(kind)
    if existing is not None and existing != definition:
        raise ValueError(f"notification kind {kind!r} is registered already")
    _KINDS[kind] = definition
    return definition


def get_kind(kind: str) -> NotificationKind | None:
    """Return the registered kind called ``kind``, if any."""
    return _KINDS.get(kind)


def registered_kinds() -> list[str]:
    """Return the names of every registered kind."""
    return sorted(_KINDS)
