"""Programme targets: the value each indicator should reach in each region by the end of a year.

An administrator sets them (``flask analytics set-target`` or ``/admin/analytics/targets``); the national
target of an indicator is the sum of its regions'.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from analytics.models import Indicator, Target
from lms.db import db, utcnow
from lms.models import Region, User

FIRST_YEAR, LAST_YEAR = 2020, 2100
#: More than any indicator can count in a region: a typing mistake (and beyond a 32-bit column).
MAX_VALUE = 100_000_000


class InvalidTargetYear(ValueError):
    """The year lies outside FIRST_YEAR..LAST_YEAR."""


class InvalidTargetValue(ValueError):
    """The value is negative or larger than MAX_VALUE."""


class UnknownRegion(LookupError):
    """No region has this id."""


def set_target(actor: User | None, indicator: Indicator, region_id: int, year: int, value: int) -> Target:
    """Set an indicator's target for a region and year, replacing the one set before (flushed).

    ``actor`` is recorded as who set it (None from the command line). Raises InvalidTargetYear,
    InvalidTargetValue or UnknownRegion.
    """
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidTargetYear(year)
    if not 0 <= value <= MAX_VALUE:
        raise InvalidTargetValue(value)
    if db.session.get(Region, region_id) is None:
        raise UnknownRegion(region_id)
    indicator = Indicator(indicator)
    target = db.session.scalar(
        sa.select(Target).where(Target.indicator == indicator, Target.region_id == region_id, Target.year == year)
    )
    if target is None:
        target = Target(indicator=indicator, region_id=region_id, year=year)
        db.session.add(target)
    target.value = value
    target.set_by_id = actor.id if actor is not None else None
    target.set_at = utcnow()
    db.session.flush()
    return target


@dataclass
class YearTargets:
    """The targets of a year: per (indicator, region), and national (the regions' sum) per indicator."""

    year: int
    by_region: dict[tuple[Indicator, int], Target] = field(default_factory=dict)
    national: dict[Indicator, int] = field(default_factory=dict)

    def value(self, indicator: Indicator, region_id: int) -> int | None:
        target = self.by_region.get((indicator, region_id))
        return target.value if target is not None else None


def targets(year: int) -> YearTargets:
    """Every target set for ``year`` (one query), with the national sums."""
    result = YearTargets(year)
    for target in db.session.scalars(sa.select(Target).where(Target.year == year)):
        result.by_region[(target.indicator, target.region_id)] = target
        result.national[target.indicator] = result.national.get(target.indicator, 0) + target.value
    return result
