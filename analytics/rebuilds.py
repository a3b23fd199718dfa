"""How a rebuild reads every event as few times as it can.

A refresh reads a window of events once per statement of ``rollups``; a rebuild, whose window is every event,
would read them all a dozen times. So a rebuild first makes two staging tables, each in one pass over the
events: ``counts`` per ISO week, month, school and course (the additive measures), and ``learners``, each
learner once per week, school and course. Course weeks, school weeks and school months are summed from them,
district weeks from the course weeks and district months from the school months just rebuilt. Each rollup is then
written by one INSERT: its statements' rows are summed per key first. The property test checks that a rebuild and
refreshes agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.ddl import CreateTableAs

from analytics import record_keys
from analytics.models import UNASSIGNED, CourseWeek, DistrictMonth, DistrictWeek, SchoolMonth
from analytics.periods import month_of, week_of
from analytics.rollups import (
    ATTRIBUTES,
    Rollup,
    Window,
    certificate_months,
    course_completions,
    event_counts,
    events,
    place_of,
    schools,
    select_of,
)

COUNTS, LEARNERS = "analytics_stage_counts", "analytics_stage_learners"

Stages = dict[str, CreateTableAs]


#: What the staging counts hold per week, month, school and course: the counts, the time to complete and the counts'
#: record keys summed.
MEASURES = [
    "enrolments",
    "lessons_completed",
    "attempts",
    "passes",
    "completions",
    "completion_seconds",
    *(f"{name}_key" for name in ("enrolments", "lessons_completed", "attempts", "passes", "completions")),
]


def stages(window: Window) -> Stages:
    """The staging tables' CREATE TABLE … AS statements (temporary tables: this transaction's own)."""
    school = sa.func.coalesce(events.c.school_id, UNASSIGNED)
    keys = {
        "week": week_of(events.c.timestamp),
        "month": month_of(events.c.timestamp),
        "school_id": school,
        "course_id": events.c.course_id,
    }
    placed = events.outerjoin(schools, schools.c.id == events.c.school_id)
    zero = sa.literal(0, sa.BigInteger)
    # Both parts of the union with the same columns in the same order: the keys, then MEASURES.
    from_events = event_counts()
    counted = select_of({**keys, **{name: from_events.get(name, zero) for name in MEASURES}})
    counted = counted.where(window.holds(events.c.timestamp), events.c.course_id.is_not(None))
    counted = counted.group_by(*keys.values())
    completed = course_completions(window, keys, placed)
    done = {column.name: column for column in completed.selected_columns}
    completed = completed.with_only_columns(
        *(done[name] for name in keys), *(done.get(name, zero.label(name)) for name in MEASURES)
    )
    learners = sa.select(
        week_of(events.c.timestamp).label("week"), school.label("school_id"), events.c.course_id, events.c.actor
    )
    learners = learners.where(window.holds(events.c.timestamp)).distinct()
    return {
        COUNTS: sa.union_all(counted, completed).into(COUNTS, temporary=True),
        LEARNERS: learners.into(LEARNERS, temporary=True),
    }


def _placed(table: sa.Table) -> tuple[sa.FromClause, dict[str, sa.ColumnElement[int]]]:
    s = schools.alias("s")
    return table.outerjoin(s, s.c.id == table.c.school_id), place_of(s)


def _sums(table: sa.Table, names: list[str]) -> dict[str, sa.ColumnElement[int]]:
    return {name: sa.cast(sa.func.sum(table.c[name]), sa.BigInteger) for name in names}


def course_weeks(staged: Stages, window: Window) -> list[sa.Select[Any]]:
    counts, learners = staged[COUNTS].table, staged[LEARNERS].table
    source, place = _placed(counts)
    keys = {"week": counts.c.week, "school_id": counts.c.school_id, "course_id": counts.c.course_id, **place}
    summed = select_of({**keys, **_sums(counts, MEASURES)}).select_from(source).group_by(*keys.values())
    source, place = _placed(learners)
    keys = {"week": learners.c.week, "school_id": learners.c.school_id, "course_id": learners.c.course_id, **place}
    active = select_of(
        {
            **keys,
            "learners_active": sa.cast(sa.func.count(), sa.BigInteger),
            "learners_active_key": record_keys.summed(record_keys.of_actor(learners.c.actor)),
        }
    ).select_from(source)
    active = active.where(learners.c.course_id.is_not(None)).group_by(*keys.values())
    return [summed, active, *certificate_months(window, school=True, unit=week_of)]


def school_weeks(staged: Stages) -> list[sa.Select[Any]]:
    learners = staged[LEARNERS].table
    distinct = sa.select(learners.c.week, learners.c.school_id, learners.c.actor).distinct().subquery("d")
    s = schools.alias("s")
    place = place_of(s)
    keys = {"week": distinct.c.week, "school_id": distinct.c.school_id, **place}
    active = select_of(
        {
            **keys,
            "learners_active": sa.cast(sa.func.count(), sa.BigInteger),
            "learners_active_key": record_keys.summed(record_keys.of_actor(distinct.c.actor)),
        }
    )
    return [active.select_from(distinct.outerjoin(s, s.c.id == distinct.c.school_id)).group_by(*keys.values())]


def _per_district(finer: Any, coarser: Any, unit: str) -> list[sa.Select[Any]]:
    """The rows of a per-school rollup just rebuilt (``finer``) summed over schools into its per-district one: the
    same events, keys and measures."""
    rows: sa.Table = finer.__table__
    keys = [rows.c[unit], rows.c.region_id, rows.c.district_id, rows.c.course_id]
    taken = {*(key.name for key in keys), "as_of"}
    measures = [c.name for c in coarser.__table__.columns if c.name not in taken]
    return [select_of({**{c.name: c for c in keys}, **_sums(rows, measures)}).group_by(*keys)]


def district_weeks(_staged: Stages) -> list[sa.Select[Any]]:
    """The course weeks just rebuilt, summed over schools."""
    return _per_district(CourseWeek, DistrictWeek, "week")


def school_months(staged: Stages, window: Window) -> list[sa.Select[Any]]:
    counts = staged[COUNTS].table
    source, place = _placed(counts)
    keys = {"month": counts.c.month, "school_id": counts.c.school_id, "course_id": counts.c.course_id, **place}
    summed = select_of({**keys, **_sums(counts, MEASURES)}).select_from(source).group_by(*keys.values())
    return [summed, *certificate_months(window, school=True)]


def district_months(_staged: Stages) -> list[sa.Select[Any]]:
    """The school months just rebuilt, summed over schools."""
    return _per_district(SchoolMonth, DistrictMonth, "month")


#: The rollups a rebuild sums from the staging tables (district weeks and months from the course weeks and school
#: months just rebuilt).
FROM_STAGES: dict[str, Callable[[Stages, Window], list[sa.Select[Any]]]] = {
    "course_weeks": course_weeks,
    "school_weeks": lambda staged, _window: school_weeks(staged),
    "district_weeks": lambda staged, _window: district_weeks(staged),
    "school_months": school_months,
    "district_months": lambda staged, _window: district_months(staged),
}


def statements(rollup: Rollup, window: Window, staged: Stages) -> list[sa.Select[Any]]:
    """What a rebuild runs for ``rollup``: from the staging tables where it can, else the rollup's own."""
    made = FROM_STAGES.get(rollup.name)
    return made(staged, window) if made else rollup.statements(window)


def _nothing(attribute: bool) -> sa.ColumnElement[Any]:
    return sa.null().cast(sa.Integer) if attribute else sa.literal(0, sa.BigInteger)


def summed(rollup: Rollup, selects: list[sa.Select[Any]]) -> sa.Select[Any]:
    """One SELECT for several: their rows summed per key (measures a statement does not count are 0 in it), so a
    rollup is written by one INSERT rather than an INSERT and an update of every row per statement."""
    if len(selects) == 1:
        return selects[0]
    keys = rollup.keys()
    columns = [c.name for c in rollup.table.columns if c.name != "as_of"]
    attributes = [name for name in columns if name in ATTRIBUTES and name not in keys]
    parts = []
    for select in selects:
        part = select.subquery()
        parts.append(
            sa.select(
                *(part.c[name] if name in part.c else _nothing(name in attributes).label(name) for name in columns)
            )
        )
    rows = sa.union_all(*parts).subquery("rows")
    return sa.select(
        *(rows.c[name] for name in keys),
        *(sa.func.max(rows.c[name]).label(name) for name in attributes),
        *(
            sa.cast(sa.func.sum(rows.c[name]), sa.BigInteger).label(name)
            for name in columns
            if name not in keys and name not in attributes
        ),
    ).group_by(*(rows.c[name] for name in keys))
