"""Analytics pages: the facts administrators enter (headcounts, targets), the rollups' refresh record, and the
officials' dashboard."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from analytics import charts, dashboards, headcounts, reports, targets
from analytics.forms import TargetForm
from analytics.labels import INDICATOR_LABELS
from analytics.services import data_as_of, last_refreshes
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


#: The officials' dashboard (admins see it too): the nation, or one region, from the rollups.
dashboard = Blueprint("dashboard", __name__, url_prefix="/analytics", template_folder="templates")


@dashboard.before_request
@roles_required(Role.OFFICIAL, Role.ADMIN)
def _officials_only() -> None:
    return None


@dashboard.get("/")
def nation() -> ResponseReturnValue:
    try:
        home = dashboards.home_region(current_user)
    except dashboards.OutsideScope:
        abort(403)
    if home is not None:
        # A regional official's dashboard is their region's.
        filters: dict[str, Any] = {name: request.args[name] for name in ("month", "course") if name in request.args}
        return redirect(url_for("dashboard.region", region_id=home, **filters))
    return _overview(_selection(None))


@dashboard.get("/regions/<int:region_id>")
def region(region_id: int) -> ResponseReturnValue:
    return _overview(_selection(region_id))


#: A chart is an image: its own styles only, no script, nothing fetched (the pages' policy would strip its styles).
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


def _selection(region_id: int | None) -> dashboards.Selection:
    """The region, month and course asked for (stale filter values are no choice, not an error), or 404/403."""
    try:
        return dashboards.select(current_user, region_id, request.args.get("month"), request.args.get("course"))
    except dashboards.NoSuchRegion:
        abort(404)
    except dashboards.OutsideScope:
        abort(403)


def _place(selection: dashboards.Selection, language: str) -> str:
    return selection.region.name(language) if selection.region else _("The whole country")


def _overview(selection: dashboards.Selection) -> ResponseReturnValue:
    language = str(get_locale() or "kk")
    month = selection.month
    unassigned = _("Learners with no school") if selection.region is None else _("Schools with no district")
    table = dashboards.overview(selection.scope, month, selection.course_id, language, unassigned) if month else None
    trend = dashboards.trend(selection.scope.region_id, selection.course_id, month) if month else None
    course = selection.course
    return render_template(
        "analytics/dashboard.html",
        funnel=dashboards.funnel(selection.scope, course, language) if course and month else None,
        grades=dashboards.grades(selection.scope, selection.course_id) if month else None,
        region=selection.region,
        table=table,
        trend=trend,
        trend_labels=trend_labels(),
        months=selection.months,
        month=month,
        courses=selection.courses,
        course=selection.course,
        data_as_of=data_as_of(),
        language=language,
        rule=rule_text(),
    )


def trend_labels() -> dict[str, str]:
    return {
        "learners_active": _("Learners active"),
        "enrolments": _("Enrolments"),
        "completions": _("Completions"),
    }


def _trend_svg(selection: dashboards.Selection, trend: dashboards.Trend) -> bytes:
    """The weekly chart of a selection, as the page and the PDF report show it."""
    labels = trend_labels()
    return charts.line(
        _("Week by week: %(place)s", place=_place(selection, str(get_locale() or "kk"))),
        [format_date(week, "d MMM") for week in trend.weeks],
        {labels[name]: values for name, values in trend.series.items()},
    )


@dashboard.get("/charts/trend.svg")
def trend_chart() -> ResponseReturnValue:
    """The weekly trend of the nation or of a region (``region``), as the page beside it shows it in a table."""
    selection = _selection(request.args.get("region", type=int))
    if selection.month is None:
        abort(404)
    trend = dashboards.trend(selection.scope.region_id, selection.course_id, selection.month)
    response = Response(_trend_svg(selection, trend), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_POLICY
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


#: Report formats a download may ask for, and their media types.
REPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _report(selection: dashboards.Selection) -> reports.Report:
    """The dashboard's numbers for ``selection``, with what a report states, in the reader's language."""
    language = str(get_locale() or "kk")
    month = selection.month
    if month is None:
        abort(404)
    place = _place(selection, language)
    unassigned = _("Learners with no school") if selection.region is None else _("Schools with no district")
    as_of = data_as_of()
    return reports.Report(
        title=_("Programme dashboard") + ": " + place,
        about=[
            (_("Scope"), place),
            (_("Month"), format_date(month, "LLLL y")),
            (_("Course"), selection.course.title_in(language) if selection.course else _("All courses")),
            (_("Data as of"), format_datetime(as_of, "short") if as_of else "—"),
        ],
        rule=(_("Rule"), rule_text()),
        level=_("District") if selection.region else _("Region"),
        total=_("Total"),
        headers={
            "enrolments": _("Enrolments"),
            "completions": _("Completions"),
            "certificates_issued": _("Certificates issued"),
            "at_risk": _("At risk now"),
            "teachers": _("Teachers"),
            "teachers_trained": _("Teachers trained"),
            # The pages' texts, whose "%%" a template formats; here ``% {}`` does.
            "completion_rate": _("Completed, %% of enrolments") % {},
            "trained_rate": _("Trained, %% of teachers") % {},
            **trend_labels(),
        },
        week=_("Week of"),
        overview=dashboards.overview(selection.scope, month, selection.course_id, language, unassigned),
        trend=dashboards.trend(selection.scope.region_id, selection.course_id, month),
        sheet_names=(_("District") if selection.region else _("Region"), _("Week by week"), _("About")),
    )


def rule_text() -> str:
    """The disclosure rule in the reader's language, as every page and file states it."""
    return (
        _(
            "So that no child can be singled out, people are counted in small groups (a district's course in a month "
            "or a week), each rounded down to a multiple of 5, a group of fewer than 5 counting as none; every number "
            "is the sum of its rounded groups, “<5” when all are under 5, so it may be a little less than the true "
            "count. Rates are computed from the rounded counts, only where the denominator is at least 5, and shown "
            "as “<5%%” or “>95%%” at the ends."
        )
        % {}
    )


@dashboard.get("/report.<string:kind>")
def report(kind: str) -> ResponseReturnValue:
    """The dashboard's table and weeks as a file (``kind`` csv, xlsx or pdf) for the same region, month and course."""
    if kind not in REPORT_TYPES:
        abort(404)
    selection = _selection(request.args.get("region", type=int))
    built = _report(selection)
    if kind == "pdf":
        labels = ", ".join(trend_labels()[name] for name in built.trend.series)
        alt = _("A line chart of the table below: %(series)s per week.", series=labels)
        body = reports.pdf_bytes(built, _trend_svg(selection, built.trend), alt, str(get_locale() or "kk"))
    else:
        body = reports.csv_bytes(built) if kind == "csv" else reports.xlsx_bytes(built)
    place = selection.region.code if selection.region else "KZ"
    month = selection.month.strftime("%Y-%m") if selection.month else ""
    response = Response(body, mimetype=REPORT_TYPES[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="progress-{place}-{month}.{kind}"'
    return response
