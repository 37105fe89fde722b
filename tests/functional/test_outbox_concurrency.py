"""Two outbox runners on PostgreSQL never send the same message twice (SKIP LOCKED)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from portal.core import mail
from portal.core.db import make_engine
from portal.core.outbox import (
    DeliveryReport,
    OutboxMessage,
    OutboxStatus,
    deliver_due,
    enqueue_mail,
)

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)
MESSAGES = 30


def test_two_runners_share_the_queue_without_sending_a_message_twice(app, database_url,
                                                                      monkeypatch):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks with SKIP LOCKED need PostgreSQL (SQLite has one writer)")
    # The runners need rows committed for real, outside the test's rolled-back transaction.
    engine = make_engine(database_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    sent: list[tuple[str, str]] = []
    lock = threading.Lock()

    def slow_send(to: str, subject: str, body: str) -> None:
        time.sleep(0.01)  # an SMTP exchange takes a while: the other runner is busy too
        with lock:
            sent.append((threading.current_thread().name, to))

    monkeypatch.setattr(mail, "send_mail", slow_send)
    try:
        with factory() as session:
            for n in range(MESSAGES):
                enqueue_mail(session, to=f"u{n}@example.cn", subject="S", body="B", now=NOW)
            session.commit()
        reports: dict[str, DeliveryReport] = {}
        start = threading.Barrier(2)

        def run(name: str) -> None:
            with app.app_context():
                start.wait()
                reports[name] = deliver_due(factory, now=NOW, limit=MESSAGES)

        runners = [threading.Thread(target=run, args=(name,), name=name)
                   for name in ("first", "second")]
        for runner in runners:
            runner.start()
        for runner in runners:
            runner.join(timeout=60)
        recipients = [to for _runner, to in sent]
        assert sorted(recipients) == sorted(f"u{n}@example.cn" for n in range(MESSAGES))
        assert reports["first"].sent + reports["second"].sent == MESSAGES
        # Both took part: the second runner skipped the rows the first held, and went on.
        assert reports["first"].sent and reports["second"].sent
        with factory() as session:
            statuses = session.scalars(select(OutboxMessage.status)).all()
            assert statuses == [OutboxStatus.SENT] * MESSAGES
    finally:
        with Session(engine) as session:
            session.execute(delete(OutboxMessage))
            session.commit()
        engine.dispose()
