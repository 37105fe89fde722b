"""The outbox: queued in the caller's transaction, sent later, retried with back-off."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import func, select

from portal.core import mail, outbox
from portal.core.db import utcnow
from portal.core.outbox import (
    OutboxMessage,
    OutboxStatus,
    backoff_delay,
    deliver_due,
    enqueue_mail,
    outbox_summary,
    purge_sent,
)
from portal.extensions import db

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)


def _messages() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def broken_smtp(monkeypatch):
    """Make every send fail as an unreachable server does; return the calls made."""
    calls: list[str] = []

    def fail(to: str, subject: str, body: str) -> None:
        calls.append(to)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(mail, "send_mail", fail)
    return calls


def test_a_queued_message_is_sent_by_the_runner_not_when_queued(app):
    with app.app_context():
        enqueue_mail(db.session, to="a@example.cn", subject="主题", body="正文", now=NOW)
        db.session.commit()
        assert mail.outbox == []
        report = deliver_due(db.session, now=NOW)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert mail.outbox == [mail.Message(to="a@example.cn", subject="主题", body="正文")]
    [message] = _messages()
    assert message.status == OutboxStatus.SENT
    assert (message.attempts, message.sent_at, message.last_error) == (1, NOW, None)


def test_a_sent_message_is_not_sent_again(app):
    with app.app_context():
        enqueue_mail(db.session, to="a@example.cn", subject="S", body="B", now=NOW)
        db.session.commit()
        deliver_due(db.session, now=NOW)
        again = deliver_due(db.session, now=NOW + dt.timedelta(hours=2))
    assert again.attempted == 0
    assert len(mail.outbox) == 1


def test_a_rolled_back_transaction_sends_nothing(app):
    with app.app_context():
        nested = db.session.begin_nested()
        enqueue_mail(db.session, to="gone@example.cn", subject="S", body="B", now=NOW)
        db.session.flush()
        nested.rollback()
        report = deliver_due(db.session, now=NOW + dt.timedelta(days=1))
    assert report.attempted == 0
    assert mail.outbox == []
    assert _messages() == []


def test_a_failure_is_recorded_and_retried_after_the_back_off(app, broken_smtp):
    with app.app_context():
        enqueue_mail(db.session, to="a@example.cn", subject="S", body="B", now=NOW)
        db.session.commit()
        first = deliver_due(db.session, now=NOW)
        [message] = _messages()
        assert (first.sent, first.retried, first.failed) == (0, 1, 0)
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == 1
        assert "Connection refused" in message.last_error
        wait = message.next_attempt_at - NOW
        assert dt.timedelta(minutes=1) <= wait <= dt.timedelta(minutes=1.1)
        # Not due yet: the runner leaves it alone.
        assert deliver_due(db.session, now=NOW + dt.timedelta(seconds=59)).attempted == 0
        assert broken_smtp == ["a@example.cn"]
        later = message.next_attempt_at
        deliver_due(db.session, now=later)
        [message] = _messages()
        assert message.attempts == 2
        assert dt.timedelta(minutes=2) <= message.next_attempt_at - later \
            <= dt.timedelta(minutes=2.2)
    assert mail.outbox == []


def test_back_off_doubles_from_one_minute_up_to_an_hour_with_a_little_jitter():
    minutes = [backoff_delay(n, rng=lambda: 0.0) / dt.timedelta(minutes=1)
               for n in range(1, 10)]
    assert minutes == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert backoff_delay(3, rng=lambda: 1.0) == dt.timedelta(minutes=4 * 1.1)
    assert backoff_delay(500, rng=lambda: 0.5) == dt.timedelta(hours=1.05)


def test_a_message_is_marked_failed_after_the_last_attempt(app, broken_smtp, caplog):
    with app.app_context():
        enqueue_mail(db.session, to="a@example.cn", subject="S", body="B", now=NOW)
        db.session.commit()
        moment = NOW
        with caplog.at_level(logging.WARNING, logger="portal.core.outbox"):
            for _attempt in range(3):
                report = deliver_due(db.session, now=moment, max_attempts=3)
                moment += dt.timedelta(hours=2)
            assert (report.retried, report.failed) == (0, 1)
            assert deliver_due(db.session, now=moment + dt.timedelta(days=30),
                               max_attempts=3).attempted == 0
    [message] = _messages()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, 3)
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 1 and "given up after 3 attempts" in errors[0].getMessage()
    assert len(broken_smtp) == 3


def test_the_default_number_of_attempts_is_a_setting(app, broken_smtp, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    with app.app_context():
        enqueue_mail(db.session, to="a@example.cn", subject="S", body="B", now=NOW)
        db.session.commit()
        assert deliver_due(db.session, now=NOW).failed == 1
    assert _messages()[0].status == OutboxStatus.FAILED


def test_a_long_error_is_truncated(app, monkeypatch):
    def fail(to: str, subject: str, body: str) -> None:
        raise RuntimeError("x" * 5000)

    monkeypatch.setattr(mail, "send_mail", fail)
    with app.app_context():
        enqueue_mail(db.session, to="a@example.cn", subject="S", body="B", now=NOW)
        db.session.commit()
        deliver_due(db.session, now=NOW)
    assert len(_messages()[0].last_error) == outbox.ERROR_LENGTH


def test_one_failing_message_does_not_stop_the_others(app, monkeypatch):
    real_send = mail.send_mail

    def send(to: str, subject: str, body: str) -> None:
        if to == "bad@example.cn":
            raise OSError("mailbox unavailable")
        real_send(to, subject, body)

    monkeypatch.setattr(mail, "send_mail", send)
    with app.app_context():
        for to in ("first@example.cn", "bad@example.cn", "last@example.cn"):
            enqueue_mail(db.session, to=to, subject="S", body="B", now=NOW)
        db.session.commit()
        report = deliver_due(db.session, now=NOW)
    assert (report.sent, report.retried) == (2, 1)
    assert [m.to for m in mail.outbox] == ["first@example.cn", "last@example.cn"]


def test_the_runner_sends_at_most_its_limit_oldest_first(app):
    with app.app_context():
        for n in range(5):
            enqueue_mail(db.session, to=f"u{n}@example.cn", subject="S", body="B",
                         now=NOW + dt.timedelta(seconds=n))
        db.session.commit()
        assert deliver_due(db.session, now=NOW + dt.timedelta(minutes=1), limit=2).sent == 2
    assert [m.to for m in mail.outbox] == ["u0@example.cn", "u1@example.cn"]


def test_the_summary_counts_each_status_and_the_oldest_pending_age(app, broken_smtp):
    with app.app_context():
        enqueue_mail(db.session, to="old@example.cn", subject="S", body="B", now=NOW)
        enqueue_mail(db.session, to="new@example.cn", subject="S", body="B",
                     now=NOW + dt.timedelta(minutes=5))
        db.session.commit()
        deliver_due(db.session, now=NOW, max_attempts=1)  # the older one fails for good
        summary = outbox_summary(db.session, now=NOW + dt.timedelta(minutes=45))
    assert summary.counts == {OutboxStatus.PENDING: 1, OutboxStatus.SENT: 0,
                              OutboxStatus.FAILED: 1}
    assert summary.oldest_pending_age == dt.timedelta(minutes=40)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_the_run_command_sends_what_is_due_and_status_reports_the_queue(app):
    with app.app_context():
        enqueue_mail(db.session, to="cli@example.cn", subject="S", body="B",
                     now=utcnow() - dt.timedelta(minutes=1))
        db.session.commit()
    runner = app.test_cli_runner()
    before = runner.invoke(args=["outbox", "status"])
    assert before.exit_code == 0, before.output
    assert "pending: 1" in before.output and "oldest pending: 1 min" in before.output
    result = runner.invoke(args=["outbox", "run"])
    assert result.exit_code == 0, result.output
    assert "1 sent, 0 to retry, 0 failed" in result.output
    assert [m.to for m in mail.outbox] == ["cli@example.cn"]
    after = runner.invoke(args=["outbox", "status"])
    assert "pending: 0" in after.output and "sent: 1" in after.output
    assert "oldest pending: none" in after.output


def test_the_run_command_exits_1_when_a_message_is_given_up(app, broken_smtp, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    with app.app_context():
        enqueue_mail(db.session, to="cli@example.cn", subject="S", body="B", now=utcnow())
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["outbox", "run"])
    assert result.exit_code == 1
    assert "0 sent, 0 to retry, 1 failed" in result.output


def test_purge_deletes_only_messages_sent_before_the_cut_off(app, monkeypatch):
    with app.app_context():
        for to in ("old@example.cn", "recent@example.cn", "failing@example.cn"):
            enqueue_mail(db.session, to=to, subject="S", body="B", now=NOW)
        db.session.commit()
        real_send = mail.send_mail

        def send(to: str, subject: str, body: str) -> None:
            if to == "failing@example.cn":
                raise OSError("refused")
            real_send(to, subject, body)

        monkeypatch.setattr(mail, "send_mail", send)
        deliver_due(db.session, now=NOW, max_attempts=1)
        recent = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_address == "recent@example.cn")).one()
        recent.sent_at = NOW + dt.timedelta(days=20)
        db.session.commit()
        assert purge_sent(db.session, before=NOW + dt.timedelta(days=10)) == 1
        db.session.commit()
    assert sorted(m.to_address for m in _messages()) == ["failing@example.cn",
                                                         "recent@example.cn"]


def test_the_purge_command_keeps_recent_messages(app):
    with app.app_context():
        enqueue_mail(db.session, to="a@example.cn", subject="S", body="B", now=utcnow())
        db.session.commit()
        deliver_due(db.session, now=utcnow())
    result = app.test_cli_runner().invoke(args=["outbox", "purge", "--days", "1"])
    assert result.exit_code == 0, result.output
    assert "Deleted 0 message(s)" in result.output
    assert len(_messages()) == 1


def test_line_breaks_in_a_subject_do_not_make_the_message_unsendable(app):
    with app.app_context():
        enqueue_mail(db.session, to="a@example.cn", subject="退回：\r\n理由\n第二行",
                     body="B", now=NOW)
        db.session.commit()
        assert deliver_due(db.session, now=NOW).sent == 1
    assert mail.outbox[0].subject == "退回： 理由 第二行"
