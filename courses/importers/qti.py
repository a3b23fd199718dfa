"""IMS QTI items: QTI 2.1/2.2 ``assessmentItem`` (choice and text entry, scored with the
``match_correct`` or ``map_response`` templates) and QTI 1.2 numeric questions as Canvas
exports them (``varequal``, or a ``vargte``/``varlte`` range).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - only for types; parsing goes through defusedxml
from dataclasses import dataclass, field
from typing import Any

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from flask_babel import lazy_gettext as _l

from courses.importers.items import ImportedItem, ImportFailed, ImportResult

INTERACTIONS = {"choiceInteraction", "textEntryInteraction"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip_namespaces(root: ET.Element) -> ET.Element:
    for element in root.iter():
        element.tag = _local(element.tag)
        for name in list(element.attrib):
            if "}" in name:
                element.attrib[_local(name)] = element.attrib.pop(name)
    return root


def _float(value: str | None, where: str, default: float | None = None) -> float:
    if value is None:
        if default is None:
            raise ImportFailed(where, _l("a number is missing"))
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ImportFailed(where, _l("%(value)s is not a number", value=repr(value))) from exc


def parse(data: bytes) -> ImportResult:
    """The item(s) of a QTI file; raises ImportFailed naming the element at fault."""
    try:
        root = _strip_namespaces(SafeET.fromstring(data))
    except DefusedXmlException as exc:
        raise ImportFailed(_l("file"), _l("refused XML feature: %(feature)s", feature=str(exc))) from exc
    except ET.ParseError as exc:
        line, column = exc.position
        raise ImportFailed(
            _l("line %(line)d, column %(column)d", line=line, column=column), _l("malformed XML"), line=line
        ) from exc
    if root.tag == "assessmentItem":
        return ImportResult(items=[_qti2_item(root)])
    if root.tag == "questestinterop":
        return _qti12(root)
    raise ImportFailed(f"<{root.tag}>", _l("not a QTI assessmentItem or questestinterop document"))


# QTI 2.x -------------------------------------------------------------------


@dataclass
class _Declaration:
    cardinality: str
    base_type: str
    correct: list[str]
    mapping: dict[str, tuple[float, bool]] = field(default_factory=dict)  # key -> (value, case sensitive)
    default: float = 0.0
    lower: float | None = None
    upper: float | None = None
    has_mapping: bool = False


def _declaration(item: ET.Element, identifier: str) -> _Declaration:
    where = f"<responseDeclaration identifier={identifier!r}>"
    for element in item.findall("responseDeclaration"):
        if element.get("identifier") != identifier:
            continue
        correct = [(value.text or "").strip() for value in element.findall("correctResponse/value")]
        declaration = _Declaration(element.get("cardinality", "single"), element.get("baseType", ""), correct)
        mapping = element.find("mapping")
        if mapping is not None:
            declaration.has_mapping = True
            declaration.default = _float(mapping.get("defaultValue"), where, 0.0)
            if mapping.get("lowerBound") is not None:
                declaration.lower = _float(mapping.get("lowerBound"), where)
            if mapping.get("upperBound") is not None:
                declaration.upper = _float(mapping.get("upperBound"), where)
            for entry in mapping.findall("mapEntry"):
                key = entry.get("mapKey")
                if key is None:
                    raise ImportFailed(f"{where} <mapEntry>", _l("no mapKey"))
                sensitive = entry.get("caseSensitive", "true").lower() != "false"
                declaration.mapping[key] = (_float(entry.get("mappedValue"), f"{where} <mapEntry>"), sensitive)
        return declaration
    raise ImportFailed(where, _l("is missing"))


def _template(item: ET.Element) -> str:
    processing = item.find("responseProcessing")
    if processing is None:
        return "match_correct"
    template = processing.get("template", "")
    for name in ("match_correct", "map_response"):
        if template.rstrip("/").endswith(name):
            return name
    raise ImportFailed("<responseProcessing>", _l("only the match_correct and map_response templates are supported"))


def _body_html(body: ET.Element, interaction: ET.Element) -> str:
    """The item body as HTML, the interaction replaced by its prompt or a blank."""
    parts: list[str] = []

    def render(element: ET.Element) -> None:
        if element is interaction:
            prompt = element.find("prompt")
            parts.append("_____" if element.tag == "textEntryInteraction" else _inner(prompt))
            parts.append(element.tail or "")
            return
        parts.append(f"<{element.tag}>" if element is not body else "")
        parts.append(element.text or "")
        for child in element:
            render(child)
        if element is not body:
            parts.append(f"</{element.tag}>" if element.tag not in ("br", "img") else "")
            parts.append(element.tail or "")

    render(body)
    return " ".join("".join(parts).split())


def _inner(element: ET.Element | None) -> str:
    if element is None:
        return ""
    return (element.text or "") + "".join(ET.tostring(child, encoding="unicode") for child in element)


def _qti2_item(item: ET.Element) -> ImportedItem:
    body = item.find("itemBody")
    if body is None:
        raise ImportFailed("<assessmentItem>", _l("no <itemBody>"))
    interactions = [element for element in body.iter() if element.tag in INTERACTIONS]
    others = [
        element.tag
        for element in body.iter()
        if element.tag.endswith("Interaction") and element.tag not in INTERACTIONS
    ]
    if others:
        raise ImportFailed(f"<{others[0]}>", _l("this interaction is not supported (choice and text entry are)"))
    if len(interactions) != 1:
        raise ImportFailed("<itemBody>", _l("expected one interaction, found %(count)d", count=len(interactions)))
    interaction = interactions[0]
    identifier = interaction.get("responseIdentifier", "")
    declaration = _declaration(item, identifier)
    template = _template(item)
    if template == "map_response" and not declaration.has_mapping:
        raise ImportFailed(f"<responseDeclaration identifier={identifier!r}>", _l("map_response needs a <mapping>"))
    if interaction.tag == "choiceInteraction":
        item_type, spec = _choice(interaction, declaration, template)
    else:
        item_type, spec = _text_entry(declaration, template)
    return ImportedItem(
        type=item_type,
        prompt=_body_html(body, interaction),
        prompt_format="html",
        spec=spec,
        title=item.get("title", ""),
        source=f"<assessmentItem identifier={item.get('identifier', '')!r}>",
    )


def _choice(interaction: ET.Element, declaration: _Declaration, template: str) -> tuple[str, dict[str, Any]]:
    where = "<choiceInteraction>"
    choices = [(choice.get("identifier", ""), _inner(choice).strip()) for choice in interaction.findall("simpleChoice")]
    if len(choices) < 2 or any(not identifier for identifier, _text in choices):
        raise ImportFailed(where, _l("needs at least two <simpleChoice> elements with identifiers"))
    multiple = declaration.cardinality == "multiple"
    if template == "match_correct":
        if not declaration.correct:
            raise ImportFailed(where, _l("match_correct needs a <correctResponse>"))
        credits = {identifier: (1.0 if identifier in declaration.correct else 0.0) for identifier, _t in choices}
        spec: dict[str, Any] = {"points": 1.0}
        if multiple:
            spec["all_or_nothing"] = True
    else:
        positive = [value for value, _sensitive in declaration.mapping.values() if value > 0]
        if not positive:
            raise ImportFailed("<mapping>", _l("no <mapEntry> has a positive value"))
        full = declaration.upper if declaration.upper is not None else (sum(positive) if multiple else max(positive))
        if full <= 0:
            raise ImportFailed("<mapping>", _l("the upperBound must be positive"))
        credits = {
            identifier: declaration.mapping.get(identifier, (declaration.default, True))[0] / full
            for identifier, _t in choices
        }
        spec = {"points": full}
    spec["choices"] = [
        {"id": identifier, "text": text, "credit": max(-1.0, min(1.0, credits[identifier]))}
        for identifier, text in choices
    ]
    return ("multiple_choice" if multiple else "single_choice"), spec


def _text_entry(declaration: _Declaration, template: str) -> tuple[str, dict[str, Any]]:
    if template == "match_correct":
        if not declaration.correct:
            raise ImportFailed("<textEntryInteraction>", _l("match_correct needs a <correctResponse>"))
        answers = [{"text": value, "credit": 1.0, "case_sensitive": True} for value in declaration.correct]
        return "short_text", {"points": 1.0, "answers": answers}
    positive = [value for value, _sensitive in declaration.mapping.values() if value > 0]
    if not positive:
        raise ImportFailed("<mapping>", _l("no <mapEntry> has a positive value"))
    full = declaration.upper if declaration.upper is not None else max(positive)
    answers = [
        {"text": key, "credit": max(0.0, min(1.0, value / full)), "case_sensitive": sensitive}
        for key, (value, sensitive) in sorted(declaration.mapping.items(), key=lambda kv: -kv[1][0])
    ]
    return "short_text", {"points": full, "answers": answers}


# QTI 1.2 (Canvas numeric) --------------------------------------------------


def _metadata(item: ET.Element) -> dict[str, str]:
    return {
        (field.findtext("fieldlabel") or "").strip(): (field.findtext("fieldentry") or "").strip()
        for field in item.iter("qtimetadatafield")
    }


def _qti12(root: ET.Element) -> ImportResult:
    result = ImportResult()
    for number, item in enumerate(root.iter("item"), start=1):
        where = f"<item {number} ident={item.get('ident', '')!r}>"
        metadata = _metadata(item)
        kind = metadata.get("question_type", "")
        if kind != "numerical_question":
            result.skipped.append(f"{where}: QTI 1.2 question type {kind or '?'} is not supported")
            continue
        result.items.append(_qti12_numeric(item, metadata, where))
    if not result.items and not result.skipped:
        raise ImportFailed("<questestinterop>", _l("no <item> elements"))
    return result


def _qti12_numeric(item: ET.Element, metadata: dict[str, str], where: str) -> ImportedItem:
    decvar = item.find("resprocessing/outcomes/decvar")
    maximum = _float(decvar.get("maxvalue") if decvar is not None else None, f"{where} <decvar>", 100.0)
    answers: list[dict[str, Any]] = []
    for condition in item.iter("respcondition"):
        setvar = condition.find("setvar")
        credit = _float(setvar.text if setvar is not None else None, f"{where} <setvar>") / maximum
        conditionvar = condition.find("conditionvar")
        if conditionvar is None:
            raise ImportFailed(f"{where} <respcondition>", _l("no <conditionvar>"))
        answers.extend(_numeric_conditions(conditionvar, credit, where))
    if not answers:
        raise ImportFailed(f"{where} <resprocessing>", _l("no answer conditions"))
    prompt = (item.findtext("presentation/material/mattext") or "").strip()
    points = _float(metadata.get("points_possible"), f"{where} points_possible", 1.0)
    return ImportedItem(
        type="numeric",
        prompt=prompt,
        prompt_format="html",
        spec={"points": points if points > 0 else 1.0, "answers": answers},
        title=item.get("title", ""),
        source=where,
    )


def _numeric_conditions(element: ET.Element, credit: float, where: str) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    for child in element:
        if child.tag in ("or", "conditionvar"):
            answers.extend(_numeric_conditions(child, credit, where))
        elif child.tag == "varequal":
            answers.append({"value": _float(child.text, f"{where} <varequal>"), "tolerance": 0.0, "credit": credit})
        elif child.tag == "and":
            bounds = {grand.tag: _float(grand.text, f"{where} <{grand.tag}>") for grand in child}
            if not set(bounds) <= {"vargte", "varlte", "vargt", "varlt"}:
                raise ImportFailed(f"{where} <and>", _l("only a vargte/varlte range is supported"))
            answers.append(
                {
                    "min": bounds.get("vargte", bounds.get("vargt")),
                    "max": bounds.get("varlte", bounds.get("varlt")),
                    "credit": credit,
                }
            )
        else:
            raise ImportFailed(f"{where} <{child.tag}>", _l("this condition is not supported"))
    return answers
