"""Rotating the signing keys: the current ones retire (their public halves kept), new ones take their place.

Everything is read and checked before anything is written; then the retired public material
and the manifest are written, and the new key files renamed over the old ones (each rename
atomic, so a key file is always there and whole). Should a write fail, whatever was written
is put back as it was. The old private keys are not kept.
"""

from __future__ import annotations

import datetime
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import NameOID
from flask import Flask

from certificates import did, keys, pdfsign, retired


class RotationRefused(Exception):
    """Nothing was changed: a new key is unusable or refused, or there is no current key to retire."""


@dataclass(frozen=True)
class Rotation:
    """What a rotation did (``None`` where that part was kept)."""

    at: datetime.datetime
    retired_issuer: str | None = None  # the did:key retired
    new_issuer: str | None = None
    retired_chain: str | None = None  # the retired leaf certificate's fingerprint
    new_chain: str | None = None


@dataclass(frozen=True)
class _File:
    """A file to write."""

    target: Path
    data: bytes


@dataclass(frozen=True)
class _Part:
    """One part of a rotation, checked: what retires (public data only) and what replaces it."""

    kind: str  # retired.CREDENTIAL_KIND or retired.CHAIN_KIND
    retiring: str  # fingerprint
    start: datetime.datetime
    public_pem: bytes
    new: str  # fingerprint
    replacements: tuple[_File, ...]
    old_label: str  # did:key or fingerprint, for the report
    new_label: str


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise RotationRefused(f"cannot read the {what} {path}: {exc.strerror or exc}") from exc


def _refuse_development(data: bytes, name: str, allowed: bool) -> None:
    if not allowed and keys.DEVELOPMENT_MARK in data:
        raise RotationRefused(f"{name} is a development key (made by init-keys): production refuses it")


def _check_chain(material: pdfsign.PdfSigningMaterial, name: str, now: datetime.datetime, allowed: bool) -> None:
    for certificate, issuer in zip(material.chain, material.chain[1:], strict=False):
        try:
            certificate.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature) as exc:
            raise RotationRefused(
                f"in {name}, {certificate.subject.rfc4514_string()} is not issued by the certificate after it"
            ) from exc
    leaf = material.leaf
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise RotationRefused(
            f"the first certificate in {name} is not valid now "
            f"({retired.iso(leaf.not_valid_before_utc)} to {retired.iso(leaf.not_valid_after_utc)})"
        )
    names = {
        attribute.value
        for certificate in material.chain
        for attribute in certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    }
    if not allowed and keys.DEVELOPMENT_CA_NAME in names:
        raise RotationRefused(f"{name} is issued by the development CA (made by init-keys): production refuses it")


def _start(manifest: retired.Manifest, fingerprint: str, path: Path, now: datetime.datetime) -> datetime.datetime:
    return min(manifest.installed_at(fingerprint) or retired.modified_at(path), now)


def _temporary_beside(target: Path, data: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(name, 0o600)
    return Path(name)


def _install(public: list[_File], manifest: _File, private: list[_File]) -> None:
    """Write the retired public files and the manifest, then rename each new key file over its target.

    On any failure everything written is put back as it was, and ``RotationRefused`` raised.
    """
    previous_manifest = manifest.target.read_bytes() if manifest.target.exists() else None
    added = [item.target for item in public if not item.target.exists()]
    temporaries: list[Path] = []
    replaced: list[tuple[Path, bytes]] = []
    try:
        for item in private:
            temporaries.append(_temporary_beside(item.target, item.data))
        for item in [*public, manifest]:
            retired.write_public(item.target, item.data)
        for temporary, item in zip(temporaries, private, strict=True):
            previous = item.target.read_bytes()
            os.replace(temporary, item.target)
            replaced.append((item.target, previous))
    except OSError as exc:
        for target, previous in reversed(replaced):
            os.replace(_temporary_beside(target, previous), target)
        if previous_manifest is None:
            manifest.target.unlink(missing_ok=True)
        else:
            retired.write_public(manifest.target, previous_manifest)
        for path in added:
            path.unlink(missing_ok=True)
        raise RotationRefused(f"could not write the new keys ({exc}); the keys in use are unchanged") from exc
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)


def _credential_part(app: Flask, data: bytes, name: str, manifest: retired.Manifest, now: datetime.datetime) -> _Part:
    paths = keys.key_paths(app)
    _refuse_development(data, name, keys.development_keys_allowed(app))
    try:
        new_key = keys.credential_key_from_pem(data, name).public_key()
        current_pem = _read(paths.credential_key, "current credential key")
        current = keys.credential_key_from_pem(current_pem, str(paths.credential_key)).public_key()
    except keys.SigningKeyMissing as exc:
        raise RotationRefused(str(exc)) from exc
    retiring, new = retired.key_fingerprint(current), retired.key_fingerprint(new_key)
    if new in manifest.fingerprints() | {retiring}:
        raise RotationRefused(f"{name} is the current credential key or a retired one: give a new key")
    return _Part(
        kind=retired.CREDENTIAL_KIND,
        retiring=retiring,
        start=_start(manifest, retiring, paths.credential_key, now),
        public_pem=retired.public_pem(current),
        new=new,
        replacements=(_File(paths.credential_key, data),),
        old_label=did.did_key(current),
        new_label=did.did_key(new_key),
    )


def _pdf_part(
    app: Flask, data: tuple[bytes, bytes], names: tuple[str, str], manifest: retired.Manifest, now: datetime.datetime
) -> _Part:
    paths = keys.key_paths(app)
    allowed = keys.development_keys_allowed(app)
    for pem, name in zip(data, names, strict=True):
        _refuse_development(pem, name, allowed)
    try:
        material = pdfsign.material_from_pem(*data, *names)
        current = pdfsign.load_material(paths.pdf_key, paths.pdf_chain)
    except keys.SigningKeyMissing as exc:
        raise RotationRefused(str(exc)) from exc
    _check_chain(material, names[1], now, allowed)
    retiring = retired.certificate_fingerprint(current.leaf)
    new = retired.certificate_fingerprint(material.leaf)
    if new in manifest.fingerprints() | {retiring}:
        raise RotationRefused(f"{names[1]} is the current PDF chain or a retired one: give a new certificate")
    return _Part(
        kind=retired.CHAIN_KIND,
        retiring=retiring,
        start=_start(manifest, retiring, paths.pdf_chain, now),
        public_pem=retired.chain_pem(current.chain),
        new=new,
        replacements=(_File(paths.pdf_key, data[0]), _File(paths.pdf_chain, data[1])),
        old_label=retiring,
        new_label=new,
    )


def rotate_keys(
    app: Flask,
    *,
    credential_key: Path | None = None,
    pdf_key: Path | None = None,
    pdf_chain: Path | None = None,
    now: datetime.datetime | None = None,
) -> Rotation:
    """Retire the current signing keys and install new ones; return what changed.

    With no files given, new development keys are made where they are allowed (development and
    testing) and both the credential key and the PDF key rotate; production makes no keys, so there
    the operator gives the new ones: ``credential_key`` (Ed25519), and/or ``pdf_key`` with its
    ``pdf_chain`` (ECDSA P-256, leaf first). Each is checked (type, the chain's links and the leaf's
    validity, the leaf matching the key, not a development key in production, not a key used before)
    before anything is written. The retired public halves go to ``RETIRED_KEYS_DIR`` with the period
    they signed; the app's cached keys are dropped. Raises ``RotationRefused`` with nothing changed.
    """
    moment = (now or datetime.datetime.now(datetime.UTC)).replace(microsecond=0)
    paths = keys.key_paths(app)
    if (pdf_key is None) != (pdf_chain is None):
        raise RotationRefused("give the new PDF key and its chain together (--pdf-key and --pdf-chain)")
    try:
        manifest = retired.read_manifest(paths.retired)
    except retired.RetiredFolderDamaged as exc:
        raise RotationRefused(f"the retired keys' manifest is unreadable: {exc}") from exc
    parts = []
    if credential_key is None and pdf_key is None:
        if not keys.development_keys_allowed(app):
            raise RotationRefused(
                "production makes no keys: give the new --credential-key, and/or --pdf-key with --pdf-chain"
            )
        made = "the new development key"
        parts.append(_credential_part(app, keys.development_credential_key(), made, manifest, moment))
        parts.append(_pdf_part(app, keys.development_pdf_material(), (made, made), manifest, moment))
    if credential_key is not None:
        pem = _read(credential_key, "credential key")
        parts.append(_credential_part(app, pem, str(credential_key), manifest, moment))
    if pdf_key is not None and pdf_chain is not None:
        pair = (_read(pdf_key, "PDF key"), _read(pdf_chain, "PDF chain"))
        parts.append(_pdf_part(app, pair, (str(pdf_key), str(pdf_chain)), manifest, moment))

    updated = manifest
    for part in parts:
        updated = retired.retired_manifest(
            updated, kind=part.kind, fingerprint=part.retiring, start=part.start, until=moment, new=part.new
        )
    _install(
        public=[_File(paths.retired / retired.file_name(part.kind, part.retiring), part.public_pem) for part in parts],
        manifest=_File(paths.retired / retired.MANIFEST_NAME, retired.manifest_bytes(updated.data)),
        private=[replacement for part in parts for replacement in part.replacements],
    )
    keys.forget_cached_keys(app)
    by_kind = {part.kind: part for part in parts}
    credential, chain = by_kind.get(retired.CREDENTIAL_KIND), by_kind.get(retired.CHAIN_KIND)
    return Rotation(
        at=moment,
        retired_issuer=credential.old_label if credential else None,
        new_issuer=credential.new_label if credential else None,
        retired_chain=chain.old_label if chain else None,
        new_chain=chain.new_label if chain else None,
    )
