"""The platform's signing keys over time: the keys in use and the retired ones (``certificates.retired``).

"The platform's key" means one of these, never anything else: a credential or a PDF signed
before a rotation stays the platform's, and one signed by any other key does not become it.
"""

from __future__ import annotations

from typing import Any

from cryptography import x509
from flask import Flask

from certificates import dataintegrity, did, keys, pdfsign, retired
from lms.mail import external_url


def credential_keys(app: Flask) -> list[retired.CredentialKey]:
    """The credential key in use, then the retired ones, newest first. Raises ``retired.RetiredFolderDamaged``."""
    paths = keys.key_paths(app)
    public_key = keys.credential_signing_key(app).public_key()
    fingerprint = retired.key_fingerprint(public_key)
    start = retired.read_manifest(paths.retired).installed_at(fingerprint) or retired.modified_at(paths.credential_key)
    current = retired.CredentialKey(public_key, fingerprint, retired.Period(start, None))
    return [current, *reversed(retired.credential_keys(paths.retired))]


def chains(app: Flask) -> list[retired.Chain]:
    """The PDF signing chain in use, then the retired ones, newest first. Raises ``retired.RetiredFolderDamaged``."""
    paths = keys.key_paths(app)
    material = pdfsign.signing_material(app)
    fingerprint = retired.certificate_fingerprint(material.leaf)
    start = retired.read_manifest(paths.retired).installed_at(fingerprint) or retired.modified_at(paths.pdf_chain)
    current = retired.Chain(material.chain, fingerprint, retired.Period(start, None))
    return [current, *reversed(retired.chains(paths.retired))]


def trust_roots(found: list[retired.Chain]) -> list[x509.Certificate]:
    """The chains' roots, each once: a PDF signed under any of them is the platform's."""
    roots: dict[str, x509.Certificate] = {}
    for chain in found:
        roots.setdefault(retired.certificate_fingerprint(chain.root), chain.root)
    return list(roots.values())


def signing_key_of(app: Flask, credential: dict[str, Any]) -> retired.CredentialKey:
    """The platform key (in use or retired) whose proof the credential carries.

    Raises ``dataintegrity.ProofInvalid`` when the proof does not hold or its key is not the platform's.
    """
    method = dataintegrity.verify_proof(credential)
    _controller, public_key = did.resolve_verification_method(method)
    fingerprint = retired.key_fingerprint(public_key)
    for key in credential_keys(app):
        if key.fingerprint == fingerprint:
            return key
    raise dataintegrity.ProofInvalid("signed by a key that is not the platform's")


def published_keys(app: Flask) -> dict[str, Any]:
    """What ``GET /certificates/keys`` shows: every credential key and PDF chain, in use or retired, with links."""
    credential = []
    for key in credential_keys(app):
        multibase = did.multibase_key(key.public_key)
        credential.append(
            {
                "status": "current" if key.current else "retired",
                "id": did.did_key(key.public_key),
                "verificationMethod": did.verification_method(key.public_key),
                "publicKeyMultibase": multibase,
                "fingerprint": key.fingerprint,
                **key.period.as_json(),
                "publicKeyPem": external_url("certificates.credential_public_key")
                if key.current
                else external_url("certificates.retired_public_file", fingerprint=key.fingerprint),
            }
        )
    pdf = []
    for chain in chains(app):
        pdf.append(
            {
                "status": "current" if chain.current else "retired",
                "fingerprint": chain.fingerprint,
                "subject": chain.chain[0].subject.rfc4514_string(),
                "root": chain.root.subject.rfc4514_string(),
                "rootFingerprint": retired.certificate_fingerprint(chain.root),
                **chain.period.as_json(),
                "chainPem": external_url("certificates.pdf_signing_chain")
                if chain.current
                else external_url("certificates.retired_public_file", fingerprint=chain.fingerprint),
            }
        )
    return {"credentialKeys": credential, "pdfSigningChains": pdf}
