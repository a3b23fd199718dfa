"""Unit tests written with asserts, split into what the sandbox observes and what is checked outside."""

from __future__ import annotations

import pytest

from courses.grading.assertions import Assignment, Step, UnconvertibleTest, convert
from courses.grading.checks import evaluate


def observed(code: str) -> list[str]:
    return [step.source for step in convert(code).steps if step.kind == "eval"]


def checks(code: str) -> list[str]:
    return [entry.source for entry in convert(code).outside if not isinstance(entry, Assignment)]


@pytest.mark.parametrize(
    ("code", "inside", "outside"),
    [
        ("assert accuracy([1, 0], [1, 1]) == 0.5", ["accuracy([1, 0], [1, 1])"], ["_v0 == 0.5"]),
        (
            "assert abs(accuracy([1, 0, 1], [1, 1, 1]) - 2 / 3) < 1e-9",
            ["accuracy([1, 0, 1], [1, 1, 1])"],
            ["abs(_v0 - 2 / 3) < 1e-09"],
        ),
        ("assert isinstance(f(1), float)", ["f(1)"], ["isinstance(_v0, float)"]),
        ("assert isinstance(f(1), (int, type(None)))", ["f(1)"], ["isinstance(_v0, (int, type(None)))"]),
        ("assert f(1) == f(2)", ["f(1)", "f(2)"], ["_v0 == _v1"]),
        ("assert len(f('ab')) == 2 and f('ab')[0] == 'a'", ["f('ab')", "f('ab')[0]"], ["len(_v0) == 2 and _v1 == 'a'"]),
        ("assert f(1) is None", ["f(1)"], ["_v0 is None"]),
        ("assert f(1)", ["f(1)"], ["_v0"]),
        ("assert math.isclose(f(1), 0.1, rel_tol=1e-6)", ["f(1)"], ["math.isclose(_v0, 0.1, rel_tol=1e-06)"]),
        ("assert f.calls == 1", ["f.calls"], ["_v0 == 1"]),
    ],
)
def test_the_student_side_is_observed_and_the_comparison_stays_outside(code, inside, outside):
    assert observed(code) == inside
    assert checks(code) == outside


def test_assignments_that_need_nothing_from_the_sandbox_stay_outside():
    plan = convert("expected = [1, 2, 3]\nassert f(3) == expected")
    assert plan.steps == (Step("eval", "f(3)"),)  # the expected value never goes in
    assignment, check = plan.outside
    assert isinstance(assignment, Assignment) and assignment.names == ("expected",)
    assert evaluate(check, {"_v0": [1, 2, 3], "expected": [1, 2, 3]}) is True


def test_an_assignment_the_students_code_reads_goes_in_as_well():
    plan = convert("data = [3, 1, 2]\nsize = len(data)\nassert f(data) == sorted(data)\nassert len(f(data)) == size")
    assert [step.source for step in plan.steps] == ["data = [3, 1, 2]", "f(data)", "f(data)"]
    assert checks("data = [3, 1, 2]\nassert f(data) == sorted(data)") == ["_v0 == sorted(data)"]


def test_statements_run_inside_in_order_and_what_they_bind_is_observed():
    plan = convert("import math\nresult = f(2)\nresult = result + 1\nassert result == 5")
    assert [(step.kind, step.source) for step in plan.steps] == [
        ("exec", "import math"),
        ("exec", "result = f(2)"),
        ("exec", "result = result + 1"),
        ("eval", "result"),
    ]
    assert checks("result = f(2)\nassert result == 5") == ["_v0 == 5"]


def test_a_test_without_an_assert_only_has_to_finish():
    plan = convert("f(1)")
    assert plan.steps == (Step("exec", "f(1)"),) and plan.outside == ()


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("for x in [1, 2]:\n    assert f(x) == x", "an assert inside a for block"),
        ("if True:\n    assert f(1)", "an assert inside a if block"),
        ("assert all(y > 0 for y in f(3))", "would be decided inside the sandbox"),
        ("assert [y for y in f(3)] == [1]", "would be decided inside the sandbox"),
        ("assert (lambda: f(1))() == 1", "would be decided inside the sandbox"),
        ("assert f(1) is f(2)", "is"),
        ("assert _v0 == 1", "reserved"),
        ("assert (", "not valid Python"),
    ],
)
def test_what_cannot_be_checked_outside_is_refused_with_a_reason(code, reason):
    with pytest.raises(UnconvertibleTest, match=reason):
        convert(code)
