"""Signed certificate PDFs without WeasyPrint or pyHanko per certificate (the bulk path).

Per process and page template (layout, issuer, signatory, which table rows show),
WeasyPrint lays the page out once with marker values (``pagelayout``); the static text,
borders and fonts become PDF objects kept as bytes. Per certificate this module sets the
variable text with ``shaping`` (the same glyphs, kerning and line breaks WeasyPrint
makes), draws the QR code as rectangles, writes the PDF (catalog, page, fonts, the
credential as ``credential.json``, the signature field) and signs it with ``cms``: a
PAdES B-B signature over the whole file, like ``pdfsign.sign``.

Whatever it does not set exactly (a character outside the embedded repertoire, a break
it does not model, more lines than planned) goes the standard way: ``pdf.render`` and
``pdfsign.sign``. The output is not tagged (the standard output is).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date

from certificates import cms, pagelayout, pdf, pdffile, pdffonts, pdfsign, shaping
from certificates.pagelayout import PageLayout, Style

PX = 0.75  # CSS px to PDF points
MAX_LINES = 4
PRODUCER = "AI Skills LMS certificates"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SigningLabels:
    reason: str
    location: str
    name: str


@dataclass
class PageTemplate:
    layout: PageLayout
    lang: str
    fonts: dict[str, pdffonts.EmbeddedFont]
    groups: dict[str, bytes]  # shift name -> content stream of the static text and borders


class FallBack(Exception):  # noqa: N818 - a control-flow signal, not an error for callers
    """This certificate goes the standard way."""


def _number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def _color(rgb: tuple[float, float, float]) -> str:
    return " ".join(_number(channel) for channel in rgb) + " rg"


def _text_ops(
    fonts: dict[str, pdffonts.EmbeddedFont], x: float, baseline: float, run: shaping.Run, style: Style
) -> str:
    """One run as ``BT … TJ ET`` in the page's px space (y down, so the text matrix flips back)."""
    font = fonts[style.font]
    metrics = shaping.font(pdf.FONTS_DIR / f"{style.font}.ttf")
    parts = []
    spacing = style.letter_spacing * 1000 / run.size if run.size else 0.0
    for glyph in run.glyphs:
        parts.append(f"<{glyph.gid:04X}>")
        extra = glyph.advance - metrics.widths[glyph.gid] + spacing
        if abs(extra) > 1e-3:
            parts.append(_number(-extra))
    return (
        f"BT {_color(style.color)} /{font.resource} {_number(run.size)} Tf "
        f"1 0 0 -1 {_number(x)} {_number(baseline)} Tm [{''.join(parts)}] TJ ET\n"
    )


def _run(style: Style, text: str, size: float | None = None) -> shaping.Run:
    return shaping.font(pdf.FONTS_DIR / f"{style.font}.ttf").run(text, size or style.size, style.letter_spacing)


def _template_key(facts: pdf.PdfFacts, layout: str) -> tuple[Any, ...]:
    host = facts.verification_url.split("/")[2] if facts.verification_url.count("/") >= 2 else ""
    return (
        layout,
        facts.issuer_name,
        facts.signatory_name,
        tuple(sorted(facts.signatory_title.items())),
        host,
        facts.grade is None,
        bool(facts.hours),
    )


_templates: dict[tuple[Any, ...], PageTemplate] = {}


def template(facts: pdf.PdfFacts, layout: str) -> PageTemplate:
    """The page template for ``facts``'s shared wording in ``layout`` (WeasyPrint once per process and key)."""
    key = _template_key(facts, layout)
    found = _templates.get(key)
    if found is None:
        found = _templates[key] = _build_template(facts, layout)
    return found


def _build_template(facts: pdf.PdfFacts, layout: str) -> PageTemplate:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    document = HTML(
        string=pdf.html(pagelayout.marker_facts(facts), layout),
        base_url=str(pdf.FONTS_DIR) + "/",
        url_fetcher=pdf._shipped_fonts_fetcher(),
    ).render(font_config=FontConfiguration())
    page = pagelayout.read_layout(document.pages[0]._page_box)
    fonts = _fonts()
    groups: dict[str, list[str]] = {}
    for color, outer, inner in page.borders:
        x, y, width, height = outer
        left, top = inner[0] - x, inner[1] - y
        right, bottom = x + width - inner[0] - inner[2], y + height - inner[1] - inner[3]
        sides = [
            (x, y, width, top),
            (x, y + height - bottom, width, bottom),
            (x, y, left, height),
            (x + width - right, y, right, height),
        ]
        rects = " ".join(" ".join(_number(v) for v in side) + " re" for side in sides if side[2] > 0 and side[3] > 0)
        groups.setdefault("", []).append(f"{_color(color)} {rects} f\n")
    for text in page.texts:
        groups.setdefault(text.shift, []).append(
            _text_ops(fonts, text.x, text.baseline, _run(text.style, text.text), text.style)
        )
    return PageTemplate(
        page,
        "kk" if layout == "kk-en" else layout,
        fonts,
        {name: "".join(ops).encode() for name, ops in groups.items()},
    )


@functools.cache
def _fonts() -> dict[str, pdffonts.EmbeddedFont]:
    return {
        stem: pdffonts.font_objects(stem, f"F{index + 1}", _FONT_FIRST + 5 * index)
        for index, stem in enumerate(pdffonts.FONT_STEMS)
    }


# Object numbers: 1 catalog, 2 pages, 3 page, 4 content, 5 static form, 6 info, 7 filespec,
# 8 embedded file, 9 widget, 10 signature, then five per font.
_FONT_FIRST = 11


@functools.cache
def _dates(issued: datetime.date) -> dict[str, str]:
    return {lang: format_date(issued, format="long", locale=lang) for lang in ("kk", "ru", "en")}


def _check_repertoire(fonts: dict[str, pdffonts.EmbeddedFont], style: Style, text: str) -> None:
    supported = fonts[style.font].supported
    if any(ord(char) not in supported for char in text):
        raise FallBack("a character outside the embedded repertoire")


def page_content(facts: pdf.PdfFacts, tpl: PageTemplate) -> bytes:
    """The page's content stream for ``facts``; ``FallBack`` when it cannot be set exactly."""
    page, fonts = tpl.layout, tpl.fonts
    ops: list[str] = [f"{PX} 0 0 -{PX} 0 {_number(page.height * PX)} cm\n"]
    shifts = {"": 0.0, "h": 0.0, "c": 0.0, "hc": 0.0}
    paragraphs = []
    for paragraph, raw, sizes, text in (
        (page.holder, facts.holder_name, pdf.HOLDER_SIZES, shaping.collapse(facts.holder_name)),
        (
            page.course,
            facts.course_title,
            pdf.COURSE_SIZES,
            shaping.collapse(page.course_quotes[0] + facts.course_title.strip() + page.course_quotes[1]),
        ),
    ):
        if paragraph is None:
            continue
        size = pdf._size_for(raw, sizes) * 4 / 3
        _check_repertoire(fonts, paragraph.style, text)
        try:
            lines = pagelayout.runs_of(paragraph, text, size, MAX_LINES)
        except shaping.Unsupported as exc:
            raise FallBack(str(exc)) from exc
        paragraphs.append((paragraph, size, lines))
    for paragraph, size, lines in paragraphs:
        grown = len(lines) * paragraph.line_height_ratio * size - paragraph.marker_height
        key = "h" if paragraph is page.holder else "c"
        for name in shifts:
            if key in name:
                shifts[name] += grown
    for paragraph, size, lines in paragraphs:
        top = paragraph.top + shifts[paragraph.shift]
        baseline = top + paragraph.baseline_ratio * size
        for line in lines:
            x = paragraph.x + (paragraph.width - line.width) / 2
            ops.append(_text_ops(fonts, x, baseline, line, Style(paragraph.style.font, size, paragraph.style.color)))
            baseline += paragraph.line_height_ratio * size
    dates = _dates(facts.issued_at.date())
    values = {f"date_{lang}": text for lang, text in dates.items()}
    values.update(grade=str(facts.grade), hours=str(facts.hours))
    rows = []
    for row in page.values:
        runs = []
        for style, pattern in row.runs:
            text = pattern.format(**values)
            _check_repertoire(fonts, style, text)
            runs.append((style, _run(style, text)))
        rows.append((row, runs))
    widest = max((sum(run.width for _, run in runs) for _, runs in rows), default=0.0)
    marker_widest = max(
        (
            sum(_run(style, pattern.format(**_marker_values())).width for style, pattern in row.runs)
            for row in page.values
        ),
        default=0.0,
    )
    table_dx = -(widest - marker_widest) / 2
    table_dy = shifts["hc"]
    for row, runs in rows:
        x = row.x + table_dx
        for style, run in runs:
            ops.append(_text_ops(fonts, x, row.baseline + table_dy, run, style))
            x += run.width
    for placed, text in ((page.serial, facts.display_serial), (page.url, facts.verification_url)):
        if placed is None:
            continue
        _check_repertoire(fonts, placed.style, text)
        run = _run(placed.style, text)
        width = run.width + (placed.style.letter_spacing if run.glyphs else 0.0)
        if width > placed.width:
            raise FallBack("wider than its box")
        ops.append(_text_ops(fonts, placed.right - width, placed.baseline, run, placed.style))
    for name, content in tpl.groups.items():
        dx = table_dx if name == "table" else 0.0
        dy = shifts["hc"] if name == "table" else shifts.get(name, 0.0)
        ops.append(f"q 1 0 0 1 {_number(dx)} {_number(dy)} cm\n")
        ops.append(content.decode())
        ops.append("Q\n")
    if page.qr is not None:
        ops.append(_qr_ops(facts.verification_url, *page.qr))
    return "".join(ops).encode()


@functools.cache
def _marker_values() -> dict[str, str]:
    dates = _dates(pagelayout.MARKER_DATE.date())
    values = {f"date_{lang}": text for lang, text in dates.items()}
    values.update(grade=str(pagelayout.MARKER_GRADE), hours=str(pagelayout.MARKER_HOURS))
    return values


def _qr_ops(url: str, x: float, y: float, side: float, color: tuple[float, float, float]) -> str:
    import segno

    matrix = segno.make(url, error="m").matrix
    scale = side / len(matrix)
    rects = []
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                rects.append(f"{start} {row_index} {column - start} 1 re")
            else:
                column += 1
    return f"q {_color(color)} {_number(scale)} 0 0 {_number(scale)} {_number(x)} {_number(y)} cm\n" + (
        "\n".join(rects) + "\nf Q\n"
    )


@functools.cache
def _signer(material: pdfsign.PdfSigningMaterial) -> cms.SignatureTemplate:
    return cms.SignatureTemplate(material)


def fast_pdf(facts: pdf.PdfFacts, layout: str, material: pdfsign.PdfSigningMaterial, labels: SigningLabels) -> bytes:
    """The signed PDF set by this module; ``FallBack`` when it cannot set it exactly."""
    tpl = template(facts, layout)
    content = page_content(facts, tpl)
    page = tpl.layout
    fonts = tpl.fonts
    font_refs = b"".join(
        b"/%s %d 0 R" % (font.resource.encode(), _FONT_FIRST + 5 * i) for i, font in enumerate(fonts.values())
    )
    width, height = _number(page.width * PX).encode(), _number(page.height * PX).encode()
    credential = pdf.credential_bytes(facts.credential)
    created = pdffile.pdf_date(facts.issued_at)
    titles = {"kk": "Сертификат", "ru": "Сертификат", "en": "Certificate", "kk-en": "Сертификат / Certificate"}
    objects = {
        1: b"<</Type/Catalog/Pages 2 0 R/Lang(" + tpl.lang.encode() + b")"
        b"/Names<</EmbeddedFiles<</Names[(" + pdf.CREDENTIAL_ATTACHMENT.encode() + b") 7 0 R]>>>>"
        b"/AF[7 0 R]/AcroForm<</Fields[9 0 R]/SigFlags 3>>>>",
        2: b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        3: b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 " + width + b" " + height + b"]"
        b"/Resources<</Font<<" + font_refs + b">>>>/Contents 4 0 R/Annots[9 0 R]>>",
        4: pdffile.stream(b"", content),
        6: b"<</Title"
        + pdffile.text_string(f"{titles[layout]} {facts.display_serial} — {facts.holder_name}")
        + b"/Author"
        + pdffile.text_string(facts.issuer_name)
        + b"/Subject"
        + pdffile.text_string(facts.verification_url)
        + b"/Creator"
        + pdffile.text_string("AI Skills LMS")
        + b"/Producer"
        + pdffile.text_string(PRODUCER)
        + b"/CreationDate"
        + created
        + b">>",
        7: b"<</Type/Filespec/F("
        + pdf.CREDENTIAL_ATTACHMENT.encode()
        + b")/UF"
        + pdffile.text_string(pdf.CREDENTIAL_ATTACHMENT)
        + b"/Desc"
        + pdffile.text_string(pdf.ATTACHMENT_DESCRIPTION)
        + b"/AFRelationship/Data/EF<</F 8 0 R>>>>",
        8: pdffile.stream(
            b"/Type/EmbeddedFile/Subtype/application#2Fjson/Params<</Size %d/CheckSum<%s>/CreationDate %s/ModDate %s>>"
            % (len(credential), hashlib.md5(credential).hexdigest().encode(), created, created),  # noqa: S324 - the PDF checksum is MD5
            credential,
        ),
        9: b"<</Type/Annot/Subtype/Widget/FT/Sig/T(" + pdfsign.FIELD_NAME.encode() + b")/V 10 0 R"
        b"/Rect[0 0 0 0]/F 132/P 3 0 R>>",
    }
    for index, font in enumerate(fonts.values()):
        for offset, body in enumerate(font.objects):
            objects[_FONT_FIRST + 5 * index + offset] = body
    now = datetime.datetime.now(datetime.UTC)
    fields = (
        b"/M"
        + pdffile.pdf_date(now)
        + b"/Reason"
        + pdffile.text_string(labels.reason)
        + b"/Location"
        + pdffile.text_string(labels.location)
        + b"/Name"
        + pdffile.text_string(labels.name)
    )
    return pdffile.write_signed(
        objects,
        root=1,
        info=6,
        signature=10,
        identifier=hashlib.md5(facts.serial.encode()).digest(),  # noqa: S324 - a file identifier, not a security hash
        signer=_signer(material),
        signature_fields=fields,
    )


def signed_pdf(facts: pdf.PdfFacts, layout: str, material: pdfsign.PdfSigningMaterial, labels: SigningLabels) -> bytes:
    """The certificate's signed PDF: set here when it can be set exactly, else rendered and signed the standard way."""
    if layout not in pdf.LAYOUTS:
        raise pdf.UnknownLayout(layout)
    try:
        return fast_pdf(facts, layout, material, labels)
    except FallBack as reason:
        log.info("certificate %s in %s goes the standard way: %s", facts.serial, layout, reason)
        return standard_pdf(facts, layout, material, labels)


def standard_pdf(
    facts: pdf.PdfFacts, layout: str, material: pdfsign.PdfSigningMaterial, labels: SigningLabels
) -> bytes:
    """WeasyPrint and pyHanko: the reference the fast path matches."""
    unsigned = pdf.render(facts, layout)
    return pdfsign.sign(unsigned, material, reason=labels.reason, location=labels.location, name=labels.name)
