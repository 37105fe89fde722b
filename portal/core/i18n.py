"""Languages of the portal and how the active one is chosen.

Order (STYLE.md 20): the signed-in user's saved choice, then the choice kept
in the session, then the browser's Accept-Language, then Simplified Chinese.
"""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Flask, g, request, session
from flask_babel import get_translations
from flask_login import current_user

DEFAULT_LOCALE = "zh_Hans_CN"

#: Supported locales, in the order the switcher shows them, with their own names
#: (a language's name is written in that language, so it is not translated).
LOCALES: dict[str, str] = {
    "zh_Hans_CN": "简体中文",
    "zh_Hant": "繁體中文",
    "en": "English",
}

#: BCP 47 tags for the ``lang`` attribute of pages.
HTML_LANG = {"zh_Hans_CN": "zh-Hans-CN", "zh_Hant": "zh-Hant", "en": "en"}

# Accept-Language tags and the locale each maps to.
_ACCEPT_MAP = {
    "zh": "zh_Hans_CN", "zh-cn": "zh_Hans_CN", "zh-sg": "zh_Hans_CN", "zh-hans": "zh_Hans_CN",
    "zh-hans-cn": "zh_Hans_CN", "zh-tw": "zh_Hant", "zh-hk": "zh_Hant", "zh-mo": "zh_Hant",
    "zh-hant": "zh_Hant", "zh-hant-hk": "zh_Hant", "zh-hant-tw": "zh_Hant", "en": "en",
}


def is_supported(locale: str | None) -> bool:
    """Return whether ``locale`` is one of the portal's languages."""
    return locale in LOCALES


def locale_from_accept_language() -> str | None:
    """Return the best supported locale of the browser's Accept-Language, if any."""
    for tag, _quality in request.accept_languages:
        tag = tag.lower()
        if tag in _ACCEPT_MAP:
            return _ACCEPT_MAP[tag]
        if tag.split("-")[0] in _ACCEPT_MAP:
            return _ACCEPT_MAP[tag.split("-")[0]]
    return None


def select_locale() -> str:
    """Choose the language of the current request."""
    if current_user and current_user.is_authenticated and is_supported(current_user.locale):
        return current_user.locale
    if is_supported(session.get("locale")):
        return session["locale"]
    return locale_from_accept_language() or DEFAULT_LOCALE


def babel_locale(locale: str) -> Locale:
    """Return the Babel ``Locale`` of a supported locale name."""
    return Locale.parse(locale)


def _request_translations() -> Any:
    """Return the translations of the request's locale, looked up once per request.

    Flask-Babel's own template callables resolve the domain, the locale and the
    translation cache on every ``_()`` of a template (a page makes dozens). This keeps
    the translations found for the current locale object in the request's Babel
    context and reuses them while the locale is the same (``force_locale`` swaps the
    locale object, so it gets its own translations).
    """
    context = g.get("_flask_babel")
    locale = getattr(context, "babel_locale", None) if context is not None else None
    cached = getattr(context, "portal_translations", None) if context is not None else None
    if locale is not None and cached is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    context = g.get("_flask_babel")
    if context is not None:
        context.portal_translations = (getattr(context, "babel_locale", None), translations)
    return translations


def install_template_gettext(app: Flask) -> None:
    """Make the templates' ``_()``, ``ngettext`` … use the per-request translations."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n))
