"""No child singled out, whatever filters are combined: on random activity (hypothesis), every count the API
gives is a multiple of 5 or null and is the sum of the shown finest cells it is made of (a district's course in
the month) — so any combination of answers (a region minus one of its districts, every course minus one course,
a total minus its rows) is a function of the shown cells and tells no cell more than its own "<5" or rounded value
(``tests/analytics/test_disclosure.py`` checks that a table of shown cells and its total tell nothing more). The
same population gives the same number whichever answer it comes from."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from analytics import dashboards, disclosure, queries, services
from analytics.queries import Scope
from lms.models import Role
from lms.services import accounts
from tests import factories
from tests.analytics import world as worlds

MONTHS = ("2026-09", "2026-10")
#: The term the two months make (September and October).
TERM = "2026-2027-t1"
#: Per school: how many more students enrol, how many of them complete, in which month (0 September, 1 October).
CROWDS = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 9), st.integers(0, 9), st.integers(0, 1)), min_size=1, max_size=6
)


def _answers(client: Any, headers: dict[str, str], world: worlds.World) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Every overview the filters allow: (region or None, month, course or None) → the API's answer."""
    found = {}
    for month in (*MONTHS, TERM):
        for course in (None, world.course.id, world.teacher_course.id):
            for region in (None, *{s.region_id for s in world.schools}):
                query = (
                    f"period={month}"
                    + (f"&course={course}" if course else "")
                    + (f"&region={region}" if region else "")
                )
                response = client.get(f"/api/v1/analytics/overview?{query}", headers=headers)
                if response.status_code == 422:  # a month with no activity is not among the choices
                    continue
                assert response.status_code == 200, response.get_json()
                found[region, month, course] = response.get_json()
    return found


def _shown(cells: list[dict[str, queries.Measure]], name: str) -> int | None:
    """The number the rule allows for a row: its cells' shown values (added up in SQL), "<5" (None) for none."""
    total = sum((cell[name] for cell in cells if name in cell), queries.Measure())
    return disclosure.of_sum(total.shown, total.cells).value


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
            chosen = dashboards.period_of(month)
            assert chosen is not None
            cells = dashboards.counted(Scope(region_id=region), chosen.period, course)
            every_cell = [cell for parts in cells.values() for cell in parts]
            for row in [*answer["rows"], answer["total"]]:
                mine = every_cell if row["key"] == -1 else cells.get(row["key"], [])
                for name, value in row["counts"].items():
                    # Every count: a multiple of 5, or null for "<5" — and exactly the sum of its shown cells.
                    assert value is None or (value >= disclosure.THRESHOLD and value % disclosure.BASE == 0)
                    assert value == _shown(mine, name), (row["key"], name)
            if region is not None:
                # The nation's row of a region and the region's own total: one population, one number.
                nation = answers.get((None, month, course))
                if nation is not None:
                    row = next(r for r in nation["rows"] if r["key"] == region)
                    assert row["counts"] == answer["total"]["counts"]
            term = answers.get((region, TERM, course))
            if month != TERM and term is not None:
                # A month is a part of its term: the term minus the month is the other month's shown cells.
                whole = {r["key"]: r["counts"] for r in term["rows"]}
                for row in answer["rows"]:
                    for name, value in row["counts"].items():
                        difference = (whole[row["key"]][name] or 0) - (value or 0)
                        assert difference == 0 or (difference >= disclosure.THRESHOLD and difference % 5 == 0)
            if course is None:
                # Every course is the sum of each course's shown cells: one course's answer is a part of it.
                for row in answer["rows"]:
                    for name, value in row["counts"].items():
                        parts = [answers.get((region, month, c)) for c in (world.course.id, world.teacher_course.id)]
                        if all(parts):
                            each = [next(r for r in p["rows"] if r["key"] == row["key"])["counts"][name] for p in parts]
                            assert (value or 0) >= sum(v or 0 for v in each)
        savepoint.rollback()
