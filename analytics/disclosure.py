"""What an official may see of a count of people: no child singled out, whatever answers are put side by side.

The rule, by construction rather than by checking each table: every count of people shown to an official (on a
page, in a chart, a report or the API) is shown rounded down to a multiple of 5 (5 to 9 as 5, 10 to 14 as 10), and
a count under 5 (0 included) as "<5": every shown value stands for five true ones. A total is the true total
rounded, never a sum of shown cells; a rate is computed from the shown counts only. So everything shown is a
function of rounded counts, and the difference of any two answers the filters allow (a district minus its urban
part, a term minus a month, the API minus the page) may be any of at least two values under 5 whenever the true
difference is under 5: such a group is never told exactly. A 0 is shown as "<5" too (a pass count of 0 beside 5
attempts would tell that every child failed). Rates are shown only where the shown denominator is at least 5, in
whole percent, and top- and bottom-coded (under 5% and over 95%), so a small group's 0% or 100% is never shown.

Pure functions: no database, no Flask.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: A count of fewer people than this is shown as "<5".
THRESHOLD = 5
#: Counts are shown rounded to a multiple of this.
BASE = 5
#: Rates below this percentage are shown as "<5%", above 100 minus it as ">95%".
RATE_CODE = 5


@dataclass(frozen=True)
class Shown:
    """A count as an official sees it: ``value`` rounded down to a multiple of ``BASE``, or None for "<5"."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def possible(self) -> range:
        """Every true count this shown count may stand for."""
        if self.value is None:
            return range(0, THRESHOLD)
        return range(self.value, self.value + BASE)


def shown(count: int) -> Shown:
    """The count as shown: rounded down to a multiple of 5; under 5 (0 included) suppressed.

    Down, not to the nearest: with the nearest, 8 would show as 10 (8 to 12) beside "<5" (0 to 4), and a group of
    10 minus a part of it shown "<5" would leave exactly 4."""
    if count < 0:
        raise ValueError("a count of people is never negative")
    if count < THRESHOLD:
        return Shown(None)
    return Shown(BASE * (count // BASE))


def total(counts: Iterable[int]) -> Shown:
    """A total row: the true total, rounded (never the sum of the shown cells)."""
    return shown(sum(counts))


@dataclass(frozen=True)
class Rate:
    """A percentage as shown: ``percent`` in whole percent, or a coded bound, or nothing (denominator under 5)."""

    percent: int | None
    #: "<" or ">" when the rate is coded (under ``bound`` or over it); "" when exact; None when not shown.
    code: str | None
    bound: int | None = None

    @property
    def shown(self) -> bool:
        return self.code is not None


def rate(numerator: Shown, denominator: Shown) -> Rate:
    """A share of the shown denominator, from shown counts only (so it tells nothing the counts do not)."""
    if denominator.value is None:
        return Rate(None, None)
    if numerator.value is None:
        # At most 4 of at least the shown denominator: under 5 in that many.
        bound = max(RATE_CODE, math.ceil(100 * THRESHOLD / denominator.value))
        return Rate(None, "<", min(bound, 100))
    percent = 100 * numerator.value / denominator.value
    if percent < RATE_CODE:
        return Rate(None, "<", RATE_CODE)
    if percent > 100 - RATE_CODE:
        return Rate(None, ">", 100 - RATE_CODE)
    return Rate(round(percent), "")


def differences(first: Shown, second: Shown) -> set[int]:
    """Every value ``first - second`` may have, from the two shown counts alone: what subtracting two answers
    can tell (used by the tests)."""
    return {a - b for a in first.possible() for b in second.possible()}
