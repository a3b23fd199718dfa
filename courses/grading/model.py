"""A response that earns an item's full points, derived from its spec: what a teacher's preview shows as the
answer, what "check with a model answer" submits, what the demo's learners answer. None where no such response
can be derived (an essay, a code item, a short answer known only by a regular expression)."""

from __future__ import annotations

from typing import Any

Spec = dict[str, Any]


def _credit(entry: dict[str, Any], default: float = 0.0) -> float:
    credit = entry.get("credit", default)
    return float(credit) if isinstance(credit, int | float) and not isinstance(credit, bool) else 0.0


def _entries(spec: Spec, key: str) -> list[dict[str, Any]]:
    return [entry for entry in spec.get(key, []) if isinstance(entry, dict)]


def _single(spec: Spec) -> object | None:
    choices = [c for c in _entries(spec, "choices") if "id" in c]
    best = max(choices, key=_credit, default=None)
    return str(best["id"]) if best is not None and _credit(best) > 0 else None


def _multiple(spec: Spec) -> object | None:
    chosen = [str(c["id"]) for c in _entries(spec, "choices") if "id" in c and _credit(c) > 0]
    return chosen or None


def _numeric(spec: Spec) -> object | None:
    for answer in sorted(_entries(spec, "answers"), key=lambda a: -_credit(a, 1.0)):
        if _credit(answer, 1.0) <= 0:
            continue
        for key in ("value", "min", "max"):
            value = answer.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
    return None


def _short_text(spec: Spec) -> object | None:
    for answer in sorted(_entries(spec, "answers"), key=lambda a: -_credit(a, 1.0)):
        text = answer.get("text")
        if _credit(answer, 1.0) > 0 and isinstance(text, str) and "*" not in text:
            return text
    return None


def _matching(spec: Spec) -> object | None:
    pairs = {str(p["id"]): str(p["right"]) for p in _entries(spec, "pairs") if "id" in p and "right" in p}
    return pairs or None


def _ordering(spec: Spec) -> object | None:
    order = [str(i["id"]) for i in _entries(spec, "items") if "id" in i]
    return order or None


MODELS = {
    "single_choice": _single,
    "multiple_choice": _multiple,
    "numeric": _numeric,
    "short_text": _short_text,
    "matching": _matching,
    "ordering": _ordering,
}


def model_response(type_name: str, spec: Spec) -> object | None:
    """A response to an item of ``type_name`` that its grader gives full points, or None."""
    model = MODELS.get(type_name)
    return model(spec) if model is not None else None
