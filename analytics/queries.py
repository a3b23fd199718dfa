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
    GradeBucket,
    Headcount,
    ModuleReach,
    RegionWeek,
    SchoolPeople,
    SchoolWeek,
)
from courses.models import Module
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
class Period:
    """Whole days from ``first`` to ``last`` inclusive: whole weeks (Monday to Sunday) or whole months."""

    first: date
    last: date

    @classmethod
    def weeks(cls, monday: date, count: int = 1) -> Period:
        if monday.weekday() != 0:
            raise ValueError("a week period begins on a Monday")
        return cls(monday, monday + timedelta(days=7 * count - 1))

    @classmethod
    def months(cls, first: date, count: int = 1) -> Period:
        if first.day != 1:
            raise ValueError("a month period begins on the first of a month")
        year, month = divmod(first.month - 1 + count, 12)
        return cls(first, date(first.year + year, month + 1, 1) - timedelta(days=1))


def _rows(select: sa.Select[Any] | Any) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {}
    for row in db.session.execute(select).mappings():
        values = dict(row)
        key = values.pop("key")
        found[key] = {name: int(value or 0) for name, value in values.items()}
    return found


def _sums(model: Any, *names: str) -> list[sa.Label[Any]]:
    return [sa.func.sum(getattr(model, name)).label(name) for name in names]


def activity(scope: Scope, months: Period, course_id: int | None = None) -> dict[int, dict[str, int]]:
    """Enrolments, lessons completed, attempts, passes, completions (with their days to complete) and
    certificates issued and revoked per region (or district) in whole months."""
    if scope.district_id is not None:
        raise ValueError("monthly activity is kept per district: ask for a region or the nation")
    select = sa.select(
        scope.group(DistrictMonth).label("key"),
        *_sums(
            DistrictMonth,
            "enrolments",
            "lessons_completed",
            "attempts",
            "passes",
            "completions",
            "completion_seconds",
            "certificates_issued",
            "certificates_revoked",
        ),
    ).where(*scope.where(DistrictMonth), DistrictMonth.month.between(months.first, months.last))
    if course_id is not None:
        select = select.where(DistrictMonth.course_id == course_id)
    return _rows(select.group_by(scope.group(DistrictMonth)))


def school_activity(district: Scope, weeks: Period, course_id: int | None = None) -> dict[int, dict[str, int]]:
    """Per school of a district in whole weeks: enrolments, lessons completed, attempts, passes, completions."""
    if district.district_id is None:
        raise ValueError("schools are listed for a district")
    select = sa.select(
        CourseWeek.school_id.label("key"),
        *_sums(CourseWeek, "enrolments", "lessons_completed", "attempts", "passes", "completions"),
    ).where(*district.where(CourseWeek), CourseWeek.week.between(weeks.first, weeks.last))
    if course_id is not None:
        select = select.where(CourseWeek.course_id == course_id)
    return _rows(select.group_by(CourseWeek.school_id))


def people(scope: Scope, school_year: str) -> dict[int, dict[str, int]]:
    """Accounts (students, enrolled, teachers, trained) beside the official headcounts of the school year:
    the denominators of coverage. Headcounts of schools without accounts count too."""
    counted = sa.select(
        scope.group(SchoolPeople).label("key"),
        *_sums(SchoolPeople, "students", "students_enrolled", "teachers", "teachers_trained"),
    ).where(*scope.where(SchoolPeople))
    found = _rows(counted.group_by(scope.group(SchoolPeople)))
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
        .where(Headcount.school_year == school_year)
    )
    if scope.region_id is not None:
        official = official.where(School.region_id == scope.region_id)
    if scope.district_id is not None:
        official = official.where(School.district_id == scope.district_id)
    for key, values in _rows(official.group_by(place)).items():
        found.setdefault(key, {}).update(values)
    return found


def weekly_trend(
    weeks: Period, region_id: int | None = None, course_id: int | None = None
) -> dict[date, dict[str, int]]:
    """Per week: enrolments, lessons completed, completions, and distinct learners active (all courses)."""
    select = sa.select(RegionWeek.week, *_sums(RegionWeek, "enrolments", "lessons_completed", "completions")).where(
        RegionWeek.week.between(weeks.first, weeks.last)
    )
    if region_id is not None:
        select = select.where(RegionWeek.region_id == region_id)
    if course_id is not None:
        select = select.where(RegionWeek.course_id == course_id)
    trend = {
        row.week: {k: int(v or 0) for k, v in row._mapping.items() if k != "week"}
        for row in db.session.execute(select.group_by(RegionWeek.week))
    }
    active = sa.select(SchoolWeek.week, sa.func.sum(SchoolWeek.learners_active)).where(
        SchoolWeek.week.between(weeks.first, weeks.last)
    )
    if region_id is not None:
        active = active.where(SchoolWeek.region_id == region_id)
    for week, learners in db.session.execute(active.group_by(SchoolWeek.week)):
        trend.setdefault(week, {})["learners_active"] = int(learners or 0)
    return dict(sorted(trend.items()))


def funnel(course_id: int, scope: Scope | None = None) -> list[tuple[int, int]]:
    """(module id, learners who opened one of its lessons) in the course's order: the drop-off funnel."""
    select = (
        sa.select(ModuleReach.module_id, sa.func.sum(ModuleReach.learners))
        .join(Module, Module.id == ModuleReach.module_id)
        .where(ModuleReach.course_id == course_id, *(scope or Scope()).where(ModuleReach))
        .group_by(ModuleReach.module_id, Module.position)
        .order_by(Module.position)
    )
    return [(module, int(learners)) for module, learners in db.session.execute(select)]


def grade_distribution(scope: Scope, course_id: int | None = None) -> list[int]:
    """Certificates issued per grade decile (index 0 is 0–9%, index 9 is 90–100%)."""
    select = sa.select(GradeBucket.bucket, sa.func.sum(GradeBucket.certificates)).where(*scope.where(GradeBucket))
    if course_id is not None:
        select = select.where(GradeBucket.course_id == course_id)
    counts = [0] * 10
    for bucket, certificates in db.session.execute(select.group_by(GradeBucket.bucket)):
        counts[bucket] = int(certificates)
    return counts


def at_risk(scope: Scope, course_id: int | None = None) -> dict[int, int]:
    """Learners enrolled, not completed and inactive for 14 days, per region, district or school."""
    select = sa.select(scope.group(AtRisk), sa.func.sum(AtRisk.learners)).where(*scope.where(AtRisk))
    if course_id is not None:
        select = select.where(AtRisk.course_id == course_id)
    return {key: int(learners) for key, learners in db.session.execute(select.group_by(scope.group(AtRisk)))}
