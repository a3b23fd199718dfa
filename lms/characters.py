"""Which characters a line of text may hold: control characters (NUL, escape, …) are refused.

A name or a title is shown on pages, printed on certificates and written to spreadsheets; a NUL or an
escape in it breaks each of those. Multi-line texts keep tab, line feed and carriage return.
"""

from __future__ import annotations

import unicodedata

MULTI_LINE_CONTROLS = frozenset("\t\n\r")


def has_control_characters(text: str, *, multi_line: bool = False) -> bool:
    """Whether the text holds a control character (Unicode category Cc) a field of its kind may not."""
    allowed = MULTI_LINE_CONTROLS if multi_line else frozenset()
    return any(unicodedata.category(char) == "Cc" and char not in allowed for char in text)
