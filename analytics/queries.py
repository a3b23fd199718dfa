"""Dashboard questions answered from the rollups: one small grouped query each, whatever the national size.

A scope is the nation (rows per region), a region (rows per district) or a district (rows per school); key 0
is the unassigned bucket (learners with no school, schools with no district), so rows add up to the level
above. Periods are whole weeks or whole months, never sums of distinct counts across weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from analytics.models import (
    AtRisk,
    CourseWeek,
    DistrictMonth,
    DistrictWeek,
    GradeBucket,
    Headcount,
    ModuleReach,
    SchoolMonth,
    SchoolPeople,
    SchoolWeek,
)
from lms.db import db
from lms.models import School


@dataclass(frozen=True)
class Scope:
    """Where an official looks: the nation, one region, or one district of a region."""

    region_id: int | None = None
    district_id: int | None = None

    def group(self, model: Any) -> sa.ColumnElement[int]:
        """The column rows are grouped by: regions of the nation, districts of a region, schools of a district."""
        if self.region_id is None:
            return model.region_id
        if self.district_id is None:
            return model.district_id
        return model.school_id

    def where(self, model: Any) -> list[sa.ColumnElement[bool]]:
        conditions = []
        if self.region_id is not None:
            conditions.append(model.region_id == self.region_id)
        if self.district_id is not None:
            conditions.append(model.district_id == self.district_id)
        return conditions


@dataclass(frozen=True)
class Filters:
    """Which schools count: of a kind, a settlement, a language of instruction (None: any). Learners with no school
    count only when no filter is set."""

    kind: str | None = None
    settlement: str | None = None
    instruction: str | None = None

    @property
    def active(self) -> bool:
        return any((self.kind, self.settlement, self.instruction))

    def where(self, model: Any) -> list[sa.ColumnElement[bool]]:
        """The condition on a school-grained rollup's ``school_id`` (none when no filter is set)."""
        if not self.active:
            return []
        schools = sa.select(School.id)
        if self.kind:
            schools = schools.where(School.kind == self.kind)
        if self.settlement:
            schools = schools.where(School.settlement == self.settlement)
        if self.instruction:
            schools = schools.where(School.language == self.instruction)
        return [model.school_id.in_(schools)]

    def where_stratum(self, model: Any) -> list[sa.ColumnElement[bool]]:
        """The condition on a rollup kept per kind of school (its ``kind``, ``settlement`` and ``instruction``)."""
        chosen = {"kind": self.kind, "settlement": self.settlement, "instruction": self.instruction}
        return [getattr(model, name) == value for name, value in chosen.items() if value]

    def where_school(self) -> list[sa.ColumnElement[bool]]:
        """The same condition on ``School`` itself."""
        conditions: list[sa.ColumnElement[bool]] = []
        if self.kind:
            conditions.append(School.kind == self.kind)
        if self.settlement:
            conditions.append(School.settlement == self.settlement)
        if self.instruction:
            conditions.append(School.language == self.instruction)
        return conditions


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Period:
    """Whole days from ``first`` to ``last`` inclusive: whole weeks (Monday to Sunday) or whole months."""

    first: date
    last: date
    #: What it is made of: "month" (counted from the monthly rollups) or "week" (from the weekly ones).
    unit: str = "month"

    @classmethod
    def weeks(cls, monday: date, count: int = 1) -> Period:
        if monday.weekday() != 0:
            raise ValueError("a week period begins on a Monday")
        return cls(monday, monday + timedelta(days=7 * count - 1), "week")

    @classmethod
    def months(cls, first: date, count: int = 1) -> Period:
        if first.day != 1:
            raise ValueError("a month period begins on the first of a month")
        year, month = divmod(first.month - 1 + count, 12)
        return cls(first, date(first.year + year, month + 1, 1) - timedelta(days=1), "month")


@dataclass(frozen=True)
class Measure:
    """A measure of a row: its true count (never shown to an official as it is) and its cell key, the sum of the
    record keys of what it counts (``analytics.record_keys``), from which ``analytics.disclosure`` perturbs it."""

    count: int = 0
    key: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(self.count + other.count, self.key + other.key)


#: Per row of a table — key (a region, district or school; a week; a module; a grade decile) — the measures of
#: each source it is counted from (``dashboards`` adds them up and shows them by ``analytics.disclosure``).
Cells = dict[Any, list[dict[str, Measure]]]


def _cells(select: sa.Select[Any] | Any) -> Cells:
    """``select`` (a "key" column, counts and their record keys' sums ``<count>_key``, one row per rollup row) added
    up per key in the database."""
    rows = select.subquery("rows")
    measures = [c.name for c in rows.columns if c.name != "key" and not c.name.endswith("_key")]
    columns: list[Any] = [rows.c.key]
    for name in measures:
        columns.append(sa.func.sum(rows.c[name]).label(name))
        key = rows.c[f"{name}_key"] if f"{name}_key" in rows.c else sa.literal(0)
        columns.append(sa.func.sum(key).label(f"{name}_key"))
    found: Cells = {}
    for row in db.session.execute(sa.select(*columns).group_by(rows.c.key)).mappings():
        found[row["key"]] = [{name: Measure(int(row[name] or 0), int(row[f"{name}_key"] or 0)) for name in measures}]
    return found


def _rows(select: sa.Select[Any] | Any) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    for row in db.session.execute(select).mappings():
        values = dict(row)
        key = values.pop("key")
        found[key] = {name: int(value or 0) for name, value in values.items()}
    return found


def true_totals(cells: Cells) -> dict[Any, dict[str, int]]:
    """Per key, the true counts: never shown to an official (tests and benchmarks check them)."""
    found: dict[Any, dict[str, int]] = {}
    for key, parts in cells.items():
        total = found.setdefault(key, {})
        for part in parts:
            for name, measure in part.items():
                total[name] = total.get(name, 0) + measure.count
    return found


def _columns(model: Any, *names: str) -> list[sa.Label[Any]]:
    """Counts as they are in the rollup's rows, each with its record keys' sum (``_cells`` adds them up per key)."""
    columns = []
    for name in names:
        columns.append(getattr(model, name).label(name))
        if hasattr(model, f"{name}_key"):  # a count of people or their acts (not a sum of seconds)
            columns.append(getattr(model, f"{name}_key").label(f"{name}_key"))
    return columns


def activity(scope: Scope, period: Period, course_id: int | None = None, filters: Filters = NO_FILTERS) -> Cells:
    """Enrolments, lessons completed, attempts, passes, completions (with their time to complete) and
    certificates issued and revoked per region, district or school in whole months or weeks: from the district
    months (weeks), or from the school months (course weeks) for a district's schools or filtered schools."""
    by_school = scope.district_id is not None or filters.active
    model: Any
    if period.unit == "week":
        model, unit = (CourseWeek if by_school else DistrictWeek), "week"
    else:
        model, unit = (SchoolMonth if by_school else DistrictMonth), "month"
    select = sa.select(
        scope.group(model).label("key"),
        *_columns(
            model,
            "enrolments",
            "lessons_completed",
            "attempts",
            "passes",
            "completions",
            "completion_seconds",
            "certificates_issued",
            "certificates_revoked",
        ),
    ).where(*scope.where(model), *filters.where(model), getattr(model, unit).between(period.first, period.last))
    if course_id is not None:
        select = select.where(model.course_id == course_id)
    return _cells(select)


def school_activity(district: Scope, weeks: Period, course_id: int | None = None) -> Cells:
    """Per school of a district in whole weeks: enrolments, lessons completed, attempts, passes, completions."""
    if district.district_id is None:
        raise ValueError("schools are listed for a district")
    select = sa.select(
        CourseWeek.school_id.label("key"),
        *_columns(CourseWeek, "enrolments", "lessons_completed", "attempts", "passes", "completions"),
    ).where(*district.where(CourseWeek), CourseWeek.week.between(weeks.first, weeks.last))
    if course_id is not None:
        select = select.where(CourseWeek.course_id == course_id)
    return _cells(select)


def people(scope: Scope, school_year: str, filters: Filters = NO_FILTERS) -> Cells:
    """Accounts (students, enrolled, teachers, trained), a cell per district (per school in a district), beside
    the official headcounts of the school year (a cell of their own: published figures, the denominators of
    coverage). Headcounts of schools without accounts count too."""
    counted = sa.select(
        scope.group(SchoolPeople).label("key"),
        *_columns(SchoolPeople, "students", "students_enrolled", "teachers", "teachers_trained"),
    ).where(*scope.where(SchoolPeople), *filters.where(SchoolPeople))
    found = _cells(counted)
    place = sa.func.coalesce(
        School.region_id if scope.region_id is None else School.district_id if scope.district_id is None else School.id,
        0,
    )
    official = (
        sa.select(
            place.label("key"),
            sa.func.sum(Headcount.students).label("headcount_students"),
            sa.func.sum(Headcount.teachers).label("headcount_teachers"),
        )
        .join(School, School.id == Headcount.school_id)
        .where(Headcount.school_year == school_year, *filters.where_school())
    )
    if scope.region_id is not None:
        official = official.where(School.region_id == scope.region_id)
    if scope.district_id is not None:
        official = official.where(School.district_id == scope.district_id)
    for key, values in _rows(official.group_by(place)).items():
        # Published figures, not people counted here: shown as they are (``dashboards.coverage``).
        found.setdefault(key, []).append({name: Measure(value) for name, value in values.items()})
    return found


def weekly_trend(
    weeks: Period,
    region_id: int | None = None,
    course_id: int | None = None,
    filters: Filters = NO_FILTERS,
    district_id: int | None = None,
) -> Cells:
    """Per week: enrolments, lessons completed and completions (from the district weeks, or the course weeks for a
    district or filtered schools) and distinct learners active in any course."""
    scope = Scope(region_id, district_id)
    model: Any = CourseWeek if district_id is not None or filters.active else DistrictWeek
    select = sa.select(model.week.label("key"), *_columns(model, "enrolments", "lessons_completed", "completions"))
    select = select.where(model.week.between(weeks.first, weeks.last), *scope.where(model), *filters.where(model))
    if course_id is not None:
        select = select.where(model.course_id == course_id)
    found = _cells(select)
    active = sa.select(SchoolWeek.week.label("key"), *_columns(SchoolWeek, "learners_active")).where(
        SchoolWeek.week.between(weeks.first, weeks.last), *scope.where(SchoolWeek), *filters.where(SchoolWeek)
    )
    for week, parts in _cells(active).items():
        found.setdefault(week, []).extend(parts)
    return dict(sorted(found.items()))


def funnel(course_id: int, scope: Scope | None = None, filters: Filters = NO_FILTERS) -> Cells:
    """Per module id, the learners who opened one of its lessons (a cell per district):
    the drop-off funnel."""
    select = sa.select(ModuleReach.module_id.label("key"), *_columns(ModuleReach, "learners")).where(
        ModuleReach.course_id == course_id, *(scope or Scope()).where(ModuleReach), *filters.where_stratum(ModuleReach)
    )
    return _cells(select)


def grade_distribution(scope: Scope, course_id: int | None = None, filters: Filters = NO_FILTERS) -> Cells:
    """Certificates issued per grade decile (key 0 is 0–9%, key 9 is 90–100%), a cell per district and course."""
    select = sa.select(GradeBucket.bucket.label("key"), *_columns(GradeBucket, "certificates"))
    select = select.where(*scope.where(GradeBucket), *filters.where_stratum(GradeBucket))
    if course_id is not None:
        select = select.where(GradeBucket.course_id == course_id)
    return _cells(select)


def at_risk(scope: Scope, course_id: int | None = None, filters: Filters = NO_FILTERS) -> Cells:
    """Learners enrolled, not completed and inactive for 14 days, per region, district or school; a cell per
    district (school) and course."""
    select = sa.select(scope.group(AtRisk).label("key"), *_columns(AtRisk, "learners"))
    select = select.where(*scope.where(AtRisk), *filters.where(AtRisk))
    if course_id is not None:
        select = select.where(AtRisk.course_id == course_id)
    return _cells(select)
