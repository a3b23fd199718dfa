"""The queue's analytics work: the rollups brought up to date every five minutes."""

from __future__ import annotations

import logging

from huey import crontab

from analytics import exports, services
from lms.db import db
from lms.queue import huey, periodic_task, task

log = logging.getLogger(__name__)


@periodic_task(crontab(minute="*/5"))
def refresh_rollups() -> None:
    """``services.refresh`` in the queue's consumer, one at a time across every worker."""
    with huey.lock_task("analytics.refresh"):
        report = services.refresh()
        db.session.commit()
    if report.window is not None:
        log.info("analytics rollups refreshed up to %s in %.2f s", report.window.end.isoformat(), report.seconds)


@task()
def make_report(report_id: int) -> None:
    """Make and store a progress report an official asked for (``exports.make``)."""
    exports.make(report_id)
