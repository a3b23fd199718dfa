"""Analytics pages of administrators: the facts they enter (headcounts, targets) and the rollups' refresh record.
The officials' dashboard is ``analytics.dashboard_views``."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from analytics import headcounts, targets
from analytics.forms import TargetForm
from analytics.labels import INDICATOR_LABELS
from analytics.services import last_refreshes
from lms.db import db, utcnow
from lms.forms import CsvUploadForm, choices
from lms.models import Role
from lms.permissions import roles_required
from lms.services import org
from lms.views.staging import PREVIEW_ROWS, StagedImport

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


def _headcount_import() -> StagedImport[headcounts.HeadcountImportReport]:
    return StagedImport(
        headcounts.import_headcounts,
        back=url_for("analytics.headcounts_page"),
        preview_template="analytics/headcount_preview.html",
        errors_template="analytics/headcount_errors.html",
        shown=lambda report: {
            "lines": report.lines[:PREVIEW_ROWS],
            "total": len(report.lines),
            "added": report.added,
            "replaced": report.replaced,
        },
    )


@bp.post("/headcounts/import")
def import_headcounts() -> ResponseReturnValue:
    """An uploaded headcount file: kept, and shown as read (first lines, what importing does) to confirm."""
    return _headcount_import().upload()


@bp.post("/headcounts/import/preview")
def preview_headcounts() -> ResponseReturnValue:
    return _headcount_import().preview()


@bp.post("/headcounts/import/confirm")
def confirm_headcounts() -> ResponseReturnValue:
    return _headcount_import().confirm(_headcounts_imported)


def _headcounts_imported(report: headcounts.HeadcountImportReport) -> ResponseReturnValue:
    db.session.commit()
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
