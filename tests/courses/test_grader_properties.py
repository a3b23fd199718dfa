"""Property-based: no response makes a grader raise or score outside [0, max]."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.grading.registry import ITEM_TYPES, grade
from tests.courses.test_graders import ESSAY, MATCHING, MULTI, NUMERIC, ORDERING, SINGLE, TEXT

SPECS = {
    "single_choice": SINGLE,
    "multiple_choice": MULTI,
    "numeric": NUMERIC,
    "short_text": TEXT,
    "matching": MATCHING,
    "ordering": ORDERING,
    "essay": ESSAY,
    "code": {"mode": "unit", "tests": [{"code": "assert f() == 1"}, {"code": "assert f(2) == 4", "points": 3}]},
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=200)
    | st.sampled_from(["a", "b", "c", "d", "l1", "l2", "r1", "r2", "r3", "x", "y", "z", "3", "4,5", "Frog"]),
    lambda children: st.lists(children, max_size=8) | st.dictionaries(st.text(max_size=5), children, max_size=8),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(type_name=st.sampled_from(sorted(ITEM_TYPES)), response=json_values)
def test_any_response_scores_within_bounds(type_name, response):
    result = grade(type_name, SPECS[type_name], response)
    assert 0 <= result.score <= result.max_score
    assert all(str(line) for line in result.feedback)


@settings(max_examples=300, deadline=None)
@given(
    type_name=st.sampled_from(sorted(ITEM_TYPES)),
    spec=st.dictionaries(st.text(max_size=8), json_values, max_size=5),
    response=json_values,
)
def test_any_spec_and_response_never_raise(type_name, spec, response):
    result = grade(type_name, spec, response)
    assert 0 <= result.score <= result.max_score


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c", "d"]), unique=True))
def test_multiple_choice_never_exceeds_full_marks(chosen):
    assert 0 <= grade("multiple_choice", MULTI, chosen).score <= 1
