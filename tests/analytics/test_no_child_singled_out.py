"""No child singled out, whatever filters are combined: on random activity (hypothesis), every count the API gives
is "<5" (null) exactly when its people number under 5, else their true count perturbed by its cell key by at most
3 (``analytics.disclosure``); the same population gives the same number whichever answer it comes from (the
nation's row of a region and the region's total); and subtracting two nested answers (every course minus one
course, a term minus one of its months, a total minus a row) narrows a group under 5 to one value only where the
two perturbations sit at opposite ends of the table."""

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


def _measure(cells: list[dict[str, queries.Measure]], name: str) -> queries.Measure:
    """A row's true count and cell key, from its parts."""
    return sum((cell[name] for cell in cells if name in cell), queries.Measure())


def _check_difference(whole: int | None, part: int | None, true_whole: int, true_part: int) -> None:
    """Subtracting a part from its whole: the rest's true count is among what the two shown numbers allow, and a
    rest under 5 is narrowed to one value only by a pair of opposite extreme perturbations."""
    first, second = disclosure.Shown(whole), disclosure.Shown(part)
    rest = true_whole - true_part
    assert rest in disclosure.differences(first, second)
    candidates = {d for d in disclosure.differences(first, second) if 0 <= d < disclosure.THRESHOLD}
    if rest < disclosure.THRESHOLD and len(candidates) == 1:
        assert whole is not None and part is not None
        assert {whole - true_whole, part - true_part} == {disclosure.MAX_NOISE, -disclosure.MAX_NOISE}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(crowds=CROWDS)
# A district and the rest of its region with 4 learners each: a region of 8 beside a district under 5, where the
# rest's 4 must stay uncertain.
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
        truth: dict[tuple[Any, ...], dict[tuple[int, str], int]] = {}

        for (region, month, course), answer in answers.items():
            chosen = dashboards.period_of(month)
            assert chosen is not None
            cells = dashboards.counted(Scope(region_id=region), chosen.period, course)
            every_cell = [cell for parts in cells.values() for cell in parts]
            truth[region, month, course] = {}
            for row in [*answer["rows"], answer["total"]]:
                mine = every_cell if row["key"] == -1 else cells.get(row["key"], [])
                for name, value in row["counts"].items():
                    # Every count: null exactly under 5, else within 3 of the truth, by its own cell key.
                    measure = _measure(mine, name)
                    assert value == disclosure.shown(measure.count, measure.key).value, (row["key"], name)
                    assert (value is None) == (measure.count < disclosure.THRESHOLD)
                    assert value is None or abs(value - measure.count) <= disclosure.MAX_NOISE
                    truth[region, month, course][row["key"], name] = measure.count
            if region is not None:
                # The nation's row of a region and the region's own total: one population, one number.
                nation = answers.get((None, month, course))
                if nation is not None:
                    row = next(r for r in nation["rows"] if r["key"] == region)
                    assert row["counts"] == answer["total"]["counts"]
        for (region, month, course), answer in answers.items():
            mine = truth[region, month, course]
            # (the whole's row, the whole's truths, its key there, the part's row here)
            nested: list[tuple[dict[str, Any], dict[tuple[int, str], int], int, dict[str, Any]]] = []
            for row in answer["rows"]:  # a row from its table's total
                nested.append((answer["total"], mine, -1, row))
            whole = (region, TERM, course)
            if month != TERM and whole in answers:  # a month from its term
                nested += [(r, truth[whole], r["key"], r) for r in answers[whole]["rows"]]
            whole = (region, month, None)
            if course is not None and whole in answers:  # one course from every course
                nested += [(r, truth[whole], r["key"], r) for r in answers[whole]["rows"]]
            for outer, outer_truth, outer_key, row in nested:
                part = next((r for r in answer["rows"] if r["key"] == row["key"]), None)
                if part is None:
                    continue
                for name, value in outer["counts"].items():
                    if (row["key"], name) in mine and (outer_key, name) in outer_truth:
                        _check_difference(
                            value,
                            part["counts"][name],
                            outer_truth[outer_key, name],
                            mine[row["key"], name],
                        )
        savepoint.rollback()
