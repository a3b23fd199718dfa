"""Retired signing keys, kept public: certificates signed before a rotation stay verifiable.

``RETIRED_KEYS_DIR`` (``LMS_RETIRED_KEYS_DIR``; by default ``retired/`` beside the signing key)
holds public data only, written by ``certificates rotate-keys``:

- ``credential-ed25519-<fingerprint>.pem``: a retired credential key's public half
  (SubjectPublicKeyInfo PEM; the fingerprint is the SHA-256 of its DER form);
- ``pdf-chain-<fingerprint>.pem``: a retired PDF signing chain, leaf first (the fingerprint
  is the SHA-256 of the leaf certificate's DER form);
- ``retired-keys.json``: the manifest, each entry's file and the period it signed
  (``from``, ``until``: UTC, ISO 8601), and ``current``: when rotate-keys installed the
  keys in use (the start of their period).

A key's period starts when rotate-keys installed it; for a key installed otherwise (``init-keys``,
or copied by hand) the key file's modification time stands in.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certificates.keys import DEVELOPMENT_MARK

MANIFEST_NAME = "retired-keys.json"
FINGERPRINT = re.compile(r"^[0-9a-f]{64}$")
CREDENTIAL_KIND = "credential_keys"
CHAIN_KIND = "pdf_chains"
_FILE_PREFIX = {CREDENTIAL_KIND: "credential-ed25519-", CHAIN_KIND: "pdf-chain-"}


class RetiredFolderDamaged(RuntimeError):
    """The manifest or a file it lists is unreadable, or does not match its fingerprint."""


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def certificate_fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)


def modified_at(path: Path) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class Period:
    start: datetime.datetime
    end: datetime.datetime | None  # None while the key is in use

    def as_json(self) -> dict[str, str | None]:
        return {"from": iso(self.start), "until": iso(self.end) if self.end else None}


@dataclass(frozen=True)
class CredentialKey:
    """A credential key's public half and the period it signed (open while in use)."""

    public_key: Ed25519PublicKey
    fingerprint: str
    period: Period

    @property
    def current(self) -> bool:
        return self.period.end is None


@dataclass(frozen=True)
class Chain:
    """A PDF signing chain (leaf first) and the period its key signed (open while in use)."""

    chain: tuple[x509.Certificate, ...]
    fingerprint: str  # the leaf's
    period: Period

    @property
    def current(self) -> bool:
        return self.period.end is None

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1]


@dataclass(frozen=True)
class Manifest:
    """The manifest as stored: ``credential_keys``, ``pdf_chains`` (lists) and ``current`` (fingerprint → from)."""

    data: dict[str, Any]

    def entries(self, kind: str) -> list[dict[str, str]]:
        return list(self.data.get(kind, []))

    def installed_at(self, fingerprint: str) -> datetime.datetime | None:
        text = self.data.get("current", {}).get(fingerprint)
        return parse_time(text) if isinstance(text, str) else None

    def fingerprints(self) -> set[str]:
        return {entry["fingerprint"] for kind in _FILE_PREFIX for entry in self.entries(kind)}


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Manifest({CREDENTIAL_KIND: [], CHAIN_KIND: [], "current": {}})
    except (OSError, ValueError) as exc:
        raise RetiredFolderDamaged(f"{path}: {exc}") from exc
    current = data.get("current", {}) if isinstance(data, dict) else None
    if not isinstance(current, dict) or not all(_is_time(value) for value in current.values()):
        raise RetiredFolderDamaged(f"{path} is not a manifest of retired keys")
    for kind in _FILE_PREFIX:
        entries = data.get(kind, [])
        if not isinstance(entries, list) or not all(_well_formed(entry) for entry in entries):
            raise RetiredFolderDamaged(f"{path}: {kind} is not a list of fingerprints with periods")
    return Manifest(data)


def _is_time(value: object) -> bool:
    try:
        parse_time(str(value))
    except ValueError:
        return False
    return True


def _well_formed(entry: object) -> bool:
    return (
        isinstance(entry, dict)
        and bool(FINGERPRINT.match(str(entry.get("fingerprint", ""))))
        and _is_time(entry.get("from"))
        and _is_time(entry.get("until"))
    )


def file_name(kind: str, fingerprint: str) -> str:
    return f"{_FILE_PREFIX[kind]}{fingerprint}.pem"


def write_public(path: Path, data: bytes) -> None:
    """Write ``data`` atomically (a temporary file renamed over ``path``); refuses anything private."""
    if b"PRIVATE" in data or DEVELOPMENT_MARK in data:
        raise ValueError(f"refusing to write private material to {path}")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def chain_pem(chain: tuple[x509.Certificate, ...]) -> bytes:
    return b"".join(certificate.public_bytes(serialization.Encoding.PEM) for certificate in chain)


def retired_manifest(
    manifest: Manifest, *, kind: str, fingerprint: str, start: datetime.datetime, until: datetime.datetime, new: str
) -> Manifest:
    """The manifest once the key or chain ``fingerprint`` (in use since ``start``) retires at ``until``.

    ``new`` is the fingerprint of what replaces it: its period starts at ``until``.
    """
    data: dict[str, Any] = {
        CREDENTIAL_KIND: list(manifest.entries(CREDENTIAL_KIND)),
        CHAIN_KIND: list(manifest.entries(CHAIN_KIND)),
        "current": dict(manifest.data.get("current", {})),
    }
    data[kind].append(
        {"fingerprint": fingerprint, "file": file_name(kind, fingerprint), "from": iso(start), "until": iso(until)}
    )
    data["current"].pop(fingerprint, None)
    data["current"][new] = iso(until)
    return Manifest(data)


def manifest_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def _period(entry: dict[str, str]) -> Period:
    return Period(parse_time(entry["from"]), parse_time(entry["until"]))


def credential_keys(folder: Path) -> list[CredentialKey]:
    """The retired credential keys, oldest first. Raises ``RetiredFolderDamaged``."""
    found = []
    for entry in read_manifest(folder).entries(CREDENTIAL_KIND):
        path = folder / file_name(CREDENTIAL_KIND, entry["fingerprint"])
        try:
            key = serialization.load_pem_public_key(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise RetiredFolderDamaged(f"{path}: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey) or key_fingerprint(key) != entry["fingerprint"]:
            raise RetiredFolderDamaged(f"{path} is not the Ed25519 key the manifest names")
        found.append(CredentialKey(key, entry["fingerprint"], _period(entry)))
    return found


def chains(folder: Path) -> list[Chain]:
    """The retired PDF signing chains, oldest first. Raises ``RetiredFolderDamaged``."""
    found = []
    for entry in read_manifest(folder).entries(CHAIN_KIND):
        path = folder / file_name(CHAIN_KIND, entry["fingerprint"])
        try:
            chain = tuple(x509.load_pem_x509_certificates(path.read_bytes()))
        except (OSError, ValueError) as exc:
            raise RetiredFolderDamaged(f"{path}: {exc}") from exc
        if not chain or certificate_fingerprint(chain[0]) != entry["fingerprint"]:
            raise RetiredFolderDamaged(f"{path} is not the chain the manifest names")
        found.append(Chain(chain, entry["fingerprint"], _period(entry)))
    return found


def published_file(folder: Path, fingerprint: str) -> Path | None:
    """The retired public file with this fingerprint, if the manifest lists one."""
    if not FINGERPRINT.match(fingerprint):
        return None
    manifest = read_manifest(folder)
    for kind in _FILE_PREFIX:
        if any(entry["fingerprint"] == fingerprint for entry in manifest.entries(kind)):
            path = folder / file_name(kind, fingerprint)
            return path if path.is_file() else None
    return None
