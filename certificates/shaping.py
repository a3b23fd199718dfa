"""Setting text in the shipped fonts without HarfBuzz: glyphs, ligatures, kerning, line breaks.

The fast certificate path sets the variable text (names, titles, dates) itself. It does
what HarfBuzz does with these fonts for the scripts the certificates use (Latin and
Cyrillic, precomposed letters): the cmap, the ``liga`` ligatures (fi, fl…) and ``kern``
pair positioning; and it breaks lines like Pango at the opportunities it models (spaces,
a hyphen between letters). Text outside that (combining marks, characters missing from
the font, other break opportunities where a break is needed) is ``Unsupported``: the
caller falls back to WeasyPrint.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fontTools.ttLib import TTFont


class Unsupported(ValueError):
    """The text needs something this module does not model exactly."""


#: Characters that are no break opportunity between two others of the set (UAX #14 classes
#: AL, NU, IS, QU, OP, CP, HY and letters); a needed break elsewhere is ``Unsupported``.
_NO_BREAK_PUNCTUATION = set(".,:;'\"«»“”„()&<>№%#*@_")
_COLLAPSED = re.compile(r"[ \t\n\r\f]+")


def collapse(text: str) -> str:
    """CSS ``white-space: normal``: runs of ASCII whitespace become one space, ends trimmed."""
    return _COLLAPSED.sub(" ", text).strip(" \t\n\r\f")


@dataclass(frozen=True)
class Glyph:
    gid: int
    text: str  # the characters it stands for (more than one for a ligature)
    advance: float  # in font units, kerning with the next glyph included


@dataclass(frozen=True)
class Run:
    """Glyphs of one font at one size, ready to place."""

    font: str
    size: float
    glyphs: tuple[Glyph, ...]
    letter_spacing: float = 0.0

    @property
    def width(self) -> float:
        """Advance in the same unit as ``size`` (letter spacing between glyphs, not after the last)."""
        units = sum(glyph.advance for glyph in self.glyphs)
        return units * self.size / 1000 + self.letter_spacing * max(len(self.glyphs) - 1, 0)


class Font:
    """One shipped font file: its cmap, widths (per 1000 units), ligatures and kerning."""

    def __init__(self, path: Path) -> None:
        self.path = path
        font = TTFont(path, lazy=False)
        scale = 1000 / font["head"].unitsPerEm
        self.cmap: dict[int, int] = {cp: font.getGlyphID(name) for cp, name in font.getBestCmap().items()}
        order = font.getGlyphOrder()
        self.widths = [font["hmtx"][name][0] * scale for name in order]
        self.scale = scale
        self._ids = {name: index for index, name in enumerate(order)}
        self._ligatures = self._read_ligatures(font)
        self._pair_tables = self._read_kerning(font)
        self._kern_cache: dict[tuple[int, int], float] = {}
        hhea = font["hhea"]
        self.ascent = hhea.ascent * scale
        self.descent = -hhea.descent * scale

    def _lookups(self, font: TTFont, table: str, feature: str) -> list[Any]:
        if table not in font:
            return []
        layout = font[table].table
        indices: set[int] = set()
        for record in layout.FeatureList.FeatureRecord:
            if record.FeatureTag == feature:
                indices.update(record.Feature.LookupListIndex)
        subtables = []
        for index in sorted(indices):
            lookup = layout.LookupList.Lookup[index]
            for sub in lookup.SubTable:
                subtables.append(sub.ExtSubTable if hasattr(sub, "ExtSubTable") else sub)
        return subtables

    def _read_ligatures(self, font: TTFont) -> dict[int, list[tuple[tuple[int, ...], int]]]:
        ligatures: dict[int, list[tuple[tuple[int, ...], int]]] = {}
        for sub in self._lookups(font, "GSUB", "liga"):
            for first, entries in getattr(sub, "ligatures", {}).items():
                for entry in entries:
                    components = tuple(self._ids[name] for name in entry.Component)
                    ligatures.setdefault(self._ids[first], []).append((components, self._ids[entry.LigGlyph]))
        return ligatures

    def _read_kerning(self, font: TTFont) -> list[Any]:
        return [sub for sub in self._lookups(font, "GPOS", "kern") if getattr(sub, "Format", 0) in (1, 2)]

    def kerning(self, first: int, second: int) -> float:
        key = (first, second)
        cached = self._kern_cache.get(key)
        if cached is None:
            cached = self._kern_cache[key] = self._pair_value(first, second) * self.scale
        return cached

    def _pair_value(self, first: int, second: int) -> float:
        name1, name2 = self._names[first], self._names[second]
        for sub in self._pair_tables:
            if name1 not in sub.Coverage.glyphs:
                continue
            if sub.Format == 1:
                pair_set = sub.PairSet[sub.Coverage.glyphs.index(name1)]
                for record in pair_set.PairValueRecord:
                    if record.SecondGlyph == name2:
                        return float(getattr(record.Value1, "XAdvance", 0) or 0)
                continue
            class1 = sub.ClassDef1.classDefs.get(name1, 0)
            class2 = sub.ClassDef2.classDefs.get(name2, 0)
            value = sub.Class1Record[class1].Class2Record[class2].Value1
            return float(getattr(value, "XAdvance", 0) or 0) if value is not None else 0.0
        return 0.0

    @functools.cached_property
    def _names(self) -> list[str]:
        names = [""] * len(self._ids)
        for name, index in self._ids.items():
            names[index] = name
        return names

    def supports(self, text: str) -> bool:
        return all(ord(char) in self.cmap for char in text)

    def glyphs(self, text: str) -> list[Glyph]:
        """``text`` as glyphs with kerning folded into advances; ``Unsupported`` for what is not modelled."""
        ids: list[int] = []
        for char in text:
            gid = self.cmap.get(ord(char))
            if gid is None or unicodedata.combining(char) or unicodedata.category(char) in ("Cc", "Cf", "Mn", "Me"):
                raise Unsupported(f"U+{ord(char):04X}")
            ids.append(gid)
        clusters: list[tuple[int, str]] = []
        index = 0
        while index < len(ids):
            gid, chars, step = ids[index], text[index], 1
            for components, ligature in self._ligatures.get(gid, ()):
                end = index + 1 + len(components)
                if tuple(ids[index + 1 : end]) == components:
                    gid, chars, step = ligature, text[index:end], 1 + len(components)
                    break
            clusters.append((gid, chars))
            index += step
        out = []
        for position, (gid, chars) in enumerate(clusters):
            advance = self.widths[gid]
            if position + 1 < len(clusters) and _same_script_run(chars[-1], clusters[position + 1][1][0]):
                advance += self.kerning(gid, clusters[position + 1][0])
            out.append(Glyph(gid, chars, advance))
        return out

    def run(self, text: str, size: float, letter_spacing: float = 0.0) -> Run:
        return Run(self.path.stem, size, tuple(self.glyphs(text)), letter_spacing)


def _script(char: str) -> str:
    code = ord(char)
    if 0x0400 <= code <= 0x052F:
        return "cyrl"
    if char.isalpha():
        return "latn"
    return ""


def _same_script_run(left: str, right: str) -> bool:
    """Pango shapes each script apart: no kerning between a Latin and a Cyrillic letter."""
    a, b = _script(left), _script(right)
    return not a or not b or a == b


@functools.cache
def font(path: Path) -> Font:
    return Font(path)


def break_lines(font: Font, text: str, size: float, width: float, max_lines: int) -> list[Run]:
    """Greedy first-fit lines of at most ``width`` (Pango's way), each without its trailing space.

    ``Unsupported`` when a break is needed where the text has opportunities this does not
    model, a word alone is wider than the line, or more than ``max_lines`` lines are needed.
    """
    whole = font.run(text, size)
    if whole.width <= width + 1e-6:
        return [whole]
    if any(not (char.isalnum() or char in " -" or char in _NO_BREAK_PUNCTUATION) for char in text):
        raise Unsupported("a break opportunity that is not modelled")
    lines: list[Run] = []
    rest = text
    while rest:
        candidates = _break_points(rest)
        fitting = None
        for end in candidates:
            run = font.run(rest[:end].rstrip(" "), size)
            if run.width <= width + 1e-6:
                fitting = (end, run)
            else:
                break
        if fitting is None:
            raise Unsupported("a word wider than the line")
        end, run = fitting
        lines.append(run)
        rest = rest[end:]
        if len(lines) > max_lines:
            raise Unsupported("too many lines")
    return lines


def _break_points(text: str) -> list[int]:
    """Offsets where a line may end: after a space run, after a hyphen between a letter and a letter."""
    points = []
    for index, char in enumerate(text):
        following = text[index + 1] if index + 1 < len(text) else ""
        if char == " " and following != " ":
            points.append(index + 1)
        elif char == "-" and index > 0 and text[index - 1].isalpha() and following.isalpha():
            points.append(index + 1)
    points.append(len(text))
    return points
