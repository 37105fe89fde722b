"""Sync compliance content into the database, and query it.

``sync_content`` is idempotent: unchanged items are left alone, a changed item
gets a new version (earlier versions stay), an item that left the content is
retired, never deleted. It flushes; the caller commits once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import and_, case, exists, func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from portal.accounts.models import Department
from portal.core.audit import record_event
from portal.core.text import to_zh_hant
from portal.guides.content import COMMON, Content, ContentInvalid, is_binding_scope, load_content
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
    QuestionnaireVersion,
    SourceListRecord,
)

logger = logging.getLogger(__name__)

__all__ = ["ContentInvalid", "SyncReport", "load_content", "search_entries", "sync_content"]


def to_jsonable(value: Any) -> Any:
    """Return ``value`` (dataclasses, tuples, dates) as JSON-compatible data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _texts(value: Any) -> Iterable[str]:
    """Yield every string inside ``value`` (nested dicts and lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)


def _with_traditional(text: dict[str, str] | None) -> dict[str, str]:
    """Return a text with its zh_Hant form (written or converted) filled in."""
    if not text:
        return {}
    result = dict(text)
    if not result.get("zh_Hant") and result.get("zh_Hans"):
        result["zh_Hant"] = to_zh_hant(result["zh_Hans"])
    return result


def normalise_for_search(text: str) -> str:
    """Lower-case and collapse white space, the same way for stored text and queries."""
    return " ".join(text.lower().split())


@dataclass
class SyncReport:
    """What a sync did, per kind of item."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    content_digest: str = ""

    def add(self, kind: str, outcome: str) -> None:
        """Count one item of ``kind`` as created, changed, retired or unchanged."""
        bucket = self.counts.setdefault(kind, {"created": 0, "changed": 0, "retired": 0,
                                               "unchanged": 0})
        bucket[outcome] += 1

    @property
    def changed_anything(self) -> bool:
        """Return whether the sync wrote anything."""
        return any(c["created"] or c["changed"] or c["retired"] for c in self.counts.values())

    def describe(self) -> str:
        """Return one line per kind: created/changed/retired/unchanged."""
        return "\n".join(
            f"{kind}: {c['created']} new, {c['changed']} changed, {c['retired']} retired, "
            f"{c['unchanged']} unchanged" for kind, c in sorted(self.counts.items()))


def _next_version(session: Session, version_model: Any, owner_column: Any, owner_id: int,
                  ) -> int:
    current = session.scalar(select(func.max(version_model.version_no))
                             .where(owner_column == owner_id))
    return (current or 0) + 1


def _current_digest(session: Session, version_model: Any, owner_column: Any,
                    owner_id: int) -> str | None:
    return session.scalar(select(version_model.digest).where(
        owner_column == owner_id, version_model.is_current.is_(True)))


def _supersede(session: Session, version_model: Any, owner_column: Any, owner_id: int) -> None:
    session.execute(update(version_model).where(owner_column == owner_id)
                    .values(is_current=False))


def _sync_departments(session: Session, content: Content, report: SyncReport) -> None:
    for code, department in sorted(content.departments.items()):
        names = _with_traditional(department.name)
        row = session.scalar(select(Department).where(Department.code == code))
        values = {"name_zh_hans": names["zh_Hans"], "name_en": names.get("en") or names["zh_Hans"],
                  "name_zh_hant": names.get("zh_Hant")}
        if row is None:
            session.add(Department(code=code, short_name=department.short_name or "", **values))
            report.add("departments", "created")
            continue
        changed = any(getattr(row, key) != value for key, value in values.items())
        # Content proposes a short name; it never confirms one, nor replaces the one
        # an administrator confirmed (numbered decisions depend on it).
        if (department.short_name and not row.short_name_confirmed
                and row.short_name != department.short_name):
            row.short_name, changed = department.short_name, True
        for key, value in values.items():
            setattr(row, key, value)
        report.add("departments", "changed" if changed else "unchanged")


def _sync_sources(session: Session, content: Content, report: SyncReport,
                  now: dt.datetime) -> None:
    for key, source in sorted(content.sources.items()):
        data = to_jsonable(source)
        digest = hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()
        row = session.scalar(select(SourceListRecord).where(SourceListRecord.key == key))
        if row is None:
            session.add(SourceListRecord(key=key, digest=digest, data=data, updated_at=now))
            report.add("source_lists", "created")
        elif row.digest != digest:
            row.digest, row.data, row.updated_at = digest, data, now
            report.add("source_lists", "changed")
        else:
            report.add("source_lists", "unchanged")


@dataclass(frozen=True)
class _Versioned:
    """A kind of content kept as a record (by key) with a row per version."""

    kind: str
    record_model: Any
    key_column: str
    version_model: Any
    owner_column: str


_GUIDES = _Versioned("guides", IndustryGuide, "slug", IndustryGuideVersion, "guide_id")
_OBLIGATIONS = _Versioned("obligations", ObligationRecord, "code", ObligationVersion,
                          "obligation_id")
_ENTRIES = _Versioned("exemption_entries", ExemptionEntryRecord, "key", ExemptionEntryVersion,
                      "entry_id")


def _sync_versioned(session: Session, spec: _Versioned,
                    items: Mapping[str, tuple[str, Callable[[], Any], dict[str, Any]]],
                    report: SyncReport, now: dt.datetime) -> None:
    """Bring one kind of content in line with ``items``: key -> (digest, build, record values).

    A new key gets a record and version 1; a changed digest gets the next version
    (earlier ones stay, no longer current); a key that left the content is retired.
    """
    record_model, version_model = spec.record_model, spec.version_model
    owner = getattr(version_model, spec.owner_column)
    key_column = getattr(record_model, spec.key_column)
    for key in sorted(items):
        digest, build, record_values = items[key]
        record = session.scalar(select(record_model).where(key_column == key))
        outcome = "changed"
        if record is None:
            record = record_model(**{spec.key_column: key}, **record_values)
            session.add(record)
            session.flush()
            outcome = "created"
        record.retired_at = None
        for name, value in record_values.items():
            setattr(record, name, value)
        if _current_digest(session, version_model, owner, record.id) == digest:
            report.add(spec.kind, "unchanged")
            continue
        _supersede(session, version_model, owner, record.id)
        version = build()
        setattr(version, spec.owner_column, record.id)
        version.version_no = _next_version(session, version_model, owner, record.id)
        version.digest, version.is_current, version.created_at = digest, True, now
        session.add(version)
        report.add(spec.kind, outcome)
    for record in session.scalars(select(record_model).where(
            record_model.retired_at.is_(None), key_column.not_in(set(items) or {""}))):
        record.retired_at = now
        report.add(spec.kind, "retired")


def _guide_version(guide: Any) -> IndustryGuideVersion:
    return IndustryGuideVersion(
        content_version=guide.version, reviewed_on=guide.reviewed_on,
        title=_with_traditional(guide.title), summary=_with_traditional(guide.summary),
        body=dict(guide.body), zh_hant_generated=guide.zh_hant_generated,
        divisions=list(guide.divisions), lead_department=guide.lead_department,
        other_departments=list(guide.other_departments))


def _obligation_version(obligation: Any) -> ObligationVersion:
    return ObligationVersion(
        title=_with_traditional(obligation.title),
        description=_with_traditional(obligation.description),
        legal_basis=to_jsonable(obligation.legal_basis), department=obligation.department,
        severity=obligation.severity, verify=obligation.verify)


def _entry_search_texts(data: dict[str, Any]) -> tuple[str, str]:
    violation = _with_traditional(data["violation"])
    title = normalise_for_search(" ".join(violation.values()))
    parts = [data["key"], data.get("item_code") or "", *violation.values()]
    for name in ("conditions_text", "range", "follow_up_text", "repeat_note"):
        parts += list(_with_traditional(data.get(name)).values())
    for name in ("rule_breached", "legal_ground"):
        for citation in data.get(name) or []:
            parts += list(_texts(citation.get("law_name"))) + list(_texts(citation.get("article")))
            parts += [to_zh_hant(t) for t in _texts(citation.get("law_name"))]
    return title, normalise_for_search(" ".join(part for part in parts if part))


def _entry_version(entry: Any) -> ExemptionEntryVersion:
    data = to_jsonable(entry)
    title, search_text = _entry_search_texts(data)
    version = ExemptionEntryVersion(
        item_code=entry.item_code, list_type=entry.list_type, department=entry.department,
        industry=entry.industry, illustrative=entry.illustrative, source_key=entry.source,
        effective_from=entry.effective_from, effective_until=entry.effective_until,
        title_search=title, search_text=search_text, data=data)
    version.industries = [ExemptionEntryIndustry(industry=slug)
                          for slug in dict.fromkeys(entry.industries)]
    return version


def _sync_questionnaires(session: Session, content: Content, report: SyncReport,
                         now: dt.datetime) -> None:
    seen = set()
    for slug, guide in sorted(content.guides.items()):
        questionnaire = guide.questionnaire
        seen.add(slug)
        current = session.scalar(select(QuestionnaireVersion).where(
            QuestionnaireVersion.industry == slug, QuestionnaireVersion.is_current.is_(True)))
        if current is not None and current.digest == questionnaire.digest:
            current.retired_at = None
            report.add("questionnaires", "unchanged")
            continue
        session.execute(update(QuestionnaireVersion).where(QuestionnaireVersion.industry == slug)
                        .values(is_current=False))
        version_no = (session.scalar(select(func.max(QuestionnaireVersion.version_no)).where(
            QuestionnaireVersion.industry == slug)) or 0) + 1
        session.add(QuestionnaireVersion(
            industry=slug, version_no=version_no, digest=questionnaire.digest,
            content_version=questionnaire.version, definition=to_jsonable(questionnaire),
            created_at=now))
        report.add("questionnaires", "created" if current is None else "changed")
    for version in session.scalars(select(QuestionnaireVersion).where(
            QuestionnaireVersion.is_current.is_(True), QuestionnaireVersion.retired_at.is_(None),
            QuestionnaireVersion.industry.not_in(seen or {""}))):
        version.retired_at = now
        report.add("questionnaires", "retired")


def content_digest(content: Content) -> str:
    """Return one digest over every item of the content."""
    digests = sorted(
        [g.digest for g in content.guides.values()]
        + [o.digest for o in content.obligations.values()]
        + [e.digest for e in content.exemption_entries.values()]
        + [g.questionnaire.digest for g in content.guides.values()])
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def sync_content(session: Session, content: Content, *, now: dt.datetime,
                 actor_label: str = "guides sync") -> SyncReport:
    """Bring the database in line with ``content`` (the caller commits once)."""
    report = SyncReport(content_digest=content_digest(content))
    _sync_departments(session, content, report)
    _sync_sources(session, content, report, now)
    _sync_versioned(session, _GUIDES, {
        slug: (guide.digest, partial(_guide_version, guide), {})
        for slug, guide in content.guides.items()}, report, now)
    _sync_versioned(session, _OBLIGATIONS, {
        code: (obligation.digest, partial(_obligation_version, obligation),
               {"industry": obligation.industry})
        for code, obligation in content.obligations.items()}, report, now)
    _sync_versioned(session, _ENTRIES, {
        key: (entry.digest, partial(_entry_version, entry), {})
        for key, entry in content.exemption_entries.items()}, report, now)
    _sync_questionnaires(session, content, report, now)
    session.flush()
    if report.changed_anything:
        session.add(ContentSync(synced_at=now, content_digest=report.content_digest,
                                summary=report.counts))
        record_event(session, action="content.synced", object_type="content",
                     object_id=report.content_digest[:16], actor_label=actor_label,
                     details=report.counts, now=now)
    logger.info("content sync by %s: %s", actor_label, report.describe().replace("\n", "; "))
    return report


def sync_from_directory(session: Session, root: Path, *, now: dt.datetime) -> SyncReport:
    """Load, check and sync the content under ``root``.

    :raises ContentInvalid: the content has errors; nothing is written.
    """
    return sync_content(session, load_content(root), now=now)


# --------------------------------------------------------------------------- rules


def binds_nansha(version: ExemptionEntryVersion, source: SourceListRecord | None) -> bool:
    """Return whether the entry comes from a list that binds Nansha's departments.

    Entries of other provinces' or cities' lists, and illustrative ones, only show
    the pattern: pages must not promise an exemption on them.
    """
    return (not version.illustrative and source is not None
            and is_binding_scope(source.data.get("scope")))


# --------------------------------------------------------------------------- queries

#: Longest query that is searched; longer input is cut (and said so on the page).
MAX_QUERY_LENGTH = 100


@dataclass(frozen=True)
class EntryFilters:
    """Filters of the exemption-list browser and API, already validated."""

    q: str = ""
    industry: str | None = None
    department: str | None = None
    list_type: str | None = None
    valid_on: dt.date | None = None


@dataclass(frozen=True)
class Page:
    """One page of results."""

    items: list[ExemptionEntryVersion]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return how many pages there are (at least 1)."""
        return max(1, -(-self.total // self.per_page))


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def query_terms(q: str) -> list[str]:
    """Split a query into normalised terms (at most ``MAX_QUERY_LENGTH`` characters)."""
    return normalise_for_search(q[:MAX_QUERY_LENGTH]).split()


def _entry_conditions(filters: EntryFilters) -> list[Any]:
    conditions: list[Any] = [ExemptionEntryVersion.is_current.is_(True),
                             ExemptionEntryRecord.retired_at.is_(None)]
    for term in query_terms(filters.q):
        conditions.append(ExemptionEntryVersion.search_text.like(_like_pattern(term),
                                                                 escape="\\"))
    if filters.industry:
        conditions.append(exists().where(
            ExemptionEntryIndustry.version_id == ExemptionEntryVersion.id,
            ExemptionEntryIndustry.industry.in_([filters.industry, COMMON])))
    if filters.department:
        conditions.append(ExemptionEntryVersion.department == filters.department)
    if filters.list_type:
        conditions.append(ExemptionEntryVersion.list_type == filters.list_type)
    if filters.valid_on:
        conditions.append(ExemptionEntryVersion.in_force(on=filters.valid_on))
    return conditions


def search_entries(session: Session, filters: EntryFilters, *, page: int = 1,
                   per_page: int = 20) -> Page:
    """Return current entries matching ``filters``, title matches first."""
    conditions = _entry_conditions(filters)
    base = (select(ExemptionEntryVersion)
            .join(ExemptionEntryRecord, ExemptionEntryRecord.id == ExemptionEntryVersion.entry_id)
            .where(*conditions))
    terms = query_terms(filters.q)
    order: list[Any] = []
    if terms:
        title_hits = and_(*(ExemptionEntryVersion.title_search.like(_like_pattern(t),
                                                                    escape="\\")
                            for t in terms))
        order.append(case((title_hits, 0), else_=1))
    order.append(case(*((ExemptionEntryVersion.list_type == t, i)
                        for i, t in enumerate(LIST_TYPES)), else_=len(LIST_TYPES)))
    order.append(ExemptionEntryRecord.id)
    # One narrow scan orders the ids and counts them (window function); only the
    # page's rows are then loaded with their JSON.
    rows = session.execute(
        base.with_only_columns(ExemptionEntryVersion.id, func.count().over().label("total"))
        .order_by(*order).limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        total = rows[0].total
        ids = [row.id for row in rows]
        loaded = {version.id: version for version in session.scalars(
            select(ExemptionEntryVersion).where(ExemptionEntryVersion.id.in_(ids))
            .options(selectinload(ExemptionEntryVersion.industries),
                     joinedload(ExemptionEntryVersion.entry)))}
        items = [loaded[version_id] for version_id in ids]
    else:  # past the last page: count separately
        items = []
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    return Page(items=list(items), total=total, page=page, per_page=per_page)
