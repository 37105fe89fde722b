"""Languages of the portal and how the active one is chosen.

Order (STYLE.md 20): the signed-in user's saved choice, then the choice kept
in the session, then the browser's Accept-Language, then Simplified Chinese.
"""

from __future__ import annotations

from babel import Locale
from flask import request, session
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
