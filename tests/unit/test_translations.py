"""Every user-facing string is in gettext and translated in every catalogue (issue 2, point 6)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from portal.config import PROJECT_ROOT
from portal.core.i18n import LOCALES
from portal.core.i18n_tools import BABEL_CFG, read_catalogue, untranslated
from portal.core.i18n_tools import catalogue_path as po_path

TEMPLATES = PROJECT_ROOT / "portal" / "templates"


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_catalogue_has_no_untranslated_or_fuzzy_message(locale):
    assert untranslated(locale) == []


def _ids_in_code() -> set[str]:
    from babel.messages.frontend import parse_mapping_cfg

    with BABEL_CFG.open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(PROJECT_ROOT / "portal"), method_map, options_map,
            keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
                      "lazy_gettext": None},
            directory_filter=lambda path: not Path(path).name.startswith(".")):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("locale", sorted(LOCALES))
def test_every_string_in_the_code_is_in_the_catalogue(locale):
    """A new string without a translation fails here (run flask translate extract/update)."""
    catalogued = {m.id if isinstance(m.id, str) else m.id[0]
                  for m in read_catalogue(po_path(locale)) if m.id}
    missing = _ids_in_code() - catalogued
    assert not missing, f"not in {locale} catalogue: {sorted(missing)[:10]}"


def test_placeholders_match_in_translations():
    for locale in LOCALES:
        for message in read_catalogue(po_path(locale)):
            if not message.id or isinstance(message.id, tuple):
                continue
            expected = set(re.findall(r"%\(\w+\)s", message.id))
            assert set(re.findall(r"%\(\w+\)s", message.string)) == expected, (
                locale, message.id)


class _TextFinder(HTMLParser):
    """Collect visible text and text-bearing attributes of a template."""

    ATTRIBUTES = {"title", "alt", "placeholder", "aria-label"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            if name in self.ATTRIBUTES and value and _is_words(value):
                self.found.append(f"{tag}[{name}]={value!r}")
        # A button's value is shown to the user; other values are codes sent to the server.
        if tag == "input" and attributes.get("type") in {"submit", "button", "reset"}:
            value = attributes.get("value")
            if value and _is_words(value):
                self.found.append(f"input[value]={value!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and _is_words(data):
            self.found.append(data.strip())


def _is_words(text: str) -> bool:
    """Return whether ``text`` holds letters or CJK characters a person would read."""
    return bool(re.search(r"[A-Za-z\u3400-\u9fff]", text))


def _strip_jinja(source: str) -> str:
    source = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"{%.*?%}", " ", source, flags=re.S)
    return re.sub(r"{{.*?}}", " ", source, flags=re.S)


@pytest.mark.parametrize("template", sorted(p.relative_to(TEMPLATES).as_posix()
                                            for p in TEMPLATES.rglob("*.html")))
def test_templates_carry_no_text_outside_gettext(template):
    finder = _TextFinder()
    finder.feed(_strip_jinja((TEMPLATES / template).read_text(encoding="utf-8")))
    assert finder.found == [], f"{template}: text outside gettext: {finder.found}"


def test_the_text_check_catches_a_bare_string():
    finder = _TextFinder()
    finder.feed(_strip_jinja('<p>{{ _("ok") }}</p><p>提交</p><input placeholder="Name">'
                             '<input type="submit" value="Send"><input name="v" value="today">'))
    assert finder.found == ["提交", "input[placeholder]='Name'", "input[value]='Send'"]
