"""``flask --app wsgi certificates …``: signing keys (and their rotation) and reconciling issuance."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from certificates import did, documents, keys, rotation, serials, services
from courses.models import Course, CourseState
from courses.services import visibility
from lms.cli import follow
from lms.db import db
from lms.models import Role
from lms.services import accounts, progress

STATE_NAMES = {CourseState.DRAFT: "draft", CourseState.CLASS: "class course", CourseState.CATALOGUE: "catalogue course"}

certificates_cli = AppGroup("certificates", help="Certificates: signing keys, issuance, revocation.")


@certificates_cli.command("init-keys")
def init_keys_command() -> None:
    """Make development signing keys where the configuration points (existing files are kept)."""
    app = current_app
    written = keys.init_development_keys(app)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo("Signing keys exist already; nothing written.")
    key = keys.credential_signing_key(app)
    click.echo(f"Issuer: {did.did_key(key.public_key())}")


@certificates_cli.command("rotate-keys")
@click.option(
    "--credential-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new Ed25519 private key (PEM) that signs credentials.",
)
@click.option(
    "--pdf-key", type=click.Path(dir_okay=False, path_type=Path), help="The new ECDSA P-256 private key (PEM) for PDFs."
)
@click.option(
    "--pdf-chain",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The new PDF key's certificate chain (PEM, leaf first).",
)
def rotate_keys_command(credential_key: Path | None, pdf_key: Path | None, pdf_chain: Path | None) -> None:
    """Retire the signing keys in use (their public halves stay published) and install new ones.

    In production give the new keys: --credential-key, and/or --pdf-key with --pdf-chain; they are
    copied over the configured key files, and the old private keys are gone. In development and
    testing, without options, new development keys are made. Certificates signed before stay verifiable.
    """
    app = current_app
    try:
        done = rotation.rotate_keys(app, credential_key=credential_key, pdf_key=pdf_key, pdf_chain=pdf_chain)
    except rotation.RotationRefused as exc:
        raise click.ClickException(f"Nothing changed: {exc}.") from exc
    folder = keys.key_paths(app).retired
    if done.new_issuer:
        click.echo(f"Credential key retired: {done.retired_issuer}")
        click.echo(f"Issuer now: {done.new_issuer}")
    if done.new_chain:
        click.echo(f"PDF chain retired: {done.retired_chain}")
        click.echo(f"PDF chain now: {done.new_chain}")
    click.echo(f"Retired public keys are in {folder} (published at /certificates/keys).")
    click.echo("Copy the key files and that folder to every app server and worker that does not share them.")


@certificates_cli.command("issue")
@click.option("--course", "slug", help="Only this course (its slug); all courses without it.")
@click.option(
    "--batch", default=200, show_default=True, type=click.IntRange(min=1), help="Commit after this many certificates."
)
def issue_command(slug: str | None, batch: int) -> None:
    """Issue a certificate for every completed course that has none.

    Only catalogue courses give certificates: completions of draft and class courses are counted and skipped.
    Commits every --batch certificates, so an interrupted run keeps what it issued; run it again to go on.
    """
    course_id = None
    if slug is not None:
        course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
        if course is None:
            raise click.ClickException(f"No course has the slug {slug!r}.")
        if not visibility.issues_certificates(course):
            click.echo(f"{slug} is a {STATE_NAMES[course.state]}: it gives no certificates.")
            return
        course_id = course.id
    skipped = services.completions_without_certificates(course_id)
    if skipped:
        click.echo(
            f"{skipped} completion{'s' if skipped != 1 else ''} of draft or class courses "
            f"{'have' if skipped != 1 else 'has'} no certificate: those courses give none."
        )
    pending = services.pending_completions(course_id)
    if not pending:
        click.echo("Issued 0 certificates: every completion has one.")
        return
    with click.progressbar(length=len(pending), label="Issuing certificates", show_pos=True) as bar:

        def commit_batch(done: int, _total: int) -> None:
            db.session.commit()
            bar.update(done - bar.pos)

        issued = services.issue_missing(course_id, batch=batch, on_batch=commit_batch, pending=pending)
    click.echo(f"Issued {issued} certificates.")


@certificates_cli.command("revoke")
@click.argument("serial")
@click.option("--reason", required=True, help="Why: shown on the verification page.")
@click.option("--by", "actor_email", required=True, help="The administrator's e-mail, recorded as who revoked it.")
def revoke_command(serial: str, reason: str, actor_email: str) -> None:
    """Revoke a certificate: its page, the API and the status list show it at once."""
    if not reason.strip():
        raise click.ClickException("Give a reason: it is shown on the verification page.")
    actor = accounts.get_user_by_email(actor_email)
    if actor is None or actor.role is not Role.ADMIN:
        raise click.ClickException(f"{actor_email} is not an administrator's account.")
    certificate = services.certificate_by_serial(serial)
    if certificate is None:
        raise click.ClickException(f"No certificate {serial}.")
    try:
        services.revoke_certificate(certificate, actor, reason)
    except services.AlreadyRevoked as exc:
        raise click.ClickException(f"{serials.display(certificate.serial)} is revoked already.") from exc
    db.session.commit()
    click.echo(
        f"Revoked {serials.display(certificate.serial)} ({certificate.holder_name}, {certificate.course_title})."
    )


@certificates_cli.command("render")
@click.option("--all", "render_all", is_flag=True, help="Every valid certificate whose PDF is not stored yet.")
@click.option("--course", "course_slug", help="Only this course's certificates.")
@click.option("--no-wait", is_flag=True, help="Queue the task and print its id without following it.")
@click.option("--fast", is_flag=True, help="The fast path: ~20x cheaper, larger files, not tagged (see docs).")
def render_command(render_all: bool, course_slug: str | None, no_wait: bool, fast: bool) -> None:
    """Render and sign the missing certificate PDFs on the queue, with a progress bar."""
    if not render_all and not course_slug:
        raise click.UsageError("Say which: --all, or --course SLUG.")
    course_id = None
    if course_slug:
        course = db.session.scalar(db.select(Course).where(Course.slug == course_slug))
        if course is None:
            raise click.ClickException(f"No course {course_slug}.")
        course_id = course.id
    missing = documents.missing_pdf_ids(course_id)
    if not missing:
        click.echo("Every certificate's PDF is rendered already.")
        return
    task_id = progress.create_progress("certificate-pdfs", None, total=len(missing)).id
    db.session.commit()
    documents.render_pdfs(missing, task_id, fast)
    click.echo(f"Rendering {len(missing)} PDFs: task {task_id}")
    if not no_wait:
        follow(task_id)
