"""How far an exemption-list entry can be relied on in Nansha, for labels wherever it is offered.

Every page that offers an entry (the lists, guide pages, the pre-check, findings)
labels entries that are illustrative, from another city's or province's list, not
in force today, or withdrawn; ``templates/guides/_entry_labels.html`` renders
these labels from ``entry_standing``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.core.clock import local_today
from portal.extensions import db
from portal.guides.models import ExemptionEntryVersion, SourceListRecord
from portal.guides.queries import source_list_for
from portal.guides.services import binds_nansha


@dataclass(frozen=True)
class EntryStanding:
    """The labels an offered entry needs: each True flag is shown."""

    illustrative: bool
    other_region: bool
    not_in_force: bool
    withdrawn: bool

    @property
    def reliable(self) -> bool:
        """Return whether none of the labels applies."""
        return not (self.illustrative or self.other_region or self.not_in_force
                    or self.withdrawn)


def standing_of(version: ExemptionEntryVersion, source: SourceListRecord | None, *,
                today: dt.date) -> EntryStanding:
    """Return the standing of ``version`` taken from ``source`` on ``today``."""
    return EntryStanding(
        illustrative=version.illustrative,
        other_region=not version.illustrative and not binds_nansha(version, source),
        not_in_force=not version.in_force(on=today),
        withdrawn=version.entry.retired_at is not None)


def _source(session: Session, version: ExemptionEntryVersion) -> SourceListRecord | None:
    """Return the version's source list; every source list is read once per request.

    There are a handful of published lists: one query for all of them keeps a page's
    query count the same however many entries (of however many lists) it shows.
    """
    if not version.source_key:
        return None
    if not has_app_context():  # pragma: no cover - templates always have one
        return source_list_for(session, version)
    cache: dict[str, SourceListRecord] | None = g.get("entry_sources")
    if cache is None:
        cache = {record.key: record for record in session.scalars(select(SourceListRecord))}
        g.entry_sources = cache
    return cache.get(version.source_key)


def entry_standing(version: ExemptionEntryVersion) -> EntryStanding:
    """Return the standing of ``version`` today (a template global)."""
    return standing_of(version, _source(db.session, version), today=local_today())
