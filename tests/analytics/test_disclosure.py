"""The disclosure rule (the cell-key method): under 5 shown as "<5", every other count perturbed by at most 3 by its
cell key, never below 5 and nothing on average; rates from shown counts, coded at the ends."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics import disclosure
from analytics.disclosure import MAX_NOISE, THRESHOLD, Shown, differences, rate, shown

KEYS = st.integers(min_value=0, max_value=10**9)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4])
def test_a_count_under_five_is_shown_as_under_five_whatever_its_key(count):
    assert {shown(count, key) for key in range(disclosure.KEYS)} == {Shown(None)}


def test_a_negative_count_is_refused():
    with pytest.raises(ValueError):
        shown(-1, 0)


@given(st.integers(min_value=THRESHOLD, max_value=10**7), KEYS)
def test_a_count_of_five_or_more_is_shown_within_three_and_never_under_five(count, key):
    value = shown(count, key).value
    assert value is not None and value >= THRESHOLD and abs(value - count) <= MAX_NOISE
    assert count in shown(count, key).possible()


@given(st.integers(min_value=0, max_value=10**6), KEYS)
def test_the_same_people_give_the_same_number(count, key):
    """A cell key is a sum of record keys modulo 256: the same people, however asked for, give the same key."""
    assert shown(count, key) == shown(count, key + disclosure.KEYS)


def test_the_table_is_fixed_and_adds_nothing_on_average():
    table = disclosure.table()
    assert len(table) == disclosure.ROWS - THRESHOLD + 1
    for row in table:
        assert Counter(row) == Counter(disclosure.NOISE_SHARES)
        assert sum(row) == 0
    # Rows are unrelated: a count and the next do not move together.
    assert table[0] != table[1]
    # Fixed by SHA-256, not by a random generator: the same on every machine (the first entries of two rows).
    assert table[0][:12] == (1, -1, -2, 0, -1, 0, 1, -2, -1, -2, 1, 2)
    assert table[-1][:12] == (2, 0, 0, 1, 1, 0, 0, -1, 2, 0, 2, -1)
    assert disclosure.noise(10**6, 7) == table[-1][7]


def test_large_totals_are_not_biased():
    """Unlike sums of small groups each rounded down, a total is off by at most 3, however many groups."""
    for count in (100, 10_000, 371_068):
        values = [shown(count, key).value for key in range(disclosure.KEYS)]
        assert sum(values) / len(values) == count  # every key equally likely: nothing on average


@given(st.integers(min_value=0, max_value=100_000), st.integers(min_value=0, max_value=100_000), KEYS, KEYS)
def test_a_difference_of_two_answers_tells_a_small_group_only_within_the_noise(larger, smaller, one, two):
    """A group and a part of it (a district and its urban schools, a term and one of its months, a total and a row):
    the difference of the shown answers is the rest give or take 6; the rest's own answer says "<5"."""
    smaller = min(smaller, larger)
    rest = larger - smaller
    assert rest in differences(shown(larger, one), shown(smaller, two))


def test_only_extreme_pairs_can_narrow_a_small_group_to_one_value():
    """Every pair of keys, for a group of 20 and a part of it leaving a rest under 5: the rest is narrowed to one
    value (from the pair alone and the rest's "<5") only where the two perturbations are at opposite ends."""
    narrowed = pairs = 0
    for rest in range(THRESHOLD):
        for one in range(disclosure.KEYS):
            for two in range(disclosure.KEYS):
                larger, smaller = shown(20 + rest, one), shown(20, two)
                candidates = {d for d in differences(larger, smaller) if 0 <= d < THRESHOLD}
                pairs += 1
                if len(candidates) == 1:
                    narrowed += 1
                    assert larger.value is not None and smaller.value is not None
                    noises = {larger.value - (20 + rest), smaller.value - 20}
                    assert noises == {MAX_NOISE, -MAX_NOISE}
    assert narrowed / pairs <= disclosure.extreme_pairs()
    assert disclosure.extreme_pairs() < 0.001


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (Shown(50), Shown(100), disclosure.Rate(50, "")),
        (Shown(None), Shown(100), disclosure.Rate(None, "<", 5)),  # "<5" of 100: under 5%
        (Shown(None), Shown(20), disclosure.Rate(None, "<", 25)),  # "<5" of 20: under 25%
        (Shown(100), Shown(100), disclosure.Rate(None, ">", 95)),  # all passed: coded
        (Shown(8), Shown(7), disclosure.Rate(None, ">", 95)),  # more than all, as perturbed
        (Shown(None), Shown(None), disclosure.Rate(None, None)),  # denominator under 5: no rate
        (Shown(95), Shown(100), disclosure.Rate(95, "")),
        (Shown(6), Shown(200), disclosure.Rate(None, "<", 5)),
    ],
)
def test_rates_come_from_shown_counts_and_are_coded_at_the_ends(numerator, denominator, expected):
    assert rate(numerator, denominator) == expected


@given(st.integers(min_value=0, max_value=2_000), st.integers(min_value=0, max_value=2_000), KEYS, KEYS)
def test_a_rate_never_shows_zero_or_all_exactly(numerator, denominator, one, two):
    numerator = min(numerator, denominator)
    shown_rate = rate(shown(numerator, one), shown(denominator, two))
    if shown_rate.percent is not None:
        assert disclosure.RATE_CODE <= shown_rate.percent <= 100 - disclosure.RATE_CODE
    if denominator < THRESHOLD:
        assert not shown_rate.shown
