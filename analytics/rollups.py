"""What each rollup adds for a window of time, as one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` statement.

A rebuild and an incremental refresh run the same statements: a rebuild over the window from the beginning
into empty tables, a refresh over the window since the last one, adding to the rows there. Counts are sums,
so windows add up exactly. Distinct learners are counted once per rollup key: a learner whose events fall in
the window counts only when they have no earlier event under the same key (the same week for weekly
counts), found by the learning events' (actor, timestamp) index.

Where an event counts comes from the snapshot it carries (its school; the school's district and region now);
a certificate, an enrolment at risk and the people of a school (students enrolled, teachers trained) count
at the account's school. No school: 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from analytics import record_keys
from analytics.models import (
    UNASSIGNED,
    AssignmentDistrict,
    AtRisk,
    CourseWeek,
    DistrictMonth,
    DistrictWeek,
    GradeBucket,
    ModuleReach,
    SchoolMonth,
    SchoolPeople,
    SchoolWeek,
)
from analytics.periods import month_of, seconds_between, week_of
from certificates.models import Certificate
from courses.models import Course, CourseAudience, Enrolment, LearningEvent, Lesson
from courses.services.learning import AT_RISK_AFTER  # the one definition the class pages count by too
from lms.models import Role, School, User

events: sa.Table = LearningEvent.__table__  # type: ignore[assignment]
schools: sa.Table = School.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Window:
    """Rows stamped in [start, end); ``start`` None is the beginning of time (a rebuild)."""

    start: datetime | None
    end: datetime

    def holds(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        if self.start is None:
            return column < self.end
        return sa.and_(column >= self.start, column < self.end)


@dataclass(frozen=True)
class Rollup:
    """A rollup table and how it changes: by ``statements`` adding a window's counts, or (a snapshot)
    counted again in full at every refresh."""

    name: str
    model: type[Any]
    statements: Callable[[Window], list[sa.Select[Any]]]
    snapshot: bool = False

    @property
    def table(self) -> sa.Table:
        return self.model.__table__

    def keys(self) -> list[str]:
        return [column.name for column in self.table.primary_key.columns]


def select_of(columns: dict[str, Any]) -> sa.Select[Any]:
    return sa.select(*(column.label(name) for name, column in columns.items()))


def count_where(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.cast(sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0), sa.BigInteger)


def verb_is(verb: str, object_type: str, e: sa.FromClause = events) -> sa.ColumnElement[bool]:
    return sa.and_(e.c.verb == verb, e.c.object_type == object_type)


def place_of(s: sa.FromClause) -> dict[str, sa.ColumnElement[int]]:
    return {
        "region_id": sa.func.coalesce(s.c.region_id, UNASSIGNED),
        "district_id": sa.func.coalesce(s.c.district_id, UNASSIGNED),
    }


def stratum_of(s: sa.FromClause) -> dict[str, sa.ColumnElement[str]]:
    """A school's kind, settlement and language of instruction ("" for no school): the schools' filters."""
    return {
        "kind": sa.func.coalesce(s.c.kind, ""),
        "settlement": sa.func.coalesce(s.c.settlement, ""),
        "instruction": sa.func.coalesce(s.c.language, ""),
    }


KeyColumns = Callable[[sa.FromClause], dict[str, sa.ColumnElement[Any]]]


def event_counts() -> dict[str, sa.ColumnElement[int]]:
    """The measures counted from events one by one (of events in a course), then their record keys' sums."""
    conditions = {
        "enrolments": verb_is("registered", "course"),
        "lessons_completed": verb_is("completed", "lesson"),
        "attempts": verb_is("attempted", "assignment"),
        "passes": sa.and_(events.c.verb.in_(("attempted", "scored")), events.c.success.is_(True)),
    }
    counts = {name: count_where(condition) for name, condition in conditions.items()}
    actor = record_keys.of_actor(events.c.actor)
    keys = {f"{name}_key": record_keys.summed(actor, condition) for name, condition in conditions.items()}
    return {**counts, **keys}


def course_completions(
    window: Window, key_columns: dict[str, sa.ColumnElement[Any]], placed: sa.FromClause
) -> sa.Select[Any]:
    """Course completions grouped by ``key_columns`` with their time to complete (from the enrolment)."""
    r = Enrolment.__table__.alias("r")
    seconds = seconds_between(events.c.timestamp, r.c.enrolled_at)
    completed = select_of(
        {
            **key_columns,
            "completions": sa.cast(sa.func.count(), sa.BigInteger),
            "completion_seconds": sa.cast(sa.func.sum(seconds), sa.BigInteger),
            "completions_key": record_keys.summed(record_keys.of_actor(events.c.actor)),
        }
    ).select_from(placed.join(r, r.c.id == events.c.registration))
    completed = completed.where(window.holds(events.c.timestamp), verb_is("completed", "course"))
    return completed.group_by(*key_columns.values())


def _from_events(
    window: Window,
    keys: KeyColumns,
    *,
    counts: bool = True,
    learners: str | None = None,
    same: tuple[Callable[[sa.FromClause], sa.ColumnElement[bool]], ...] = (),
) -> list[sa.Select[Any]]:
    """The statements that add a window's events to a rollup grouped by ``keys`` (columns of the events and
    of their school ``s``): the counts, the course completions with their time to complete, and distinct
    learners (into the measure ``learners``). Each is a plain grouped aggregate that PostgreSQL can hash;
    ``count(DISTINCT …)`` would sort every event of a rebuild."""
    s = schools.alias("s")
    placed = events.outerjoin(s, s.c.id == events.c.school_id)
    key_columns = keys(s)
    in_course = events.c.course_id.is_not(None)
    statements = []
    if counts:
        statements.append(
            select_of({**key_columns, **event_counts()})
            .select_from(placed)
            .where(window.holds(events.c.timestamp), in_course)
            .group_by(*key_columns.values())
        )
        statements.append(course_completions(window, key_columns, placed))
    if learners is not None:
        pairs = sa.select(*(c.label(n) for n, c in key_columns.items()), events.c.actor).select_from(placed)
        pairs = pairs.where(window.holds(events.c.timestamp), *([in_course] if counts else []))
        if window.start is not None:
            # Learners already counted under the same key earlier in the same week are not counted again.
            earlier = events.alias("earlier")
            pairs = pairs.where(
                ~sa.exists().where(
                    earlier.c.actor == events.c.actor,
                    earlier.c.timestamp >= window.start - timedelta(days=7),
                    earlier.c.timestamp < window.start,
                    week_of(earlier.c.timestamp) == week_of(events.c.timestamp),
                    *(condition(earlier) for condition in same),
                )
            )
        distinct = pairs.distinct().subquery("pairs")
        names = list(key_columns)
        counted_learners = sa.select(
            *(distinct.c[n] for n in names),
            sa.cast(sa.func.count(), sa.BigInteger).label(learners),
            record_keys.summed(record_keys.of_actor(distinct.c.actor)).label(f"{learners}_key"),
        )
        statements.append(counted_learners.group_by(*(distinct.c[n] for n in names)))
    return statements


def _same_school(earlier: sa.FromClause) -> sa.ColumnElement[bool]:
    return sa.func.coalesce(earlier.c.school_id, UNASSIGNED) == sa.func.coalesce(events.c.school_id, UNASSIGNED)


def _same_course(earlier: sa.FromClause) -> sa.ColumnElement[bool]:
    return earlier.c.course_id == events.c.course_id


def course_weeks(window: Window) -> list[sa.Select[Any]]:
    def keys(s: sa.FromClause) -> dict[str, sa.ColumnElement[Any]]:
        return {
            "week": week_of(events.c.timestamp),
            "school_id": sa.func.coalesce(events.c.school_id, UNASSIGNED),
            "course_id": events.c.course_id,
            **place_of(s),
        }

    statements = _from_events(window, keys, learners="learners_active", same=(_same_school, _same_course))
    return [*statements, *certificate_months(window, school=True, unit=week_of)]


def school_weeks(window: Window) -> list[sa.Select[Any]]:
    def keys(s: sa.FromClause) -> dict[str, sa.ColumnElement[Any]]:
        return {
            "week": week_of(events.c.timestamp),
            "school_id": sa.func.coalesce(events.c.school_id, UNASSIGNED),
            **place_of(s),
        }

    return _from_events(window, keys, counts=False, learners="learners_active", same=(_same_school,))


def district_weeks(window: Window) -> list[sa.Select[Any]]:
    def keys(s: sa.FromClause) -> dict[str, sa.ColumnElement[Any]]:
        return {
            "week": week_of(events.c.timestamp),
            **place_of(s),
            "course_id": events.c.course_id,
        }

    return [*_from_events(window, keys), *certificate_months(window, unit=week_of)]


def _certificate_source(
    school: bool = False, stratum: bool = False
) -> tuple[sa.FromClause, dict[str, sa.ColumnElement[Any]]]:
    """Certificates with their holder's place (and school, if ``school``; its kind, if ``stratum``)."""
    c: sa.Table = Certificate.__table__  # type: ignore[assignment]
    u: sa.Table = User.__table__  # type: ignore[assignment]
    s = schools.alias("s")
    source = c.join(u, u.c.id == c.c.user_id).outerjoin(s, s.c.id == u.c.school_id)
    place: dict[str, sa.ColumnElement[Any]] = {**place_of(s)}
    if school:
        place = {"school_id": sa.func.coalesce(u.c.school_id, UNASSIGNED), **place}
    if stratum:
        place = {**place, **stratum_of(s)}
    return source, place


def district_months(window: Window) -> list[sa.Select[Any]]:
    def keys(s: sa.FromClause) -> dict[str, sa.ColumnElement[Any]]:
        return {"month": month_of(events.c.timestamp), **place_of(s), "course_id": events.c.course_id}

    return [*_from_events(window, keys), *certificate_months(window)]


def school_months(window: Window) -> list[sa.Select[Any]]:
    def keys(s: sa.FromClause) -> dict[str, sa.ColumnElement[Any]]:
        return {
            "month": month_of(events.c.timestamp),
            "school_id": sa.func.coalesce(events.c.school_id, UNASSIGNED),
            "course_id": events.c.course_id,
            **place_of(s),
        }

    return [*_from_events(window, keys), *certificate_months(window, school=True)]


def certificate_months(window: Window, school: bool = False, unit: Any = month_of) -> list[sa.Select[Any]]:
    """Certificates issued and revoked per month (or week: ``unit`` ``week_of``), district (and school, if
    ``school``) and course (where the holder's school is)."""
    statements = []
    certificates: sa.Table = Certificate.__table__  # type: ignore[assignment]
    for stamp, measure in (("issued_at", "certificates_issued"), ("revoked_at", "certificates_revoked")):
        cert_source, cert_place = _certificate_source(school)
        column = certificates.c[stamp]
        cert_month = unit(column)
        cert_columns = {
            "month" if unit is month_of else "week": cert_month,
            **cert_place,
            "course_id": certificates.c.course_id,
            measure: sa.cast(sa.func.count(), sa.BigInteger),
            f"{measure}_key": record_keys.summed(record_keys.of_account(certificates.c.user_id)),
        }
        select = select_of(cert_columns).select_from(cert_source)
        select = select.where(window.holds(column))
        statements.append(select.group_by(cert_month, *cert_place.values(), certificates.c.course_id))
    return statements


def _placed_events() -> tuple[sa.FromClause, sa.FromClause]:
    s = schools.alias("s")
    return events.outerjoin(s, s.c.id == events.c.school_id), s


def assignments(window: Window) -> list[sa.Select[Any]]:
    source, s = _placed_events()
    place = place_of(s)
    columns = {
        "assignment_id": events.c.object_id,
        **place,
        "course_id": sa.func.max(events.c.course_id),
        "attempts": count_where(verb_is("attempted", "assignment")),
        "passes": count_where(sa.and_(events.c.verb.in_(("attempted", "scored")), events.c.success.is_(True))),
    }
    actor = record_keys.of_actor(events.c.actor)
    columns["attempts_key"] = record_keys.summed(actor, verb_is("attempted", "assignment"))
    columns["passes_key"] = record_keys.summed(
        actor, sa.and_(events.c.verb.in_(("attempted", "scored")), events.c.success.is_(True))
    )
    select = select_of(columns).select_from(source)
    select = select.where(
        window.holds(events.c.timestamp),
        events.c.object_type == "assignment",
        events.c.verb.in_(("attempted", "scored")),
    )
    return [select.group_by(events.c.object_id, *place.values())]


def module_reach(window: Window) -> list[sa.Select[Any]]:
    source, s = _placed_events()
    lessons: sa.Table = Lesson.__table__  # type: ignore[assignment]
    source = source.join(lessons, lessons.c.id == events.c.object_id)
    place: dict[str, sa.ColumnElement[Any]] = {**place_of(s), **stratum_of(s)}
    keys: dict[str, sa.ColumnElement[Any]] = {
        "course_id": events.c.course_id,
        "module_id": lessons.c.module_id,
        **place,
    }
    pairs = sa.select(*(c.label(n) for n, c in keys.items()), events.c.actor).select_from(source)
    pairs = pairs.where(window.holds(events.c.timestamp), verb_is("experienced", "lesson"))
    if window.start is not None:
        # A learner who opened a lesson of the module before (in the same district) is counted already.
        earlier, earlier_lesson, earlier_school = events.alias("earlier"), lessons.alias("el"), schools.alias("es")
        pairs = pairs.where(
            ~sa.exists(
                sa.select(1)
                .select_from(
                    earlier.join(earlier_lesson, earlier_lesson.c.id == earlier.c.object_id).outerjoin(
                        earlier_school, earlier_school.c.id == earlier.c.school_id
                    )
                )
                .where(
                    earlier.c.actor == events.c.actor,
                    earlier.c.timestamp < window.start,
                    verb_is("experienced", "lesson", earlier),
                    earlier_lesson.c.module_id == lessons.c.module_id,
                    *(
                        sa.and_(a == b)
                        for a, b in zip(
                            (*place_of(earlier_school).values(), *stratum_of(earlier_school).values()),
                            place.values(),
                            strict=True,
                        )
                    ),
                )
            )
        )
    distinct = pairs.distinct().subquery("pairs")
    grouped = [distinct.c[name] for name in keys]
    counted = sa.select(
        *grouped,
        sa.cast(sa.func.count(), sa.BigInteger).label("learners"),
        record_keys.summed(record_keys.of_actor(distinct.c.actor)).label("learners_key"),
    )
    return [counted.group_by(*grouped)]


def grades(window: Window) -> list[sa.Select[Any]]:
    source, place = _certificate_source(stratum=True)
    certificates: sa.Table = Certificate.__table__  # type: ignore[assignment]
    bucket = sa.case((certificates.c.grade >= 90, 9), else_=certificates.c.grade // 10)
    columns = {
        "course_id": certificates.c.course_id,
        **place,
        "bucket": bucket,
        "certificates": sa.cast(sa.func.count(), sa.BigInteger),
        "certificates_key": record_keys.summed(record_keys.of_account(certificates.c.user_id)),
    }
    select = select_of(columns).select_from(source)
    select = select.where(window.holds(certificates.c.issued_at), certificates.c.grade.is_not(None))
    return [select.group_by(certificates.c.course_id, *place.values(), bucket)]


def at_risk(window: Window) -> list[sa.Select[Any]]:
    e: sa.Table = Enrolment.__table__  # type: ignore[assignment]
    u: sa.Table = User.__table__  # type: ignore[assignment]
    s = schools.alias("s")
    source = e.join(u, u.c.id == e.c.user_id).outerjoin(s, s.c.id == u.c.school_id)
    place = place_of(s)
    school = sa.func.coalesce(u.c.school_id, UNASSIGNED)
    columns = {
        "course_id": e.c.course_id,
        "school_id": school,
        **place,
        "learners": sa.func.count(),
        "learners_key": record_keys.summed(record_keys.of_account(e.c.user_id)),
    }
    select = select_of(columns).select_from(source)
    select = select.where(
        e.c.enrolled_at < window.end,
        e.c.completed_at.is_(None),
        e.c.last_activity_at < window.end - AT_RISK_AFTER,
    )
    return [select.group_by(e.c.course_id, school, *place.values())]


def school_people(window: Window) -> list[sa.Select[Any]]:
    e: sa.Table = Enrolment.__table__  # type: ignore[assignment]
    u: sa.Table = User.__table__  # type: ignore[assignment]
    courses: sa.Table = Course.__table__  # type: ignore[assignment]
    s = schools.alias("s")
    enrolled = sa.exists().where(e.c.user_id == u.c.id, e.c.enrolled_at < window.end)
    trained = sa.exists().where(
        e.c.user_id == u.c.id,
        e.c.completed_at < window.end,
        courses.c.id == e.c.course_id,
        courses.c.audience.in_((CourseAudience.TEACHERS.value, CourseAudience.BOTH.value)),
    )
    student, teacher = u.c.role == Role.STUDENT.value, u.c.role == Role.TEACHER.value
    place = place_of(s)
    school = sa.func.coalesce(u.c.school_id, UNASSIGNED)
    counted = {
        "students": student,
        "students_enrolled": sa.and_(student, enrolled),
        "teachers": teacher,
        "teachers_trained": sa.and_(teacher, trained),
    }
    account = record_keys.of_account(u.c.id)
    columns = {
        "school_id": school,
        **place,
        **{name: count_where(condition) for name, condition in counted.items()},
        **{f"{name}_key": record_keys.summed(account, condition) for name, condition in counted.items()},
    }
    select = select_of(columns).select_from(u.outerjoin(s, s.c.id == u.c.school_id))
    select = select.where(u.c.role.in_((Role.STUDENT.value, Role.TEACHER.value)), u.c.created_at < window.end)
    return [select.group_by(school, *place.values())]


ROLLUPS: tuple[Rollup, ...] = (
    Rollup("course_weeks", CourseWeek, course_weeks),
    Rollup("school_weeks", SchoolWeek, school_weeks),
    Rollup("district_weeks", DistrictWeek, district_weeks),
    Rollup("school_months", SchoolMonth, school_months),
    Rollup("district_months", DistrictMonth, district_months),
    Rollup("assignments", AssignmentDistrict, assignments),
    Rollup("module_reach", ModuleReach, module_reach),
    Rollup("grades", GradeBucket, grades),
    Rollup("at_risk", AtRisk, at_risk, snapshot=True),
    Rollup("school_people", SchoolPeople, school_people, snapshot=True),
)


#: Columns that describe a row's key rather than count (a school's region; an assignment's course): a
#: refresh sets them, it does not add them up.
ATTRIBUTES = ("region_id", "district_id", "course_id")


def upsert(rollup: Rollup, select: sa.Select[Any], as_of: datetime, dialect: str) -> sa.Insert:
    """The statement that adds ``select``'s rows to the rollup: new keys inserted, existing ones summed."""
    table = rollup.table
    names = [column.name for column in select.selected_columns]
    attributes = [name for name in ATTRIBUTES if name in names and name not in rollup.keys()]
    measures = [name for name in names if name not in rollup.keys() and name not in attributes]
    # A statement counts some measures of a row; a new row starts the others at zero.
    others = [c.name for c in table.columns if c.name not in names and c.name != "as_of"]
    select = select.add_columns(*(sa.literal(0, sa.BigInteger).label(name) for name in others))
    select = select.add_columns(sa.literal(as_of, table.c.as_of.type).label("as_of"))
    module: Any = postgresql if dialect == "postgresql" else sqlite
    statement = module.insert(table).from_select([*names, *others, "as_of"], select)
    if rollup.snapshot:
        return statement
    changes = {name: table.c[name] + statement.excluded[name] for name in measures}
    changes["as_of"] = statement.excluded.as_of
    for name in attributes:
        changes[name] = statement.excluded[name]
    return statement.on_conflict_do_update(index_elements=rollup.keys(), set_=changes)
