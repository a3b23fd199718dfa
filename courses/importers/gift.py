"""Moodle's GIFT format (https://docs.moodle.org/en/GIFT_format).

All question types: multiple choice (single and multiple response, weights,
per-answer feedback), true/false, short answer, matching, numeric (tolerance,
range, several answers), missing word, essay; titles, ``$CATEGORY:``
lines, ``//`` comments, ``\\`` escapes, ``[html]``/``[markdown]``/``[plain]``/
``[moodle]`` formats and ``####`` general feedback. Questions are separated
by blank lines, as Moodle reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from courses.importers.items import ImportedItem, ImportFailed, ImportResult, at_line, choice_ids

# Escaped specials are swapped for private-use characters while parsing, then put back.
_ESCAPES = {"\\~": "\ue000", "\\=": "\ue001", "\\#": "\ue002", "\\{": "\ue003", "\\}": "\ue004", "\\:": "\ue005"}
_UNESCAPE = {v: k[1] for k, v in _ESCAPES.items()} | {"\ue006": "\n"}
_FORMAT = re.compile(r"^\s*\[(html|markdown|plain|moodle)\]", re.I)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_TRUE_FALSE = re.compile(r"^(T|TRUE|F|FALSE)(?=\s*(#|$))", re.I)


@dataclass
class _Block:
    line: int
    text: str


def parse(data: bytes) -> ImportResult:
    """Every question of a GIFT file; raises ImportFailed naming the line of the first problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(_l("file"), _l("not UTF-8 text")) from exc
    result = ImportResult()
    category = ""
    for block in _blocks(text):
        body = _escape(block.text)
        if body.lstrip().startswith("$CATEGORY:"):
            category = _unescape(body.split(":", 1)[1]).strip()
            result.skipped.append(f"line {block.line}: category {category}")
            continue
        try:
            item = _question(body, block.line)
        except ImportFailed as exc:
            exc.line = block.line
            raise
        if item is None:
            result.skipped.append(f"line {block.line}: description without an answer")
            continue
        item.category = category
        result.items.append(item)
    if not result.items and not result.skipped:
        raise ImportFailed(_l("file"), _l("no questions found"))
    return result


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    lines: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            continue
        if not stripped:
            if lines:
                blocks.append(_Block(start, "\n".join(lines)))
                lines = []
            continue
        if not lines:
            start = number
        lines.append(line)
    if lines:
        blocks.append(_Block(start, "\n".join(lines)))
    return blocks


def _escape(text: str) -> str:
    text = text.replace("\\\\", "\\").replace("\\n", "\ue006")
    for escaped, placeholder in _ESCAPES.items():
        text = text.replace(escaped, placeholder)
    return text


def _unescape(text: str) -> str:
    return "".join(_UNESCAPE.get(ch, ch) for ch in text)


def _format(text: str) -> tuple[str, str]:
    match = _FORMAT.match(text)
    if match:
        return match.group(1).lower(), text[match.end() :]
    return "", text


def _clean(text: str) -> str:
    return _unescape(_format(text)[1]).strip()


def _question(body: str, line: int) -> ImportedItem | None:
    where = at_line(line)
    title = ""
    text = body.strip()
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise ImportFailed(where, _l("the title has no closing '::'"))
        title, text = _unescape(text[2:end]).strip(), text[end + 2 :]
    opening = text.find("{")
    closing = text.rfind("}")
    if opening < 0:
        if "}" in text:
            raise ImportFailed(where, _l("'}' without '{'"))
        return None
    if closing < opening:
        raise ImportFailed(where, _l("the answers' '{' is never closed"))
    before, answers, after = text[:opening], text[opening + 1 : closing], text[closing + 1 :]
    if "{" in answers:
        raise ImportFailed(where, _l("a second '{' inside the answers (escape it as \\{)"))
    prompt_format, before = _format(before)
    prompt = _unescape(before).strip()
    if after.strip():
        prompt = f"{prompt} _____ {_unescape(after).strip()}".strip()
    if not prompt and not title:
        raise ImportFailed(where, _l("the question has no text"))
    answers, general_feedback = _general_feedback(answers)
    item_type, spec = _answers(answers.strip(), where)
    return ImportedItem(
        type=item_type,
        prompt=prompt,
        spec=spec,
        title=title,
        prompt_format=prompt_format or "moodle",
        general_feedback=general_feedback,
        source=where,
    )


def _general_feedback(answers: str) -> tuple[str, str]:
    index = answers.find("####")
    if index < 0:
        return answers, ""
    return answers[:index], _clean(answers[index + 4 :])


def _answers(answers: str, where: object) -> tuple[str, dict[str, Any]]:
    if not answers:
        return "essay", {"points": 1}
    if answers.startswith("#"):
        return "numeric", _numeric(answers[1:], where)
    true_false = _TRUE_FALSE.match(answers)
    if true_false:
        return "single_choice", _true_false(true_false.group(1), answers[true_false.end() :])
    parts = _split_answers(answers, where)
    if any("->" in text for _mark, text in parts):
        return "matching", _matching(parts, where)
    if all(mark == "=" for mark, _text in parts):
        return "short_text", _short_answer(parts, where)
    return _multiple_choice(parts, where)


def _split_answers(answers: str, where: object) -> list[tuple[str, str]]:
    pieces = re.split(r"([=~])", answers)
    if pieces[0].strip():
        raise ImportFailed(
            where, _l("unexpected text before the first answer: %(text)s", text=repr(_unescape(pieces[0]).strip()))
        )
    parts = [(pieces[i], pieces[i + 1]) for i in range(1, len(pieces) - 1, 2)]
    if not parts:
        raise ImportFailed(where, _l("no answers between '{' and '}'"))
    return parts


def _weight(text: str, default: float, where: object) -> tuple[float, str]:
    match = _WEIGHT.match(text.strip())
    if not match:
        if text.strip().startswith("%"):
            raise ImportFailed(where, _l("a malformed weight in %(text)s", text=repr(_unescape(text).strip())))
        return default, text.strip()
    value = float(match.group(1))
    if not -100 <= value <= 100:
        raise ImportFailed(where, _l("the weight %(value)s%% is outside -100..100", value=value))
    return value / 100, text.strip()[match.end() :]


def _feedback(text: str) -> tuple[str, str]:
    answer, _sep, feedback = text.partition("#")
    return answer, _clean(feedback)


def _multiple_choice(parts: list[tuple[str, str]], where: object) -> tuple[str, dict[str, Any]]:
    choices: list[dict[str, Any]] = []
    for choice_id, (mark, raw) in zip(choice_ids(len(parts)), parts, strict=True):
        credit, rest = _weight(raw, 1.0 if mark == "=" else 0.0, where)
        answer, feedback = _feedback(rest)
        if not _clean(answer):
            raise ImportFailed(where, _l("an empty answer"))
        choices.append({"id": choice_id, "text": _clean(answer), "credit": credit, "feedback": feedback})
    right = sum(1 for mark, _raw in parts if mark == "=")
    positive = sum(1 for choice in choices if choice["credit"] > 0)
    if right > 1:
        raise ImportFailed(where, _l("more than one '=' answer in a multiple-choice question (use ~%n% weights)"))
    item_type = "single_choice" if right == 1 or positive <= 1 else "multiple_choice"
    if positive == 0:
        raise ImportFailed(where, _l("no answer earns any credit"))
    return item_type, {"points": 1, "choices": choices}


def _true_false(value: str, rest: str) -> dict[str, Any]:
    truth = value.upper().startswith("T")
    feedbacks = [_clean(part) for part in rest.split("#")[1:]] + ["", ""]
    wrong_feedback, right_feedback = feedbacks[0], feedbacks[1]
    return {
        "points": 1,
        "choices": [
            {
                "id": "true",
                "text": "True",
                "credit": 1.0 if truth else 0.0,
                "feedback": right_feedback if truth else wrong_feedback,
            },
            {
                "id": "false",
                "text": "False",
                "credit": 0.0 if truth else 1.0,
                "feedback": wrong_feedback if truth else right_feedback,
            },
        ],
    }


def _short_answer(parts: list[tuple[str, str]], where: object) -> dict[str, Any]:
    answers = []
    for _mark, raw in parts:
        credit, rest = _weight(raw, 1.0, where)
        answer, feedback = _feedback(rest)
        if not _clean(answer):
            raise ImportFailed(where, _l("an empty answer"))
        answers.append({"text": _clean(answer), "credit": credit, "feedback": feedback})
    return {"points": 1, "answers": answers, "case_sensitive": False}


def _matching(parts: list[tuple[str, str]], where: object) -> dict[str, Any]:
    pairs, rights = [], []
    for index, (mark, raw) in enumerate(parts, start=1):
        if mark != "=" or "->" not in raw:
            raise ImportFailed(where, _l("every matching answer is written '=left -> right'"))
        left, right = (_clean(side) for side in raw.split("->", 1))
        if not right:
            raise ImportFailed(where, _l("matching pair %(number)d has nothing on the right of '->'", number=index))
        right_id = f"r{index}"
        rights.append({"id": right_id, "text": right})
        if left:
            pairs.append({"id": f"l{index}", "left": left, "right": right_id})
    if len(pairs) < 2:
        raise ImportFailed(where, _l("a matching question needs at least two pairs"))
    return {"points": 1, "pairs": pairs, "rights": rights}


def _numeric(answers: str, where: object) -> dict[str, Any]:
    text = answers.strip()
    if text and text[0] not in "=~":
        text = "=" + text
    results = []
    for mark, raw in _split_answers(text, where):
        credit, rest = _weight(raw, 1.0 if mark == "=" else 0.0, where)
        value, feedback = _feedback(rest)
        value = _unescape(value).strip()
        if not value:
            if mark == "~":
                results.append({"any": True, "credit": 0.0, "feedback": feedback})
                continue
            raise ImportFailed(where, _l("a numeric answer without a number"))
        results.append({**_numeric_value(value, where), "credit": credit, "feedback": feedback})
    return {"points": 1, "answers": results}


def _numeric_value(value: str, where: object) -> dict[str, float]:
    try:
        if ".." in value:
            low, high = (float(part) for part in value.split("..", 1))
            return {"min": min(low, high), "max": max(low, high)}
        if ":" in value:
            number, tolerance = (float(part) for part in value.split(":", 1))
            return {"value": number, "tolerance": abs(tolerance)}
        return {"value": float(value), "tolerance": 0.0}
    except ValueError as exc:
        raise ImportFailed(
            where, _l("%(value)s is not a number, a number:tolerance or a min..max range", value=repr(value))
        ) from exc
