"""Numeric answers with a tolerance or a range.

Spec::

    {"points": 1,
     "answers": [{"value": 3, "tolerance": 2, "credit": 1.0, "feedback": "…"},       # 1 ≤ x ≤ 5
                 {"value": 100, "tolerance": 0.05, "relative": true, "credit": 1},    # within 5 %
                 {"min": 1.5, "max": 2.5, "credit": 0.5},                              # a range
                 {"any": true, "credit": 0, "feedback": "…"}]}                        # any other number

The best matching answer counts. Responses may be numbers or strings with a
decimal comma ("3,5").
"""

from __future__ import annotations

import math
from typing import Any

from courses.grading import messages as msg
from courses.grading.normalize import parse_number
from courses.grading.results import ItemResult, points, zero

# Floating point: 0.1 + 0.2 must match 0.3 with a tolerance of 0.
_EPSILON = 1e-9


def _number(value: object) -> float | None:
    return None if isinstance(value, bool) or not isinstance(value, int | float) else float(value)


def matches(answer: dict[str, Any], number: float) -> bool:
    if answer.get("any") is True:
        return True
    low, high = _number(answer.get("min")), _number(answer.get("max"))
    if low is not None or high is not None:
        low = -math.inf if low is None else low
        high = math.inf if high is None else high
        return low - _EPSILON <= number <= high + _EPSILON
    value = _number(answer.get("value"))
    if value is None:
        return False
    tolerance = abs(_number(answer.get("tolerance")) or 0.0)
    if answer.get("relative"):
        tolerance *= abs(value)
    return abs(number - value) <= tolerance + _EPSILON * max(1.0, abs(value))


def validate(spec: dict[str, Any], response: object) -> object | None:
    return None if parse_number(response) is not None else msg.EXPECTED_NUMBER


def grade(spec: dict[str, Any], response: object) -> ItemResult:
    number = parse_number(response)
    if number is None:
        return zero(spec, msg.EXPECTED_NUMBER)
    best: dict[str, Any] | None = None
    for answer in spec.get("answers", []):
        if isinstance(answer, dict) and matches(answer, number):
            if best is None or _credit(answer) > _credit(best):
                best = answer
    if best is None:
        return ItemResult(0.0, points(spec))
    feedback = [best["feedback"]] if isinstance(best.get("feedback"), str) and best["feedback"] else []
    return ItemResult(points(spec) * max(0.0, _credit(best)), points(spec), feedback)


def _credit(answer: dict[str, Any]) -> float:
    credit = _number(answer.get("credit", 1.0))
    return 0.0 if credit is None else max(-1.0, min(1.0, credit))


def public(spec: dict[str, Any]) -> dict[str, Any]:
    return {}
