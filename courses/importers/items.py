"""What an importer produces: items in the graders' spec format (see courses/grading)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from courses.grading.registry import ITEM_TYPES


@dataclass
class ImportedItem:
    type: str
    prompt: str
    spec: dict[str, Any]
    title: str = ""
    prompt_format: str = "plain"  # plain, html, markdown, moodle
    category: str = ""
    general_feedback: str = ""
    #: Where it came from, for messages ("line 12", "question 3").
    source: str = ""

    def __post_init__(self) -> None:
        if self.type not in ITEM_TYPES:
            raise ValueError(f"unknown item type {self.type!r}")


@dataclass
class ImportResult:
    items: list[ImportedItem] = field(default_factory=list)
    #: Parts of the file that are valid but carry no question (descriptions, categories).
    skipped: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(Counter(item.type for item in self.items))


class ImportFailed(ValueError):
    """The file is malformed; nothing was imported. ``where`` names the line or element."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


def choice_ids(count: int) -> list[str]:
    return [f"c{n}" for n in range(1, count + 1)]
