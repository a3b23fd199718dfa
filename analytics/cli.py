"""``flask analytics …``: rebuild and refresh the rollups, import headcounts, set targets, seed a national data set."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from analytics import headcounts, national, services, targets
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
    services.vacuum_rollups()
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


@analytics_cli.command("seed-national")
@click.option("--database", required=True, help="A PostgreSQL URL of its own (created; never the app's).")
@click.option("--students", type=click.IntRange(1_000, 5_000_000), default=1_000_000, show_default=True)
@click.option("--schools", type=click.IntRange(20, 20_000), default=7_000, show_default=True)
@click.option("--days", type=click.IntRange(30, 366), default=180, show_default=True, help="The school year's length.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default="2025-09-01", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="One seed gives one data set.")
@click.option("--replace", is_flag=True, help="Empty the database first when it holds accounts.")
def seed_national_command(
    database: str, students: int, schools: int, days: int, start: datetime, seed: int, replace: bool
) -> None:
    """Fill DATABASE with a realistic country to measure analytics on: 20 regions, about 200 districts,
    schools with headcounts, students and teachers, 20 courses, a school year of activity."""
    options = national.Options(database, students, schools, days, start.date(), seed, replace)
    scale = max(students / 1_000_000, 0.05)
    total = sum(round(weight * scale) or 1 for weight in national.STEPS.values())
    step = {"name": "starting"}
    bar: Any
    with click.progressbar(
        length=total, label="Seeding", item_show_func=lambda _item: step["name"], show_percent=True
    ) as bar:

        def advance(name: str, weight: int) -> None:
            step["name"] = name
            bar.update(round(weight * scale) or 1)

        try:
            summary = national.seed(options, advance)
        except national.NationalSeedError as exc:
            raise click.ClickException(str(exc)) from exc
    minutes, seconds = divmod(round(summary.seconds), 60)
    click.echo(f"Seeded {summary.database} in {minutes} min {seconds} s:")
    for table, rows in summary.rows.items():
        click.echo(f"  {table}: {rows:,}")
    click.echo("Steps: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in summary.steps.items()))
