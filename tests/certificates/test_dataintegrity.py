"""eddsa-rdfc-2022 proofs: the W3C test vector, third-party credentials, the offline loader."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certificates import dataintegrity, did, jsonld
from tests import fixtures

INTEROP = fixtures.INTEROP / "ob3"

# W3C Data Integrity EdDSA Cryptosuites v1.0, test vectors for eddsa-rdfc-2022 (TestVectors/ in w3c/vc-di-eddsa).
W3C_EXAMPLES_CONTEXT = {"@context": {"@vocab": "https://www.w3.org/ns/credentials/examples#"}}
W3C_PRIVATE_KEY = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
W3C_PUBLIC_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_CREDENTIAL = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
W3C_METHOD = "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
W3C_COMBINED_HASH = (
    "4c4d3890a157f8d611b13c265c2c22f39aa0a567c7c7dd9ba3e45cd579784eeb"
    "517744132ae165a5349155bef0bb0cf2258fff99dfe1dbd914b938d775a36017"
)
W3C_PROOF_VALUE = "z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9"


def w3c_loader() -> jsonld.DocumentLoader:
    return jsonld.document_loader({"https://www.w3.org/ns/credentials/examples/v2": W3C_EXAMPLES_CONTEXT})


def w3c_key() -> Ed25519PrivateKey:
    raw = base58.b58decode(W3C_PRIVATE_KEY[1:])
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def interop(name: str) -> dict[str, Any]:
    return json.loads((INTEROP / name).read_text())


def test_w3c_test_vector_reproduces(no_network: None) -> None:
    key = w3c_key()
    assert did.multibase_key(key.public_key()) == W3C_PUBLIC_KEY
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": W3C_METHOD,
        "proofPurpose": "assertionMethod",
    }
    assert dataintegrity.hash_data(W3C_CREDENTIAL, proof, w3c_loader()).hex() == W3C_COMBINED_HASH
    signed = dataintegrity.add_proof(W3C_CREDENTIAL, key, "2023-02-24T23:36:38Z", W3C_METHOD, w3c_loader())
    assert signed["proof"] == {**proof, "proofValue": W3C_PROOF_VALUE}
    assert dataintegrity.verify_proof(signed, w3c_loader(), resolve_key=lambda _m: key.public_key()) == W3C_METHOD


def test_third_party_ob3_credential_verifies_and_any_edit_breaks_it(no_network: None) -> None:
    """EXPECTED.md: proof verifies (did:key, eddsa-rdfc-2022); editing any signed field -> mismatch."""
    credential = interop("ob3_signed_eddsa-rdfc-2022_basic.json")
    method = dataintegrity.verify_proof(credential)
    assert method.startswith(credential["issuer"]["id"] + "#")
    edits = [
        ("name",),
        ("validFrom",),
        ("credentialSubject", "id"),
        ("credentialSubject", "achievement", "name"),
        ("credentialSubject", "achievement", "criteria", "narrative"),
        ("issuer", "name"),
    ]
    for path in edits:
        changed = copy.deepcopy(credential)
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = "2025-01-10T00:00:00Z" if path[-1] == "validFrom" else target[path[-1]] + "x"
        with pytest.raises(dataintegrity.ProofInvalid):
            dataintegrity.verify_proof(changed)


def test_revoked_fixture_names_an_unpinned_context_and_is_refused_offline(no_network: None) -> None:
    credential = interop("ob3_signed_revoked_bitstringstatus.json")
    with pytest.raises(jsonld.UnknownContext):
        dataintegrity.verify_proof(credential)


def test_loader_refuses_unknown_urls(no_network: None) -> None:
    load = jsonld.document_loader()
    assert load(jsonld.VC_V2)["document"]["@context"]
    for url in ("https://example.org/context.json", "https://www.w3.org/ns/credentials/v1", "file:///etc/passwd"):
        with pytest.raises(jsonld.UnknownContext):
            load(url)


def test_pinned_context_is_checked_by_hash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name, _digest in jsonld.PINNED.values():
        (tmp_path / name).write_bytes((jsonld.CONTEXTS_DIR / name).read_bytes() + b" ")
    monkeypatch.setattr(jsonld, "CONTEXTS_DIR", tmp_path)
    jsonld.pinned_context.cache_clear()
    try:
        with pytest.raises(jsonld.ContextTampered):
            jsonld.pinned_context(jsonld.OB_V3)
    finally:
        monkeypatch.undo()
        jsonld.pinned_context.cache_clear()


def test_undefined_terms_are_refused_not_silently_dropped() -> None:
    credential = interop("ob3_signed_eddsa-rdfc-2022_basic.json")
    credential.pop("proof")
    credential["credentialSubject"]["grade"] = "A"
    with pytest.raises(jsonld.TermsDropped):
        jsonld.canonize(credential)


def test_signature_from_a_key_that_is_not_the_issuers_is_refused() -> None:
    credential = interop("ob3_signed_eddsa-rdfc-2022_basic.json")
    credential.pop("proof")
    signed = dataintegrity.add_proof(credential, Ed25519PrivateKey.generate(), "2026-01-01T00:00:00Z")
    with pytest.raises(dataintegrity.ProofInvalid, match="issuer"):
        dataintegrity.verify_proof(signed)
