"""``flask analytics …``: rebuild and refresh the rollups, import headcounts, set targets, seed a national data set."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from analytics import headcounts, services, targets
from analytics.models import Indicator
from analytics.rollups import ROLLUPS
from lms.cli import read_import
from lms.csvfiles import ENCODINGS
from lms.db import db
from lms.services import org

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


# Facts an administrator enters (headcounts, programme targets): these commands stay together.


@analytics_cli.command("import-headcounts")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoding", type=click.Choice(list(ENCODINGS)), help="The file's encoding, when the guess is wrong.")
def import_headcounts_command(csv_file: Path, encoding: str | None) -> None:
    """Add or replace headcounts from CSV_FILE (school_code, school_year, teachers[, grade_0 … grade_12]);
    all or nothing."""
    report = read_import(
        csv_file, lambda data, max_rows: headcounts.import_headcounts(data, max_rows, encoding=encoding)
    )
    db.session.commit()
    click.echo(f"Headcounts: {report.added} added, {report.replaced} replaced.")


@analytics_cli.command("set-target")
@click.argument("indicator", type=click.Choice([indicator.value for indicator in Indicator]))
@click.argument("region_code")
@click.argument("year", type=int)
@click.argument("value", type=int)
def set_target_command(indicator: str, region_code: str, year: int, value: int) -> None:
    """Set INDICATOR's target for the region REGION_CODE (such as KZ-71) by the end of YEAR to VALUE."""
    region = org.region_by_code(region_code)
    if region is None:
        raise click.ClickException(f"No region has the code {region_code}.")
    try:
        targets.set_target(None, Indicator(indicator), region.id, year, value)
    except targets.InvalidTargetYear as exc:
        raise click.ClickException(f"The year must lie from {targets.FIRST_YEAR} to {targets.LAST_YEAR}.") from exc
    except targets.InvalidTargetValue as exc:
        raise click.ClickException(f"The value must be a whole number from 0 to {targets.MAX_VALUE}.") from exc
    db.session.commit()
    click.echo(f"Target set: {indicator} in {region.code} by the end of {year}: {value}.")
