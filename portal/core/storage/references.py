"""Which stored objects are still referenced, and sweeping away those that are not.

A stored object is referenced when a row of some feature points at it (today:
a self-check answer). Core cannot know the features, so each one registers a
*finder* at start-up (``register_reference``); the sweep asks all of them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.core.storage.base import Storage, StoredObject
from portal.core.storage.models import StoredFile

logger = logging.getLogger(__name__)

#: Given digests, return those that some row points at. Over-answering only keeps a file.
ReferenceFinder = Callable[[Session, Collection[str]], set[str]]

_FINDERS: dict[str, ReferenceFinder] = {}


def register_reference(name: str, finder: ReferenceFinder) -> None:
    """Let ``finder`` answer for the references that ``name`` (a feature's rows) holds."""
    _FINDERS[name] = finder


def reference_finders() -> dict[str, ReferenceFinder]:
    """Return the registered finders by name."""
    return dict(_FINDERS)


def referenced_keys(session: Session, keys: Collection[str]) -> set[str]:
    """Return those of ``keys`` that some registered reference points at."""
    remaining = set(keys)
    found: set[str] = set()
    for finder in _FINDERS.values():
        if not remaining:
            break
        hits = finder(session, remaining) & remaining
        found |= hits
        remaining -= hits
    return found


def is_referenced(session: Session, key: str) -> bool:
    """Return whether any row points at the stored object ``key``."""
    return key in referenced_keys(session, {key})


def record_stored_file(session: Session, stored: StoredObject, *, uploaded_by: int | None,
                       now: dt.datetime) -> StoredFile:
    """Add the ledger row of an upload just stored (flushes, does not commit)."""
    row = StoredFile(sha256=stored.sha256, size=stored.size, content_type=stored.content_type,
                     original_name=stored.name[:255], uploaded_by_id=uploaded_by,
                     created_at=now)
    session.add(row)
    session.flush()
    return row


def sweep_unreferenced(session: Session, storage: Storage, *, now: dt.datetime,
                       grace: dt.timedelta) -> list[str]:
    """Remove stored objects that nothing references and nobody stored within ``grace``.

    The grace period spares files whose form is being saved right now (stored,
    then referenced when the request commits). Returns the removed keys.
    """
    cutoff = now - grace
    discard = getattr(storage, "discard_stale_temporaries", None)
    if discard is not None:  # a local folder may hold files of a killed upload
        for name in discard(cutoff):
            logger.info("removed stale temporary file %s by the storage sweep", name)
    old = {key for key, stored_at in storage.list_objects() if stored_at <= cutoff}
    if not old:
        return []
    uploaded_lately = set(session.scalars(
        select(StoredFile.sha256).where(StoredFile.sha256.in_(old))
        .group_by(StoredFile.sha256).having(func.max(StoredFile.created_at) > cutoff)))
    candidates = old - uploaded_lately
    keep = referenced_keys(session, candidates)
    removed = [key for key in sorted(candidates - keep) if storage.delete(key)]
    for key in removed:
        logger.info("removed unreferenced stored object %s by the storage sweep", key)
    return removed
