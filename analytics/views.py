"""The facts administrators enter for analytics (headcounts, targets) and the rollups' refresh record."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from analytics import headcounts, targets
from analytics.forms import TargetForm
from analytics.labels import INDICATOR_LABELS
from analytics.services import last_refreshes
from lms.csvfiles import ENCODINGS, CsvFileError, detected_encoding
from lms.db import db, utcnow
from lms.forms import CsvUploadForm, StagedImportForm, choices
from lms.models import Role
from lms.permissions import roles_required
from lms.services import org, uploads
from lms.services.imports import ImportRejected
from lms.views.staging import PREVIEW_ROWS, staged_upload

bp = Blueprint("analytics", __name__, url_prefix="/admin/analytics", template_folder="templates")
PAGE_SIZE = 50


@bp.before_request
@roles_required(Role.ADMIN)
def _admins_only() -> None:
    return None


@bp.get("/headcounts")
def headcounts_page() -> str:
    year = request.args.get("year", "")
    year = year if headcounts.is_school_year(year) else ""
    page = db.paginate(headcounts.list_headcounts(year or None), per_page=PAGE_SIZE, error_out=False)
    return render_template(
        "analytics/headcounts.html",
        page=page,
        schools=headcounts.schools_of(page.items),
        year=year,
        years=headcounts.school_years(),
        upload=CsvUploadForm(),
    )


@bp.post("/headcounts/import")
def import_headcounts() -> ResponseReturnValue:
    """An uploaded headcount file: kept, and shown as read (first lines, what importing does) to confirm."""
    form = CsvUploadForm()
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(str(error), "error")
        return redirect(url_for("analytics.headcounts_page"))
    data = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
    return _preview(uploads.stage(current_user.id, data), data, form.encoding.data or None)


@bp.post("/headcounts/import/preview")
def preview_headcounts() -> ResponseReturnValue:
    form = StagedImportForm()
    data = staged_upload(form)
    if data is None:
        return redirect(url_for("analytics.headcounts_page"))
    return _preview(form.token.data or "", data, form.encoding.data or None)


def _preview(token: str, data: bytes, encoding: str | None) -> ResponseReturnValue:
    """What importing would do, found by importing and rolling back; nothing is kept but the file."""
    try:
        used = detected_encoding(data, encoding)
        report = headcounts.import_headcounts(data, current_app.config["MAX_CSV_ROWS"], used)
    except CsvFileError as exc:
        db.session.rollback()
        uploads.discard(current_user.id, token)
        flash(str(exc.message), "error")
        return redirect(url_for("analytics.headcounts_page"))
    except ImportRejected as exc:
        db.session.rollback()
        uploads.discard(current_user.id, token)
        return render_template("analytics/headcount_errors.html", errors=exc.errors), 422
    db.session.rollback()
    return render_template(
        "analytics/headcount_preview.html",
        form=StagedImportForm(formdata=None, token=token, encoding=used),
        encoding_name=ENCODINGS.get(used, used),
        lines=report.lines[:PREVIEW_ROWS],
        total=len(report.lines),
        added=report.added,
        replaced=report.replaced,
    )


@bp.post("/headcounts/import/confirm")
def confirm_headcounts() -> ResponseReturnValue:
    form = StagedImportForm()
    data = staged_upload(form)
    if data is None:
        return redirect(url_for("analytics.headcounts_page"))
    try:
        report = headcounts.import_headcounts(data, current_app.config["MAX_CSV_ROWS"], form.encoding.data or None)
    except CsvFileError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("analytics.headcounts_page"))
    except ImportRejected as exc:
        db.session.rollback()
        return render_template("analytics/headcount_errors.html", errors=exc.errors), 422
    db.session.commit()
    uploads.discard(current_user.id, form.token.data or "")
    flash(
        _("Headcounts imported: %(added)d added, %(replaced)d replaced.", added=report.added, replaced=report.replaced),
        "success",
    )
    return redirect(url_for("analytics.headcounts_page"))


def _regions() -> list[tuple[int, str]]:
    language = str(get_locale() or "kk")
    return [(r.id, r.name(language)) for r in org.regions()]


@bp.route("/targets", methods=["GET", "POST"])
def targets_page() -> ResponseReturnValue:
    year = request.args.get("year", type=int) or 0
    if not targets.FIRST_YEAR <= year <= targets.LAST_YEAR:
        year = utcnow().year
    regions = _regions()
    form = TargetForm(year=year)
    form.region_id.choices = choices(regions)
    if form.validate_on_submit():
        try:
            targets.set_target(
                current_user,
                form.indicator.data,
                form.region_id.data,
                form.year.data or 0,
                form.value.data or 0,
            )
        except targets.InvalidTargetYear:
            form.year.errors.append(
                _("Give a whole number from %(min)s to %(max)s.", min=targets.FIRST_YEAR, max=targets.LAST_YEAR)
            )
        except targets.InvalidTargetValue:
            form.value.errors.append(_("Give a whole number from %(min)s to %(max)s.", min=0, max=targets.MAX_VALUE))
        except targets.UnknownRegion:
            form.region_id.errors.append(_("Choose a region from the list."))
        else:
            db.session.commit()
            flash(_("Target saved."), "success")
            return redirect(url_for("analytics.targets_page", year=form.year.data))
    return render_template(
        "analytics/targets.html",
        form=form,
        year=year,
        regions=regions,
        indicators=INDICATOR_LABELS,
        table=targets.targets(year),
    )


@bp.get("/refreshes")
def refreshes_page() -> str:
    return render_template("analytics/refreshes.html", refreshes=last_refreshes())
