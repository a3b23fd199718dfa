"""Outgoing e-mail. Without ``LMS_MAIL_SERVER`` (development) mail is written to the log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

from blinker import Namespace
from flask import current_app

log = logging.getLogger(__name__)
signals = Namespace()
#: Sent with the message after it leaves (tests listen to it).
mail_sent = signals.signal("mail-sent")


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL on ``EXTERNAL_URL``, buildable outside a request (in workers)."""
    parts = urlsplit(current_app.config["EXTERNAL_URL"])
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def send_mail(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if not config["MAIL_SERVER"]:
        log.info("Mail (not sent: LMS_MAIL_SERVER is not set)\nTo: %s\nSubject: %s\n\n%s", to, subject, body)
    else:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    mail_sent.send(message=message)
    return message
