"""Signing keys: files outside the repository and the database.

``SIGNING_KEY_FILE`` (``LMS_SIGNING_KEY_FILE``) names the Ed25519 key that signs
credentials; by default ``instance/keys/credentials-ed25519.pem``. Keys made by
``flask certificates init-keys`` carry a development mark before the PEM block,
and the platform refuses them unless ``DEVELOPMENT_KEYS_ALLOWED``
(development and testing configurations only). ``RETIRED_KEYS_DIR`` holds the
public halves of keys that ``certificates rotate-keys`` retired (``certificates.retired``).

Loaded keys are cached on the app with the key files' identity (inode, size, modification
time): a process notices files replaced by a rotation on its next use, without a restart.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from flask import Flask

DEVELOPMENT_MARK = b"DEVELOPMENT KEY made by `flask certificates init-keys`: production refuses it."
DEVELOPMENT_CA_NAME = "AI Skills development CA (not trusted)"
CREDENTIAL_KEY_NAME = "credentials-ed25519.pem"
PDF_KEY_NAME = "pdf-signing-p256.pem"
PDF_CHAIN_NAME = "pdf-signing-chain.pem"
RETIRED_DIR_NAME = "retired"
CACHED_CREDENTIAL_KEY = "certificates.signing_key"
CACHED_PDF_MATERIAL = "certificates.pdf_signing"


class SigningKeyMissing(RuntimeError):
    """No signing key file where the configuration says."""


class DevelopmentKeyRefused(RuntimeError):
    """A key marked for development is configured where development keys are not allowed."""


@dataclass(frozen=True)
class KeyPaths:
    credential_key: Path
    pdf_key: Path
    pdf_chain: Path
    retired: Path  # a folder of public material only


def key_paths(app: Flask) -> KeyPaths:
    configured = app.config.get("SIGNING_KEY_FILE")
    credential = Path(configured) if configured else Path(app.instance_path) / "keys" / CREDENTIAL_KEY_NAME
    folder = credential.parent
    pdf_key = app.config.get("PDF_SIGNING_KEY_FILE")
    pdf_chain = app.config.get("PDF_SIGNING_CHAIN_FILE")
    retired = app.config.get("RETIRED_KEYS_DIR")
    return KeyPaths(
        credential,
        Path(pdf_key) if pdf_key else folder / PDF_KEY_NAME,
        Path(pdf_chain) if pdf_chain else folder / PDF_CHAIN_NAME,
        Path(retired) if retired else folder / RETIRED_DIR_NAME,
    )


FileStamp = tuple[int, int, int]


def file_stamp(path: Path) -> FileStamp | None:
    """What changes when the file is replaced or rewritten (None for a missing file)."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return (status.st_ino, status.st_size, status.st_mtime_ns)


def cached(app: Flask, name: str, stamp: object) -> object | None:
    """The value cached on the app under ``name`` while the files' ``stamp`` is unchanged."""
    entry = app.extensions.get(name)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == stamp:
        return entry[1]
    return None


def remember(app: Flask, name: str, stamp: object, value: object) -> None:
    app.extensions[name] = (stamp, value)


def forget_cached_keys(app: Flask) -> None:
    """Drop the keys cached on the app: the next use reads the key files again."""
    for name in (CACHED_CREDENTIAL_KEY, CACHED_PDF_MATERIAL):
        app.extensions.pop(name, None)


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
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, DEVELOPMENT_CA_NAME)])
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


def development_credential_key() -> bytes:
    """A new marked development Ed25519 key (PEM)."""
    return DEVELOPMENT_MARK + b"\n" + _pem(Ed25519PrivateKey.generate())


def development_pdf_material() -> tuple[bytes, bytes]:
    """A new marked development P-256 key and its self-signed chain (PEM)."""
    pdf_key = ec.generate_private_key(ec.SECP256R1())
    return DEVELOPMENT_MARK + b"\n" + _pem(pdf_key), DEVELOPMENT_MARK + b"\n" + _self_signed_chain(pdf_key)


def init_development_keys(app: Flask) -> list[Path]:
    """Write the missing development keys (never overwriting one); return the files written."""
    paths = key_paths(app)
    written = []
    if not paths.credential_key.exists():
        _write_private(paths.credential_key, development_credential_key())
        written.append(paths.credential_key)
    if not paths.pdf_key.exists():
        pdf_key, pdf_chain = development_pdf_material()
        _write_private(paths.pdf_key, pdf_key)
        paths.pdf_chain.unlink(missing_ok=True)
        _write_private(paths.pdf_chain, pdf_chain)
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


def after_mark(data: bytes) -> bytes:
    """The PEM blocks of a key file, without the development mark before them."""
    start = data.find(b"-----BEGIN")
    return data[max(start, 0) :]


def credential_key_from_pem(data: bytes, name: str) -> Ed25519PrivateKey:
    """Raises ``SigningKeyMissing`` unless ``data`` is an unencrypted Ed25519 private key in PEM."""
    try:
        key = serialization.load_pem_private_key(after_mark(data), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise SigningKeyMissing(f"{name} is not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyMissing(f"{name} is not an Ed25519 private key")
    return key


def credential_signing_key(app: Flask) -> Ed25519PrivateKey:
    """The Ed25519 key that signs credentials, cached on the app until its file changes.

    Where development keys are allowed, a missing key is made on first use. Raises
    ``SigningKeyMissing`` or ``DevelopmentKeyRefused``.
    """
    path = key_paths(app).credential_key
    stamp = (path, file_stamp(path))
    key = cached(app, CACHED_CREDENTIAL_KEY, stamp)
    if isinstance(key, Ed25519PrivateKey):
        return key
    if not path.exists():
        if not development_keys_allowed(app):
            raise SigningKeyMissing(f"no signing key at {path} (LMS_SIGNING_KEY_FILE)")
        init_development_keys(app)
        stamp = (path, file_stamp(path))
    check_keys(app)
    key = credential_key_from_pem(path.read_bytes(), str(path))
    remember(app, CACHED_CREDENTIAL_KEY, stamp, key)
    return key
