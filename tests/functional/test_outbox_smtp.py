"""The outbox against a real SMTP server (aiosmtpd) listening on a free local port."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from portal.core.outbox import OutboxMessage, OutboxStatus, deliver_due, enqueue_mail
from portal.extensions import db

NOW = dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC)

#: One worker runs every test with a local SMTP server: a free port found by one test
#: must not be taken by another running at the same time.
pytestmark = pytest.mark.xdist_group("smtp")


class Collector:
    """An SMTP handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[tuple[str, list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_port(app, monkeypatch) -> int:
    """Point the portal at SMTP on a free local port (nothing listens there yet)."""
    port = _free_port()
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "")
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_SENDER", "南沙合规平台 <no-reply@portal.test>")
    return port


def _start_server(port: int) -> tuple[Controller, Collector]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, collector


@pytest.fixture
def smtp_server(smtp_port) -> Iterator[Collector]:
    controller, collector = _start_server(smtp_port)
    yield collector
    controller.stop()


def _message() -> OutboxMessage:
    return db.session.scalars(select(OutboxMessage)).one()


def test_a_message_reaches_the_smtp_server_with_its_recipient_subject_and_body(
        app, smtp_server):
    with app.app_context():
        enqueue_mail(db.session, to="owner@example.cn", subject="案件已退回：NS-2026-001",
                     body="您的整改案件已被退回。\n\n请登录平台查看。", now=NOW)
        db.session.commit()
        report = deliver_due(db.session, now=NOW)
    assert report.sent == 1
    [(sender, recipients, message)] = smtp_server.envelopes
    assert sender == "no-reply@portal.test"
    assert recipients == ["owner@example.cn"]
    assert message["To"] == "owner@example.cn"
    assert message["Subject"] == "案件已退回：NS-2026-001"
    body = message.get_content().replace("\r\n", "\n").strip()
    assert body == "您的整改案件已被退回。\n\n请登录平台查看。"
    assert _message().status == OutboxStatus.SENT


def test_a_message_waits_while_the_server_is_down_and_leaves_once_it_is_up(app, smtp_port):
    with app.app_context():
        enqueue_mail(db.session, to="owner@example.cn", subject="Retry", body="Body", now=NOW)
        db.session.commit()
        down = deliver_due(db.session, now=NOW)
        message = _message()
        assert (down.sent, down.retried) == (0, 1)
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == 1
        assert message.next_attempt_at > NOW
        assert message.last_error
        message_id = message.id
        controller, collector = _start_server(smtp_port)
        try:
            # The server is back, but the message is not due yet.
            assert deliver_due(db.session, now=NOW + dt.timedelta(seconds=30)).attempted == 0
            assert collector.envelopes == []
            up = deliver_due(db.session, now=NOW + dt.timedelta(minutes=2))
        finally:
            controller.stop()
    assert up.sent == 1
    assert [recipients for _sender, recipients, _m in collector.envelopes] == [
        ["owner@example.cn"]]
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)
    assert message.sent_at == NOW + dt.timedelta(minutes=2)


def test_a_subject_typed_with_line_breaks_still_reaches_the_server(app, smtp_server):
    with app.app_context():
        enqueue_mail(db.session, to="owner@example.cn", subject="退回理由：\n请补充材料",
                     body="Body", now=NOW)
        db.session.commit()
        assert deliver_due(db.session, now=NOW).sent == 1
    [(_sender, _recipients, message)] = smtp_server.envelopes
    assert message["Subject"] == "退回理由： 请补充材料"
