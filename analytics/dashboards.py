"""What the officials' dashboard shows: the rollups' answers for a scope and filters, every count of people passed
through ``analytics.disclosure`` before it leaves this module.

The pages, the reports and the API all take their numbers from here, so what one shows the others show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from analytics import disclosure, queries
from analytics.disclosure import Rate, Shown
from analytics.models import UNASSIGNED, DistrictMonth
from analytics.queries import Period, Scope
from courses.models import Course
from lms.db import db
from lms.models import District, Region, User
from lms.services import org

#: The overview's columns of counts, in order (each a count of people or of their acts).
COUNTS = ("enrolments", "completions", "certificates_issued", "at_risk", "teachers", "teachers_trained")
#: The weekly trend's series: learners active in the week (any course: a course filter leaves them out), enrolments
#: and completions.
TREND = ("learners_active", "enrolments", "completions")
#: Weeks the trend shows, ending with the week the chosen month ends in.
TREND_WEEKS = 12
#: Its rates: (name, numerator, denominator).
RATES = (("completion_rate", "completions", "enrolments"), ("trained_rate", "teachers_trained", "teachers"))


@dataclass(frozen=True)
class Row:
    """A region, district or the unassigned bucket (``key`` 0) with its shown counts and rates."""

    key: int
    name: str
    counts: dict[str, Shown]
    rates: dict[str, Rate]


@dataclass
class Overview:
    scope: Scope
    month: date
    course_id: int | None
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None


class NoSuchRegion(Exception):
    """The region asked for does not exist."""


class OutsideScope(Exception):
    """The region asked for is not the caller's to see."""


@dataclass(frozen=True)
class Selection:
    """What a dashboard page, chart or API answer shows: a region (None: the nation), a month and a course (None:
    all), chosen from the fixed choices (the months the rollups hold, the courses)."""

    region: Region | None
    month: date | None
    course: Course | None
    months: list[date]
    courses: list[Course]

    @property
    def scope(self) -> Scope:
        return Scope(region_id=self.region.id if self.region else None)

    @property
    def course_id(self) -> int | None:
        return self.course.id if self.course else None


def home_region(user: User) -> int | None:
    """The region a regional official's dashboard is (None: the nation's). Raises OutsideScope for a user who may
    see no region."""
    allowed = org.region_ids_in_scope(user)
    if allowed is None:
        return None
    if not allowed:
        raise OutsideScope
    return allowed[0]


def select(user: User, region_id: int | None, month: str | None, course: str | None) -> Selection:
    """The selection ``user`` asked for: ``region_id`` (None: the nation for a national official, their own region
    for a regional one), ``month`` as YYYY-MM and ``course`` as its id, either None or unknown for the newest month
    and every course. Raises NoSuchRegion, OutsideScope."""
    if region_id is None:
        region_id = home_region(user)
    region = None
    if region_id is not None:
        region = db.session.get(Region, region_id)
        if region is None:
            raise NoSuchRegion
        if not org.can_view_region(user, region.id):
            raise OutsideScope
    months = months_with_data()
    found = courses()
    chosen_month = {m.strftime("%Y-%m"): m for m in months}.get(month or "")
    chosen_course = {str(c.id): c for c in found}.get(course or "")
    return Selection(region, chosen_month or (months[0] if months else None), chosen_course, months, found)


def months_with_data() -> list[date]:
    """The months the rollups hold, newest first (the period filter's fixed choices)."""
    found = db.session.scalars(sa.select(DistrictMonth.month).distinct().order_by(DistrictMonth.month.desc()))
    return list(found)


def courses() -> list[Course]:
    return list(db.session.scalars(sa.select(Course).order_by(Course.id)))


def _names(scope: Scope, language: str) -> dict[int, str]:
    if scope.region_id is None:
        return {r.id: r.name(language) for r in db.session.scalars(sa.select(Region))}
    districts = db.session.scalars(sa.select(District).where(District.region_id == scope.region_id))
    return {d.id: d.name(language) for d in districts}


def _row(key: int, name: str, cells: list[dict[str, int]]) -> Row:
    counts = {measure: _summed(cells, measure) for measure in COUNTS}
    rates = {rate: disclosure.rate(counts[top], counts[bottom]) for rate, top, bottom in RATES}
    return Row(key, name, counts, rates)


def _summed(cells: list[dict[str, int]], measure: str) -> Shown:
    """A number as shown: the sum of its cells' shown counts (the cells that count ``measure``)."""
    return disclosure.total(cell[measure] for cell in cells if measure in cell)


def overview(scope: Scope, month: date, course_id: int | None, language: str, unassigned: str) -> Overview:
    """Per region of the nation (or district of a region) for one month: enrolments, completions and certificates
    of the month; learners at risk and teachers trained now. ``unassigned`` names the bucket of key 0. Every row
    and the total are sums of the same shown cells (a district's course in the month)."""
    cells = counted(scope, month, course_id)
    names = _names(scope, language)
    keys = sorted(set(names) | set(cells), key=lambda k: (k == UNASSIGNED, names.get(k, "")))
    result = Overview(scope, month, course_id)
    for key in keys:
        result.rows.append(_row(key, names.get(key, unassigned), cells.get(key, [])))
    result.total = _row(-1, "", [cell for parts in cells.values() for cell in parts])
    return result


def counted(scope: Scope, month: date, course_id: int | None) -> queries.Cells:
    """The overview's cells per region or district, with their true counts (never shown as they are: ``overview``
    rounds each cell and sums the shown cells)."""
    cells: queries.Cells = {}
    for key, parts in queries.activity(scope, Period.months(month), course_id).items():
        cells.setdefault(key, []).extend(parts)
    for key, parts in queries.at_risk(scope, course_id).items():
        cells.setdefault(key, []).extend({"at_risk": part["learners"]} for part in parts)
    for key, parts in queries.people(scope, _school_year(month)).items():
        cells.setdefault(key, []).extend(
            {k: part[k] for k in ("teachers", "teachers_trained")} for part in parts if "teachers" in part
        )
    return cells


def _school_year(month: date) -> str:
    """The school year a month falls in (September to August): "2025-2026"."""
    first = month.year if month.month >= 9 else month.year - 1
    return f"{first}-{first + 1}"


@dataclass(frozen=True)
class Trend:
    """Shown counts per week (each week's Monday), per series."""

    weeks: list[date]
    series: dict[str, list[Shown]]


def trend(region_id: int | None, course_id: int | None, month: date, weeks: int = TREND_WEEKS) -> Trend:
    """The weeks up to the end of ``month`` in the nation or a region (of one course, or all)."""
    last = Period.months(month).last
    monday = last - timedelta(days=last.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    found = queries.weekly_trend(Period.weeks(first, weeks), region_id, course_id)
    mondays = [first + timedelta(weeks=n) for n in range(weeks)]
    names = [name for name in TREND if not (course_id is not None and name == "learners_active")]
    series = {name: [_summed(found.get(week, []), name) for week in mondays] for name in names}
    return Trend(mondays, series)


@dataclass(frozen=True)
class Step:
    """A module of a course and the learners who opened one of its lessons, as shown."""

    title: str
    learners: Shown


def funnel(scope: Scope, course: Course, language: str) -> list[Step]:
    """The course's modules in order with the learners who reached each, since the start: where they drop off."""
    reached = queries.funnel(course.id, scope)
    modules = sorted(course.modules, key=lambda module: module.position)
    return [Step(m.title_in(language), _summed(reached.get(m.id, []), "learners")) for m in modules]


def grades(scope: Scope, course_id: int | None) -> list[Shown]:
    """Certificates issued since the start per grade decile (0–9% … 90–100%), as shown."""
    found = queries.grade_distribution(scope, course_id)
    return [_summed(found.get(bucket, []), "certificates") for bucket in range(10)]
