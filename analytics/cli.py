"""``flask analytics …``: rebuild and refresh the rollups, import headcounts, set targets, seed a national data set."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from analytics import headcounts, targets
from analytics.models import Indicator
from lms.cli import _read_import
from lms.csvfiles import ENCODINGS
from lms.db import db
from lms.services import org

analytics_cli = AppGroup("analytics", help="Analytics: rollups, headcounts, targets, a national data set.")


# Facts an administrator enters (headcounts, programme targets): these commands stay together.


@analytics_cli.command("import-headcounts")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoding", type=click.Choice(list(ENCODINGS)), help="The file's encoding, when the guess is wrong.")
def import_headcounts_command(csv_file: Path, encoding: str | None) -> None:
    """Add or replace headcounts from CSV_FILE (school_code, school_year, teachers[, grade_0 … grade_12]);
    all or nothing."""
    report = _read_import(
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
