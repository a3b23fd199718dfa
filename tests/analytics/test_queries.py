"""Dashboard questions from the rollups, on a hand-made country with known answers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from analytics import queries, services
from analytics.models import Headcount
from analytics.queries import Period, Scope
from analytics.queries import true_totals as true
from tests import factories
from tests.analytics.world import MONDAY, World, build, later


@pytest.fixture
def world(db: Any) -> World:
    world = build()
    a, b, c, d = world.students[0], world.students[1], world.students[3], world.students[6]
    loner = world.students[-1]
    for who in (a, b, c, d, loner):
        world.enrol(who, world.course, later(0, 2))
    for lesson in world.lessons[:2]:  # module 1
        world.event(a, "experienced", "lesson", lesson.id, later(1))
        world.event(b, "experienced", "lesson", lesson.id, later(1))
    world.event(a, "experienced", "lesson", world.lessons[2].id, later(8))  # module 2, the next week
    world.event(a, "completed", "lesson", world.lessons[0].id, later(8))
    world.complete_course(a, world.course, later(9), grade=95)
    world.complete_course(c, world.course, later(10), grade=55)
    world.certificate(d, world.course, later(12), 71, revoked=later(40))
    world.complete_course(world.teachers[0], world.teacher_course, later(3))
    for school, students, teachers in ((world.schools[0], 100, 10), (world.schools[2], 50, 4)):
        db.session.add(Headcount(school_id=school.id, school_year="2026-2027", students=students, teachers=teachers))
    db.session.flush()
    services.rebuild(later(30))
    return world


def test_activity_by_region_and_by_district(world: World) -> None:
    first, third = world.schools[0], world.schools[2]
    september = Period.months(date(2026, 9, 1))
    nation = true(queries.activity(Scope(), september, world.course.id))
    assert nation[first.region_id]["enrolments"] == 3  # a, b at school 0; c at school 1 (same region)
    assert nation[first.region_id]["completions"] == 2
    assert nation[first.region_id]["certificates_issued"] == 2
    assert nation[third.region_id]["certificates_issued"] == 1
    assert nation[0]["enrolments"] == 1  # the self-registered learner
    assert sum(row["enrolments"] for row in nation.values()) == 5
    region = true(queries.activity(Scope(first.region_id), september, world.course.id))
    assert region[first.district_id]["enrolments"] == 2 and region[0]["enrolments"] == 1
    october = true(queries.activity(Scope(), Period.months(date(2026, 10, 1)), world.course.id))
    assert october == {}  # the revocation comes in October, after the data's time (30 days on)
    # A district by school, from the school months: the same events as the district months.
    schools = queries.activity(Scope(first.region_id, first.district_id), september, world.course.id)
    assert true(schools) == {
        first.id: true(queries.activity(Scope(first.region_id), september, world.course.id))[first.district_id]
    }
    (district,) = queries.activity(Scope(first.region_id), september, world.course.id)[first.district_id]
    (school,) = schools[first.id]
    assert district == school  # the same counts and cell keys: shown the same on both pages


def test_filters_keep_the_schools_of_a_kind_settlement_and_language(world: World) -> None:
    from lms.db import db
    from lms.models import SchoolKind, Settlement

    first, second = world.schools[0], world.schools[1]  # the same region; a, b at the first, c at the second
    second.kind, second.settlement = SchoolKind.COLLEGE, Settlement.RURAL
    db.session.flush()
    september = Period.months(date(2026, 9, 1))
    nation = Scope()
    colleges = true(queries.activity(nation, september, world.course.id, queries.Filters(kind="college")))
    assert set(colleges) == {first.region_id} and colleges[first.region_id]["enrolments"] == 1
    rural_people = true(queries.people(nation, "2026-2027", queries.Filters(settlement="rural")))
    assert set(rural_people) == {second.region_id} and "headcount_students" not in rural_people[second.region_id]
    schools = true(queries.activity(nation, september, world.course.id, queries.Filters(kind="school")))
    assert schools[first.region_id]["enrolments"] == 2  # a and b; c's college and the unassigned learner left out
    assert 0 not in schools
    none = queries.activity(nation, september, world.course.id, queries.Filters(instruction="en"))
    assert none == {}


def test_schools_of_a_district(world: World) -> None:
    first = world.schools[0]
    weeks = Period.weeks(MONDAY.date() + timedelta(days=1), 2)
    schools = true(queries.school_activity(Scope(first.region_id, first.district_id), weeks, world.course.id))
    assert schools == {
        first.id: {"enrolments": 2, "lessons_completed": 1, "attempts": 0, "passes": 0, "completions": 1}
    }


def test_people_beside_the_headcounts(world: World) -> None:
    first, third = world.schools[0], world.schools[2]
    nation = true(queries.people(Scope(), "2026-2027"))
    assert nation[first.region_id] == {
        "students": 6,
        "students_enrolled": 3,
        "teachers": 2,
        "teachers_trained": 1,
        "headcount_students": 100,
        "headcount_teachers": 10,
    }
    assert nation[third.region_id]["headcount_students"] == 50
    assert nation[0] == {"students": 2, "students_enrolled": 1, "teachers": 0, "teachers_trained": 0}
    district = true(queries.people(Scope(first.region_id, first.district_id), "2026-2027"))
    assert district[first.id]["teachers_trained"] == 1 and district[first.id]["headcount_teachers"] == 10


def test_weekly_trend_counts_learners_once_a_week(world: World) -> None:
    trend = true(queries.weekly_trend(Period.weeks(MONDAY.date() + timedelta(days=1), 2)))
    week1, week2 = sorted(trend)
    assert trend[week1]["enrolments"] == 5 + 1  # five learners and the teacher
    assert trend[week1]["learners_active"] == 6
    assert trend[week2]["learners_active"] == 2  # a and c (completing); d's certificate is no event
    assert trend[week2]["completions"] == 2


def test_funnel_grades_and_at_risk(world: World) -> None:
    modules = true(queries.funnel(world.course.id))
    ordered = sorted(world.course.modules, key=lambda module: module.position)
    assert [modules[module.id]["learners"] for module in ordered if module.id in modules] == [2, 1]
    grades = {
        bucket: values["certificates"]
        for bucket, values in true(queries.grade_distribution(Scope(), world.course.id)).items()
    }
    assert grades == {9: 1, 5: 1, 7: 1}
    first = world.schools[0]
    # Inactive since the first days: b (school 0), d (school 2) and the self-registered learner.
    assert true(queries.at_risk(Scope(), world.course.id)) == {
        first.region_id: {"learners": 1},
        world.schools[2].region_id: {"learners": 1},
        0: {"learners": 1},
    }
    assert true(queries.at_risk(Scope(first.region_id, first.district_id), world.course.id)) == {
        first.id: {"learners": 1}
    }


def test_periods_are_whole_weeks_or_months() -> None:
    assert Period.months(date(2026, 11, 1), 2) == Period(date(2026, 11, 1), date(2026, 12, 31))
    assert Period.weeks(date(2026, 9, 7)).last == date(2026, 9, 13)
    with pytest.raises(ValueError, match="Monday"):
        Period.weeks(date(2026, 9, 8))
    with pytest.raises(ValueError, match="first"):
        Period.months(date(2026, 9, 2))


def test_the_database_adds_up_counts_and_their_keys_per_row(db: Any) -> None:
    """A row's count and cell key are the sums of its rollup rows' (a district's courses in a month), so the
    same people give the same key whichever way they are added up."""
    from analytics.models import DistrictMonth
    from lms.db import utcnow

    region = factories.region("KZ-71")
    september = date(2026, 9, 1)
    values = list(range(60))
    for n, value in enumerate(values):
        db.session.add(
            DistrictMonth(
                month=september, region_id=region.id, district_id=1000 + n // 6, course_id=n % 6 + 1,
                enrolments=value, enrolments_key=value * 37, completions=59 - value, completions_key=n, as_of=utcnow(),
            )
        )  # fmt: skip
    db.session.flush()
    found = queries.activity(Scope(region.id), Period.months(september))
    for district in range(10):
        (measures,) = found[1000 + district]
        mine = values[6 * district : 6 * district + 6]
        assert measures["enrolments"] == queries.Measure(sum(mine), 37 * sum(mine))
        assert measures["completions"] == queries.Measure(sum(59 - v for v in mine), sum(mine))
    (everything,) = queries.activity(Scope(), Period.months(september))[region.id]
    assert everything["enrolments"] == queries.Measure(sum(values), 37 * sum(values))
