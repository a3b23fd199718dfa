"""The rollups: known answers on a hand-made data set; incremental refreshes = a rebuild = the raw tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import services
from analytics.models import CourseWeek, Refresh, SchoolWeek
from analytics.rollups import ROLLUPS
from tests.analytics import rawcounts
from tests.analytics.world import MONDAY, build, later, rollup_rows


def _counts(tables: dict[str, dict[Any, dict[str, int]]]) -> dict[str, dict[Any, dict[str, int]]]:
    """The counts without their record keys' sums (``rawcounts`` checks those)."""
    return {
        name: {key: {m: v for m, v in values.items() if not m.endswith("_key")} for key, values in rows.items()}
        for name, rows in tables.items()
    }


def _nonzero(tables: dict[str, dict[Any, dict[str, int]]]) -> dict[str, dict[Any, dict[str, int]]]:
    return {
        name: {key: {m: v for m, v in values.items() if v} for key, values in rows.items()}
        for name, rows in tables.items()
        if rows
    }


def test_known_answers(db):
    world = build()
    a, b, c = world.students[0], world.students[1], world.students[3]  # a, b at school 0; c at school 1
    loner = world.students[-1]  # no school
    lesson, quiz = world.lessons[0], world.assignments[0]
    world.enrol(a, world.course, later(0, 1))
    world.enrol(b, world.course, later(0, 2))
    world.enrol(loner, world.course, later(1))
    world.event(a, "experienced", "lesson", lesson.id, later(0, 3))
    world.event(a, "completed", "lesson", lesson.id, later(0, 4))
    world.event(a, "attempted", "assignment", quiz.id, later(0, 5), success=False)
    world.event(a, "attempted", "assignment", quiz.id, later(0, 6), success=True)
    world.event(b, "attempted", "assignment", quiz.id, later(8), success=None)  # code, graded later:
    world.event(b, "scored", "assignment", quiz.id, later(8, 1), success=True)
    world.complete_course(a, world.course, later(9), grade=87)  # 9 days less 1 hour after enrolling
    world.enrol(c, world.course, later(2))
    world.certificate(c, world.course, later(30), 100, revoked=later(40))
    world.complete_course(world.teachers[0], world.teacher_course, later(3))
    world.enrol(world.teachers[1], world.teacher_course, later(3))
    db.session.flush()

    until = later(60)
    report = services.rebuild(until)
    assert report.full and report.rows["course_weeks"] >= 5  # rows written, by each of its statements
    # 4 of the course, 1 of the teachers', and the weeks of c's certificate issued and revoked.
    assert len(db.session.scalars(sa.select(CourseWeek)).all()) == 7

    first, second = world.schools[0].id, world.schools[1].id
    week1, week2 = MONDAY.date() + timedelta(days=1), MONDAY.date() + timedelta(days=8)
    rows = {
        (r.week, r.school_id): r
        for r in db.session.scalars(sa.select(CourseWeek).where(CourseWeek.course_id == world.course.id))
    }
    one = rows[(week1, first)]
    assert (one.enrolments, one.learners_active, one.lessons_completed, one.attempts, one.passes) == (2, 2, 1, 2, 1)
    assert (one.region_id, one.district_id) == (world.schools[0].region_id, world.schools[0].district_id)
    two = rows[(week2, first)]
    assert (two.learners_active, two.attempts, two.passes, two.completions) == (2, 1, 1, 1)
    assert two.completion_seconds == 9 * 86400 - 3600
    unassigned = rows[(week1, 0)]
    assert (unassigned.enrolments, unassigned.region_id, unassigned.district_id) == (1, 0, 0)
    assert rows[(week1, second)].enrolments == 1
    assert rows[(week1, second)].district_id == 0  # a school without a district

    school_week = db.session.get(SchoolWeek, {"week": week1, "school_id": first})
    assert school_week is not None and school_week.learners_active == 4  # a, b and both teachers

    tables = _counts(_nonzero(rollup_rows()))
    region = world.schools[0].region_id
    district = world.schools[0].district_id
    school = ("school", "urban", "kk")  # the kind of both schools: the test world's defaults
    assert tables["grades"] == {
        (world.course.id, region, district, *school, 8): {"certificates": 1},
        (world.course.id, region, 0, *school, 9): {"certificates": 1},
    }
    months = tables["district_months"]
    assert months[(MONDAY.date().replace(day=1) + timedelta(days=30), region, 0, world.course.id)] == {
        "certificates_issued": 1,
        "certificates_revoked": 1,
    }
    people = tables["school_people"]
    assert people[(first,)] == {
        "students": 3,
        "students_enrolled": 2,
        "teachers": 2,
        "teachers_trained": 1,
        "region_id": region,
        "district_id": district,
    }
    assert people[(0,)] == {"students": 2, "students_enrolled": 1}
    # At risk 60 days on: b (no completion) and c and the loner; a and the teacher completed.
    at_risk = {key: values["learners"] for key, values in tables["at_risk"].items()}
    assert at_risk == {
        (world.course.id, first): 1,
        (world.course.id, second): 1,
        (world.course.id, 0): 1,
        (world.teacher_course.id, first): 1,
    }
    reach = tables["module_reach"]
    assert reach == {(world.course.id, lesson.module_id, region, district, *school): {"learners": 1}}
    assert tables["assignments"][(quiz.id, region, district)] == {
        "attempts": 3,
        "passes": 2,
        "course_id": world.course.id,
    }
    assert _nonzero(rollup_rows()) == _nonzero(rawcounts.expected(until))


def test_a_learner_counts_once_a_week_across_refreshes(db):
    world = build()
    a = world.students[0]
    world.enrol(a, world.course, later(0, 1))
    world.event(a, "experienced", "lesson", world.lessons[0].id, later(2))
    world.event(a, "experienced", "lesson", world.lessons[1].id, later(9))
    db.session.flush()
    services.rebuild(later(1))
    services.refresh(later(3))
    services.refresh(later(10))
    weeks = {r.week: r.learners_active for r in db.session.scalars(sa.select(SchoolWeek))}
    assert sorted(weeks.values()) == [1, 1]
    refresh = db.session.get(Refresh, "school_weeks")
    assert refresh is not None and refresh.data_as_of == later(10) and not refresh.full


def test_snapshots_are_counted_again_when_an_hour_old(db):
    """A refresh every five minutes adds the new events; the snapshots (each reads every enrolment or account)
    are counted again once their count is an hour old, or when asked."""
    world = build()
    world.enrol(world.students[0], world.course, later(0))
    db.session.flush()
    services.rebuild(later(20))
    at_risk = db.session.get(Refresh, "at_risk")
    assert at_risk is not None and at_risk.data_as_of == later(20)

    world.enrol(world.students[1], world.course, later(20, 0.1))
    db.session.flush()
    report = services.refresh(later(20, 0.5))
    assert "at_risk" not in report.rows and "course_weeks" in report.rows
    assert at_risk.data_as_of == later(20) and services.data_as_of() == later(20, 0.5)
    assert services.refresh(later(20, 0.6), snapshots=True).rows["at_risk"] > 0
    assert at_risk.data_as_of == later(20, 0.6)
    services.refresh(later(21, 0.5))
    assert at_risk.data_as_of == later(21, 0.5)
    assert services.refresh(later(21, 0.7)).rows.keys() == {r.name for r in ROLLUPS if not r.snapshot}


def test_refresh_rebuilds_first_and_does_nothing_when_up_to_date(db):
    build()
    assert services.data_as_of() is None
    assert services.refresh(later(5)).full
    assert services.data_as_of() == later(5)
    assert services.refresh(later(4)).window is None


def test_the_refresh_task_counts_up_to_a_minute_ago(app, db):
    from analytics.tasks import refresh_rollups

    build()
    refresh_rollups.call_local()
    as_of = services.data_as_of()
    assert as_of is not None
    assert {r.rollup for r in services.last_refreshes()} == {
        "course_weeks",
        "school_weeks",
        "district_weeks",
        "school_months",
        "district_months",
        "assignments",
        "module_reach",
        "grades",
        "at_risk",
        "school_people",
    }


def test_the_rebuild_command(runner, db):
    build()
    result = runner.invoke(args=["analytics", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"Rebuilt {len(ROLLUPS)} rollups" in result.output
    result = runner.invoke(args=["analytics", "refresh"])
    assert result.exit_code == 0, result.output


ACTIVITY = st.lists(
    st.tuples(
        st.integers(0, 10),  # learner
        st.sampled_from(["open", "complete", "attempt", "pass", "code", "finish", "certificate", "move"]),
        st.integers(0, 3),  # lesson or assignment
        st.floats(0, 34, allow_nan=False),  # days after the first Monday
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(activity=ACTIVITY, cuts=st.lists(st.floats(0, 36, allow_nan=False), max_size=5))
def test_incremental_refreshes_equal_a_rebuild_and_the_raw_tables(db, activity, cuts):
    db.session.expunge_all()  # every example starts from the same empty country (its rows are rolled back)
    with db.session.begin_nested() as savepoint:
        world = build()
        learners = world.students + world.teachers
        for who, kind, index, day in sorted(activity, key=lambda a: a[3]):
            user, at = learners[who], later(day)
            course = world.teacher_course if who >= len(world.students) else world.course
            world.enrol(user, course, at)
            lesson, quiz = world.lessons[index], world.assignments[index % 2]
            if kind == "open":
                world.event(user, "experienced", "lesson", lesson.id, at, course=course)
            elif kind == "complete":
                world.event(user, "completed", "lesson", lesson.id, at, course=course)
            elif kind in ("attempt", "pass"):
                world.event(user, "attempted", "assignment", quiz.id, at, course=course, success=kind == "pass")
            elif kind == "code":
                world.event(user, "attempted", "assignment", quiz.id, at, course=course)
                world.event(
                    user, "scored", "assignment", quiz.id, at + timedelta(minutes=3), course=course, success=True
                )
            elif kind == "finish" and world.enrolments[(user.id, course.id)].completed_at is None:
                world.complete_course(user, course, at, grade=int(day * 3))
            elif kind == "certificate":
                world.certificate(user, course, at, index * 33, revoked=at + timedelta(days=index) if index else None)
            elif kind == "move":  # an event from another school than the account's (a class elsewhere)
                world.event(
                    user, "experienced", "lesson", lesson.id, at, course=course, school_id=world.schools[index % 3].id
                )
        db.session.flush()

        end = later(37)
        for cut in sorted(cuts):
            services.refresh(later(cut))
        services.refresh(end)
        incremental = _nonzero(rollup_rows())
        services.rebuild(end)
        rebuilt = _nonzero(rollup_rows())
        assert incremental == rebuilt
        assert rebuilt == _nonzero(rawcounts.expected(end))
        savepoint.rollback()
