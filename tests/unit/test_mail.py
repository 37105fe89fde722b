"""Mail that must not change how long a page takes leaves after the response."""

from __future__ import annotations

import logging

from flask import Response

from portal.core import mail


def test_a_deferred_message_leaves_only_when_the_response_is_closed(app, caplog):
    app.config["MAIL_BACKEND"] = "console"
    try:
        with app.test_request_context("/password-reset"):
            response = Response("page")
            mail.send_mail_after_response(response, "a@example.cn", "Subject", "Body")
        with caplog.at_level(logging.INFO, logger="portal.core.mail"):
            assert "mail to a@example.cn" not in caplog.text
            response.close()
            assert "mail to a@example.cn: Subject" in caplog.text
    finally:
        app.config["MAIL_BACKEND"] = "memory"


def test_the_memory_backend_keeps_the_message_at_once(app):
    with app.test_request_context("/"):
        mail.send_mail_after_response(Response("page"), "b@example.cn", "S", "B")
    assert [message.to for message in mail.outbox] == ["b@example.cn"]
