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
from typing import Any

import sqlalchemy as sa

from analytics import rebuilds
from analytics.models import Refresh
from analytics.rollups import ROLLUPS, Rollup, Window, upsert
from lms.db import db, utcnow

#: How far behind now a refresh counts: long enough for any transaction that wrote an event to have ended.
LAG = timedelta(minutes=1)
#: How old the snapshots' count (learners at risk, the people of each school) may grow before a refresh counts
#: them again: each reads every enrolment or account, so not every five minutes.
SNAPSHOT_EVERY = timedelta(hours=1)
#: PostgreSQL's planner settings for a rebuild's transaction. Its statements group every event by keys such as
#: the week of a timestamp, whose number of groups the planner cannot estimate (it has no statistics of an
#: expression): it guesses several times too many, and then sorts every event on disk rather than hash them
#: (the staging counts took 112 s sorted, 57 s hashed on the national data set) and runs the learners' DISTINCT
#: on one core (61 s; 44 s in parallel). So a rebuild asks for hashing, in parallel, with room in memory.
REBUILD_SETTINGS = {"work_mem": "256MB", "enable_sort": "off", "parallel_tuple_cost": "0"}
#: The temporary table a rebuild's counts are made into on PostgreSQL.
BATCH = "analytics_batch"
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
    """The time up to which every rollup of activity has counted (None before the first rebuild). The
    snapshots (at risk, people) are recounted less often; each of their rows says when."""
    return _activity_as_of({r.rollup: r.data_as_of for r in last_refreshes()})


def _activity_as_of(counted: dict[str, datetime]) -> datetime | None:
    if len(counted) < len(ROLLUPS):
        return None
    return min(counted[rollup.name] for rollup in ROLLUPS if not rollup.snapshot)


def refresh(
    until: datetime | None = None, progress: Callable[[str], None] | None = None, *, snapshots: bool | None = None
) -> RefreshReport:
    """Add to every rollup what happened since its last refresh, up to ``until`` (a minute ago by default).

    The snapshots are counted again when their count is ``SNAPSHOT_EVERY`` old (``snapshots`` True: always;
    False: not). The first refresh, or one that finds a rollup never built, rebuilds everything.
    """
    _lock()
    until = until or utcnow() - LAG
    counted = {r.rollup: r.data_as_of for r in last_refreshes()}
    start = _activity_as_of(counted)
    if start is None:
        return rebuild(until, progress)
    if until <= start:
        return RefreshReport(None, full=False)
    due = {
        rollup.name
        for rollup in ROLLUPS
        if not rollup.snapshot
        or (snapshots if snapshots is not None else counted[rollup.name] <= until - SNAPSHOT_EVERY)
    }
    return _apply(Window(start, until), progress, due=due)


def rebuild(until: datetime | None = None, progress: Callable[[str], None] | None = None) -> RefreshReport:
    """Empty every rollup and count everything again, up to ``until`` (a minute ago by default)."""
    _lock()
    until = until or utcnow() - LAG
    if db.session.get_bind().dialect.name == "postgresql":
        for setting, value in REBUILD_SETTINGS.items():
            db.session.execute(sa.text(f"SET LOCAL {setting} = '{value}'"))
    for rollup in ROLLUPS:
        db.session.execute(sa.delete(rollup.table))
    window = Window(None, until)
    staged = rebuilds.stages(window)
    for create in staged.values():
        db.session.execute(create)
    try:
        return _apply(window, progress, staged)
    finally:
        for name in staged:
            db.session.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))


def vacuum_rollups() -> None:
    """After a committed rebuild on PostgreSQL: clear the rows it replaced and give the planner the new
    tables' statistics now, rather than when autovacuum next comes by (a no-op on SQLite)."""
    if db.engine.dialect.name != "postgresql":
        return
    names = ", ".join(rollup.table.name for rollup in ROLLUPS)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(f"VACUUM (ANALYZE) {names}"))


def _lock() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(ADVISORY_LOCK)))


def _apply(
    window: Window,
    progress: Callable[[str], None] | None,
    staged: rebuilds.Stages | None = None,
    due: set[str] | None = None,
) -> RefreshReport:
    report = RefreshReport(window, full=window.start is None)
    began = time.perf_counter()
    dialect = db.session.get_bind().dialect.name
    for rollup in ROLLUPS:
        if due is not None and rollup.name not in due:
            if progress is not None:
                progress(rollup.name)
            continue
        started = time.perf_counter()
        report.rows[rollup.name] = _apply_one(rollup, window, dialect, staged)
        _record(rollup, window, report.full, report.rows[rollup.name], time.perf_counter() - started)
        if progress is not None:
            progress(rollup.name)
    report.seconds = time.perf_counter() - began
    db.session.flush()
    return report


def _apply_one(rollup: Rollup, window: Window, dialect: str, staged: rebuilds.Stages | None) -> int:
    if staged is not None:
        # A rebuild: one INSERT of everything; what reads the raw tables is counted in parallel on PostgreSQL
        # (its workers cannot read the temporary staging tables).
        select = rebuilds.summed(rollup, rebuilds.statements(rollup, window, staged))
        parallel = dialect == "postgresql" and rollup.name not in rebuilds.FROM_STAGES
        select = _counted_in_parallel(select) if parallel else select
        # In the primary key's order: each row goes into the key's index beside the last, not at random (the
        # index still holds the entries of the rows just deleted; course weeks' 2.5 million rows: 38 s, not 60).
        statements = [select.order_by(*(select.selected_columns[name] for name in rollup.keys()))]
    else:
        if rollup.snapshot:
            db.session.execute(sa.delete(rollup.table))
        statements = rollup.statements(window)
        parallel = False
    written = 0
    for select in statements:
        # An INSERT's row count is kept only when asked for (SQLAlchemy's documented execution option).
        statement = upsert(rollup, select, window.end, dialect).execution_options(preserve_rowcount=True)
        written += max(db.session.execute(statement).rowcount or 0, 0)  # type: ignore[attr-defined]
    if parallel:
        db.session.execute(sa.text(f"DROP TABLE {BATCH}"))
    return written


def _counted_in_parallel(select: sa.Select[Any]) -> sa.Select[Any]:
    """A rebuild's counts on PostgreSQL, made into a temporary table first: the server runs an INSERT … SELECT
    on one core, but the SELECT of a CREATE TABLE AS in parallel, and a rebuild's statements read every event.
    Returns the SELECT of the batch, for ``upsert``."""
    create = select.into(BATCH, temporary=True)
    db.session.execute(create)
    return sa.select(create.table)


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
