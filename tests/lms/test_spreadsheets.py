"""One escaping rule for every spreadsheet the platform hands out."""

from __future__ import annotations

from datetime import date

import pytest

from lms.spreadsheets import safe_cell


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tname", "\rname"])
def test_texts_that_start_like_a_formula_are_escaped(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Әлия Сейітова", "", "a=b", 42, -3, 2.5, None, date(2026, 12, 7)])
def test_anything_else_is_kept_as_it_is_numbers_stay_numbers(value):
    assert safe_cell(value) == value
