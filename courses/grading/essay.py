"""Essays: stored as written and graded by the teacher.

Spec: ``{"points": 5, "min_words": 0}``. The automatic result is pending with 0 points.
"""

from __future__ import annotations

from typing import Any

from courses.grading import messages as msg
from courses.grading.results import MAX_TEXT_LENGTH, ItemResult, points, text_problem, zero

MAX_ESSAY_LENGTH = 10 * MAX_TEXT_LENGTH


def validate(spec: dict[str, Any], response: object) -> object | None:
    return text_problem(response, MAX_ESSAY_LENGTH, msg.EXPECTED_TEXT)


def grade(spec: dict[str, Any], response: object) -> ItemResult:
    problem = validate(spec, response)
    if problem:
        return zero(spec, problem)
    return ItemResult(0.0, points(spec), [], pending=True)


def public(spec: dict[str, Any]) -> dict[str, Any]:
    min_words = spec.get("min_words")
    return {"min_words": min_words} if isinstance(min_words, int) and min_words > 0 else {}
