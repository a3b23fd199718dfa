"""Short text answers: normalised exact match, ``*`` wildcards, or a regular expression.

Spec::

    {"points": 1,
     "answers": [{"text": "Frog", "credit": 1.0, "feedback": "…"},
                 {"text": "Cat", "credit": 0.5},
                 {"text": "*", "credit": 0, "feedback": "Not quite."},
                 {"regex": "^(neural )?network$", "credit": 1}],
     "case_sensitive": false}

The first answer that matches, in the listed order, counts (as in Moodle).
An answer may set its own ``case_sensitive`` (QTI maps do, per entry).
Regular expressions and wildcards run on RE2, whose matching time is linear in the
input: a student's text cannot make the grader hang.
"""

from __future__ import annotations

import functools
import hmac
import re
from typing import Any

import re2

from courses.grading import messages as msg
from courses.grading.normalize import normalize_text
from courses.grading.results import MAX_TEXT_LENGTH, ItemResult, points, text_problem, zero

# RE2 refuses patterns whose automaton would need more memory than this.
PATTERN_MEMORY = 8 << 20


class InvalidPattern(ValueError):
    """An answer's regular expression is not valid RE2 syntax."""


@functools.lru_cache(maxsize=1024)
def compile_pattern(pattern: str, case_sensitive: bool) -> Any:
    options = re2.Options()
    options.log_errors = False
    options.max_mem = PATTERN_MEMORY
    options.case_sensitive = case_sensitive
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        raise InvalidPattern(f"{pattern!r}: {exc}") from exc


@functools.lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> Any:
    """A wildcard answer (only ``*`` is special) as an RE2 pattern: linear in the student's text, where
    Python's backtracking ``re`` took 49 s for ``*data*science*model*ai*`` against 10,000 characters."""
    options = re2.Options()
    options.log_errors = False
    options.max_mem = PATTERN_MEMORY
    options.dot_nl = True
    literal = "".join(".*" if part == "*" else re.escape(part) for part in re.split(r"(\*)", pattern))
    return re2.compile(literal, options)


def answer_matches(answer: dict[str, Any], text: str, case_sensitive: bool) -> bool:
    if isinstance(answer.get("regex"), str):
        try:
            return compile_pattern(answer["regex"], case_sensitive).fullmatch(text) is not None
        except InvalidPattern:
            return False
    expected = answer.get("text")
    if not isinstance(expected, str):
        return False
    expected = normalize_text(expected, case_sensitive)
    if "*" in expected:
        return _wildcard(expected).fullmatch(text) is not None
    # Constant time: timing must not tell a student how much of a hidden answer they got right.
    return hmac.compare_digest(expected.encode(), text.encode())


def validate(spec: dict[str, Any], response: object) -> object | None:
    return text_problem(response, MAX_TEXT_LENGTH, msg.EXPECTED_TEXT)


def grade(spec: dict[str, Any], response: object) -> ItemResult:
    problem = validate(spec, response)
    if problem:
        return zero(spec, problem)
    assert isinstance(response, str)  # noqa: S101 - validated above
    default_case = bool(spec.get("case_sensitive"))
    forms = {flag: normalize_text(response, flag) for flag in (False, True)}
    for answer in spec.get("answers", []):
        if not isinstance(answer, dict):
            continue
        case_sensitive = bool(answer.get("case_sensitive", default_case))
        if answer_matches(answer, forms[case_sensitive], case_sensitive):
            credit = answer.get("credit", 1.0)
            credit = 0.0 if isinstance(credit, bool) or not isinstance(credit, int | float) else float(credit)
            feedback = [answer["feedback"]] if isinstance(answer.get("feedback"), str) and answer["feedback"] else []
            return ItemResult(points(spec) * max(0.0, min(1.0, credit)), points(spec), feedback)
    return ItemResult(0.0, points(spec))


def public(spec: dict[str, Any]) -> dict[str, Any]:
    return {}
