"""Progress reports as files: asked for on the dashboard, made by a queue task with a progress record, stored and
kept for the official who asked (listed on their reports page until they delete them).

A report holds the dashboard's numbers for a region (or the nation), a period and a course, in its owner's language
at the time of asking, shaped by ``analytics.reports``. The task checks the owner's scope again when it runs and
the download checks it again, so a report never outlives its owner's right to see it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from analytics import dashboards, reports, texts
from analytics.labels import indicator_label
from analytics.models import ReportFile
from analytics.queries import Filters
from analytics.services import data_as_of
from lms import storage
from lms.db import db
from lms.models import TaskProgress, TaskStatus, User
from lms.services import org, progress

log = logging.getLogger(__name__)

#: Report formats and their media types.
TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
TASK_KIND = "analytics_report"
FOLDER = "exports/analytics"
#: The reports listed on an owner's page, newest first.
LISTED = 100
#: The steps of making a report, for its progress bar: counting, shaping the file, storing it.
STEPS = 3


class UnknownKind(ValueError):
    """No report format has this name."""


class ReportNotFound(LookupError):
    """No report of this owner has this id."""


@dataclass(frozen=True)
class Listed:
    """A report as its owner's list shows it."""

    file: ReportFile
    task: TaskProgress

    @property
    def ready(self) -> bool:
        return self.task.status is TaskStatus.DONE and self.file.storage_key is not None


def report_of(selection: dashboards.Selection, charts: bool = False) -> reports.Report:
    """The dashboard's sections for ``selection`` with what a report states, in the current locale's language
    (with the page's charts when ``charts``: for a PDF)."""
    chosen = selection.period
    language = texts.language()
    place = texts.place(selection)
    board = dashboards.board(selection, language, texts.unassigned(selection))
    if chosen is None or board is None:
        raise ValueError("a report is of a period the rollups hold")
    as_of = data_as_of()
    course = selection.course.title_in(language) if selection.course else None
    labels = _labels(selection, board, place, chosen, course)
    sections = [
        reports.indicators_section(board, labels),
        reports.coverage_section(board, labels),
        reports.overview_section(board, labels),
        reports.trend_section(
            board,
            labels,
            texts.trend_svg(selection, board.trend) if charts else None,
            texts.trend_alt(board.trend),
        ),
    ]
    funnel = reports.funnel_section(
        board,
        labels,
        texts.funnel_svg(selection, board.funnel) if charts and board.funnel is not None else None,
        texts.funnel_alt(),
    )
    if funnel is not None:
        sections.append(funnel)
    sections.append(
        reports.grades_section(
            board, labels, texts.grades_svg(selection, board.grades) if charts else None, texts.grades_alt()
        )
    )
    return reports.Report(
        title=_("Programme dashboard") + ": " + place,
        about=[
            (_("Scope"), place),
            (_("Period"), texts.period_label(chosen)),
            (_("Course"), course or _("All courses")),
            (_("Data as of"), format_datetime(as_of, "short") if as_of else "—"),
        ],
        rule=(_("Rule"), texts.rule_text()),
        sections=sections,
        about_name=_("About"),
    )


def _labels(
    selection: dashboards.Selection,
    board: dashboards.Board,
    place: str,
    chosen: dashboards.PeriodChoice,
    course: str | None,
) -> reports.Labels:
    """The texts of a report's sections: the dashboard page's own, in the current locale's language."""
    level = texts.level(selection)
    by_course = f" · {course}" if course else ""
    return reports.Labels(
        level=level,
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
            **texts.trend_labels(),
        },
        titles={
            "indicators": _("Programme indicators, %(year)s", year=board.year),
            "coverage": _("Coverage against the headcounts of the school year"),
            "overview": _(
                "%(place)s by %(level)s, %(month)s",
                place=place,
                level=level.lower(),
                month=texts.period_label(chosen),
            )
            + by_course,
            "trend": _("Week by week: %(place)s", place=place) + by_course,
            "funnel": texts.funnel_title(selection),
            "grades": texts.grades_title(selection) + by_course,
        },
        sheets={
            "indicators": _("Indicators"),
            "coverage": _("Coverage"),
            "overview": level,
            "trend": _("Week by week"),
            "funnel": _("Modules"),
            "grades": _("Grades"),
        },
        week=_("Week of"),
        indicator=(_("Indicator"), _("So far"), _("Target"), _("Of the target")),
        not_counted=_("not counted yet"),
        indicator_names={item.indicator: indicator_label(item.indicator) for item in board.indicators},
        coverage=(_("Who"), _("On the platform"), _("Headcount"), _("Coverage")),
        coverage_rows=(_("Students enrolled in a course"), _("Teachers trained")),
        module=(_("Module"), _("Learners")),
        grade=(_("Grade"), _("Certificates")),
        grade_names=texts.grade_labels(),
    )


def file_bytes(kind: str, built: reports.Report) -> bytes:
    """``built`` as a file of ``kind``."""
    if kind == "pdf":
        return reports.pdf_bytes(built, texts.language())
    if kind == "csv":
        return reports.csv_bytes(built)
    if kind == "xlsx":
        return reports.xlsx_bytes(built)
    raise UnknownKind(kind)


def request_report(owner: User, kind: str, selection: dashboards.Selection, language: str) -> ReportFile:
    """Record that ``owner`` asked for a report of ``selection`` (already checked to be in their scope), with its
    progress record (flushed; the caller commits and then queues ``analytics.tasks.make_report``)."""
    if kind not in TYPES:
        raise UnknownKind(kind)
    if selection.period is None:
        raise ValueError("a report is of a period the rollups hold")
    with force_locale(language):
        title = _("Programme dashboard") + ": " + texts.place(selection)
    task = progress.create_progress(TASK_KIND, owner, total=STEPS)
    place = selection.region.code if selection.region else "KZ"
    if selection.district:
        place += f"-district{selection.district.id}"
    chosen = [value for value in vars(selection.filters).values() if value]
    place += "".join(f"-{value}" for value in chosen)
    course = f"-course{selection.course.id}" if selection.course else ""
    file = ReportFile(
        owner_id=owner.id,
        progress_id=task.id,
        kind=kind,
        region_id=selection.region.id if selection.region else None,
        period=selection.period.key,
        course_id=selection.course_id,
        district_id=selection.district.id if selection.district else None,
        school_kind=selection.filters.kind,
        settlement=selection.filters.settlement,
        instruction_language=selection.filters.instruction,
        language=language,
        filename=f"progress-{place}-{selection.period.key}{course}.{kind}",
        title=title[:300],
    )
    db.session.add(file)
    db.session.flush()
    return file


def make(report_id: int) -> None:
    """Make a requested report and store it, recording progress (the queue task's body; commits as it goes)."""
    file = db.session.get(ReportFile, report_id)
    if file is None:  # deleted before the queue came to it
        return
    owner = db.session.get(User, file.owner_id)
    with force_locale(file.language):
        try:
            progress.advance(file.progress_id, 0, STEPS, _("Counting"))
            db.session.commit()
            selection = _selection_of(file, owner)
            built = report_of(selection, charts=file.kind == "pdf")
            progress.advance(file.progress_id, 1, STEPS, _("Making the file"))
            db.session.commit()
            data = file_bytes(file.kind, built)
            progress.advance(file.progress_id, 2, STEPS, _("Storing the file"))
            key = f"{FOLDER}/{file.id}-{file.progress_id}.{file.kind}"
            storage.write(key, data)
            file.storage_key, file.size, file.data_as_of = key, len(data), data_as_of()
            progress.finish(file.progress_id, {"report_id": file.id}, _("The report is ready."))
            db.session.commit()
        except dashboards.OutsideScope:
            db.session.rollback()
            progress.fail(file.progress_id, _("This report is no longer within what you may see."))
            db.session.commit()
        except LookupError:
            db.session.rollback()
            progress.fail(file.progress_id, _("The period or course of this report is no longer kept."))
            db.session.commit()
        except Exception:
            log.exception("analytics report %s failed", report_id)
            db.session.rollback()
            progress.fail(file.progress_id, _("The report could not be made; try again or ask the platform's team."))
            db.session.commit()


def _selection_of(file: ReportFile, owner: User | None) -> dashboards.Selection:
    """The report's selection as its owner may see it now. Raises OutsideScope, or LookupError when its period or
    course is no longer among the choices."""
    if owner is None:
        raise dashboards.OutsideScope
    course = str(file.course_id) if file.course_id is not None else None
    filters = Filters(file.school_kind, file.settlement, file.instruction_language)
    try:
        selection = dashboards.select(owner, file.region_id, file.period, course, file.district_id, filters)
    except dashboards.NoSuchRegion as exc:
        raise LookupError(file.region_id) from exc
    if selection.period is None or selection.period.key != file.period or selection.course_id != file.course_id:
        raise LookupError(file.id)
    return selection


def reports_of(owner: User) -> list[Listed]:
    """The owner's reports, newest first, with their progress (one query)."""
    found = db.session.execute(
        sa.select(ReportFile, TaskProgress)
        .join(TaskProgress, TaskProgress.id == ReportFile.progress_id)
        .where(ReportFile.owner_id == owner.id)
        .options(selectinload(ReportFile.course))
        .order_by(ReportFile.created_at.desc(), ReportFile.id.desc())
        .limit(LISTED)
    )
    return [Listed(file, task) for file, task in found]


def report_for(owner: User, report_id: int) -> Listed:
    """One of the owner's reports (another's is not found). Raises ReportNotFound."""
    file = db.session.get(ReportFile, report_id)
    if file is None or file.owner_id != owner.id:
        raise ReportNotFound(report_id)
    task = db.session.get(TaskProgress, file.progress_id)
    if task is None:  # the progress record goes with its report: never here
        raise ReportNotFound(report_id)
    return Listed(file, task)


def may_still_see(owner: User, file: ReportFile) -> bool:
    """Whether the owner may still see the report's region (scopes change: an official moves region)."""
    if file.region_id is None:
        return org.region_ids_in_scope(owner) is None
    return org.can_view_region(owner, file.region_id)


def delete(listed: Listed) -> None:
    """Remove a report: its stored file, its record and its progress record (flushed)."""
    if listed.file.storage_key:
        storage.delete(listed.file.storage_key)
    db.session.delete(listed.file)
    db.session.flush()  # before its progress record, whose deletion would cascade to it
    db.session.delete(listed.task)
    db.session.flush()
