"""``flask --app wsgi lms …``: demo data, administrators, user imports, task progress."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
from flask import current_app
from flask.cli import AppGroup

from lms import tasks
from lms.csvfiles import CsvFileError
from lms.db import db
from lms.models import Role, TaskStatus
from lms.services import accounts, imports, progress, school_imports

lms_cli = AppGroup("lms", help="The platform core: accounts, organisations, demo data.")


@lms_cli.command("seed-demo")
def seed_demo_command() -> None:
    """Add the demo schools, classes and accounts (safe to run again)."""
    from lms.demo import seed_demo

    report = seed_demo()
    db.session.commit()
    click.echo(f"Demo data ready ({len(report.created)} new records).")
    click.echo("Demo accounts (e-mail / password / role):")
    for account in report.accounts:
        scope = f" ({account.scope_region})" if account.scope_region else ""
        click.echo(f"  {account.email:36} {account.password:20} {account.role.value}{scope}")


@lms_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "full_name", prompt="Full name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(email: str, full_name: str, password: str) -> None:
    """Create an administrator account."""
    try:
        user = accounts.create_user(email, full_name, role=Role.ADMIN, password=password, language="kk")
    except accounts.EmailTaken as exc:
        raise click.ClickException(f"An account with the e-mail {exc} already exists.") from exc
    except accounts.InvalidEmail as exc:
        raise click.ClickException(f"Not a valid e-mail address: {exc}") from exc
    except accounts.InvalidPassword as exc:
        raise click.ClickException(
            f"The password breaks a rule ({exc}): use {accounts.MIN_PASSWORD_LENGTH} to "
            f"{accounts.MAX_PASSWORD_LENGTH} characters, not the e-mail."
        ) from exc
    db.session.commit()
    click.echo(f"Administrator {user.email} created.")


@lms_cli.command("import-users")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--invite/--no-invite", default=True, help="E-mail each new account a link to set its password.")
def import_users_command(csv_file: Path, invite: bool) -> None:
    """Create accounts from CSV_FILE (email, full_name[, role, language, region, school]); all or nothing."""
    report = read_import(csv_file, imports.import_users)
    job = progress.create_progress("invitations", None, total=len(report.created))
    db.session.commit()
    click.echo(f"Imported {len(report.created)} accounts.")
    if invite and report.created:
        tasks.send_invitations.call_local([u.id for u in report.created], job.id)
        follow(job.id)


@lms_cli.command("import-districts")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_districts_command(csv_file: Path) -> None:
    """Add districts from CSV_FILE (code, region, name_kk, name_ru, name_en); all or nothing."""
    report = read_import(csv_file, school_imports.import_districts)
    db.session.commit()
    click.echo(f"Imported {len(report.districts)} districts.")


@lms_cli.command("import-schools")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_schools_command(csv_file: Path) -> None:
    """Add or update schools from CSV_FILE (code, name, region[, district, kind, language, settlement])."""
    report = read_import(csv_file, school_imports.import_schools)
    db.session.commit()
    click.echo(f"Schools: {report.created} added, {report.updated} updated.")


R = TypeVar("R")


def read_import(csv_file: Path, importer: Callable[[bytes, int], R]) -> R:
    """Run an all-or-nothing import of CSV_FILE (flushed, not committed); every bad line is printed."""
    try:
        return importer(csv_file.read_bytes(), current_app.config["MAX_CSV_ROWS"])
    except CsvFileError as exc:
        raise click.ClickException(str(exc.message)) from exc
    except imports.ImportRejected as exc:
        db.session.rollback()
        for error in exc.errors:
            click.echo(f"line {error.line}: {error.value}: {error.reason}", err=True)
        raise click.ClickException(f"{len(exc.errors)} bad rows; nothing was imported.") from exc


def follow(task_id: str, poll_seconds: float = 0.5, timeout: float | None = None) -> None:
    """Show a task's progress record as a progress bar until it finishes."""
    started = time.monotonic()
    record = progress.progress_for(None, task_id)
    with click.progressbar(length=record.total or 1, label=record.kind, show_pos=True) as bar:
        shown = 0
        while True:
            db.session.expire_all()
            record = progress.progress_for(None, task_id)
            if record.total and bar.length != record.total:
                bar.length = record.total
            bar.update(max(0, record.done - shown))
            shown = max(shown, record.done)
            if record.finished:
                break
            if timeout is not None and time.monotonic() - started > timeout:
                raise click.ClickException("timed out; is a queue worker running? (make worker)")
            time.sleep(poll_seconds)
    if record.status == TaskStatus.FAILED:
        raise click.ClickException(f"failed: {record.message}")
    counts = f" ({record.done}/{record.total})" if record.total is not None else ""
    click.echo(f"{record.kind}: {record.status.value}{counts}. {record.message}".rstrip())


@lms_cli.command("task")
@click.argument("task_id")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
def task_command(task_id: str, timeout: float | None) -> None:
    """Follow a background task's progress as a progress bar."""
    try:
        follow(task_id, timeout=timeout)
    except progress.ProgressNotFound as exc:
        raise click.ClickException(f"No task {task_id}.") from exc
