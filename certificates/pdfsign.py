"""PDF signatures: PAdES baseline B-B with ECDSA P-256 (pyHanko), and checking them.

The signing key and its certificate chain are files (``PDF_SIGNING_KEY_FILE``,
``PDF_SIGNING_CHAIN_FILE``; leaf first, then the issuing CA). The chain is embedded in
every signature so a reader can build the path to the CA; the CA is published at
``/certificates/keys/pdf-chain.pem`` (retired chains under ``/certificates/keys``). ECDSA P-256
rather than Ed25519: poppler's ``pdfsig`` (and so many readers) cannot validate Ed25519 PDF
signatures.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime
import hashlib
import io
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask

from certificates import keys

T = TypeVar("T")


def _run(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run one of pyHanko's coroutines to completion from synchronous code.

    pyHanko's synchronous wrappers call ``asyncio.run``, which fails where an event loop is
    already running in this thread (an async server, or Playwright's sync API in the tests);
    there the coroutine runs in a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine())).result()


FIELD_NAME = "Signature"


class PdfSigningKeyMissing(keys.SigningKeyMissing):
    """No usable PDF signing key or chain."""


@dataclass(frozen=True)
class PdfSigningMaterial:
    key: ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...]  # leaf first

    @property
    def leaf(self) -> x509.Certificate:
        return self.chain[0]

    @property
    def root(self) -> x509.Certificate:
        return self.chain[-1]

    def chain_pem(self) -> bytes:
        return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in self.chain)


def material_from_pem(key_pem: bytes, chain_pem: bytes, key_name: str, chain_name: str) -> PdfSigningMaterial:
    """An ECDSA P-256 key and its PEM chain, leaf first; raises ``PdfSigningKeyMissing`` when unusable."""
    try:
        key = serialization.load_pem_private_key(keys.after_mark(key_pem), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise PdfSigningKeyMissing(f"{key_name} is not an unencrypted PEM private key ({exc})") from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise PdfSigningKeyMissing(f"{key_name} is not an ECDSA P-256 private key")
    try:
        chain = tuple(x509.load_pem_x509_certificates(keys.after_mark(chain_pem)))
    except ValueError as exc:
        raise PdfSigningKeyMissing(f"{chain_name} holds no PEM certificate") from exc
    if not chain:
        raise PdfSigningKeyMissing(f"{chain_name} holds no certificate")
    leaf_key = chain[0].public_key()
    if (
        not isinstance(leaf_key, ec.EllipticCurvePublicKey)
        or leaf_key.public_numbers() != key.public_key().public_numbers()
    ):
        raise PdfSigningKeyMissing(f"the first certificate in {chain_name} is not the key's")
    return PdfSigningMaterial(key, chain)


def load_material(key_path: Path, chain_path: Path) -> PdfSigningMaterial:
    """Read an ECDSA P-256 key and its PEM chain; raises ``PdfSigningKeyMissing`` when unusable."""
    if not key_path.exists() or not chain_path.exists():
        raise PdfSigningKeyMissing(f"no PDF signing key or chain at {key_path} / {chain_path}")
    return material_from_pem(key_path.read_bytes(), chain_path.read_bytes(), str(key_path), str(chain_path))


def signing_material(app: Flask) -> PdfSigningMaterial:
    """The app's PDF signing key and chain, cached on the app until their files change.

    Development keys are made on first use where they are allowed.
    """
    paths = keys.key_paths(app)
    stamp = (paths.pdf_key, keys.file_stamp(paths.pdf_key), paths.pdf_chain, keys.file_stamp(paths.pdf_chain))
    material = keys.cached(app, keys.CACHED_PDF_MATERIAL, stamp)
    if isinstance(material, PdfSigningMaterial):
        return material
    if not paths.pdf_key.exists() and keys.development_keys_allowed(app):
        keys.init_development_keys(app)
        stamp = (paths.pdf_key, keys.file_stamp(paths.pdf_key), paths.pdf_chain, keys.file_stamp(paths.pdf_chain))
    keys.check_keys(app)
    material = load_material(paths.pdf_key, paths.pdf_chain)
    keys.remember(app, keys.CACHED_PDF_MATERIAL, stamp, material)
    return material


def _signer(material: PdfSigningMaterial) -> object:
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der_key = material.key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    certs = [asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)) for cert in material.chain]
    return signers.SimpleSigner(
        signing_cert=certs[0],
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs(certs[1:]),
    )


def sign(pdf: bytes, material: PdfSigningMaterial, *, reason: str, location: str, name: str) -> bytes:
    """``pdf`` with a PAdES B-B signature (SHA-256, ECDSA P-256, chain embedded) over the whole file."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    signer = _signer(material)
    output = _run(lambda: signers.async_sign_pdf(writer, metadata, signer=signer))  # type: ignore[arg-type]
    return bytes(output.getbuffer())


@dataclass(frozen=True)
class SignatureCheck:
    """What pyHanko's validator says of a PDF's signature."""

    signed: bool  # has a signature at all
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptographic signature holds
    trusted: bool  # the signer chains to one of the given roots
    whole_file: bool  # nothing was added after signing
    signer: str = ""
    signer_fingerprint: str = ""  # SHA-256 of the signer's certificate (DER), hex

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.valid and self.trusted and self.whole_file


class NotAPdf(ValueError):
    """The bytes are not a readable PDF."""


def check(
    pdf: bytes, trust_roots: x509.Certificate | Sequence[x509.Certificate], *, at_signing_time: bool = False
) -> SignatureCheck:
    """Validate the PDF's (single) signature against ``trust_roots`` (one or several), offline. Raises ``NotAPdf``.

    ``at_signing_time``: judge the signer's certificate at the time the signature gives (its signed
    ``/M`` or signing-time attribute, never later than now) rather than now. A baseline B-B signature
    carries no timestamp, so without it a certificate's PDF would stop checking out once the signing
    certificate expires (825 days), though it was valid when the PDF was signed.
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise NotAPdf(str(exc)) from exc
    if len(signatures) != 1:
        return SignatureCheck(signed=bool(signatures), intact=False, valid=False, trusted=False, whole_file=False)
    roots = [trust_roots] if isinstance(trust_roots, x509.Certificate) else list(trust_roots)
    moment: datetime.datetime | None = None  # None: now
    if at_signing_time:
        try:
            signed_at = signatures[0].self_reported_timestamp
        except (PdfError, ValueError, KeyError, TypeError) as exc:
            raise NotAPdf(str(exc)) from exc
        if signed_at is not None:
            if signed_at.tzinfo is None:
                signed_at = signed_at.replace(tzinfo=datetime.UTC)
            moment = min(signed_at, datetime.datetime.now(datetime.UTC))
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER)) for root in roots],
        allow_fetching=False,
        moment=moment,
    )
    try:
        status = _run(lambda: async_validate_pdf_signature(signatures[0], signer_validation_context=context))
    except (SignatureValidationError, PdfError, ValueError, KeyError) as exc:
        raise NotAPdf(str(exc)) from exc
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=str(status.signing_cert.subject.human_friendly) if status.signing_cert is not None else "",
        signer_fingerprint=hashlib.sha256(status.signing_cert.dump()).hexdigest() if status.signing_cert else "",
    )
