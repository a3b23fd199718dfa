"""What an official may see of a count of people: no child singled out, whatever answers are put side by side.

The rule, by construction rather than by checking each table:

- The rollups are read in their *finest cells* — disjoint groups of people (a district's enrolments in one course
  in one month, a region's completions of one course in one week, a district's learners who reached a module).
  Each cell is shown rounded down to a multiple of 5 (5 to 9 as 5, 10 to 14 as 10), and a cell under 5 (0
  included) as "<5": every shown cell stands for five true values, whatever else is shown.
- Every larger number — a district over all courses, a region, the nation, a table's total row, the API's
  answer — is the **sum of the shown cells** it is made of ("<5" adding nothing), never a true total rounded.

So every number an official can get (on a page, in a chart, a report or the API, with any filters) is a function
of the shown cells alone, and no combination of answers — a total minus its rows, a region minus a district, every
course minus one course, the API minus the page — tells more about a cell than its own shown value: a cell shown
"<5" may be any of 0 to 4 whatever else is known. (A true total rounded would not be safe: five districts of 4
learners each, shown "<5", beside a region total of 20 would each be told exactly.) The price is that a sum
undercounts by up to 4 per cell; ``Shown.spread`` says by how much at most.

What this does not cover by construction: two different partitions of the same people shown side by side — the
certificates of a district and course by month and by grade decile — each made of rounded cells. Set against each
other they could narrow a cell only if five (or ten, …) cells of one side all sit at the very top of their ranges
(each 4, 9, 14, …) and the other side's rounded cells add up to exactly that top; weeks and months never meet so
(a month of whole weeks has four). A perturbation of every cell keyed to the people in it (the ONS/ABS "cell
key" method) would close that too.

Rates are computed from shown counts only, only where the shown denominator is at least 5, in whole percent, and
top- and bottom-coded (under 5% and over 95%), so a small group's 0% or 100% is never shown.

Pure functions, no Flask; ``shown_sql`` is the same rounding as an SQL expression, so that the rollups' queries
add up rounded cells in the database and send back one row per region, not one per cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

#: A count of fewer people than this is shown as "<5".
THRESHOLD = 5
#: Counts are shown rounded to a multiple of this.
BASE = 5
#: Rates below this percentage are shown as "<5%", above 100 minus it as ">95%".
RATE_CODE = 5


@dataclass(frozen=True)
class Shown:
    """A count as an official sees it: ``value`` rounded down to a multiple of ``BASE`` (or a sum of such), or None
    for "<5" (every cell under 5); the true count lies from ``value`` (0 for None) to ``value + spread``."""

    value: int | None
    #: How much more the true count may be: 4 for one cell, the cells' spreads added up for a sum.
    spread: int = BASE - 1

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def possible(self) -> range:
        """Every true count this shown count may stand for."""
        return range(self.value or 0, (self.value or 0) + self.spread + 1)


def shown(count: int) -> Shown:
    """The count as shown: rounded down to a multiple of 5; under 5 (0 included) suppressed.

    Down, not to the nearest: with the nearest, 8 would show as 10 (8 to 12) beside "<5" (0 to 4), and a group of
    10 minus a part of it shown "<5" would leave exactly 4."""
    if count < 0:
        raise ValueError("a count of people is never negative")
    if count < THRESHOLD:
        return Shown(None)
    return Shown(BASE * (count // BASE))


def shown_sql(count: Any) -> sa.ColumnElement[int]:
    """``shown(count).value or 0`` in SQL (the same on SQLite and PostgreSQL): a cell's contribution to a sum."""
    return sa.case((count >= THRESHOLD, count - count % BASE), else_=0)


def of_sum(value: int, cells: int) -> Shown:
    """The number made of ``cells`` shown cells whose shown values add up to ``value`` (``summed``, from SQL)."""
    return Shown(value if value else None, (BASE - 1) * cells)


def summed(cells: Iterable[Shown]) -> Shown:
    """A number made of shown cells: their sum ("<5" adding nothing), "<5" when every cell is; it tells nothing
    the cells do not. No cells: "<5" with nothing more possible (0)."""
    value = spread = 0
    for cell in cells:
        value += cell.value or 0
        spread += cell.spread
    return Shown(value if value else None, spread)


def total(counts: Iterable[int]) -> Shown:
    """The number shown for a group made of these finest cells' true counts: each rounded, then summed."""
    return summed(shown(count) for count in counts)


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
        # At most ``spread`` of at least the shown denominator.
        bound = max(RATE_CODE, math.ceil(100 * (numerator.spread + 1) / denominator.value))
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
