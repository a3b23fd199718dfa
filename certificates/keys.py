"""Signing keys: files outside the repository and the database.

``SIGNING_KEY_FILE`` (``LMS_SIGNING_KEY_FILE``) names the Ed25519 key that signs
credentials; by default ``instance/keys/credentials-ed25519.pem``. Keys made by
``flask certificates init-keys`` carry a development mark before the PEM block,
and the platform refuses them unless ``DEVELOPMENT_KEYS_ALLOWED``
(development and testing configurations only).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from flask import Flask

DEVELOPMENT_MARK = b"DEVELOPMENT KEY made by `flask certificates init-keys`: production refuses it."
CREDENTIAL_KEY_NAME = "credentials-ed25519.pem"
PDF_KEY_NAME = "pdf-signing-p256.pem"
PDF_CHAIN_NAME = "pdf-signing-chain.pem"


class SigningKeyMissing(RuntimeError):
    """No signing key file where the configuration says."""


class DevelopmentKeyRefused(RuntimeError):
    """A key marked for development is configured where development keys are not allowed."""


@dataclass(frozen=True)
class KeyPaths:
    credential_key: Path
    pdf_key: Path
    pdf_chain: Path


def key_paths(app: Flask) -> KeyPaths:
    configured = app.config.get("SIGNING_KEY_FILE")
    credential = Path(configured) if configured else Path(app.instance_path) / "keys" / CREDENTIAL_KEY_NAME
    folder = credential.parent
    pdf_key = app.config.get("PDF_SIGNING_KEY_FILE")
    pdf_chain = app.config.get("PDF_SIGNING_CHAIN_FILE")
    return KeyPaths(
        credential,
        Path(pdf_key) if pdf_key else folder / PDF_KEY_NAME,
        Path(pdf_chain) if pdf_chain else folder / PDF_CHAIN_NAME,
    )


def development_keys_allowed(app: Flask) -> bool:
    return app.config.get("DEVELOPMENT_KEYS_ALLOWED") is True


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _self_signed_chain(key: ec.EllipticCurvePrivateKey) -> bytes:
    """A development CA and a document-signing certificate issued by it (leaf first)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AI Skills development CA (not trusted)")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AI Skills certificates (development)")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in (leaf, ca))


def init_development_keys(app: Flask) -> list[Path]:
    """Write the missing development keys (never overwriting one); return the files written."""
    paths = key_paths(app)
    written = []
    if not paths.credential_key.exists():
        _write_private(paths.credential_key, DEVELOPMENT_MARK + b"\n" + _pem(Ed25519PrivateKey.generate()))
        written.append(paths.credential_key)
    if not paths.pdf_key.exists():
        pdf_key = ec.generate_private_key(ec.SECP256R1())
        _write_private(paths.pdf_key, DEVELOPMENT_MARK + b"\n" + _pem(pdf_key))
        paths.pdf_chain.unlink(missing_ok=True)
        _write_private(paths.pdf_chain, DEVELOPMENT_MARK + b"\n" + _self_signed_chain(pdf_key))
        written += [paths.pdf_key, paths.pdf_chain]
    return written


def is_development_key(path: Path) -> bool:
    return DEVELOPMENT_MARK in path.read_bytes()


def check_keys(app: Flask) -> None:
    """Refuse development keys unless allowed (called at start-up and before signing)."""
    if development_keys_allowed(app):
        return
    for path in (key_paths(app).credential_key, key_paths(app).pdf_key):
        if path.exists() and is_development_key(path):
            raise DevelopmentKeyRefused(f"{path} is a development key; set LMS_SIGNING_KEY_FILE to the production key.")


def credential_signing_key(app: Flask) -> Ed25519PrivateKey:
    """The Ed25519 key that signs credentials, cached on the app.

    Where development keys are allowed, a missing key is made on first use. Raises
    ``SigningKeyMissing`` or ``DevelopmentKeyRefused``.
    """
    cached = app.extensions.get("certificates.signing_key")
    if isinstance(cached, Ed25519PrivateKey):
        return cached
    path = key_paths(app).credential_key
    if not path.exists():
        if not development_keys_allowed(app):
            raise SigningKeyMissing(f"no signing key at {path} (LMS_SIGNING_KEY_FILE)")
        init_development_keys(app)
    check_keys(app)
    data = path.read_bytes()
    start = data.find(b"-----BEGIN")
    key = serialization.load_pem_private_key(data[max(start, 0) :], password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyMissing(f"{path} is not an Ed25519 private key")
    app.extensions["certificates.signing_key"] = key
    return key
