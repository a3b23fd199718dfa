"""The officials' dashboard (administrators see it too): the nation, or one region, from the rollups; its weekly
chart; and the progress reports an official asks for, made by the queue and kept on their reports page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from analytics import dashboards, exports, tasks, texts
from analytics.forms import ReportForm
from analytics.labels import indicator_label
from analytics.services import data_as_of
from lms import storage
from lms.db import db
from lms.models import Role
from lms.permissions import roles_required

dashboard = Blueprint("dashboard", __name__, url_prefix="/analytics", template_folder="templates")

#: A chart is an image: its own styles only, no script, nothing fetched (the pages' policy would strip its styles).
CHART_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


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
        filters: dict[str, Any] = {name: request.args[name] for name in QUERY if name in request.args}
        return redirect(url_for("dashboard.region", region_id=home, **filters))
    return _overview(_selection(None, request.args))


@dashboard.get("/regions/<int:region_id>")
def region(region_id: int) -> ResponseReturnValue:
    return _overview(_selection(region_id, request.args))


@dashboard.get("/regions/<int:region_id>/districts/<int:district_id>")
def district(region_id: int, district_id: int) -> ResponseReturnValue:
    """A district of the region by school."""
    return _overview(_selection(region_id, request.args, district_id))


#: The query names a dashboard page keeps when it links to another (a drill, a chart, a redirect).
QUERY = ("period", "course", "sort", "kind", "settlement", "instruction")


def _selection(region_id: int | None, values: Any, district_id: int | None = None) -> dashboards.Selection:
    """The region (or district), period, course and schools' filters asked for (stale filter values are no choice,
    not an error), or 404/403."""
    try:
        return dashboards.select(
            current_user,
            region_id,
            values.get("period"),
            values.get("course"),
            district_id,
            dashboards.filters_of(values),
        )
    except dashboards.NoSuchRegion:
        abort(404)
    except dashboards.OutsideScope:
        abort(403)


def _overview(selection: dashboards.Selection) -> ResponseReturnValue:
    language = texts.language()
    sort = request.args.get("sort") if request.args.get("sort") in dashboards.RANKINGS else None
    board = dashboards.board(selection, language, texts.unassigned(selection), sort)
    filters = selection.filters
    chosen = {
        "period": selection.period.key if selection.period else None,
        "course": selection.course_id,
        "kind": filters.kind,
        "settlement": filters.settlement,
        "instruction": filters.instruction,
    }
    return render_template(
        "analytics/dashboard.html",
        district=selection.district,
        filters=filters,
        filter_labels=texts.filter_labels(),
        args={name: value for name, value in chosen.items() if value},
        level=texts.level(selection),
        funnel=board.funnel if board else None,
        grades=board.grades if board else None,
        region=selection.region,
        place=texts.place(selection),
        table=board.overview if board else None,
        trend=board.trend if board else None,
        trend_labels=texts.trend_labels(),
        grade_labels=texts.grade_labels(),
        trend_alt=texts.trend_alt(board.trend) if board else "",
        periods=selection.periods,
        period=selection.period,
        period_label=texts.period_label,
        courses=selection.courses,
        course=selection.course,
        data_as_of=data_as_of(),
        language=language,
        rule=texts.rule_text(),
        report_form=ReportForm(),
        sort=sort,
        rankings=texts.ranking_labels(),
        indicators=board.indicators if board else None,
        indicator_label=indicator_label,
        target_year=board.year if board else 0,
        coverage=board.coverage if board else None,
    )


@dashboard.get("/charts/trend.svg")
def trend_chart() -> ResponseReturnValue:
    """The weekly trend of the nation or of a region (``region``), as the page beside it shows it in a table."""
    selection = _chart_selection()
    if selection.period is None:
        abort(404)
    trend = dashboards.trend_of(selection, selection.period)
    return _svg(texts.trend_svg(selection, trend))


def _chart_selection() -> dashboards.Selection:
    return _selection(request.args.get("region", type=int), request.args, request.args.get("district", type=int))


def _svg(body: bytes) -> Response:
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = CHART_POLICY
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@dashboard.get("/charts/funnel.svg")
def funnel_chart() -> ResponseReturnValue:
    """A course's learners by module reached (``course`` required), as the table beside it shows them."""
    selection = _chart_selection()
    if selection.course is None:
        abort(404)
    steps = dashboards.funnel(selection.scope, selection.course, texts.language(), selection.filters)
    return _svg(texts.funnel_svg(selection, steps))


@dashboard.get("/charts/grades.svg")
def grades_chart() -> ResponseReturnValue:
    """Certificates by grade decile, as the table beside it shows them."""
    selection = _chart_selection()
    counts = dashboards.grades(selection.scope, selection.course_id, selection.filters)
    return _svg(texts.grades_svg(selection, counts))


@dashboard.post("/reports")
def make_report() -> ResponseReturnValue:
    """Ask for the dashboard's table and weeks as a file (csv, xlsx or pdf) of the same region, period and course:
    queued, then its progress page."""
    form = ReportForm()
    if not form.validate_on_submit():
        flash(_("Choose a report to make from the dashboard."), "error")
        return redirect(url_for("dashboard.nation"))
    values = {
        "period": form.period.data,
        "course": form.course.data,
        "kind": form.school_kind.data,
        "settlement": form.settlement.data,
        "instruction": form.instruction.data,
    }
    selection = _selection(form.region.data, values, form.district.data)
    if selection.period is None or selection.period.key != form.period.data:
        flash(_("The data for this period are not kept: choose another period."), "error")
        return redirect(url_for("dashboard.nation"))
    file = exports.request_report(current_user, form.kind.data or "", selection, texts.language())
    db.session.commit()
    tasks.make_report(file.id)
    return redirect(url_for("dashboard.report_progress", report_id=file.id))


def _mine(report_id: int) -> exports.Listed:
    try:
        return exports.report_for(current_user, report_id)
    except exports.ReportNotFound:
        abort(404)


@dashboard.get("/reports")
def reports_page() -> str:
    """The reports the official asked for, newest first, with their state and downloads."""
    return render_template(
        "analytics/reports.html",
        reports=exports.reports_of(current_user),
        period_label=texts.period_key_label,
        language=texts.language(),
    )


@dashboard.get("/reports/<int:report_id>")
def report_progress(report_id: int) -> str:
    """A report's progress bar, then its download."""
    listed = _mine(report_id)
    return render_template(
        "analytics/report_progress.html",
        task=listed.task,
        report=listed.file,
        period_label=texts.period_key_label,
        back=url_for("dashboard.reports_page"),
    )


@dashboard.get("/reports/<int:report_id>/download")
def download_report(report_id: int) -> ResponseReturnValue:
    """The stored file, for its owner while they may still see its region."""
    listed = _mine(report_id)
    if not listed.ready or not listed.file.storage_key or not storage.exists(listed.file.storage_key):
        abort(404)
    if not exports.may_still_see(current_user, listed.file):
        abort(403)
    return send_file(
        storage.path_of(listed.file.storage_key),
        mimetype=exports.TYPES[listed.file.kind],
        as_attachment=True,
        download_name=listed.file.filename,
        max_age=0,
    )


@dashboard.post("/reports/<int:report_id>/delete")
def delete_report(report_id: int) -> ResponseReturnValue:
    """Delete one of the official's reports (the form's CSRF token is checked by the app's CSRF protection)."""
    listed = _mine(report_id)
    exports.delete(listed)
    db.session.commit()
    flash(_("The report is deleted."), "success")
    return redirect(url_for("dashboard.reports_page"))
