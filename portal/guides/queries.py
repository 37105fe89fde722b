"""Read-side helpers of the public content pages and the API."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import markdown
import nh3
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, contains_eager, defer, selectinload

from portal.accounts.models import Department
from portal.core.input import parse_positive_int
from portal.core.text import localized
from portal.guides.content.model import industry_lookup_codes
from portal.guides.models import (
    LIST_TYPES,
    ContentSync,
    ExemptionEntryIndustry,
    ExemptionEntryRecord,
    ExemptionEntryVersion,
    IndustryGuide,
    IndustryGuideVersion,
    ObligationRecord,
    ObligationVersion,
    SourceListRecord,
)
from portal.guides.services import MAX_QUERY_LENGTH, EntryFilters, query_terms

#: Pages of the browser and the API never return more than this per page.
MAX_PER_PAGE = 100
#: The last page number accepted; beyond it the request is refused, not queried.
MAX_PAGE = 100_000


@dataclass(frozen=True)
class LocalText:
    """A content text in the active language, and whether it fell back to Chinese."""

    text: str
    fallback: bool

    def __str__(self) -> str:
        return self.text


def local_text(text: Mapping[str, str] | None, locale: str) -> LocalText:
    """Return ``text`` in ``locale`` (Chinese, with a fallback flag, when not translated)."""
    if not text:
        return LocalText("", False)
    value, fallback = localized(text, locale)
    return LocalText(value, fallback)


def citation_text(citation: Mapping[str, Any], locale: str, *, article: bool = True) -> str:
    """Return a citation as text: the law's name, the article when known, and its note.

    ``article=False`` names the law only: an entry whose article numbers could not
    be confirmed (``article_unsure``) must not show them.
    """
    name = str(local_text(citation["law_name"], locale))
    text = name if locale == "en" else f"《{name}》"
    if article and citation.get("article"):
        text += (" " if locale == "en" else "") + str(local_text(citation["article"], locale))
    if citation.get("note"):
        note = str(local_text(citation["note"], locale))
        text += f" ({note})" if locale == "en" else f"（{note}）"
    return text


_HEADING = re.compile(r"<(/?)h([1-6])>")


def render_markdown(source: str) -> Markup:
    """Render a guide body: Markdown to HTML, then sanitised (content is data, not code).

    The page shows the guide's title as its only h1, so a leading "# title" line
    is dropped and the body's headings move one level down.
    """
    lines = source.lstrip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    html = markdown.markdown("\n".join(lines), extensions=["tables", "sane_lists"])
    html = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 1, 6)}>", html)
    return Markup(nh3.clean(html))  # noqa: S704 - sanitised by nh3 just above


_ENTITY = re.compile(r"(&[#A-Za-z0-9]+;)")


def highlight(text: str, q: str) -> Markup:
    """Escape ``text`` and wrap each occurrence of the query's terms in ``<mark>``."""
    escaped = str(escape(text))
    terms = sorted({term for term in query_terms(q) if term}, key=len, reverse=True)
    if not terms:
        return Markup(escaped)  # noqa: S704 - escaped above
    pattern = re.compile("|".join(re.escape(str(escape(term))) for term in terms),
                         re.IGNORECASE)
    # Highlight text only, never inside an entity such as &amp;.
    parts = [part if _ENTITY.fullmatch(part) else
             pattern.sub(lambda match: f"<mark>{match.group(0)}</mark>", part)
             for part in _ENTITY.split(escaped)]
    return Markup("".join(parts))  # noqa: S704 - built from escaped text


def _current_guide_versions() -> Select[IndustryGuideVersion]:
    # The one definition of "current guides": the current version of every guide
    # that has not been retired. Every query of guides in force starts here.
    return (select(IndustryGuideVersion).join(IndustryGuide)
            .where(IndustryGuideVersion.is_current.is_(True), IndustryGuide.retired_at.is_(None))
            .options(contains_eager(IndustryGuideVersion.guide)))


def content_version(session: Session) -> tuple[str, dt.datetime | None]:
    """Return the version of everything public pages show, and when the content changed.

    One query: the latest content sync (``flask guides sync``) and the latest department
    (administrators add departments). The page cache keys public pages with it.
    """
    row = session.execute(select(
        select(func.max(ContentSync.id)).scalar_subquery(),
        select(func.max(ContentSync.synced_at)).scalar_subquery(),
        select(func.max(Department.id)).scalar_subquery())).one()
    return f"{row[0] or 0}.{row[2] or 0}", row[1]


def current_guides(session: Session) -> list[IndustryGuideVersion]:
    """Return the current version of every guide in force, by slug."""
    # Lists and filters never show a guide's body (the guide page reads it by slug).
    return list(session.scalars(_current_guide_versions().order_by(IndustryGuide.slug)
                                .options(defer(IndustryGuideVersion.body))))


def guide_by_slug(session: Session, slug: str) -> IndustryGuideVersion | None:
    """Return the current version of guide ``slug``, if it is in force."""
    return session.scalar(_current_guide_versions().where(IndustryGuide.slug == slug))


def guide_for_division(session: Session, division: str | None) -> IndustryGuideVersion | None:
    """Return the guide in force for a GB/T 4754 division or class (two or four digits)."""
    guides = current_guides(session)
    return next((version for code in industry_lookup_codes(division) for version in guides
                 if code in version.divisions), None)


def obligations_for(session: Session, industry: str) -> list[tuple[str, ObligationVersion]]:
    """Return (code, current version) of the obligations of ``industry`` and common ones."""
    rows = session.execute(
        select(ObligationRecord.code, ObligationVersion).join(ObligationVersion)
        .where(ObligationRecord.industry.in_([industry, "common"]),
               ObligationRecord.retired_at.is_(None), ObligationVersion.is_current.is_(True))
        .order_by(ObligationRecord.industry != industry, ObligationRecord.code))
    return [(code, version) for code, version in rows]


def entry_versions(session: Session, key: str) -> tuple[ExemptionEntryRecord | None,
                                                        list[ExemptionEntryVersion]]:
    """Return an entry and all its versions, oldest first."""
    record = session.scalar(select(ExemptionEntryRecord).where(ExemptionEntryRecord.key == key))
    if record is None:
        return None, []
    return record, list(record.versions)


def _industry_entries(industry: str) -> Select[ExemptionEntryVersion]:
    return (
        select(ExemptionEntryVersion)
        .join(ExemptionEntryRecord, ExemptionEntryRecord.id == ExemptionEntryVersion.entry_id)
        .where(ExemptionEntryVersion.is_current.is_(True),
               ExemptionEntryRecord.retired_at.is_(None),
               exists().where(ExemptionEntryIndustry.version_id == ExemptionEntryVersion.id,
                              ExemptionEntryIndustry.industry.in_([industry, "common"]))))


def industry_entries_preview(session: Session, industry: str, *, limit: int,
                             ) -> tuple[list[ExemptionEntryVersion], int]:
    """Return the first ``limit`` entries that apply to ``industry``, and how many apply.

    A guide page shows this preview and links to the exemption list filtered by the
    industry, which pages through all of them.
    """
    total = session.scalar(select(func.count()).select_from(
        _industry_entries(industry).with_only_columns(ExemptionEntryVersion.id).subquery()))
    items = list(session.scalars(
        _industry_entries(industry).order_by(ExemptionEntryRecord.id).limit(limit)
        .options(contains_eager(ExemptionEntryVersion.entry))))
    return items, total or 0


def entries_for_industry(session: Session, industry: str) -> list[ExemptionEntryVersion]:
    """Return the current entries that apply to ``industry`` (common ones included)."""
    return list(session.scalars(
        _industry_entries(industry)
        .order_by(ExemptionEntryRecord.id)
        .options(selectinload(ExemptionEntryVersion.industries))))


def current_entries(session: Session, keys: set[str]) -> list[ExemptionEntryVersion]:
    """Return the current versions of the entries with these keys (retired ones included)."""
    if not keys:
        return []
    return list(session.scalars(
        select(ExemptionEntryVersion)
        .join(ExemptionEntryRecord, ExemptionEntryRecord.id == ExemptionEntryVersion.entry_id)
        .where(ExemptionEntryRecord.key.in_(keys), ExemptionEntryVersion.is_current.is_(True))))


def source_list_for(session: Session,
                    version: ExemptionEntryVersion) -> SourceListRecord | None:
    """Return the published list an entry version was taken from, if any."""
    if not version.source_key:
        return None
    return session.scalar(select(SourceListRecord).where(
        SourceListRecord.key == version.source_key))


def departments_by_code(session: Session) -> dict[str, Department]:
    """Return every department by its code."""
    return {d.code: d for d in session.scalars(select(Department).order_by(Department.code))}


FILTER_MESSAGES = {
    "industry": _l("There is no industry with this code. Choose one from the list."),
    "department": _l("There is no department with this code. Choose one from the list."),
    "list_type": _l("There is no list type with this code. Choose one from the list."),
    "valid_on": _l("Enter the date as YYYY-MM-DD, for example 2026-11-25."),
    "page": _l("The page number must be a whole number of 1 or more."),
    "per_page": _l("The number of results per page must be between 1 and 100."),
}


@dataclass(frozen=True)
class ParsedFilters:
    """Filters read from request arguments, with an error message per bad argument."""

    filters: EntryFilters
    page: int
    per_page: int
    errors: dict[str, str]
    query_was_cut: bool


def parse_filters(session: Session, args: Mapping[str, str], *, today: dt.date,
                  default_per_page: int = 20,
                  guides: list[IndustryGuideVersion] | None = None,
                  departments: Mapping[str, Department] | None = None) -> ParsedFilters:
    """Validate browser or API arguments; unknown values are errors, never guessed.

    ``guides`` and ``departments`` may be passed when the caller has them already.
    """
    errors: dict[str, str] = {}
    q = (args.get("q") or "").strip()
    industry = args.get("industry") or None
    guides = current_guides(session) if guides is None else guides
    departments = departments_by_code(session) if departments is None else departments
    known_industries = {g.guide.slug for g in guides} | {"common"}
    if industry is not None and industry not in known_industries:
        errors["industry"] = str(FILTER_MESSAGES["industry"])
        industry = None
    department = args.get("department") or None
    if department is not None and department not in departments:
        errors["department"] = str(FILTER_MESSAGES["department"])
        department = None
    list_type = args.get("list_type") or None
    if list_type is not None and list_type not in LIST_TYPES:
        errors["list_type"] = str(FILTER_MESSAGES["list_type"])
        list_type = None
    valid_on = None
    raw_valid = args.get("valid_on") or ""
    if args.get("valid") == "today":
        valid_on = today
    elif raw_valid:
        try:
            valid_on = dt.date.fromisoformat(raw_valid)
        except ValueError:
            errors["valid_on"] = str(FILTER_MESSAGES["valid_on"])
    page = _positive_int(args.get("page"), 1, errors, "page", maximum=MAX_PAGE)
    per_page = _positive_int(args.get("per_page"), default_per_page, errors, "per_page",
                             maximum=MAX_PER_PAGE)
    return ParsedFilters(
        filters=EntryFilters(q=q[:MAX_QUERY_LENGTH], industry=industry, department=department,
                             list_type=list_type, valid_on=valid_on),
        page=page, per_page=per_page, errors=errors, query_was_cut=len(q) > MAX_QUERY_LENGTH)


def _positive_int(raw: str | None, default: int, errors: dict[str, str], name: str, *,
                  maximum: int) -> int:
    if raw in (None, ""):
        return default
    number = parse_positive_int(raw, maximum=maximum)
    if number is None:
        errors[name] = str(FILTER_MESSAGES[name])
        return default
    return number


def _citations_as_published(citations: list[dict[str, Any]], *,
                            article_unsure: bool) -> list[dict[str, Any]]:
    """Return citations as the API may state them: no article an entry could not confirm."""
    if not article_unsure:
        return citations
    return [{**citation, "article": None} for citation in citations]


def entry_as_json(version: ExemptionEntryVersion, url: str) -> dict[str, Any]:
    """Return an entry version as the API shows it.

    Like the pages, it names only the law where the entry's articles are unsure.
    """
    data = version.data
    unsure = bool(data.get("article_unsure", False))
    return {
        "key": data["key"],
        "version": version.version_no,
        "item_code": version.item_code,
        "list_type": version.list_type,
        "department": version.department,
        "industries": sorted(i.industry for i in version.industries),
        "illustrative": version.illustrative,
        "violation": data["violation"],
        "rule_breached": _citations_as_published(data["rule_breached"], article_unsure=unsure),
        "legal_ground": _citations_as_published(data["legal_ground"], article_unsure=unsure),
        "conditions": data["conditions"],
        "conditions_text": data.get("conditions_text"),
        "range": data.get("range"),
        "follow_up_measures": data.get("follow_up_measures", []),
        "correction_working_days": data.get("correction_working_days"),
        "repeat_rule": {"exempt_again": data.get("exempt_again"),
                        "look_back_months": data.get("repeat_look_back_months")},
        "effective_from": data.get("effective_from"),
        "effective_until": data.get("effective_until"),
        "source": data.get("source"),
        "article_unsure": unsure,
        "url": url,
    }
