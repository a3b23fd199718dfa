"""Calendar periods in SQL, the same answer on SQLite and PostgreSQL: the ISO week (its Monday) and the month
(its first day) of a timestamp in the country's time, and whole seconds between two timestamps.

Kazakhstan keeps one time zone, UTC+5 (since March 2024), without summer time, so a fixed offset is exact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

#: The country's offset from UTC: weeks and months begin at local midnight.
LOCAL_OFFSET_HOURS = 5


class week_of(FunctionElement[date]):  # noqa: N801 - an SQL function's name
    """The Monday of the ISO week of a timestamp, in local time."""

    type = sa.Date()
    inherit_cache = True


class month_of(FunctionElement[date]):  # noqa: N801
    """The first day of the month of a timestamp, in local time."""

    type = sa.Date()
    inherit_cache = True


class seconds_between(FunctionElement[int]):  # noqa: N801
    """Whole seconds from the second timestamp to the first."""

    type = sa.BigInteger()
    inherit_cache = True


def _arguments(element: FunctionElement[Any], compiler: Any, **kw: Any) -> list[str]:
    return [compiler.process(argument, **kw) for argument in element.clauses]


@compiles(week_of, "sqlite")
def _week_sqlite(element: week_of, compiler: Any, **kw: Any) -> str:
    (timestamp,) = _arguments(element, compiler, **kw)
    # 'weekday 1' moves forward to a Monday, so step back six days first: the Monday on or before.
    return f"date({timestamp}, '+{LOCAL_OFFSET_HOURS} hours', '-6 days', 'weekday 1')"


@compiles(week_of, "postgresql")
def _week_postgresql(element: week_of, compiler: Any, **kw: Any) -> str:
    (timestamp,) = _arguments(element, compiler, **kw)
    return f"CAST(date_trunc('week', ({timestamp} AT TIME ZONE 'UTC') + INTERVAL '{LOCAL_OFFSET_HOURS} hours') AS DATE)"


@compiles(month_of, "sqlite")
def _month_sqlite(element: month_of, compiler: Any, **kw: Any) -> str:
    (timestamp,) = _arguments(element, compiler, **kw)
    return f"date({timestamp}, '+{LOCAL_OFFSET_HOURS} hours', 'start of month')"


@compiles(month_of, "postgresql")
def _month_postgresql(element: month_of, compiler: Any, **kw: Any) -> str:
    (timestamp,) = _arguments(element, compiler, **kw)
    return (
        f"CAST(date_trunc('month', ({timestamp} AT TIME ZONE 'UTC') + INTERVAL '{LOCAL_OFFSET_HOURS} hours') AS DATE)"
    )


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = _arguments(element, compiler, **kw)
    return f"CAST(round((julianday({later}) - julianday({earlier})) * 86400) AS INTEGER)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: Any, **kw: Any) -> str:
    later, earlier = _arguments(element, compiler, **kw)
    return f"CAST(round(extract(epoch FROM ({later} - {earlier}))) AS BIGINT)"


def local_date(moment: datetime) -> date:
    """The country's calendar date of an aware timestamp."""
    return (moment.astimezone(UTC) + timedelta(hours=LOCAL_OFFSET_HOURS)).date()


def week_start(moment: datetime) -> date:
    """The Monday of a timestamp's ISO week, as ``week_of`` computes it in SQL."""
    day = local_date(moment)
    return day - timedelta(days=day.weekday())


def month_start(moment: datetime) -> date:
    """The first day of a timestamp's month, as ``month_of`` computes it in SQL."""
    return local_date(moment).replace(day=1)
