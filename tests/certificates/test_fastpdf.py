"""The fast certificate PDF: signed like the standard one, the same text, the same look.

Every case is checked by poppler's pdfsig and pyHanko, its text extracted with pdftotext,
its credential read back, and its page rendered to PNG (50 dpi) and compared with the
standard path's (WeasyPrint) rendering; negative cases prove the comparison catches a
name moved by 2 mm, a wrong font size and a missing line.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

from certificates import fastpdf, pdf, pdfsign, shaping
from tests.certificates.test_pdf import KAZAKH_NAME, facts, flip_one_byte, run, tool

LABELS = fastpdf.SigningLabels(reason="Certificate", location="Astana", name="AI Skills")
LONG_NAME = "Әлихан-Жасұлан Өмірзақұлы-Серікбаев Нұрсұлтанұлы Жасұлан-Әлихан Өмірзақұлы-Темірболатов"
LONG_TITLE = "Машиналық оқыту мен деректер талдауының практикалық негіздері: Python, статистика және нейрондық желілер"
NAMES = [KAZAKH_NAME, LONG_NAME, "Ә", 'O\'Brien & <Smith> "Jr"']
MM = 96 / 25.4  # CSS px per millimetre
#: Rendering noise between the two paths is about 0.8 mean and 1% differing pixels (sub-pixel glyph
#: positions); a name moved by 2 mm, a wrong size or a missing line is far above these.
MAX_MEAN_DIFFERENCE = 1.1
MAX_DIFFERING_SHARE = 0.012


@pytest.fixture
def material(app: Any) -> pdfsign.PdfSigningMaterial:
    return pdfsign.signing_material(app)


@pytest.fixture
def context(app: Any) -> Iterator[None]:
    with app.test_request_context():
        yield


def png(data: bytes, folder: Path, name: str) -> Image.Image:
    target = folder / f"{name}.pdf"
    target.write_bytes(data)
    subprocess.run(
        [tool("pdftoppm"), "-r", "50", "-png", "-singlefile", str(target), str(folder / name)], check=True, timeout=60
    )
    return Image.open(folder / f"{name}.png").convert("L")


def difference(first: Image.Image, second: Image.Image) -> tuple[float, float]:
    """Mean absolute pixel difference (0–255) and share of pixels differing by more than 32."""
    assert first.size == second.size
    histogram = ImageChops.difference(first, second).histogram()
    pixels = first.width * first.height
    return sum(value * count for value, count in enumerate(histogram)) / pixels, sum(histogram[33:]) / pixels


def looks_alike(fast: bytes, reference: bytes, folder: Path) -> tuple[float, float]:
    return difference(png(fast, folder, "fast"), png(reference, folder, "reference"))


@pytest.mark.parametrize("layout", pdf.LAYOUTS)
@pytest.mark.parametrize("name", NAMES, ids=["kazakh", "long", "one-letter", "quotes"])
def test_fast_output_is_signed_readable_and_looks_like_the_reference(
    context: None, material: pdfsign.PdfSigningMaterial, tmp_path: Path, layout: str, name: str
) -> None:
    title = LONG_TITLE if name == LONG_NAME else "Жасанды интеллект негіздері"
    case = facts(holder_name=name, course_title=title, language=layout[:2])
    fast = fastpdf.fast_pdf(case, layout, material, LABELS)

    report = run(tool("pdfsig"), data=fast, tmp=tmp_path)
    assert "Signature Validation: Signature is Valid." in report and "Total document signed" in report, report
    assert pdfsign.check(fast, material.root).ok

    run(tool("pdftotext"), "-enc", "UTF-8", data=fast, tmp=tmp_path)
    text = " ".join((tmp_path / "document.txt").read_text(encoding="utf-8").split())
    for part in (name, title, case.display_serial, case.verification_url):
        assert shaping.collapse(part) in text, (part, text)

    from certificates import documents

    assert documents._attached_credential(fast) == case.credential

    reference = fastpdf.standard_pdf(case, layout, material, LABELS)
    mean, share = looks_alike(fast, reference, tmp_path)
    assert mean < MAX_MEAN_DIFFERENCE and share < MAX_DIFFERING_SHARE, (mean, share)


def test_one_changed_byte_is_reported_by_both(
    context: None, material: pdfsign.PdfSigningMaterial, tmp_path: Path
) -> None:
    altered = flip_one_byte(fastpdf.fast_pdf(facts(), "kk", material, LABELS))
    report = run(tool("pdfsig"), data=altered, tmp=tmp_path)
    assert "Signature is Valid." not in report and "Digest Mismatch" in report, report
    check = pdfsign.check(altered, material.root)
    assert not check.intact and not check.ok


def test_appended_bytes_are_reported(context: None, material: pdfsign.PdfSigningMaterial, tmp_path: Path) -> None:
    appended = fastpdf.fast_pdf(facts(), "kk", material, LABELS) + b"\n% added later\n"
    assert "Total document signed" not in run(tool("pdfsig"), data=appended, tmp=tmp_path)
    assert not pdfsign.check(appended, material.root).ok


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda p: dataclasses.replace(p, x=p.x + 2 * MM), "the name moved right by 2 mm"),
        (lambda p: dataclasses.replace(p, top=p.top + 2 * MM), "the name moved down by 2 mm"),
        (lambda p: dataclasses.replace(p, baseline_ratio=p.baseline_ratio * 1.1), "the name's baseline off"),
    ],
)
def test_the_comparison_catches_a_moved_name(
    context: None, material: pdfsign.PdfSigningMaterial, tmp_path: Path, change: Any, what: str
) -> None:
    case = facts()
    reference = fastpdf.standard_pdf(case, "kk", material, LABELS)
    template = fastpdf.template(case, "kk")
    original = template.layout.holder
    assert original is not None
    template.layout.holder = change(original)
    try:
        wrong = fastpdf.fast_pdf(case, "kk", material, LABELS)
    finally:
        template.layout.holder = original
    mean, share = looks_alike(wrong, reference, tmp_path)
    assert mean >= MAX_MEAN_DIFFERENCE or share >= MAX_DIFFERING_SHARE, (what, mean, share)


def test_the_comparison_catches_a_wrong_size_and_a_missing_line(
    context: None, material: pdfsign.PdfSigningMaterial, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = facts(course_title=LONG_TITLE)
    reference = fastpdf.standard_pdf(case, "kk", material, LABELS)
    monkeypatch.setattr(pdf, "HOLDER_SIZES", ((10**6, 25),))  # 25 pt instead of 30 pt
    mean, share = looks_alike(fastpdf.fast_pdf(case, "kk", material, LABELS), reference, tmp_path)
    assert mean >= MAX_MEAN_DIFFERENCE or share >= MAX_DIFFERING_SHARE, ("size", mean, share)
    monkeypatch.undo()

    real_runs = fastpdf.pagelayout.runs_of

    def without_last_line(*args: Any) -> list[shaping.Run]:
        lines = real_runs(*args)
        return lines[:-1] if len(lines) > 1 else lines

    monkeypatch.setattr(fastpdf.pagelayout, "runs_of", without_last_line)
    mean, share = looks_alike(fastpdf.fast_pdf(case, "kk", material, LABELS), reference, tmp_path)
    assert mean >= MAX_MEAN_DIFFERENCE or share >= MAX_DIFFERING_SHARE, ("line", mean, share)


@pytest.mark.parametrize(
    "name",
    [
        "Σωκράτης Παπαδόπουλος",  # Greek: in the fonts, outside the embedded repertoire
        "Йо\u0306ван",  # a combining mark
        "Әлихан/Жасұлан " * 8,  # a break after a slash would be needed
        ("Өмірзақұлы " * 40).strip(),  # more lines than planned
    ],
    ids=["greek", "combining", "slash", "too-long"],
)
def test_what_it_cannot_set_goes_the_standard_way(
    context: None, material: pdfsign.PdfSigningMaterial, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    case = facts(holder_name=name)
    with pytest.raises(fastpdf.FallBack):
        fastpdf.fast_pdf(case, "kk", material, LABELS)
    calls = []

    def standard(*args: Any) -> bytes:
        calls.append(args)
        return b"%PDF-standard"

    monkeypatch.setattr(fastpdf, "standard_pdf", standard)
    assert fastpdf.signed_pdf(case, "kk", material, LABELS) == b"%PDF-standard" and len(calls) == 1


def test_ordinary_certificates_take_the_fast_path(
    context: None, material: pdfsign.PdfSigningMaterial, monkeypatch: pytest.MonkeyPatch
) -> None:
    def standard(*_args: Any) -> bytes:
        raise AssertionError("fell back")

    monkeypatch.setattr(fastpdf, "standard_pdf", standard)
    for layout in pdf.LAYOUTS:
        assert fastpdf.signed_pdf(facts(grade=None, hours=0), layout, material, LABELS).startswith(b"%PDF-1.7")


def test_the_shaper_matches_weasyprint_glyph_for_glyph(context: None) -> None:
    """Glyph ids and advances of every text box WeasyPrint lays out on a page equal ours."""
    from weasyprint import HTML
    from weasyprint.text.ffi import ffi

    from certificates.pagelayout import FONT_FILES

    case = facts(holder_name="Wolfgang Office-Affleck «Ту» VA Әлихан", course_title="Difficult effort: AVATAR Тест")
    document = HTML(
        string=pdf.html(case, "kk-en"), base_url=str(pdf.FONTS_DIR) + "/", url_fetcher=pdf._shipped_fonts_fetcher()
    ).render()
    compared = 0
    stack = [document.pages[0]._page_box]
    while stack:
        box = stack.pop()
        stack.extend(getattr(box, "children", []))
        if not hasattr(box, "text") or not box.text.strip():
            continue
        style = box.style
        font = shaping.font(pdf.FONTS_DIR / f"{FONT_FILES[(style['font_family'][0], style['font_weight'])]}.ttf")
        box.pango_layout.reactivate(style)
        line, _ = box.pango_layout.get_first_line()
        theirs, item = [], line.runs[0]
        while item != ffi.NULL:
            glyphs = item.data.glyphs
            theirs += [glyph.glyph for glyph in glyphs.glyphs[0 : glyphs.num_glyphs]]
            item = item.next
        box.pango_layout.deactivate()
        spacing = 0.0 if style["letter_spacing"] == "normal" else float(style["letter_spacing"])
        mine = font.run(box.text.rstrip(" "), style["font_size"], spacing)
        assert [glyph.gid for glyph in mine.glyphs] == theirs[: len(mine.glyphs)], box.text
        trailing = len(box.text) - len(box.text.rstrip(" "))
        if not trailing:
            assert abs(mine.width + spacing - box.width) < 0.1, box.text  # Pango units round
        compared += 1
    assert compared > 15
