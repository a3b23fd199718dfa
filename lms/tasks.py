"""Background tasks of the app core: e-mails with sign-in links."""

from __future__ import annotations

import logging

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from huey import crontab

from lms.db import db
from lms.mail import external_url, send_mail
from lms.models import User
from lms.queue import periodic_task, task
from lms.services import accounts, progress, uploads

log = logging.getLogger(__name__)


@periodic_task(crontab(minute="47"))
def sweep_staged_uploads() -> None:
    """Uploaded import files whose preview was never confirmed are forgotten (hourly, in the consumer)."""
    removed = uploads.discard_expired()
    if removed:
        log.info("removed %d staged uploads never confirmed", removed)


RESET_SUBJECT = _l("Reset your password")
INVITATION_SUBJECT = _l("Your account on the AI Skills platform")


def _mail_password_link(user: User, template: str, subject: object) -> None:
    link = external_url("auth.reset_password", token=accounts.make_password_token(user))
    config = current_app.config
    with force_locale(user.preferred_language):
        body = render_template(
            template,
            user=user,
            link=link,
            valid_days=config["INVITATION_TTL"].days,
            valid_hours=int(config["PASSWORD_RESET_TTL"].total_seconds() // 3600),
        )
        send_mail(user.email, str(subject), body)


@task(retries=3, retry_delay=60)
def send_password_reset(user_id: int) -> None:
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return
    _mail_password_link(user, "mail/password_reset.txt", RESET_SUBJECT)


@task(retries=2, retry_delay=60)
def send_invitations(user_ids: list[int], progress_id: str) -> None:
    """Mail each new account a link to set its password, recording progress as it goes."""
    total = len(user_ids)
    progress.advance(progress_id, 0, total)
    db.session.commit()
    sent = 0
    for index, user_id in enumerate(user_ids, start=1):
        user = db.session.get(User, user_id)
        if user is not None and user.active and not user.has_password:
            try:
                _mail_password_link(user, "mail/invitation.txt", INVITATION_SUBJECT)
                sent += 1
            except OSError:
                log.exception("invitation to user %s was not sent", user_id)
        if index % 20 == 0 or index == total:
            progress.advance(progress_id, index)
            db.session.commit()
    progress.finish(progress_id, result={"sent": sent, "total": total})
    db.session.commit()
