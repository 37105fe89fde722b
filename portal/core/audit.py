"""Append-only, hash-chained audit trail (全过程记录).

Every event stores the hash of the event before it. Changing, deleting or
inserting a row anywhere but at the end breaks the chain, and
``verify_chain`` names the first broken link. A unique constraint on
``prev_hash`` makes a fork impossible even when two processes append at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.core.db import Base, utcnow
from portal.core.requestcontext import get_request_id

logger = logging.getLogger(__name__)

#: ``prev_hash`` of the first event.
GENESIS_HASH = "0" * 64

#: Key of the PostgreSQL advisory lock that serialises appends.
_APPEND_LOCK_KEY = 0x4E53_4155  # "NSAU"


class AuditEvent(Base):
    """One step recorded in the audit trail. Rows are never updated or deleted."""

    __tablename__ = "audit_events"
    #: An object's history (a case's timeline) is read by its type and id.
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    #: When the step happened (UTC).
    occurred_at: Mapped[dt.datetime]
    #: The user who acted; null for the system or an anonymous visitor.
    actor_id: Mapped[int | None] = mapped_column(index=True)
    #: Who acted, as shown to readers (kept even if the user is renamed).
    actor_label: Mapped[str] = mapped_column(String(200))
    #: What happened, as ``area.verb`` (``account.sign_in_failed``).
    action: Mapped[str] = mapped_column(String(80), index=True)
    #: Kind and id of the object the step concerns.
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[str | None] = mapped_column(String(60))
    #: State before and after, for state changes.
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str | None] = mapped_column(String(40))
    #: Request that caused the step, to join with the logs.
    request_id: Mapped[str | None] = mapped_column(String(64))
    #: Further facts of the step (JSON object).
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: Free text note, e.g. reasons given.
    note: Mapped[str | None] = mapped_column(Text)

    def canonical(self) -> bytes:
        """Return the bytes that this event's hash covers."""
        return canonical_form(
            occurred_at=self.occurred_at, actor_id=self.actor_id, actor_label=self.actor_label,
            action=self.action, object_type=self.object_type, object_id=self.object_id,
            from_state=self.from_state, to_state=self.to_state, request_id=self.request_id,
            details=self.details, note=self.note, prev_hash=self.prev_hash)

    def compute_hash(self) -> str:
        """Return the SHA-256 of this event's canonical form."""
        return hashlib.sha256(self.canonical()).hexdigest()


def canonical_form(*, occurred_at: dt.datetime, actor_id: int | None, actor_label: str,
                   action: str, object_type: str, object_id: str | None,
                   from_state: str | None, to_state: str | None, request_id: str | None,
                   details: dict[str, Any] | None, note: str | None, prev_hash: str) -> bytes:
    """Return the bytes an event's hash covers (also used to bulk-load a valid chain)."""
    payload = {
        "occurred_at": occurred_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "from_state": from_state,
        "to_state": to_state,
        "request_id": request_id,
        "details": details or {},
        "note": note,
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


def _lock_chain(session: Session) -> None:
    """Serialise appends across processes (PostgreSQL); SQLite locks the file itself."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK_KEY})


def record_event(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: object = None,
    actor: Any = None,
    actor_label: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    details: dict[str, Any] | None = None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain and flush it (the caller commits)."""
    _lock_chain(session)
    last_hash = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        occurred_at=now or utcnow(),
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label or (actor.audit_label if actor is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        from_state=from_state,
        to_state=to_state,
        request_id=get_request_id(),
        details=details or {},
        note=note,
        prev_hash=last_hash or GENESIS_HASH,
    )
    event.hash = event.compute_hash()
    session.add(event)
    session.flush()
    logger.info("audit %s on %s %s by %s", action, object_type, object_id, event.actor_label)
    return event


@dataclass(frozen=True)
class BrokenLink:
    """Where and why the chain is broken."""

    event_id: int
    reason: str


def _events_in_order(session: Session, batch: int = 1000) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def verify_chain(session: Session) -> tuple[int, BrokenLink | None]:
    """Check every event in order; return how many were checked and the first broken link."""
    expected_prev = GENESIS_HASH
    checked = 0
    for event in _events_in_order(session):
        if event.prev_hash != expected_prev:
            return checked, BrokenLink(event.id, "previous-hash link does not match "
                                                 "(an event before it was changed, removed "
                                                 "or inserted)")
        if event.compute_hash() != event.hash:
            return checked, BrokenLink(event.id, "content does not match its hash "
                                                 "(the event was changed)")
        expected_prev = event.hash
        checked += 1
    return checked, None


def chain_head(session: Session) -> tuple[int, str]:
    """Return the number of events and the hash of the newest (genesis when empty).

    Recorded somewhere else (a ticket, a signed log), the head lets ``verify_chain``
    prove later that no event at the end of the chain was removed.
    """
    count = session.scalar(select(func.count(AuditEvent.id))) or 0
    last = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return count, last or GENESIS_HASH


def contains_head(session: Session, head_hash: str) -> bool:
    """Return whether an event with ``head_hash`` (a recorded head) is still in the chain."""
    return head_hash == GENESIS_HASH or session.scalar(
        select(AuditEvent.id).where(AuditEvent.hash == head_hash)) is not None
