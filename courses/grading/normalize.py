"""Reading what students type: text and numbers."""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation

_SPACES = re.compile(r"\s+")


def normalize_text(text: str, case_sensitive: bool = False) -> str:
    """NFKC, trimmed, inner whitespace collapsed, case folded unless case matters.

    NFKC makes full-width and compatibility forms (and Kazakh letters typed
    with combining marks) compare equal to their plain forms.
    """
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return text if case_sensitive else text.casefold()


def parse_number(value: object) -> float | None:
    """A finite number from a number or a string ("3,5", " 1 000.25 ", "-2e3"), else None.

    Booleans are not numbers. A decimal comma is accepted, as Kazakh and
    Russian write it; spaces (also non-breaking) group thousands.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str) or len(value) > 100:
        return None
    text = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(Decimal(text))
    except (InvalidOperation, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None
