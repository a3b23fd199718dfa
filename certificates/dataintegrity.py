"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa, section 3.2).

hashData = SHA-256(canonical proof options) || SHA-256(canonical document), signed
with Ed25519; ``proofValue`` is the signature in base58btc multibase.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates import canonical, did
from certificates.jsonld import DocumentLoader, canonize

CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_TYPE = "DataIntegrityProof"


class ProofInvalid(Exception):
    """The proof is missing, malformed, from an unsupported key, or does not match the document."""


def hash_data(document: dict[str, Any], proof_options: dict[str, Any], loader: DocumentLoader | None = None) -> bytes:
    """The bytes an ``eddsa-rdfc-2022`` signature covers (document and options without ``proof``).

    With the pinned contexts (no ``loader``), our own credentials' shape is canonicalised by
    ``canonical`` — the same N-Quads as pyld, faster; everything else goes through pyld.
    """
    options = {key: value for key, value in proof_options.items() if key != "proofValue"}
    options["@context"] = document["@context"]
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof_nquads = canonical.canonical_proof_options(options) if loader is None else None
    document_nquads = canonical.canonical_credential(unsecured) if loader is None else None
    if proof_nquads is None:
        proof_nquads = canonize(options, loader)
    if document_nquads is None:
        document_nquads = canonize(unsecured, loader)
    return hashlib.sha256(proof_nquads.encode()).digest() + hashlib.sha256(document_nquads.encode()).digest()


def add_proof(
    document: dict[str, Any],
    private_key: Ed25519PrivateKey,
    created: str,
    verification_method: str | None = None,
    loader: DocumentLoader | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with an ``eddsa-rdfc-2022`` proof made with ``private_key``."""
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method or did.verification_method(private_key.public_key()),
        "proofPurpose": "assertionMethod",
    }
    signature = private_key.sign(hash_data(document, proof, loader))
    proof["proofValue"] = "z" + base58.b58encode(signature).decode("ascii")
    secured = copy.deepcopy(document)
    secured["proof"] = proof
    return secured


def verify_proof(
    document: dict[str, Any],
    loader: DocumentLoader | None = None,
    resolve_key: Callable[[str], Ed25519PublicKey] | None = None,
) -> str:
    """Check the document's single ``eddsa-rdfc-2022`` proof; return its verification method.

    Keys come from ``did:key`` methods unless ``resolve_key`` is given. For an
    issuer given as a DID, the method must belong to it. Raises ``ProofInvalid``.
    """
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofInvalid("no single proof")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofInvalid("not an eddsa-rdfc-2022 Data Integrity proof")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofInvalid("proof purpose is not assertionMethod")
    method = proof.get("verificationMethod")
    value = proof.get("proofValue")
    if not isinstance(method, str) or not isinstance(value, str) or not value.startswith("z"):
        raise ProofInvalid("malformed proof")
    try:
        if resolve_key is not None:
            public_key = resolve_key(method)
        else:
            controller, public_key = did.resolve_verification_method(method)
            issuer = document.get("issuer")
            issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
            if isinstance(issuer_id, str) and issuer_id.startswith("did:") and issuer_id != controller:
                raise ProofInvalid("the key does not belong to the issuer")
        signature = base58.b58decode(value[1:])
        public_key.verify(signature, hash_data(document, proof, loader))
    except (InvalidSignature, did.UnsupportedDid, ValueError) as exc:
        raise ProofInvalid(str(exc) or type(exc).__name__) from exc
    return method
