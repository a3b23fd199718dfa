"""No child singled out, whatever filters are combined: on random activity (hypothesis), every count the API
gives is rounded down to 5 or null, the same population gives the same number whichever answer it comes from, and
no difference of two answers for nested populations (a region and one of its districts, every course and one
course) tells a group of fewer than 5 exactly."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analytics import dashboards, disclosure, services
from analytics.disclosure import Shown
from analytics.queries import Scope
from lms.models import Role
from lms.services import accounts
from tests import factories
from tests.analytics import world as worlds

MONTHS = ("2026-09", "2026-10")
#: Per school: how many more students enrol, how many of them complete, in which month (0 September, 1 October).
CROWDS = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 9), st.integers(0, 9), st.integers(0, 1)), min_size=1, max_size=6
)


def _answers(client: Any, headers: dict[str, str], world: worlds.World) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Every overview the filters allow: (region or None, month, course or None) → the API's answer."""
    found = {}
    for month in MONTHS:
        for course in (None, world.course.id, world.teacher_course.id):
            for region in (None, *{s.region_id for s in world.schools}):
                query = (
                    f"month={month}" + (f"&course={course}" if course else "") + (f"&region={region}" if region else "")
                )
                response = client.get(f"/api/v1/analytics/overview?{query}", headers=headers)
                if response.status_code == 422:  # a month with no activity is not among the choices
                    continue
                assert response.status_code == 200, response.get_json()
                found[region, month, course] = response.get_json()
    return found


def _pairs_tell_nothing(larger: Shown, smaller: Shown, true_difference: int) -> None:
    if true_difference < disclosure.THRESHOLD:
        candidates = {d for d in disclosure.differences(larger, smaller) if 0 <= d < disclosure.THRESHOLD}
        assert true_difference in candidates and len(candidates) >= 2


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(crowds=CROWDS)
# A district and the rest of its region with 4 learners each: a region of 8 beside a district under 5 is where
# rounding to the nearest 5 (8 shown as 10) would tell the rest's 4 exactly.
@example(crowds=[(0, 4, 4, 0), (1, 4, 4, 0)])
@example(crowds=[(0, 3, 0, 1), (1, 9, 2, 1), (2, 5, 5, 1)])
def test_no_answer_or_pair_of_answers_singles_a_child_out(db, client, crowds):
    db.session.expunge_all()
    with db.session.begin_nested() as savepoint:
        world = worlds.build()
        for school_index, enrolled, completing, month in crowds:
            school = world.schools[school_index]
            for n in range(enrolled):
                student = factories.user(school_id=school.id, password=None)
                at = worlds.later(days=2 + 30 * month + n / 10)
                if n < completing:
                    world.complete_course(student, world.course, at, grade=70)
                else:
                    world.enrol(student, world.course, at)
        db.session.flush()
        services.rebuild(worlds.later(days=60))
        official = factories.user(Role.OFFICIAL)
        headers = {"Authorization": "Bearer " + accounts.issue_api_token(official).secret, "Accept-Language": "en"}
        answers = _answers(client, headers, world)
        assert answers or not dashboards.months_with_data()  # no activity: no month to choose

        for (region, month, course), answer in answers.items():
            first = date.fromisoformat(month + "-01")
            true = dashboards.counted(Scope(region_id=region), first, course)
            for row in [*answer["rows"], answer["total"]]:
                key = row["key"]
                for name, value in row["counts"].items():
                    # Every count: rounded down to 5, or null for fewer than 5.
                    assert value is None or (value >= disclosure.THRESHOLD and value % disclosure.BASE == 0)
                    exact = sum(v.get(name, 0) for v in true.values()) if key == -1 else true.get(key, {}).get(name, 0)
                    assert disclosure.shown(exact) == Shown(value)
            if region is not None:
                # The nation's row of a region and the region's own total: one population, one number.
                nation = answers.get((None, month, course))
                if nation is not None:
                    row = next(r for r in nation["rows"] if r["key"] == region)
                    assert row["counts"] == answer["total"]["counts"]
                # A region and each of its districts.
                for row in answer["rows"]:
                    for name in row["counts"]:
                        difference = sum(v.get(name, 0) for v in true.values()) - true.get(row["key"], {}).get(name, 0)
                        _pairs_tell_nothing(
                            Shown(answer["total"]["counts"][name]), Shown(row["counts"][name]), difference
                        )
            if course is not None:
                # Every course and one course, for the same place and month.
                every = answers.get((region, month, None))
                every_true = dashboards.counted(Scope(region_id=region), first, None)
                for row in answer["rows"] if every else []:
                    other = next(r for r in every["rows"] if r["key"] == row["key"])
                    for name in row["counts"]:
                        difference = every_true.get(row["key"], {}).get(name, 0) - true.get(row["key"], {}).get(name, 0)
                        _pairs_tell_nothing(Shown(other["counts"][name]), Shown(row["counts"][name]), difference)
        savepoint.rollback()
