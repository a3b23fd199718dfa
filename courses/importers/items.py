"""What an importer produces: items in the graders' spec format (see courses/grading)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from flask import has_app_context, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

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
    """The file is malformed; nothing was imported.

    ``where`` names the line or element and ``problem`` says what is wrong; both may be lazily
    translated texts (or, for ``where``, a tuple of parts read from the outside in). ``line`` and
    ``element`` keep the place in a structured form when the importer knows it.

    ``str(error)`` is in the user's language inside a request and in English elsewhere (the CLI,
    logs); ``in_language(code)`` renders it for someone in particular, e.g. in a background job.
    """

    def __init__(self, where: object, problem: object, *, line: int | None = None, element: str | None = None) -> None:
        super().__init__(where, problem)
        self.where = where
        self.problem = problem
        self.line = line
        # An element's name in an XML file (QTI names its places by element).
        self.element = element if element is not None or not isinstance(where, str) or where[:1] != "<" else where

    def __str__(self) -> str:
        if has_request_context() or not has_app_context():
            return self._render()
        return self.in_language("en")

    def in_language(self, language: str) -> str:
        with force_locale(language):
            return self._render()

    def place(self) -> str:
        """The ``where`` part alone, rendered like ``str(error)``."""
        if has_request_context() or not has_app_context():
            return _joined(self.where)
        with force_locale("en"):
            return _joined(self.where)

    def _render(self) -> str:
        return f"{_joined(self.where)}: {self.problem}"


def _joined(where: object) -> str:
    if isinstance(where, tuple):
        return ", ".join(_joined(part) for part in where)
    return str(where)


def at_line(line: int) -> Any:
    """``where`` for a line of a text file."""
    return _l("line %(line)d", line=line)


def choice_ids(count: int) -> list[str]:
    return [f"c{n}" for n in range(1, count + 1)]
