"""Background tasks of certificates: ZIP files of a school's or a class's certificate PDFs."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from huey import crontab

from certificates import archives, register
from lms import storage
from lms.db import db
from lms.queue import periodic_task, task
from lms.services import progress

log = logging.getLogger(__name__)

ZIP_TASK_KIND = "certificates_zip"


ZIP_FOLDER = "exports/certificates"


def zip_key(progress_id: str) -> str:
    return f"{ZIP_FOLDER}/{progress_id}.zip"


def remove_old_zips(now: float | None = None) -> int:
    """Delete the ZIP files made more than ``CERTIFICATE_ZIP_KEEP_HOURS`` ago; return how many.

    A school's ZIP holds thousands of PDFs: kept for ever, they would fill the disk. Parts left
    by a worker that died while writing one (``.part-*``) go too. A removed file's download
    page says it is gone and offers to make it again.
    """
    folder = storage.path_of(ZIP_FOLDER)
    if not folder.is_dir():
        return 0
    cutoff = (time.time() if now is None else now) - float(current_app.config["CERTIFICATE_ZIP_KEEP_HOURS"]) * 3600
    removed = 0
    for path in [*folder.glob("*.zip"), *folder.glob(".part-*")]:
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another sweeper was first
            continue
    if removed:
        log.info(
            "removed %d certificate ZIP files older than %s hours",
            removed,
            current_app.config["CERTIFICATE_ZIP_KEEP_HOURS"],
        )
    return removed


@periodic_task(crontab(minute="17"))
def sweep_old_zips() -> None:
    """``remove_old_zips`` every hour, in the queue's consumer."""
    remove_old_zips()


@task()
def build_certificates_zip(progress_id: str, filters: dict[str, Any], language: str, download_name: str) -> None:
    """Write the ZIP of the filtered certificates into storage, recording progress as it goes.

    The progress record's result names the stored file (``key``), the name to download it
    as, and the counts; a failure marks the record failed, stores nothing, and is logged.
    """
    key = zip_key(progress_id)

    def report(done: int, total: int) -> None:
        # Called between chunks of archives.CHUNK PDFs: committing (which expires loaded rows) is cheap here.
        progress.advance(progress_id, done, total)
        db.session.commit()

    with force_locale(language):
        try:
            summary = archives.write_certificates_zip(key, register.RegisterFilter.from_dict(filters), report)
        except Exception:
            log.exception("the certificates ZIP of task %s failed", progress_id)
            db.session.rollback()
            progress.fail(progress_id, _("The ZIP file could not be made; try again or ask the platform's team."))
            db.session.commit()
            return
        result = {"key": key, "filename": download_name, "certificates": summary.pdfs, "rows": summary.rows}
        message = ngettext(
            "%(num)d certificate in the ZIP file.", "%(num)d certificates in the ZIP file.", summary.pdfs
        )
        progress.finish(progress_id, result=result, message=message)
        db.session.commit()
