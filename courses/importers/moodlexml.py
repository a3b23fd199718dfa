"""Moodle XML (https://docs.moodle.org/en/Moodle_XML_format).

Question types: multichoice (single and multiple), truefalse, shortanswer,
numerical, matching, essay, and category (which names the following
questions' category). Parsed with defusedxml: no entities, no external DTDs.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - only for types; parsing goes through defusedxml
from typing import Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from flask_babel import lazy_gettext as _l

from courses.importers.items import ImportedItem, ImportFailed, ImportResult, choice_ids

SKIPPED_TYPES = {
    "description",
    "cloze",
    "multianswer",
    "calculated",
    "calculatedsimple",
    "calculatedmulti",
    "randomsamatch",
    "ddwtos",
    "gapselect",
    "ddimageortext",
    "ddmarker",
    "random",
}


def _text(element: ET.Element | None, path: str = "text") -> str:
    if element is None:
        return ""
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def _format(element: ET.Element | None) -> str:
    value = (element.get("format") if element is not None else None) or "html"
    return {"html": "html", "markdown": "markdown", "plain_text": "plain", "moodle_auto_format": "moodle"}.get(
        value, "html"
    )


def _fraction(answer: ET.Element, where: object) -> float:
    raw = answer.get("fraction", "0")
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImportFailed(where, _l("<answer fraction=%(value)s> is not a number", value=repr(raw))) from exc
    if not -100 <= value <= 100:
        raise ImportFailed(where, _l("<answer fraction=%(value)s> is outside -100..100", value=repr(raw)))
    return value / 100


def _points(question: ET.Element, where: object) -> float:
    raw = (question.findtext("defaultgrade") or "1").strip()
    try:
        value = float(raw)
    except ValueError as exc:
        raise ImportFailed(where, _l("<defaultgrade>%(value)s</defaultgrade> is not a number", value=raw)) from exc
    return value if value > 0 else 1.0


def parse(data: bytes) -> ImportResult:
    """Every question of a Moodle XML file; raises ImportFailed naming the element at fault."""
    try:
        root = SafeET.fromstring(data)
    except DefusedXmlException as exc:
        raise ImportFailed(_l("file"), _l("refused XML feature: %(feature)s", feature=str(exc))) from exc
    except ET.ParseError as exc:
        line, column = exc.position
        raise ImportFailed(
            _l("line %(line)d, column %(column)d", line=line, column=column), _l("malformed XML"), line=line
        ) from exc
    if root.tag != "quiz":
        raise ImportFailed(f"<{root.tag}>", _l("a Moodle XML file starts with <quiz>"), element=root.tag)
    result = ImportResult()
    category = ""
    for number, question in enumerate(root.findall("question"), start=1):
        kind = question.get("type", "")
        source = f"question {number} (type {kind or '?'})"
        if kind == "category":
            category = _text(question.find("category"))
            result.skipped.append(f"{source}: category {category}")
            continue
        if kind in SKIPPED_TYPES:
            result.skipped.append(f"{source}: this question type is not supported and was skipped")
            continue
        try:
            result.items.append(_question(question, number, kind, source, category))
        except ImportFailed as exc:
            exc.element = exc.element or f"question[{number}]"
            raise
    if not result.items and not result.skipped:
        raise ImportFailed("<quiz>", _l("no <question> elements"), element="quiz")
    return result


def _question(question: ET.Element, number: int, kind: str, source: str, category: str) -> ImportedItem:
    where = _l("question %(number)d (type %(type)s)", number=number, type=kind or "?")
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ImportFailed(where, _l("unknown question type"))
    questiontext = question.find("questiontext")
    if questiontext is None:
        raise ImportFailed(where, _l("no <questiontext>"))
    item_type, spec = builder(question, where)
    spec["points"] = _points(question, where)
    return ImportedItem(
        type=item_type,
        prompt=_text(questiontext),
        prompt_format=_format(questiontext),
        spec=spec,
        title=_text(question.find("name")),
        category=category,
        general_feedback=_text(question.find("generalfeedback")),
        source=source,
    )


def _answers(question: ET.Element, where: object) -> list[ET.Element]:
    answers = question.findall("answer")
    if not answers:
        raise ImportFailed(where, _l("no <answer> elements"))
    return answers


def _multichoice(question: ET.Element, where: object) -> tuple[str, dict[str, Any]]:
    answers = _answers(question, where)
    choices: list[dict[str, Any]] = [
        {
            "id": choice_id,
            "text": _text(answer),
            "credit": _fraction(answer, where),
            "feedback": _text(answer.find("feedback")),
        }
        for choice_id, answer in zip(choice_ids(len(answers)), answers, strict=True)
    ]
    if not any(choice["credit"] > 0 for choice in choices):
        raise ImportFailed(where, _l("no <answer> has a positive fraction"))
    single = (question.findtext("single") or "true").strip().lower() in ("true", "1")
    return ("single_choice" if single else "multiple_choice"), {"choices": choices}


def _truefalse(question: ET.Element, where: object) -> tuple[str, dict[str, Any]]:
    choices: list[dict[str, Any]] = []
    for answer in _answers(question, where):
        value = _text(answer).lower()
        if value not in ("true", "false"):
            raise ImportFailed(
                where, _l("a true/false <answer> must be 'true' or 'false', not %(value)s", value=repr(value))
            )
        choices.append(
            {
                "id": value,
                "text": value.title(),
                "credit": _fraction(answer, where),
                "feedback": _text(answer.find("feedback")),
            }
        )
    if sorted(choice["id"] for choice in choices) != ["false", "true"]:
        raise ImportFailed(where, _l("a true/false question has one 'true' and one 'false' <answer>"))
    return "single_choice", {"choices": sorted(choices, key=lambda c: c["id"] != "true"), "true_false": True}


def _shortanswer(question: ET.Element, where: object) -> tuple[str, dict[str, Any]]:
    answers = [
        {"text": _text(answer), "credit": _fraction(answer, where), "feedback": _text(answer.find("feedback"))}
        for answer in _answers(question, where)
    ]
    if any(not answer["text"] for answer in answers):
        raise ImportFailed(where, _l("an <answer> without <text>"))
    case_sensitive = (question.findtext("usecase") or "0").strip() == "1"
    return "short_text", {"answers": answers, "case_sensitive": case_sensitive}


def _numerical(question: ET.Element, where: object) -> tuple[str, dict[str, Any]]:
    answers = []
    for answer in _answers(question, where):
        value, tolerance = _text(answer), (answer.findtext("tolerance") or "0").strip()
        feedback = _text(answer.find("feedback"))
        if value == "*":
            answers.append({"any": True, "credit": _fraction(answer, where), "feedback": feedback})
            continue
        try:
            number, margin = float(value), abs(float(tolerance))
        except ValueError as exc:
            raise ImportFailed(
                where,
                _l(
                    "<answer>%(value)s</answer> with tolerance %(tolerance)s is not numeric",
                    value=value,
                    tolerance=repr(tolerance),
                ),
            ) from exc
        answers.append({"value": number, "tolerance": margin, "credit": _fraction(answer, where), "feedback": feedback})
    return "numeric", {"answers": answers}


def _matching(question: ET.Element, where: object) -> tuple[str, dict[str, Any]]:
    pairs: list[dict[str, str]] = []
    rights: dict[str, str] = {}  # text -> id: subquestions may share an answer
    for index, sub in enumerate(question.findall("subquestion"), start=1):
        left, right = _text(sub), _text(sub, "answer/text")
        if not right:
            raise ImportFailed((where, f"<subquestion> {index}"), _l("no <answer><text>"))
        right_id = rights.setdefault(right, f"r{len(rights) + 1}")
        if left:
            pairs.append({"id": f"l{index}", "left": left, "right": right_id})
    if len(pairs) < 2:
        raise ImportFailed(where, _l("a matching question needs at least two <subquestion> pairs"))
    return "matching", {"pairs": pairs, "rights": [{"id": rid, "text": text} for text, rid in rights.items()]}


def _essay(question: ET.Element, where: object) -> tuple[str, dict[str, Any]]:
    return "essay", {}


_BUILDERS = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "matching": _matching,
    "essay": _essay,
}
