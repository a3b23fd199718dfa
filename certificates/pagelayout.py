"""A certificate page's geometry, read once from WeasyPrint's layout of the template.

WeasyPrint lays out the page once per layout (and per shared wording: issuer, signatory,
which table rows show) with marker values for the variable fields. This module walks the
resulting boxes and keeps what the fast path needs to set any certificate on that page:
the static text (positions, fonts, colours), the borders, and where the variable fields
go: the holder's and course's paragraphs (width, first baseline and line height as a
share of the font size), the table's value column, the serial and URL's right edge, the
QR code's square. A template change flows through: nothing here names a coordinate.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass, field
from typing import Any

from certificates import pdf, shaping

FONT_FILES = {
    ("Certificate Sans", 400): "NotoSans-Regular",
    ("Certificate Sans", 700): "NotoSans-Bold",
    ("Certificate Serif", 400): "NotoSerif-Regular",
    ("Certificate Serif", 700): "NotoSerif-Bold",
}
MARKER_HOLDER = "Marker"
MARKER_COURSE = "Marker"
MARKER_GRADE = 99
MARKER_HOURS = 77
MARKER_DATE = datetime.datetime(1999, 12, 31, 12, 0)
MARKER_SERIAL = "MMMM-MMMM-MMMM-M"

Color = tuple[float, float, float]


@dataclass(frozen=True)
class Style:
    font: str  # a file stem in certificates/fonts
    size: float  # CSS px
    color: Color
    letter_spacing: float = 0.0


@dataclass(frozen=True)
class Text:
    """A run of text at a baseline; ``shift`` names the flow shifts it follows ("", "h", "hc", "table")."""

    x: float
    baseline: float
    style: Style
    text: str
    shift: str = ""


@dataclass(frozen=True)
class Paragraph:
    """A centred paragraph whose line count and font size vary (the holder, the course)."""

    x: float
    width: float
    top: float
    baseline_ratio: float  # first baseline below the top, per px of font size
    line_height_ratio: float
    marker_height: float
    style: Style  # font and colour; the size is chosen per certificate
    shift: str = ""


@dataclass(frozen=True)
class ValueRow:
    """A table value cell: runs whose text is a format string over the certificate's values."""

    x: float
    baseline: float
    runs: tuple[tuple[Style, str], ...]


@dataclass(frozen=True)
class RightAligned:
    right: float
    baseline: float
    style: Style
    width: float  # the box it must fit in


@dataclass
class PageLayout:
    width: float
    height: float
    borders: list[tuple[Color, tuple[float, float, float, float], tuple[float, float, float, float]]] = field(
        default_factory=list
    )
    texts: list[Text] = field(default_factory=list)
    holder: Paragraph | None = None
    course: Paragraph | None = None
    course_quotes: tuple[str, str] = ("", "")
    values: list[ValueRow] = field(default_factory=list)
    marker_value_width: float = 0.0
    serial: RightAligned | None = None
    url: RightAligned | None = None
    qr: tuple[float, float, float, Color] | None = None  # x, y, side, colour


def marker_facts(facts: pdf.PdfFacts) -> pdf.PdfFacts:
    return dataclasses.replace(
        facts,
        holder_name=MARKER_HOLDER,
        course_title=MARKER_COURSE,
        grade=None if facts.grade is None else MARKER_GRADE,
        hours=MARKER_HOURS if facts.hours else 0,
        issued_at=MARKER_DATE,
        display_serial=MARKER_SERIAL,
    )


def marker_values() -> dict[str, str]:
    """The marker's value texts and the format fields that replace them."""
    from babel.dates import format_date

    fields = {format_date(MARKER_DATE, format="long", locale=lang): f"{{date_{lang}}}" for lang in ("kk", "ru", "en")}
    fields[f"{MARKER_GRADE}%"] = "{grade}%"
    fields[str(MARKER_HOURS)] = "{hours}"
    return fields


def _rgb(color: Any) -> Color:
    red, green, blue = color.to("srgb").coordinates
    return (float(red), float(green), float(blue))


def _style(box: Any) -> Style:
    style = box.style
    spacing = style["letter_spacing"]
    return Style(
        FONT_FILES[(style["font_family"][0], int(style["font_weight"]))],
        float(style["font_size"]),
        _rgb(style["color"]),
        0.0 if spacing == "normal" else float(spacing),
    )


def _classes(box: Any) -> set[str]:
    element = getattr(box, "element", None)
    if element is None or not hasattr(element, "get"):
        return set()
    return set((element.get("class") or "").split())


def _text_boxes(box: Any) -> list[Any]:
    if hasattr(box, "text"):
        return [box]
    return [leaf for child in getattr(box, "children", []) for leaf in _text_boxes(child)]


def read_layout(root: Any) -> PageLayout:
    """The page geometry from WeasyPrint's box tree of the marker page (``document.pages[0]._page_box``)."""
    layout = PageLayout(width=float(root.margin_width()), height=float(root.margin_height()))
    fields = marker_values()
    state = {"h": False, "c": False}

    def shift() -> str:
        return "hc" if state["h"] and state["c"] else ("h" if state["h"] else ("c" if state["c"] else ""))

    def walk(box: Any, in_absolute: bool) -> None:
        classes = _classes(box)
        if any(getattr(box, f"border_{side}_width", 0) for side in ("top", "right", "bottom", "left")):
            layout.borders.append(_border(box))
        if (getattr(box, "element_tag", None) or "").endswith("svg"):
            layout.qr = _qr(box)
            return
        saved = dict(state)
        if type(box).__name__ == "AbsolutePlaceholder" and in_absolute:
            state.update(h=False, c=False)  # placed from its container's edges, not from the flow
        if type(box).__name__ == "AbsolutePlaceholder":
            in_absolute = True
        if "holder" in classes or "course" in classes:
            _paragraph(layout, box, "holder" if "holder" in classes else "course", shift())
            state["h" if "holder" in classes else "c"] = True
            return
        if "serial" in classes or "url" in classes:
            line = _text_boxes(box)[0]
            right = RightAligned(
                float(box.content_box_x() + box.width),
                float(line.position_y + line.baseline),
                _style(line),
                float(box.width),
            )
            setattr(layout, "serial" if "serial" in classes else "url", right)
            return
        if type(box).__name__ == "TableRowBox":
            cells = list(box.children)
            for cell in cells[:-1]:
                for leaf in _text_boxes(cell):
                    _static(layout, leaf, "table")
            _value_row(layout, cells[-1], fields, shift())
            return
        if hasattr(box, "text"):
            _static(layout, box, shift())
            return
        for child in getattr(box, "children", []):
            walk(child, in_absolute)
        if type(box).__name__ == "AbsolutePlaceholder":
            state.update(saved)

    walk(root, False)
    return layout


def _static(layout: PageLayout, box: Any, shift: str) -> None:
    text = box.text.rstrip(" ")
    if text.strip():
        layout.texts.append(Text(float(box.position_x), float(box.position_y + box.baseline), _style(box), text, shift))


def _paragraph(layout: PageLayout, box: Any, name: str, shift: str) -> None:
    leaf = _text_boxes(box)[0]
    style = _style(leaf)
    line = box.children[0]
    top = float(box.content_box_y())
    paragraph = Paragraph(
        x=float(box.content_box_x()),
        width=float(box.width),
        top=top,
        baseline_ratio=(float(leaf.position_y + leaf.baseline) - top) / style.size,
        line_height_ratio=float(line.height) / style.size,
        marker_height=float(box.height),
        style=style,
        shift=shift,
    )
    setattr(layout, name, paragraph)
    if name == "course":
        before, _, after = leaf.text.partition(MARKER_COURSE)
        layout.course_quotes = (before, after)


def _value_row(layout: PageLayout, cell: Any, fields: dict[str, str], shift: str) -> None:
    leaves = _text_boxes(cell)
    runs = []
    for leaf in leaves:
        text = leaf.text.replace("{", "{{").replace("}", "}}")
        for marker, name in sorted(fields.items(), key=lambda item: -len(item[0])):
            if marker in text:
                text = text.replace(marker, name)
                break
        runs.append((_style(leaf), text))
    if runs:
        runs[-1] = (runs[-1][0], runs[-1][1].rstrip(" "))
    layout.values.append(
        ValueRow(float(leaves[0].position_x), float(leaves[0].position_y + leaves[0].baseline), tuple(runs))
    )
    layout.marker_value_width = max(layout.marker_value_width, float(cell.width))


def _border(box: Any) -> tuple[Color, tuple[float, float, float, float], tuple[float, float, float, float]]:
    x, y = float(box.border_box_x()), float(box.border_box_y())
    width, height = float(box.border_width()), float(box.border_height())
    top, right, bottom, left = (
        float(getattr(box, f"border_{side}_width")) for side in ("top", "right", "bottom", "left")
    )
    side = next(s for s in ("top", "right", "bottom", "left") if getattr(box, f"border_{s}_width"))
    color = _rgb(box.style[f"border_{side}_color"])
    return color, (x, y, width, height), (x + left, y + top, width - left - right, height - top - bottom)


def _qr(box: Any) -> tuple[float, float, float, Color]:
    import tinycss2.color4

    stroke = "#1d2a3a"
    for child in box.element.iter():
        if child.get("stroke"):
            stroke = child.get("stroke")
    parsed = tinycss2.color4.parse_color(stroke)
    return (float(box.content_box_x()), float(box.content_box_y()), float(box.width), _rgb(parsed))


def runs_of(paragraph: Paragraph, text: str, size: float, max_lines: int) -> list[shaping.Run]:
    return shaping.break_lines(
        shaping.font(pdf.FONTS_DIR / f"{paragraph.style.font}.ttf"), text, size, paragraph.width, max_lines
    )
