"""Email that leaves after the transaction that decided to send it has committed.

A feature calls :func:`enqueue_mail` inside its own transaction: the message is a row
of ``outbox_messages``, so a rolled-back transaction sends nothing, and a committed
one is sure to be sent even if the SMTP server is down at that moment. Nothing is
sent inside a request: ``flask outbox run`` (a worker process beside gunicorn) calls
:func:`deliver_due`, which sends each due message through :func:`portal.core.mail.send_mail`
and commits after each one. A failed attempt is retried with exponential back-off
(1, 2, 4 … minutes, at most an hour, with a little jitter) until
``OUTBOX_MAX_ATTEMPTS`` attempts have failed; the message is then marked ``failed``
and an error is logged.

On PostgreSQL each message is picked with ``FOR UPDATE SKIP LOCKED`` and stays locked
while it is sent, so that two runners never send the same message; SQLite (one
writer at a time) ignores the clause.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import cast

from flask import current_app
from sqlalchemy import Enum, Index, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from portal.core import mail
from portal.core.db import Base

logger = logging.getLogger(__name__)

#: The longest error text kept on a message.
ERROR_LENGTH = 500
#: The first retry waits this long; each further one twice as long as the one before.
FIRST_DELAY = dt.timedelta(minutes=1)
#: No retry waits longer than this (before jitter).
MAX_DELAY = dt.timedelta(hours=1)
#: Each delay is lengthened by up to this fraction, so that runners do not retry in step.
JITTER = 0.1


class OutboxStatus(StrEnum):
    """Where a message stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """One email waiting to be sent, sent, or given up on."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    status: Mapped[OutboxStatus] = mapped_column(
        Enum(OutboxStatus, name="outbox_status", native_enum=False, create_constraint=True,
             values_callable=lambda members: [member.value for member in members], length=30),
        default=OutboxStatus.PENDING)
    #: Attempts made so far (failed ones, plus the successful one if sent).
    attempts: Mapped[int] = mapped_column(default=0)
    #: When the message is next due; the past or now for a new message.
    next_attempt_at: Mapped[dt.datetime]
    #: What went wrong at the last failed attempt (truncated to ERROR_LENGTH).
    last_error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))
    sent_at: Mapped[dt.datetime | None]


def enqueue_mail(session: Session, *, to: str, subject: str, body: str,
                 now: dt.datetime) -> OutboxMessage:
    """Add a message to the outbox in ``session``'s transaction (sent once it commits).

    Line breaks in ``subject`` (a parameter taken from a form) become spaces: a header
    cannot hold them, and the message could never be sent.
    """
    subject = " ".join(subject.splitlines())[:300]
    message = OutboxMessage(to_address=to, subject=subject, body=body, created_at=now,
                            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now)
    session.add(message)
    return message


def backoff_delay(attempts: int, *, rng: Callable[[], float] = random.random) -> dt.timedelta:
    """Return how long to wait after the ``attempts``-th failed attempt (1, 2, 4 … minutes)."""
    base = min(FIRST_DELAY * 2 ** min(max(attempts - 1, 0), 16), MAX_DELAY)
    return base * (1 + JITTER * rng())


@dataclass
class DeliveryReport:
    """What one :func:`deliver_due` run did."""

    sent: int = 0
    #: Failed attempts that will be retried later.
    retried: int = 0
    #: Messages given up on in this run (status ``failed``).
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        """Return how many messages were tried."""
        return self.sent + self.retried + self.failed


SessionSource = Session | scoped_session[Session] | Callable[[], Session]


def deliver_due(source: SessionSource, *, now: dt.datetime, limit: int = 100,
                max_attempts: int | None = None,
                should_stop: Callable[[], bool] | None = None) -> DeliveryReport:
    """Send up to ``limit`` pending messages due at ``now``, committing after each one.

    ``source`` is a session or scoped session (used for every message, committed after
    each) or a session factory (a new session per message, closed afterwards). Needs an
    application context (the MAIL_* and OUTBOX_* settings). ``should_stop`` is asked
    before each message (a worker told to stop finishes the message it is sending).
    """
    if max_attempts is None:
        max_attempts = current_app.config["OUTBOX_MAX_ATTEMPTS"]
    report = DeliveryReport()
    tried: set[int] = set()
    while report.attempted < limit and not (should_stop and should_stop()):
        if isinstance(source, Session | scoped_session):
            session = cast(Session, source)
            delivered = _deliver_one(session, now=now, max_attempts=max_attempts,
                                     report=report, tried=tried)
        else:
            with source() as session:
                delivered = _deliver_one(session, now=now, max_attempts=max_attempts,
                                         report=report, tried=tried)
        if not delivered:
            break
    return report


def _deliver_one(session: Session, *, now: dt.datetime, max_attempts: int,
                 report: DeliveryReport, tried: set[int]) -> bool:
    """Lock, send and record one due message; return False when none is due."""
    query = (select(OutboxMessage)
             .where(OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now)
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
             .limit(1)
             # PostgreSQL: lock the row while it is sent, skipping rows another runner
             # holds. SQLite renders no clause (its writers take turns anyway).
             .with_for_update(skip_locked=True))
    if tried:
        # A message retried at ``now`` (no back-off, a clock standing still) is not
        # tried twice in one run.
        query = query.where(OutboxMessage.id.not_in(tried))
    message = session.scalars(query).first()
    if message is None:
        session.rollback()
        return False
    tried.add(message.id)
    message.attempts += 1
    # Write the attempt before sending: the write lock is taken now, so that the commit
    # after sending cannot fail for another writer. On SQLite a read transaction that
    # another connection wrote past cannot become a write one (it fails at once): after
    # the mail had left, that made the message pending again and sent it twice.
    session.flush()
    try:
        mail.send_mail(message.to_address, message.subject, message.body)
    except Exception as error:  # any failure is recorded, and the worker goes on
        _record_failure(message, error, now=now, max_attempts=max_attempts, report=report)
    else:
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.last_error = None
        report.sent += 1
    session.commit()
    return True


def _record_failure(message: OutboxMessage, error: Exception, *, now: dt.datetime,
                    max_attempts: int, report: DeliveryReport) -> None:
    text = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    message.last_error = text
    report.errors.append(f"#{message.id}: {text}")
    if message.attempts >= max_attempts:
        message.status = OutboxStatus.FAILED
        report.failed += 1
        logger.error("outbox message #%s to %s given up after %s attempts: %s",
                     message.id, message.to_address, message.attempts, text)
        return
    message.next_attempt_at = now + backoff_delay(message.attempts)
    report.retried += 1
    logger.warning("outbox message #%s to %s failed (attempt %s), retry at %s: %s",
                   message.id, message.to_address, message.attempts,
                   message.next_attempt_at.isoformat(), text)


@dataclass(frozen=True)
class OutboxSummary:
    """Counts by status and the age of the oldest pending message."""

    counts: dict[OutboxStatus, int]
    oldest_pending_age: dt.timedelta | None


def outbox_summary(session: Session, *, now: dt.datetime) -> OutboxSummary:
    """Return how many messages each status has and how long the oldest pending one waits."""
    rows = session.execute(select(OutboxMessage.status, func.count())
                           .group_by(OutboxMessage.status)).all()
    counts = {status: 0 for status in OutboxStatus}
    counts.update({OutboxStatus(status): count for status, count in rows})
    oldest = session.scalar(select(func.min(OutboxMessage.created_at))
                            .where(OutboxMessage.status == OutboxStatus.PENDING))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)  # an aggregate skips the column's type
    return OutboxSummary(counts=counts,
                         oldest_pending_age=None if oldest is None else now - oldest)


def purge_sent(session: Session, *, before: dt.datetime) -> int:
    """Delete messages sent before ``before`` (their bodies may hold links); return how many.

    Failed and pending messages are kept: they still need someone's attention.
    """
    result = session.execute(delete(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
