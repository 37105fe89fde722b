"""`flask outbox run --watch` as the worker process runs it: loops, and stops on SIGTERM."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from portal.config import PROJECT_ROOT
from portal.core import mail, migrations
from portal.core.db import make_engine, utcnow
from portal.core.outbox import deliver_due, enqueue_mail
from tests.functional.test_outbox_smtp import _free_port, _start_server

#: One worker runs every test with a local SMTP server: a free port found by one test
#: must not be taken by another running at the same time.
pytestmark = pytest.mark.xdist_group("smtp")


def _wait_for(condition, timeout: float = 60) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _exited_with(worker: subprocess.Popen[str]) -> str:
    """Return why the worker stopped, if it did (for the failure message)."""
    if worker.poll() is None:
        return "the worker is still running"
    _stdout, stderr = worker.communicate(timeout=5)
    return f"the worker exited with {worker.returncode}: {stderr[-3000:]}"


def test_the_watching_worker_sends_new_messages_and_stops_on_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    migrations.upgrade(url)
    engine = make_engine(url)

    def enqueue(to: str) -> None:
        with Session(engine) as session:
            enqueue_mail(session, to=to, subject="Worker", body="Body", now=utcnow())
            session.commit()

    port = _free_port()
    controller, collector = _start_server(port)
    enqueue("first@example.cn")
    env = {**os.environ, "PORTAL_ENV": "development", "PORTAL_DATABASE_URL": url,
           "PORTAL_MAIL_BACKEND": "smtp", "PORTAL_MAIL_SERVER": "127.0.0.1",
           "PORTAL_MAIL_PORT": str(port), "PORTAL_MAIL_USE_TLS": "false",
           "PORTAL_REDIS_URL": ""}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "run", "--watch",
         "--interval", "1"], cwd=PROJECT_ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def recipients() -> list[str]:
            return [to for _sender, tos, _message in collector.envelopes for to in tos]

        assert _wait_for(lambda: recipients() == ["first@example.cn"]), recipients()
        enqueue("second@example.cn")  # queued while the worker sleeps
        sent_both = _wait_for(lambda: recipients() == ["first@example.cn", "second@example.cn"],
                              timeout=120)
        assert sent_both, (recipients(), _exited_with(worker))
        worker.send_signal(signal.SIGTERM)
        stdout, stderr = worker.communicate(timeout=30)
        assert worker.returncode == 0, stderr[-3000:]
        assert "1 sent, 0 to retry, 0 failed" in stdout
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
        controller.stop()
        engine.dispose()


def test_a_message_is_not_sent_twice_when_another_writer_commits_meanwhile(
        app, tmp_path, monkeypatch):
    """SQLite: a request writes while the worker holds a message (a real race of the
    embedded default). The worker must fail before sending, never after."""
    url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        enqueue_mail(session, to="first@example.cn", subject="Race", body="Body", now=utcnow())
        session.commit()
    sent: list[str] = []
    monkeypatch.setattr(mail, "send_mail", lambda to, _subject, _body: sent.append(to))
    writers: list[threading.Thread] = []

    def write_meanwhile() -> None:
        with Session(engine) as other:  # another pooled connection: "a request"
            enqueue_mail(other, to="second@example.cn", subject="Race", body="Body",
                         now=utcnow())
            other.commit()

    def after_select(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        if not writers and statement.lstrip().startswith("SELECT") and "outbox" in statement:
            writers.append(threading.Thread(target=write_meanwhile))
            writers[0].start()
            time.sleep(0.5)  # the writer holds its lock and waits for the worker's read

    event.listen(engine, "after_cursor_execute", after_select)
    with app.app_context():
        # The worker's pass fails (logged and retried by `outbox run --watch`).
        with contextlib.suppress(OperationalError):
            deliver_due(sessionmaker(engine), now=utcnow())
        writers[0].join(timeout=30)
        event.remove(engine, "after_cursor_execute", after_select)
        deliver_due(sessionmaker(engine), now=utcnow() + dt.timedelta(seconds=1))
    engine.dispose()
    assert sorted(sent) == ["first@example.cn", "second@example.cn"]
