"""Maintenance of the translation catalogues (``flask translate …``).

Message ids are English. ``zh_Hans_CN`` is written by hand; ``en`` is filled
from the ids themselves; ``zh_Hant`` is seeded from ``zh_Hans_CN`` with OpenCC
(Hong Kong conversion) where it has no translation yet, for a person to review.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

from portal.config import PROJECT_ROOT
from portal.core.i18n import LOCALES
from portal.core.text import to_zh_hant

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
TEMPLATE = TRANSLATIONS_DIR / "messages.pot"
BABEL_CFG = PROJECT_ROOT / "babel.cfg"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def catalogue_path(locale: str) -> Path:
    """Return the .po file of ``locale``."""
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"


def read_catalogue(path: Path) -> Catalog:
    """Read a .po or .pot file."""
    with path.open("rb") as handle:
        return read_po(handle)


def _write(catalog: Catalog, path: Path) -> None:
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=False)


def extract() -> None:
    """Extract messages from the code and templates into the template file."""
    _pybabel("extract", "-F", str(BABEL_CFG), "-k", "_l", "-k", "lazy_gettext",
             # Babel skips folders starting with "_" by default; templates/_macros holds text.
             "--ignore-dirs", ".*", "--no-location", "--sort-output", "--project", "nansha-portal",
             "-o", str(TEMPLATE), str(PROJECT_ROOT / "portal"))


def update() -> None:
    """Merge the template into each catalogue, then fill en and seed zh_Hant."""
    for locale in LOCALES:
        path = catalogue_path(locale)
        if path.exists():
            _pybabel("update", "--no-fuzzy-matching", "--ignore-obsolete", "-i", str(TEMPLATE),
                     "-d", str(TRANSLATIONS_DIR), "-l", locale, "-w", "100")
        else:
            _pybabel("init", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS_DIR), "-l", locale)
    fill_english()
    seed_traditional()


def fill_english() -> None:
    """Use each English message id as its own English translation."""
    path = catalogue_path("en")
    catalog = read_catalogue(path)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
    _write(catalog, path)


def seed_traditional() -> None:
    """Give untranslated zh_Hant messages the OpenCC conversion of zh_Hans_CN."""
    simplified = read_catalogue(catalogue_path("zh_Hans_CN"))
    path = catalogue_path("zh_Hant")
    catalog = read_catalogue(path)
    for message in catalog:
        if not message.id or (message.string and all(message.string)
                              if isinstance(message.string, tuple) else message.string):
            continue
        source = simplified.get(message.id)
        if source is None or not source.string:
            continue
        if isinstance(source.string, tuple | list):
            message.string = tuple(to_zh_hant(text) for text in source.string)
        else:
            message.string = to_zh_hant(source.string)
    _write(catalog, path)


def compile_catalogues() -> None:
    """Compile every catalogue to its .mo file."""
    _pybabel("compile", "-d", str(TRANSLATIONS_DIR))


def untranslated(locale: str) -> list[str]:
    """Return the ids of messages in ``locale`` that are untranslated or fuzzy."""
    missing = []
    for message in read_catalogue(catalogue_path(locale)):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing
