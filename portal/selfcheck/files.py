"""Files given as self-check answers: stored once the section is saved, and referenced."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection, Mapping

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from portal.core.storage import (
    CheckedUpload,
    Storage,
    StoredObject,
    put_checked,
    record_stored_file,
)
from portal.selfcheck.models import SelfCheck

logger = logging.getLogger(__name__)

#: Digests looked for per query by ``referenced_digests``.
_BATCH = 50


def store_answer_files(session: Session, storage: Storage, self_check: SelfCheck,
                       uploads: Mapping[str, CheckedUpload], *, uploaded_by: int | None,
                       now: dt.datetime) -> list[StoredObject]:
    """Store the checked uploads that the saved answers now hold, and record each.

    Call after the section was saved (its answers validated): a file whose
    answer was not kept (say, its question is no longer shown) is not stored.
    """
    stored = []
    for question_id, upload in uploads.items():
        if self_check.answers.get(question_id) != upload.as_dict():
            continue
        kept = put_checked(storage, upload)
        record_stored_file(session, kept, uploaded_by=uploaded_by, now=now)
        logger.info("stored file %s for self-check %s question %s by %s", kept.sha256,
                    self_check.id, question_id, uploaded_by)
        stored.append(kept)
    return stored


def referenced_digests(session: Session, digests: Collection[str]) -> set[str]:
    """Return those of ``digests`` that some self-check's answers or result point at.

    Searches the JSON as text, the same way on SQLite and PostgreSQL; a digest
    is 64 hex characters, so a match by chance only keeps a file longer.
    """
    wanted = sorted(digests)
    found: set[str] = set()
    columns = (cast(SelfCheck.answers, Text), cast(SelfCheck.result, Text))
    for start in range(0, len(wanted), _BATCH):
        batch = wanted[start:start + _BATCH]
        rows = session.execute(select(*columns).where(or_(
            *(column.contains(digest, autoescape=True) for column in columns
              for digest in batch))))
        texts = [text for row in rows for text in row if text]
        found.update(digest for digest in batch if any(digest in text for text in texts))
    return found
