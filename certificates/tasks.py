"""Background tasks of certificates: ZIP files of a school's or a class's certificate PDFs."""

from __future__ import annotations

import logging
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from certificates import archives, register
from lms.db import db
from lms.queue import task
from lms.services import progress

log = logging.getLogger(__name__)

ZIP_TASK_KIND = "certificates_zip"


def zip_key(progress_id: str) -> str:
    return f"exports/certificates/{progress_id}.zip"


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
