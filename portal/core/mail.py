"""Outgoing email: logged in development, SMTP in production, kept in memory in tests."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Response, current_app

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One email as sent."""

    to: str
    subject: str
    body: str


#: Messages sent with the ``memory`` backend (tests read them here).
outbox: list[Message] = []


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text email through the configured backend."""
    config = current_app.config
    message = Message(to=to, subject=subject, body=body)
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        outbox.append(message)
        return
    if backend == "console":
        logger.info("mail to %s: %s\n%s", to, subject, body)
        return
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = to
    email["Subject"] = subject
    email.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)
    logger.info("mail sent to %s: %s", to, subject)


def send_mail_after_response(response: Response, to: str, subject: str, body: str) -> Response:
    """Send the email once ``response`` has gone to the browser; return ``response``.

    Pages that must answer alike whether or not an account exists (password reset,
    registration, sign-in) would otherwise take longer exactly when a message is
    sent. The ``memory`` backend (tests) keeps the message at once.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["MAIL_BACKEND"] == "memory":
        send_mail(to, subject, body)
        return response

    def send() -> None:
        with app.app_context():
            try:
                send_mail(to, subject, body)
            except OSError:
                logger.exception("mail to %s could not be sent: %s", to, subject)

    response.call_on_close(send)
    return response
