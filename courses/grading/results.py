"""What grading an item produces."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from courses.grading import messages as msg

# Responses larger than this are refused before grading (and graded 0 if they get there).
MAX_TEXT_LENGTH = 10_000
MAX_LIST_LENGTH = 500


@dataclass(frozen=True)
class ItemResult:
    """The score of one item in one attempt.

    ``pending`` marks an item a teacher must grade (essays); its score is 0 until then.
    ``feedback`` is safe to show the student: it never contains hidden answers. It
    holds the author's texts and the graders' own messages (lazy translations).
    """

    score: float
    max_score: float
    feedback: list[Any] = field(default_factory=list)
    pending: bool = False
    #: Graded by a task, not yet done (code items): 0 points until then.
    queued: bool = False

    def __post_init__(self) -> None:
        # Rounding keeps sums of fractional credits (1/3 + 1/3 + 1/3) exact enough to compare.
        score = self.score if math.isfinite(self.score) else 0.0
        object.__setattr__(self, "score", round(min(max(score, 0.0), self.max_score), 6))

    @property
    def correct(self) -> bool:
        return not self.pending and not self.queued and self.max_score > 0 and self.score >= self.max_score

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "feedback": [str(line) for line in self.feedback],
            "pending": self.pending,
            **({"queued": True} if self.queued else {}),
        }


MAX_POINTS = 1000.0


def points(spec: dict[str, Any]) -> float:
    """An item's points: a positive finite number up to MAX_POINTS, 1 when the spec has none usable."""
    value = spec.get("points", 1.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return 1.0
    return min(float(value), MAX_POINTS)


def zero(spec: dict[str, Any], reason: object) -> ItemResult:
    return ItemResult(0.0, points(spec), [reason])


def text_problem(response: object, limit: int, not_text: object) -> object | None:
    """Why a text response cannot be graded (not text, or longer than ``limit``), or None."""
    if not isinstance(response, str):
        return not_text
    if len(response) > limit:
        return msg.TOO_LONG
    return None
