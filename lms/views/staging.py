"""What the import pages share: an uploaded file kept between its preview and its confirmation."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_login import current_user

from lms.forms import StagedImportForm
from lms.services import uploads

#: Rows of a file shown before importing it.
PREVIEW_ROWS = 5


def staged_upload(form: StagedImportForm) -> bytes | None:
    """The file the signed-in user staged under the form's token; None, with a message, when it is gone."""
    if form.validate_on_submit():
        try:
            return uploads.staged(current_user.id, form.token.data or "")
        except uploads.UploadGone:
            pass
    flash(_("The uploaded file is no longer kept; upload it again."), "error")
    return None
