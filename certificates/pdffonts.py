"""The shipped fonts as PDF objects for the fast path: subset once to the supported repertoire.

Each font is embedded whole over the characters certificates can carry (Latin with its
Latin-1 and Extended-A letters, Cyrillic with the Kazakh letters, general punctuation),
keeping the original glyph ids, so any name can be set with the same font objects and
the page's glyph ids are the font's own. The ToUnicode map covers every character of the
subset and the ligatures, so text extraction gives back what was written.
"""

from __future__ import annotations

import functools
import io
import zlib
from dataclasses import dataclass

from fontTools import subset
from fontTools.ttLib import TTFont

from certificates import pdf, shaping

#: The characters the fast path sets; anything else goes the standard way.
REPERTOIRE = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x180), *range(0x400, 0x530), *range(0x2000, 0x2070), 0x20AC, 0x2116, 0x2122]
)
FONT_STEMS = ("NotoSans-Regular", "NotoSans-Bold", "NotoSerif-Regular", "NotoSerif-Bold")


@dataclass(frozen=True)
class EmbeddedFont:
    stem: str
    resource: str  # /F1…
    supported: frozenset[int]  # code points
    objects: tuple[bytes, ...]  # Type0, CIDFont, descriptor, font file, ToUnicode (bodies, "N 0 R" filled in)


def _pdf_string_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


@functools.cache
def subset_font(stem: str) -> tuple[bytes, frozenset[int]]:
    """The font file subset to ``REPERTOIRE`` (glyph ids kept, no hinting, no layout tables)."""
    path = pdf.FONTS_DIR / f"{stem}.ttf"
    font = TTFont(path)
    unicodes = sorted(REPERTOIRE & set(font.getBestCmap()))
    options = subset.Options()
    options.retain_gids = True
    options.hinting = False
    options.layout_features = ["liga"]
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "gasp", "DSIG"]
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), frozenset(unicodes)


def font_objects(stem: str, resource: str, first: int) -> EmbeddedFont:
    """Five PDF object bodies numbered from ``first``: Type0, CIDFontType2, descriptor, FontFile2, ToUnicode."""
    data, supported = subset_font(stem)
    metrics = shaping.font(pdf.FONTS_DIR / f"{stem}.ttf")
    kept = sorted({metrics.cmap[code] for code in supported} | set(_ligature_glyphs(metrics, supported)))
    to_unicode = _to_unicode(metrics, supported)
    base = f"CRTFKT+Certificate-{stem}"
    widths = " ".join(f"{gid} [{round(metrics.widths[gid], 2)}]" for gid in kept)
    ttf = TTFont(io.BytesIO(data))
    head = ttf["head"]
    scale = 1000 / head.unitsPerEm
    bbox = " ".join(str(round(v * scale)) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
    packed = zlib.compress(data, 9)
    cmap = zlib.compress(to_unicode, 9)
    objects = (
        f"<</Type/Font/Subtype/Type0/BaseFont/{base}/Encoding/Identity-H"
        f"/DescendantFonts[{first + 1} 0 R]/ToUnicode {first + 4} 0 R>>".encode(),
        f"<</Type/Font/Subtype/CIDFontType2/BaseFont/{base}"
        f"/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>"
        f"/FontDescriptor {first + 2} 0 R/DW 0/W[{widths}]/CIDToGIDMap/Identity>>".encode(),
        f"<</Type/FontDescriptor/FontName/{base}/Flags 4/FontBBox[{bbox}]/ItalicAngle 0"
        f"/Ascent {round(metrics.ascent)}/Descent {-round(metrics.descent)}/CapHeight {round(metrics.ascent)}"
        f"/StemV 80/FontFile2 {first + 3} 0 R>>".encode(),
        f"<</Filter/FlateDecode/Length {len(packed)}/Length1 {len(data)}>>\nstream\n".encode()
        + packed
        + b"\nendstream",
        f"<</Filter/FlateDecode/Length {len(cmap)}>>\nstream\n".encode() + cmap + b"\nendstream",
    )
    return EmbeddedFont(stem, resource, supported, objects)


def _ligature_glyphs(metrics: shaping.Font, supported: frozenset[int]) -> dict[int, str]:
    ligatures: dict[int, str] = {}
    reverse = {gid: chr(code) for code, gid in metrics.cmap.items() if code in supported}
    for first, entries in metrics._ligatures.items():
        for components, ligature in entries:
            if first in reverse and all(component in reverse for component in components):
                ligatures[ligature] = reverse[first] + "".join(reverse[component] for component in components)
    return ligatures


def _to_unicode(metrics: shaping.Font, supported: frozenset[int]) -> bytes:
    mapping: dict[int, str] = {}
    for code in sorted(supported, reverse=True):  # the lowest code point wins a shared glyph
        mapping[metrics.cmap[code]] = chr(code)
    mapping.update(_ligature_glyphs(metrics, supported))
    entries = sorted(mapping.items())
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(f"<{gid:04X}> <{_pdf_string_hex(text)}>" for gid, text in chunk)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode()
