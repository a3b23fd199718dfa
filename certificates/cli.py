"""``flask --app wsgi certificates …``: signing keys and reconciling issuance."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from certificates import did, keys, services
from lms.db import db

certificates_cli = AppGroup("certificates", help="Certificates: signing keys, issuance.")


@certificates_cli.command("init-keys")
def init_keys_command() -> None:
    """Make development signing keys where the configuration points (existing files are kept)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    written = keys.init_development_keys(app)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo("Signing keys exist already; nothing written.")
    key = keys.credential_signing_key(app)
    click.echo(f"Issuer: {did.did_key(key.public_key())}")


@certificates_cli.command("issue")
def issue_command() -> None:
    """Issue a certificate for every completed course that has none."""
    issued = services.issue_missing()
    db.session.commit()
    click.echo(f"Issued {len(issued)} certificates.")
