"""Keeping the rollups: an incremental refresh (the queue runs it every few minutes) and a full rebuild.

Both flush and leave the commit to their caller (the task, the command, a test). Events, certificates and
enrolments are counted up to ``until``, a minute before now by default: a row stamped earlier than that but
committed later (a transaction open for more than a minute; requests time out after 30 s) would be missed
until the next rebuild.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from analytics.models import Refresh
from analytics.rollups import ROLLUPS, Rollup, Window, upsert
from lms.db import db, utcnow

#: How far behind now a refresh counts: long enough for any transaction that wrote an event to have ended.
LAG = timedelta(minutes=1)
#: Two refreshes never run at once (on PostgreSQL: a transaction-level advisory lock).
ADVISORY_LOCK = 0x616E616C  # "anal"


@dataclass
class RefreshReport:
    """What a refresh or rebuild did."""

    window: Window | None
    full: bool
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def last_refreshes() -> list[Refresh]:
    """Every rollup's last refresh, in the order rollups are kept."""
    found = {r.rollup: r for r in db.session.scalars(sa.select(Refresh))}
    return [found[rollup.name] for rollup in ROLLUPS if rollup.name in found]


def data_as_of() -> datetime | None:
    """The time up to which every rollup has counted (None before the first rebuild)."""
    refreshes = last_refreshes()
    if len(refreshes) < len(ROLLUPS):
        return None
    return min(r.data_as_of for r in refreshes)


def refresh(until: datetime | None = None, progress: Callable[[str], None] | None = None) -> RefreshReport:
    """Add to every rollup what happened since its last refresh, up to ``until`` (a minute ago by default).

    The first refresh, or one that finds a rollup never built, rebuilds everything.
    """
    _lock()
    until = until or utcnow() - LAG
    start = data_as_of()
    if start is None:
        return rebuild(until, progress)
    if until <= start:
        return RefreshReport(None, full=False)
    return _apply(Window(start, until), progress)


def rebuild(until: datetime | None = None, progress: Callable[[str], None] | None = None) -> RefreshReport:
    """Empty every rollup and count everything again, up to ``until`` (a minute ago by default)."""
    _lock()
    until = until or utcnow() - LAG
    for rollup in ROLLUPS:
        db.session.execute(sa.delete(rollup.table))
    return _apply(Window(None, until), progress)


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK)))


def _apply(window: Window, progress: Callable[[str], None] | None) -> RefreshReport:
    report = RefreshReport(window, full=window.start is None)
    began = time.perf_counter()
    dialect = db.session.get_bind().dialect.name
    for rollup in ROLLUPS:
        started = time.perf_counter()
        report.rows[rollup.name] = _apply_one(rollup, window, dialect)
        _record(rollup, window, report.full, report.rows[rollup.name], time.perf_counter() - started)
        if progress is not None:
            progress(rollup.name)
    report.seconds = time.perf_counter() - began
    db.session.flush()
    return report


def _apply_one(rollup: Rollup, window: Window, dialect: str) -> int:
    if rollup.snapshot and window.start is not None:
        db.session.execute(sa.delete(rollup.table))
    written = 0
    for select in rollup.statements(window):
        # An INSERT's row count is kept only when asked for (SQLAlchemy's documented execution option).
        statement = upsert(rollup, select, window.end, dialect).execution_options(preserve_rowcount=True)
        written += max(db.session.execute(statement).rowcount or 0, 0)  # type: ignore[attr-defined]
    return written


def _record(rollup: Rollup, window: Window, full: bool, rows: int, seconds: float) -> None:
    record = db.session.get(Refresh, rollup.name)
    if record is None:
        record = Refresh(rollup=rollup.name, data_as_of=window.end)
        db.session.add(record)
    record.data_as_of = window.end
    record.refreshed_at = utcnow()
    record.duration_ms = round(seconds * 1000)
    record.rows_written = rows
    record.full = full
