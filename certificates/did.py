"""``did:key`` identifiers for Ed25519 keys (multicodec ``0xed01``, base58btc multibase)."""

from __future__ import annotations

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_ED25519_PUBLIC = b"\xed\x01"


class UnsupportedDid(ValueError):
    """Not a ``did:key`` for an Ed25519 key, or a verification method outside it."""


def multibase_key(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58.b58encode(_ED25519_PUBLIC + raw).decode("ascii")


def did_key(public_key: Ed25519PublicKey) -> str:
    return "did:key:" + multibase_key(public_key)


def verification_method(public_key: Ed25519PublicKey) -> str:
    """The key's id in its DID document: ``did:key:z6Mk…#z6Mk…``."""
    return f"{did_key(public_key)}#{multibase_key(public_key)}"


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise UnsupportedDid(value)
    try:
        decoded = base58.b58decode(value[1:])
    except ValueError as exc:
        raise UnsupportedDid(value) from exc
    if len(decoded) != 34 or not decoded.startswith(_ED25519_PUBLIC):
        raise UnsupportedDid(value)
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def resolve_verification_method(method: str) -> tuple[str, Ed25519PublicKey]:
    """``did:key:X#X`` → (``did:key:X``, its public key). Raises ``UnsupportedDid``."""
    did, _hash, fragment = method.partition("#")
    if not did.startswith("did:key:") or fragment != did.removeprefix("did:key:"):
        raise UnsupportedDid(method)
    return did, public_key_from_multibase(fragment)


def did_document(public_key: Ed25519PublicKey) -> dict[str, object]:
    """The DID document of a ``did:key`` (what resolving it gives; published for convenience).

    A ``did:key`` carries its key, so every credential stays verifiable after the platform
    moves to a new key: each names the key that signed it.
    """
    identifier = did_key(public_key)
    method = verification_method(public_key)
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": identifier,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": identifier,
                "publicKeyMultibase": multibase_key(public_key),
            }
        ],
        "assertionMethod": [method],
        "authentication": [method],
    }
