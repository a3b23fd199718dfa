"""Matching (pair each left item with a right one) and ordering (put items in order).

Matching spec::

    {"points": 1,
     "pairs": [{"id": "l1", "left": "cat", "right": "r1"}, …],
     "rights": [{"id": "r1", "text": "cat food"}, …, {"id": "r9", "text": "a distractor"}]}

Response: ``{"l1": "r1", …}``; each correct pair earns an equal share.

Ordering spec::

    {"points": 1, "items": [{"id": "a", "text": "first"}, {"id": "b", "text": "second"}, …],
     "partial": true}

``items`` are listed in the correct order. Response: the ids in the student's
order. With ``partial``, each item in its right place earns an equal share;
otherwise only the whole order scores.
"""

from __future__ import annotations

from typing import Any

from courses.grading import messages as msg
from courses.grading.results import MAX_LIST_LENGTH, ItemResult, points, zero


def _pairs(spec: dict[str, Any]) -> dict[str, str]:
    return {
        str(p["id"]): str(p["right"])
        for p in spec.get("pairs", [])
        if isinstance(p, dict) and "id" in p and "right" in p
    }


def _rights(spec: dict[str, Any]) -> set[str]:
    return {str(r["id"]) for r in spec.get("rights", []) if isinstance(r, dict) and "id" in r}


def validate_matching(spec: dict[str, Any], response: object) -> object | None:
    if not isinstance(response, dict) or len(response) > MAX_LIST_LENGTH:
        return msg.EXPECTED_PAIRS
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in response.items()):
        return msg.EXPECTED_PAIRS
    pairs, rights = _pairs(spec), _rights(spec)
    if any(left not in pairs for left in response) or any(right not in rights for right in response.values()):
        return msg.NO_SUCH_ITEM
    return None


def grade_matching(spec: dict[str, Any], response: object) -> ItemResult:
    problem = validate_matching(spec, response)
    if problem:
        return zero(spec, problem)
    assert isinstance(response, dict)  # noqa: S101 - validated above
    pairs = _pairs(spec)
    if not pairs:
        return ItemResult(0.0, points(spec))
    right = sum(1 for left, answer in pairs.items() if response.get(left) == answer)
    return ItemResult(points(spec) * right / len(pairs), points(spec))


def public_matching(spec: dict[str, Any]) -> dict[str, Any]:
    rights = [{"id": str(r["id"]), "text": r.get("text", "")} for r in spec.get("rights", []) if isinstance(r, dict)]
    lefts = [{"id": str(p["id"]), "text": p.get("left", "")} for p in spec.get("pairs", []) if isinstance(p, dict)]
    # Rights in a fixed order that does not follow the lefts' (which would give the answer away).
    return {"lefts": lefts, "rights": sorted(rights, key=lambda r: (r["text"], r["id"]))}


def _order(spec: dict[str, Any]) -> list[str]:
    return [str(i["id"]) for i in spec.get("items", []) if isinstance(i, dict) and "id" in i]


def validate_ordering(spec: dict[str, Any], response: object) -> object | None:
    if not isinstance(response, list) or len(response) > MAX_LIST_LENGTH:
        return msg.EXPECTED_ORDER
    if not all(isinstance(item, str) for item in response):
        return msg.EXPECTED_ORDER
    if sorted(response) != sorted(_order(spec)):
        return msg.EVERY_ITEM_ONCE
    return None


def grade_ordering(spec: dict[str, Any], response: object) -> ItemResult:
    problem = validate_ordering(spec, response)
    if problem:
        return zero(spec, problem)
    assert isinstance(response, list)  # noqa: S101 - validated above
    order = _order(spec)
    if not order:
        return ItemResult(0.0, points(spec))
    in_place = sum(1 for given, expected in zip(response, order, strict=True) if given == expected)
    if spec.get("partial", True):
        return ItemResult(points(spec) * in_place / len(order), points(spec))
    return ItemResult(points(spec) if in_place == len(order) else 0.0, points(spec))


def public_ordering(spec: dict[str, Any]) -> dict[str, Any]:
    items = [{"id": str(i["id"]), "text": i.get("text", "")} for i in spec.get("items", []) if isinstance(i, dict)]
    # Not "items": a dict's own method of that name trips serialisers that read attributes.
    return {"order_items": sorted(items, key=lambda i: (i["text"], i["id"]))}
