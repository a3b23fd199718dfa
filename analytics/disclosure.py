"""What an official may see of a count of people: no child singled out, whatever answers are put side by side.

The rule is the *cell-key method* of the Australian Bureau of Statistics' TableBuilder and of the UK's Office for
National Statistics' flexible census tables, made for exactly this: tables an official builds with any filters
from one set of records.

- Every learner counted carries a secret *record key* from 0 to 255 (``analytics.record_keys``); a count's *cell
  key* is the sum of the record keys of what it counts, modulo 256. The rollups keep these sums beside each count,
  so any answer — a district, a region, the nation, a term, one course or all — has its count and its cell key.
- A count under 5 (0 included) is shown as "<5". Any other count is shown **perturbed** by a small amount looked
  up in a fixed table from its cell key and its size: −3 to +3, 0 most often, never below 5, on average nothing.
- The same people always give the same number, however they are asked for (the nation's row of a region is the
  region's total); different groups get unrelated perturbations, unknown without the platform's key.

So subtracting two answers — a total minus its rows, a region minus a district, every course minus one course, a
term minus one of its months, the API minus the page — leaves the true difference plus the two perturbations: a
group shown "<5" stays uncertain. The perturbations are bounded (by ``MAX_NOISE``), so in rare cases (both at
opposite ends of the table, ``extreme_pairs``: under one pair in a thousand) a difference could narrow a small
group to one value; no answer says when that happened. Unlike a rule that shows every number as a sum of rounded
small groups, the numbers are not biased: a total is off by at most 3, however many groups it is made of (sums of
groups each rounded down to 5 undercounted the demo's completions by 40 per cent, and could not offer a school or
a week at all).

Rates are computed from shown counts only, only where the shown denominator is at least 5, in whole percent, and
top- and bottom-coded (under 5% and over 95%), so a small group's 0% or 100% is never shown.

Pure functions, no Flask.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass

#: A count of fewer people than this is shown as "<5".
THRESHOLD = 5
#: Rates below this percentage are shown as "<5%", above 100 minus it as ">95%".
RATE_CODE = 5
#: Cell keys run from 0 to KEYS - 1 (``analytics.record_keys.KEYS``).
KEYS = 256
#: The largest perturbation, up or down.
MAX_NOISE = 3
#: How many of the 256 cell keys give each perturbation (0 most often; symmetric, so nothing on average).
NOISE_SHARES = {0: 92, 1: 56, -1: 56, 2: 21, -2: 21, 3: 5, -3: 5}
#: Counts from 5 to this have a row of the table of their own; larger ones share the last.
ROWS = 20


@dataclass(frozen=True)
class Shown:
    """A count as an official sees it: ``value`` (None for "<5"); the true count lies in ``possible()``."""

    value: int | None

    @property
    def suppressed(self) -> bool:
        return self.value is None

    def possible(self) -> range:
        """Every true count this shown count may stand for."""
        if self.value is None:
            return range(THRESHOLD)
        return range(max(THRESHOLD, self.value - MAX_NOISE), self.value + MAX_NOISE + 1)


@functools.cache
def table() -> tuple[tuple[int, ...], ...]:
    """The perturbation table: a row per count from 5 to ``ROWS`` (the last for every larger count), a column per
    cell key. Each row holds ``NOISE_SHARES`` in an order fixed by SHA-256, so it is the same on every machine and
    every Python, and two rows are unrelated."""
    values = [noise for noise, share in sorted(NOISE_SHARES.items()) for _ in range(share)]
    rows = []
    for row in range(THRESHOLD, ROWS + 1):
        order = sorted(range(KEYS), key=functools.partial(_digest, row))
        placed = [0] * KEYS
        for slot, value in zip(order, values, strict=True):
            placed[slot] = value
        rows.append(tuple(placed))
    return tuple(rows)


def _digest(row: int, slot: int) -> bytes:
    return hashlib.sha256(f"lms.noise:{row}:{slot}".encode()).digest()


def noise(count: int, key: int) -> int:
    """The perturbation of a count of at least 5 with this cell key."""
    return table()[min(count, ROWS) - THRESHOLD][key % KEYS]


def shown(count: int, key: int) -> Shown:
    """The count as shown: "<5" under 5 (0 included); else perturbed by its cell key, never below 5."""
    if count < 0:
        raise ValueError("a count of people is never negative")
    if count < THRESHOLD:
        return Shown(None)
    return Shown(max(THRESHOLD, count + noise(count, key)))


def extreme_pairs() -> float:
    """The share of pairs of answers whose perturbations sit at opposite ends of the table (one +3, the other −3):
    the only pairs whose difference can narrow a group shown "<5" to one value."""
    end = NOISE_SHARES[MAX_NOISE] / KEYS
    return 2 * end * end


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
        # Fewer than 5 of at least the shown denominator.
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
