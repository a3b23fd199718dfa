"""The disclosure rule: counts shown rounded down to 5, under 5 as "<5", rates from shown counts, coded at the ends."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics import disclosure
from analytics.disclosure import Shown, differences, rate, shown, summed, total


@pytest.mark.parametrize(
    ("count", "value"),
    [(0, None), (1, None), (4, None), (5, 5), (9, 5), (10, 10), (14, 10), (15, 15), (371_068, 371_065)],
)
def test_counts_are_rounded_down_to_five_and_small_ones_suppressed(count, value):
    assert shown(count) == Shown(value)


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        shown(-1)


def test_a_total_is_the_sum_of_its_shown_cells():
    assert total([3, 3, 3]) == Shown(None, 12)  # each "<5": "<5", and anything from 0 to 12
    assert total([12, 7, 4]) == Shown(15, 12)  # 10 + 5 + "<5"
    assert summed([]) == Shown(None, 0)


def test_a_true_total_rounded_would_tell_five_small_rows_and_the_sum_does_not():
    """Five districts of 4 learners each: shown "<5" each. The true total rounded (20) would tell that every one
    holds exactly 4; the sum of the shown cells leaves each anything from 0 to 4."""
    rows = [shown(4)] * 5
    rounded_true_total = shown(20)
    assert _cell_values(rows, rounded_true_total, 0) == {4}  # the leak a rounded total would make
    assert _cell_values(rows, total([4] * 5), 0) == set(range(5))


def _cell_values(rows: list[Shown], shown_total: Shown, index: int) -> set[int]:
    """Every value row ``index`` may hold, given every row's shown value and the shown total."""
    others = [list(row.possible()) for n, row in enumerate(rows) if n != index]
    sums = {0}
    for values in others:
        sums = {s + v for s in sums for v in values}
    return {v for v in rows[index].possible() if any(v + s in shown_total.possible() for s in sums)}


@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=7), st.data())
def test_no_cell_is_told_more_by_its_table_total_than_by_itself(cells, data):
    shown_cells = [shown(c) for c in cells]
    index = data.draw(st.integers(min_value=0, max_value=len(cells) - 1))
    assert cells[index] in _cell_values(shown_cells, total(cells), index)
    assert _cell_values(shown_cells, total(cells), index) == set(shown_cells[index].possible())


@given(st.integers(min_value=0, max_value=10_000))
def test_every_count_is_among_what_its_shown_value_stands_for(count):
    assert count in shown(count).possible()


@given(st.integers(min_value=0, max_value=100_000), st.integers(min_value=0, max_value=100_000))
def test_no_small_difference_between_two_answers_can_be_told_exactly(larger, smaller):
    """A group and a part of it (a district and its urban schools, a term and one of its months, the page and the
    API): whenever the rest is fewer than 5, the two shown answers leave at least two candidates under 5."""
    smaller = min(smaller, larger)
    rest = larger - smaller
    possible = differences(shown(larger), shown(smaller))
    assert rest in possible
    if rest < disclosure.THRESHOLD:
        assert len({d for d in possible if 0 <= d < disclosure.THRESHOLD}) >= 2


def test_every_small_difference_exhaustively():
    for larger in range(60):
        for smaller in range(larger + 1):
            if larger - smaller < disclosure.THRESHOLD:
                candidates = {d for d in differences(shown(larger), shown(smaller)) if 0 <= d < 5}
                assert len(candidates) >= 2, (larger, smaller)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (50, 100, disclosure.Rate(50, "")),
        (0, 100, disclosure.Rate(None, "<", 5)),  # numerator "<5" of 100: under 5%
        (2, 20, disclosure.Rate(None, "<", 25)),  # "<5" of 20: under 25%
        (100, 100, disclosure.Rate(None, ">", 95)),  # all passed: coded
        (6, 9, disclosure.Rate(None, ">", 95)),  # 5 of 5 as shown
        (4, 4, disclosure.Rate(None, None)),  # denominator under 5: no rate
        (97, 100, disclosure.Rate(95, "")),  # 95 of 100 as shown
        (100, 104, disclosure.Rate(None, ">", 95)),
        (3, 100, disclosure.Rate(None, "<", 5)),
    ],
)
def test_rates_come_from_shown_counts_and_are_coded_at_the_ends(numerator, denominator, expected):
    assert rate(shown(numerator), shown(denominator)) == expected


@given(st.integers(min_value=0, max_value=2_000), st.integers(min_value=0, max_value=2_000))
def test_a_rate_never_shows_zero_or_all_exactly(numerator, denominator):
    numerator = min(numerator, denominator)
    shown_rate = rate(shown(numerator), shown(denominator))
    if shown_rate.percent is not None:
        assert disclosure.RATE_CODE <= shown_rate.percent <= 100 - disclosure.RATE_CODE
    if denominator < disclosure.THRESHOLD:
        assert not shown_rate.shown
