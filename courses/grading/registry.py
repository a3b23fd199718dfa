"""The item types and their graders, keyed by type name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from courses.grading import choice, code, essay, matching, numeric, results, text
from courses.grading import messages as msg
from courses.grading.results import ItemResult, zero

Spec = dict[str, Any]


@dataclass(frozen=True)
class ItemType:
    name: str
    #: Scores a response; never raises, whatever the response is.
    grade: Callable[[Spec, object], ItemResult]
    #: Why a response cannot be graded (wrong type, unknown id, too large), or None.
    validate: Callable[[Spec, object], object | None]
    #: What a student may see of the item besides its prompt: never answers or credits.
    public: Callable[[Spec], dict[str, Any]]
    manual: bool = False
    #: The item's points, when not the spec's "points" (code items add up their tests).
    points: Callable[[Spec], float] = results.points


ITEM_TYPES: dict[str, ItemType] = {
    t.name: t
    for t in (
        ItemType("single_choice", choice.grade_single, choice.validate_single, choice.public_choices),
        ItemType("multiple_choice", choice.grade_multiple, choice.validate_multiple, choice.public_choices),
        ItemType("numeric", numeric.grade, numeric.validate, numeric.public),
        ItemType("short_text", text.grade, text.validate, text.public),
        ItemType("matching", matching.grade_matching, matching.validate_matching, matching.public_matching),
        ItemType("ordering", matching.grade_ordering, matching.validate_ordering, matching.public_ordering),
        ItemType("essay", essay.grade, essay.validate, essay.public, manual=True),
        ItemType("code", code.grade, code.validate, code.public, points=code.points),
    )
}


class UnknownItemType(KeyError):
    """No grader is registered for this item type."""


def item_type(name: str) -> ItemType:
    try:
        return ITEM_TYPES[name]
    except KeyError as exc:
        raise UnknownItemType(name) from exc


def item_points(type_name: str, spec: Spec) -> float:
    """An item's points (1 for an unknown type)."""
    kind = ITEM_TYPES.get(type_name)
    return kind.points(spec) if kind is not None else results.points(spec)


def grade(type_name: str, spec: Spec, response: object) -> ItemResult:
    """Grade one response. Never raises for a bad response; an unknown type raises UnknownItemType."""
    kind = item_type(type_name)
    try:
        return kind.grade(spec, response)
    except Exception:  # a broken spec must not lose the student's attempt
        return zero(spec, msg.NOT_GRADED)
