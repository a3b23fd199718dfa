"""What the import pages share: an uploaded file kept between its preview and its confirmation.

Every import page takes the same steps around an all-or-nothing import service: the file is uploaded
and kept (``uploads``), imported and rolled back to show what importing would do, read again in another
encoding if names come out garbled, then imported for good once confirmed. ``StagedImport`` takes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from flask import current_app, flash, redirect, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lms.csvfiles import ENCODINGS, CsvFileError, detected_encoding
from lms.db import db
from lms.forms import CsvUploadForm, StagedImportForm
from lms.services import uploads
from lms.services.imports import ImportRejected

#: Rows of a file shown before importing it.
PREVIEW_ROWS = 5

R = TypeVar("R")


def staged_upload(form: StagedImportForm) -> bytes | None:
    """The file the signed-in user staged under the form's token; None, with a message, when it is gone."""
    if form.validate_on_submit():
        try:
            return uploads.staged(current_user.id, form.token.data or "")
        except uploads.UploadGone:
            pass
    flash(_("The uploaded file is no longer kept; upload it again."), "error")
    return None


@dataclass(frozen=True)
class StagedImport(Generic[R]):
    """One import page: upload → preview → confirm, around ``run(data, max_rows, encoding)``.

    ``run`` imports and flushes, raising ``CsvFileError`` or ``ImportRejected``; the preview rolls it back.
    """

    run: Callable[[bytes, int, str | None], R]
    #: Where the upload form is: a missing or unreadable file sends the person back there with a message.
    back: str
    preview_template: str
    #: Shown with every bad line (``errors``) when the file is rejected; nothing is imported.
    errors_template: str
    #: What the preview page shows of a report (read before the rollback expires it).
    shown: Callable[[R], Mapping[str, Any]]
    #: The upload form's prefix, for a page with more than one upload form.
    prefix: str = ""
    #: More for both templates (the class imported into, say).
    context: Mapping[str, Any] = field(default_factory=dict)

    def upload(self) -> ResponseReturnValue:
        """A file just uploaded: kept for its uploader, and previewed."""
        form = CsvUploadForm(prefix=self.prefix)
        if not form.validate_on_submit():
            for error in form.file.errors:
                flash(str(error), "error")
            return redirect(self.back)
        data = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
        return self._preview(uploads.stage(current_user.id, data), data, form.encoding.data or None)

    def preview(self) -> ResponseReturnValue:
        """The kept file previewed again, in the encoding chosen."""
        form = StagedImportForm()
        data = staged_upload(form)
        if data is None:
            return redirect(self.back)
        return self._preview(form.token.data or "", data, form.encoding.data or None)

    def confirm(self, done: Callable[[R], ResponseReturnValue]) -> ResponseReturnValue:
        """The kept file imported; ``done(report)`` commits and answers, then the file is forgotten."""
        form = StagedImportForm()
        data = staged_upload(form)
        if data is None:
            return redirect(self.back)
        try:
            report = self.run(data, current_app.config["MAX_CSV_ROWS"], form.encoding.data or None)
        except (CsvFileError, ImportRejected) as exc:
            return self._refused(exc)
        response = done(report)
        uploads.discard(current_user.id, form.token.data or "")
        return response

    def _preview(self, token: str, data: bytes, encoding: str | None) -> ResponseReturnValue:
        """What importing would do, found by importing and rolling back; nothing is kept but the file."""
        try:
            used = detected_encoding(data, encoding)
            report = self.run(data, current_app.config["MAX_CSV_ROWS"], used)
        except (CsvFileError, ImportRejected) as exc:
            uploads.discard(current_user.id, token)
            return self._refused(exc)
        shown = self.shown(report)
        db.session.rollback()
        return render_template(
            self.preview_template,
            form=StagedImportForm(formdata=None, token=token, encoding=used),
            encoding_name=ENCODINGS.get(used, used),
            back_url=self.back,
            **self.context,
            **shown,
        )

    def _refused(self, exc: CsvFileError | ImportRejected) -> ResponseReturnValue:
        db.session.rollback()
        if isinstance(exc, CsvFileError):
            flash(str(exc.message), "error")
            return redirect(self.back)
        return render_template(self.errors_template, errors=exc.errors, back_url=self.back, **self.context), 422
