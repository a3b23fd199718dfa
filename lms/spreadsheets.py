"""Cells for spreadsheets the platform hands out (CSV and XLSX exports).

A text that a spreadsheet would read as a formula (``=HYPERLINK(…)``, ``+1``, ``-2``, ``@SUM``, or one
starting with a tab or carriage return) gets a leading apostrophe, so a learner's name can never run
in a teacher's or an official's spreadsheet. Numbers, dates and empty cells stay as they are.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value for a spreadsheet cell: a text that starts like a formula is escaped, anything else kept."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
