"""Single and multiple choice (true/false is single choice with two choices).

Spec::

    {"points": 1,
     "choices": [{"id": "a", "text": "…", "credit": 1.0, "feedback": "…"}, …]}

``credit`` is the fraction of the points a choice earns, in [-1, 1]: single
choice takes the chosen one's credit; multiple choice adds the credits of
every chosen choice (negative weights punish guessing) and floors at 0.
With ``"all_or_nothing": true`` a multiple choice scores only when exactly
the choices with positive credit are chosen (QTI's match_correct).
"""

from __future__ import annotations

from typing import Any

from courses.grading import messages as msg
from courses.grading.results import MAX_LIST_LENGTH, ItemResult, points, zero


def _choices(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(c["id"]): c for c in spec.get("choices", []) if isinstance(c, dict) and "id" in c}


def _credit(choice: dict[str, Any]) -> float:
    credit = choice.get("credit", 0.0)
    if isinstance(credit, bool) or not isinstance(credit, int | float):
        return 0.0
    return max(-1.0, min(1.0, float(credit)))


def _feedback(choice: dict[str, Any]) -> list[str]:
    text = choice.get("feedback")
    return [text] if isinstance(text, str) and text else []


def public_choices(spec: dict[str, Any]) -> dict[str, Any]:
    return {"choices": [{"id": str(c["id"]), "text": c.get("text", "")} for c in _choices(spec).values()]}


def validate_single(spec: dict[str, Any], response: object) -> object | None:
    if not isinstance(response, str):
        return msg.EXPECTED_CHOICE
    if response not in _choices(spec):
        return msg.NO_SUCH_CHOICE
    return None


def grade_single(spec: dict[str, Any], response: object) -> ItemResult:
    problem = validate_single(spec, response)
    if problem:
        return zero(spec, problem)
    choice = _choices(spec)[str(response)]
    return ItemResult(points(spec) * max(0.0, _credit(choice)), points(spec), _feedback(choice))


def validate_multiple(spec: dict[str, Any], response: object) -> object | None:
    if not isinstance(response, list) or len(response) > MAX_LIST_LENGTH:
        return msg.EXPECTED_CHOICES
    if not all(isinstance(item, str) for item in response):
        return msg.EXPECTED_CHOICES
    if len(set(response)) != len(response):
        return msg.CHOICE_TWICE
    known = _choices(spec)
    if any(item not in known for item in response):
        return msg.NO_SUCH_CHOICE
    return None


def grade_multiple(spec: dict[str, Any], response: object) -> ItemResult:
    problem = validate_multiple(spec, response)
    if problem:
        return zero(spec, problem)
    assert isinstance(response, list)  # noqa: S101 - validated above
    known = _choices(spec)
    chosen = [known[item] for item in response]
    if spec.get("all_or_nothing") is True:
        right = {choice_id for choice_id, choice in known.items() if _credit(choice) > 0}
        fraction = 1.0 if set(response) == right else 0.0
    else:
        fraction = max(0.0, min(1.0, sum(_credit(choice) for choice in chosen)))
    feedback = [text for choice in chosen for text in _feedback(choice)]
    return ItemResult(points(spec) * fraction, points(spec), feedback)
