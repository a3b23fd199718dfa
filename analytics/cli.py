"""``flask analytics …``: rebuild and refresh the rollups, import headcounts, set targets, seed a national data set."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from analytics import services
from analytics.rollups import ROLLUPS
from lms.db import db

analytics_cli = AppGroup("analytics", help="Analytics: rollups, headcounts, targets, a national data set.")


def _show(report: services.RefreshReport) -> None:
    if report.window is None:
        click.echo("Nothing to count: the rollups are up to date.")
        return
    kind = "Rebuilt" if report.full else "Refreshed"
    as_of = f"{report.window.end:%Y-%m-%d %H:%M:%S} UTC"
    click.echo(f"{kind} {len(report.rows)} rollups in {report.seconds:.1f} s; data as of {as_of}.")
    for name, rows in report.rows.items():
        click.echo(f"  {name}: {rows} rows written")


@analytics_cli.command("rebuild")
def rebuild_command() -> None:
    """Empty every rollup and count everything again (run after a restore, or to correct a missed window)."""
    with click.progressbar(length=len(ROLLUPS), label="Rebuilding rollups", show_pos=True) as bar:
        report = services.rebuild(progress=lambda _name: bar.update(1))
        db.session.commit()
    _show(report)


@analytics_cli.command("refresh")
def refresh_command() -> None:
    """Add what happened since the last refresh (the queue does this every five minutes)."""
    with click.progressbar(length=len(ROLLUPS), label="Refreshing rollups", show_pos=True) as bar:
        report = services.refresh(progress=lambda _name: bar.update(1))
        db.session.commit()
    _show(report)
