"""Reference data: GB/T 4754-2017 industries and Nansha's towns and streets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from wtforms import SelectChoice

from portal.config import PROJECT_ROOT
from portal.core.text import localized

INDUSTRIES_FILE = PROJECT_ROOT / "compliance_guides" / "industries.yaml"

#: Nansha district's streets (街道) and towns (镇), DOMAIN.md §7.
TOWNS = {
    "nansha": _l("Nansha Subdistrict"),
    "zhujiang": _l("Zhujiang Subdistrict"),
    "longxue": _l("Longxue Subdistrict"),
    "wanqingsha": _l("Wanqingsha Town"),
    "hengli": _l("Hengli Town"),
    "huangge": _l("Huangge Town"),
    "dongchong": _l("Dongchong Town"),
    "dagang": _l("Dagang Town"),
    "lanhe": _l("Lanhe Town"),
}


@dataclass(frozen=True)
class Industry:
    """One GB/T 4754-2017 division (大类), or class (小类), with its section (门类)."""

    code: str
    section: str
    names: dict[str, str]
    section_names: dict[str, str]


def localised_name(names: dict[str, str], locale: str) -> str:
    """Return the name in ``locale``: en, zh_Hant (written or converted) or Simplified."""
    return localized(names, locale)[0]


@cache
def industries(path: Path = INDUSTRIES_FILE) -> dict[str, Industry]:
    """Return every division (two digits) and listed class (four digits), in code order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    classes = data.get("classes") or {}
    result: dict[str, Industry] = {}
    for section in data["sections"]:
        section_names = {"zh_Hans": section["zh_Hans"], "en": section["en"]}
        for code in section["divisions"]:
            names = data["divisions"][code]
            result[code] = Industry(code=code, section=section["code"],
                                    names=dict(names), section_names=section_names)
            for class_code in (c for c in classes if c[:2] == code):
                result[class_code] = Industry(
                    code=class_code, section=section["code"],
                    names=dict(classes[class_code]), section_names=section_names)
    return dict(sorted(result.items()))


def split_divisions() -> set[str]:
    """Return the divisions chosen by class (wholesale 51, retail 52): guides differ by class."""
    return {code[:2] for code in industries() if len(code) == 4}


def needs_industry_class(code: str | None) -> bool:
    """Return whether ``code`` is a whole division that guides split by class.

    Such an enterprise (registered before classes were asked) has no self-check until
    it records its class.
    """
    return code in split_divisions()


def class_choices(division: str, locale: str) -> list[SelectChoice]:
    """Return the classes of ``division`` as select options, labelled in ``locale``."""
    return [SelectChoice(code, f"{code} {localised_name(industry.names, locale)}")
            for code, industry in industries().items()
            if len(code) == 4 and code[:2] == division]


def industry_choices(locale: str) -> list[SelectChoice]:
    """Return the industries an enterprise may register under, grouped by section.

    A division that guides split by class (wholesale, retail) is offered only by its
    classes, so that a fuel station or a chemicals wholesaler reaches its own self-check.
    """
    split = split_divisions()
    return [SelectChoice(code, f"{code} {localised_name(industry.names, locale)}",
                         optgroup=f"{industry.section} "
                                  f"{localised_name(industry.section_names, locale)}")
            for code, industry in industries().items() if code not in split]


def town_choices() -> list[SelectChoice]:
    """Return Nansha's towns and streets as select options."""
    return [SelectChoice(key, label) for key, label in TOWNS.items()]


@cache
def industry_names(locale: str) -> Mapping[str, str]:
    """Return the name of every division and class in ``locale``, in code order.

    Kept per language for the life of the process (the file is read once); callers
    must not change it.
    """
    return MappingProxyType({code: localised_name(item.names, locale)
                             for code, item in industries().items()})


@cache
def _industry_option_tags(locale: str) -> tuple[tuple[str, str], ...]:
    return tuple((code, f'<option value="{escape(code)}">{escape(code)} {escape(name)}</option>')
                 for code, name in industry_names(locale).items())


def industry_options(locale: str, selected: str | None) -> Markup:
    """Return an ``<option>`` ("code name") for every industry in ``locale``, ``selected``
    marked: a filter's list of ~240 industries, built once per language, not per request."""
    tags = _industry_option_tags(locale)
    return Markup("".join(  # noqa: S704 - every part is escaped above
        tag.replace('">', '" selected>', 1) if code == selected else tag
        for code, tag in tags))


def industry_name(code: str, locale: str) -> str:
    """Return the name of division or class ``code`` in ``locale`` (the code if unknown)."""
    industry = industries().get(code)
    return localised_name(industry.names, locale) if industry else code
