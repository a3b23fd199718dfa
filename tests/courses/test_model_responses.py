"""Model responses: derived from an item's spec, they earn its full points — on the demo course's every quiz item
and on hand-made specs of each type."""

from __future__ import annotations

import pytest

from courses.demo import DEMO_FOLDER
from courses.grading.model import model_response
from courses.grading.registry import grade, item_points
from courses.importers.folder import read_course_folder


def _demo_items():
    draft = read_course_folder(DEMO_FOLDER)
    for module in draft.modules:
        for assignment in module.assignments:
            yield from assignment.items


def test_every_demo_quiz_item_but_code_has_a_model_response_with_full_points():
    seen = set()
    for item in _demo_items():
        response = model_response(item.type, item.spec)
        if item.type in ("code", "essay"):
            assert response is None
            continue
        seen.add(item.type)
        result = grade(item.type, item.spec, response)
        assert result.score == pytest.approx(item_points(item.type, item.spec)), (item.type, item.spec)
    assert {"single_choice", "multiple_choice", "matching", "ordering", "short_text"} <= seen


@pytest.mark.parametrize(
    ("type_name", "spec"),
    [
        ("single_choice", {"choices": [{"id": "a", "credit": 0}, {"id": "b", "credit": 1}], "points": 2}),
        (
            "multiple_choice",
            {"choices": [{"id": "a", "credit": 0.5}, {"id": "b", "credit": -1}, {"id": "c", "credit": 0.5}]},
        ),
        ("numeric", {"answers": [{"value": 3.14, "tolerance": 0.01, "credit": 0.5}, {"min": 1, "max": 2}]}),
        ("short_text", {"answers": [{"regex": "a+"}, {"text": "Astana", "credit": 1}]}),
        ("matching", {"pairs": [{"id": "1", "left": "x", "right": "r1"}], "rights": [{"id": "r1"}]}),
        ("ordering", {"items": [{"id": "b"}, {"id": "a"}], "partial": False}),
    ],
)
def test_each_type_earns_full_points(type_name, spec):
    result = grade(type_name, spec, model_response(type_name, spec))
    assert result.score == pytest.approx(item_points(type_name, spec))


def test_no_model_response_where_none_can_be_derived():
    assert model_response("essay", {}) is None
    assert model_response("code", {"tests": []}) is None
    assert model_response("short_text", {"answers": [{"regex": "[0-9]+"}]}) is None
    assert model_response("single_choice", {"choices": [{"id": "a", "credit": 0}]}) is None
