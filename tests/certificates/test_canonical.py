"""The fast canonical form agrees with pyld: differentially, on generated and adversarial credentials.

``LMS_CANONICAL_EXAMPLES`` sets how many credentials are generated (300 by default; CI runs
more, see .ci/run). The generator is seeded, so a failure names an example that reproduces.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import os
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from openbadgeslib.ob3.ldp import OB3LdpVerifier
from pyld import nquads

from certificates import canonical, dataintegrity, did, jsonld
from certificates.credentials import CredentialFacts, open_badge_credential, timestamp

EXAMPLES = int(os.environ.get("LMS_CANONICAL_EXAMPLES", "300"))
SEED = int(os.environ.get("LMS_CANONICAL_SEED", "20261130"))

# Pieces of adversarial text: N-Quads syntax, escapes, controls, invisible and bidirectional marks,
# Kazakh and other scripts, emoji sequences, blank node labels and IRIs written as text, JSON-LD keywords.
# fmt: off
ATOMS = [
    '"', "\\", "\n", "\r", "\t", "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\xa0",
    "\u2028", "\u2029", "\u200e", "\u200f", "\u202e", "\u2066", "\u200d", "\ufeff", "\ufffd", "\uffff",
    "\U0001f600", "\U0001f469\u200d\U0001f393", "\U0001f1f0\U0001f1ff", "\U0010ffff", "e\u0301",
    "Ә", "ә", "Ғ", "ғ", "Қ", "қ", "Ң", "ң", "Ө", "ө", "Ұ", "ұ", "Ү", "ү", "Һ", "һ", "І", "і",
    "Жанар", "Сәрсенова", "Ёж", "Щ", "שלום", "مرحبا", "中文", "한", "Әлия", "Alice", "x",
    " ", "  ", "'", "<", ">", "^^", "@", "#", "%", "&", '" .\n', "\\u0022", "\\n", "\\\\", '\\"',
    "_:c14n0", "_:c14n3", "_:b0", "_:a", "_:z", "c14n", "<https://example.org/x>", "https://example.org/",
    "did:key:z6Mk", "@id", "@type", "@value", "name", "false", "true", "Course", "Grade", "Percent", "0", "100",
    "Every required assignment of the course passed at or above its pass mark.",
]
BASES = ["https://lms.example.kz", "https://lms.example.kz/", "http://127.0.0.1:5000", "https://ex.org/a/b/"]
ODD_IRIS = [
    "https://ex.org/a b", "https://қаз.kz", "urn:uuid:1", "_:c14n0", "", "relative/path", "HTTPS://EX.ORG",
    'https://ex.org/"', "https://ex.org/<x>", "xsd:foo", "schema:name", "@id", "did:", "https:", "https://ex.org/\n",
    "https://ex.org/\\", "https://ex.org/ä", "did:web:ex.org", "https://ex.org/%zz", "mailto:a@ex.org",
]
# fmt: on


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible test data, not secrets


def text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return ""
    if roll < 0.10:
        return rng.choice(ATOMS)
    if roll < 0.13:  # very long
        return "".join(rng.choice(ATOMS) for _ in range(rng.randint(500, 3000)))
    if roll < 0.14:  # a lone surrogate: no valid UTF-8 exists for it
        return "Ә" + chr(rng.randint(0xD800, 0xDFFF)) + "x"
    if roll < 0.30:  # any code point outside the surrogates
        return "".join(chr(rng.choice([rng.randint(0, 0xD7FF), rng.randint(0xE000, 0x10FFFF)])) for _ in range(12))
    return "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 12)))


def word(rng: random.Random, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789-") -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))


def random_facts(rng: random.Random) -> CredentialFacts:
    odd = rng.random() < 0.15  # IRIs the fast path must refuse (or keep exactly as pyld does)
    base = rng.choice(ODD_IRIS) if odd and rng.random() < 0.5 else rng.choice(BASES)
    slug = text(rng) if odd and rng.random() < 0.5 else word(rng)
    serial = text(rng) if odd and rng.random() < 0.3 else word(rng, "ABCDEFGHJKMNPQRSTVWXYZ0123456789-")
    status_list = f"{base.rstrip('/')}/certificates/status/{rng.randint(1, 9)}"
    issuer = f"did:key:z6Mk{word(rng, 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz123456789')}"
    if odd and rng.random() < 0.3:
        status_list, issuer = rng.choice([(text(rng), issuer), (status_list, rng.choice(ODD_IRIS))])
    if rng.random() < 0.03:  # one node written twice: the issuer is the credential
        issuer = f"{base.rstrip('/')}/verify/{serial}"
    names = [text(rng) for _ in range(4)]
    if rng.random() < 0.15:  # equal strings everywhere
        names = [names[0]] * 4
    return CredentialFacts(
        serial=serial,
        holder_name=names[0],
        course_slug=slug,
        course_title=names[1],
        course_summary=rng.choice(["", names[2], names[1], text(rng)]),
        grade=rng.choice([None, None, 0, 100, rng.randint(0, 100)]),
        language=rng.choice(["kk", "ru", "en", text(rng)]),
        issued_at=datetime(1, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 315_000_000_000)),
        issuer_did=issuer,
        issuer_name=names[3],
        base_url=base,
        status_list_url=status_list,
        status_index=rng.choice([0, 1, rng.randint(0, 2**31)]),
    )


def generated(count: int, seed: int = SEED) -> Iterator[dict[str, Any]]:
    rng = seeded(seed)
    for _ in range(count):
        yield open_badge_credential(random_facts(rng))


def outcome(canonize: Callable[[Any], str | None], document: Any) -> tuple[str, str | None]:
    try:
        return "ok", canonize(copy.deepcopy(document))
    except Exception as exc:  # noqa: BLE001 - the kind of failure is what is compared
        return "raised", type(exc).__name__


@functools.cache
def pyld_reference(count: int) -> tuple[tuple[str, tuple[str, str | None]], ...]:
    """(document as JSON, pyld's outcome) for the generated credentials; computed once per run."""
    return tuple((json.dumps(document), outcome(jsonld.canonize, document)) for document in generated(count))


def disagreements(
    documents: list[tuple[Any, tuple[str, str | None]]], fast: Callable[[Any], str | None]
) -> tuple[list[str], int]:
    """Where ``fast`` recognised a document yet differs from pyld; also how many it recognised."""
    found, recognised = [], 0
    for number, (document, expected) in enumerate(documents):
        got = outcome(fast, document)
        if got == ("ok", None):
            continue
        recognised += 1
        if got != expected:
            found.append(f"example {number}: fast {got[0]}, pyld {expected[0]}: {json.dumps(document)[:300]}")
    return found, recognised


def reference(count: int) -> list[tuple[Any, tuple[str, str | None]]]:
    return [(json.loads(document), expected) for document, expected in pyld_reference(count)]


def test_generated_credentials_canonicalise_exactly_as_pyld_does() -> None:
    documents = reference(EXAMPLES)
    found, recognised = disagreements(documents, canonical.canonical_credential)
    assert found == []
    # The generator is not vacuous: most credentials take the fast path, and it meets what matters.
    assert recognised >= 0.7 * len(documents)
    fast = [d for d, _ in documents if canonical.canonical_credential(d) is not None]
    assert any("result" in d["credentialSubject"] for d in fast)
    assert any("result" not in d["credentialSubject"] for d in fast)
    values = [value for d in fast for value in _strings(d)]
    for needle in ('"', "\\", "\n", "\r", "\t", "\x00", "\x08", "\x7f", "_:c14n0", "😀", "Қ", "\u200f"):
        assert any(needle in value for value in values), repr(needle)
    assert any(len(value) > 1000 for value in values)


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict | list):
        for item in node.values() if isinstance(node, dict) else node:
            yield from _strings(item)


def test_refused_documents_are_left_to_pyld() -> None:
    rng = seeded(SEED)
    facts = random_facts(rng)
    while not (facts.grade is not None and canonical.canonical_credential(open_badge_credential(facts))):
        facts = random_facts(rng)
    document = open_badge_credential(facts)
    same_node = copy.deepcopy(document)
    same_node["issuer"]["id"] = same_node["id"]
    blank_node = copy.deepcopy(document)
    blank_node["credentialStatus"]["id"] = "_:c14n0"
    other_context = copy.deepcopy(document)
    other_context["@context"] = list(reversed(document["@context"]))
    for refused in (same_node, blank_node, other_context):
        assert canonical.canonical_credential(refused) is None


def mutations(document: dict[str, Any], rng: random.Random) -> Iterator[dict[str, Any]]:
    """Near misses of our shape: a value of another type, a key more or less, a list reordered."""
    replacements: list[Any] = [0, 1, 1.0, True, False, None, [], {}, "x", ["x"], {"@value": "x"}, "https://ex.org/x"]
    keys = ["id", "type", "@id", "@type", "@value", "@language", "description", "name", "url", "unknownTerm"]
    places = list(_places(document))
    for _ in range(6):
        changed = copy.deepcopy(document)
        container, key = _resolve(changed, rng.choice(places))
        kind = rng.random()
        if kind < 0.5:
            container[key] = rng.choice(replacements)
        elif kind < 0.7 and isinstance(container, dict):
            del container[key]
        elif kind < 0.9 and isinstance(container, dict):
            container[rng.choice(keys)] = rng.choice(replacements + ["https://ex.org/y"])
        elif isinstance(container[key], list) and len(container[key]) > 1:
            container[key].reverse()
        else:
            container[key] = [container[key]]
        yield changed


def _places(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        yield (*path, key)
        yield from _places(value, (*path, key))


def _resolve(document: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
    for key in path[:-1]:
        document = document[key]
    return document, path[-1]


def test_near_misses_are_refused_or_agree_with_pyld() -> None:
    rng = seeded(SEED + 1)
    documents = []
    for document in generated(max(EXAMPLES // 6, 20), SEED + 1):
        documents += [(changed, outcome(jsonld.canonize, changed)) for changed in mutations(document, rng)]
    found, recognised = disagreements(documents, canonical.canonical_credential)
    assert found == []
    assert recognised > 0  # reordering the type list of a one-type node keeps our shape


def test_proof_options_canonicalise_exactly_as_pyld_does() -> None:
    rng = seeded(SEED + 2)
    documents = []
    for _ in range(max(EXAMPLES // 3, 30)):
        created = rng.choice([timestamp(datetime(2026, 11, 30, tzinfo=UTC)), text(rng)])
        method = f"did:key:z6Mk{word(rng)}#z6Mk{word(rng)}"
        options = {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": created,
            "verificationMethod": rng.choice([method, method, rng.choice(ODD_IRIS)]),
            "proofPurpose": "assertionMethod",
            "@context": [jsonld.VC_V2, jsonld.OB_V3],
        }
        if rng.random() < 0.2:
            container, key = _resolve(options, rng.choice(list(_places(options))))
            container[key] = rng.choice([None, 1, "x", ["x"]])
        documents.append((options, outcome(jsonld.canonize, options)))
    found, recognised = disagreements(documents, canonical.canonical_proof_options)
    assert found == []
    assert recognised >= len(documents) // 2


def test_literal_escaping_is_pyld_s_for_every_code_point() -> None:
    every = "".join(chr(code) for code in range(0x110000))
    pairs = "".join(a + b for a in '\\"\n\r\tnrt\x00' for b in '\\"\n\r\tnrt\x00')
    for value in (every, pairs, pairs[::-1]):
        triple = {
            "subject": {"type": "blank node", "value": "_:a"},
            "predicate": {"type": "IRI", "value": "https://ex.org/p"},
            "object": {"type": "literal", "value": value, "datatype": nquads.XSD_STRING},
        }
        assert f"_:a <https://ex.org/p> {canonical.literal(value)} .\n" == nquads.serialize_nquad(triple)


def test_the_pinned_contexts_define_no_term_that_would_rewrite_our_iris() -> None:
    """``canonical.IRI`` accepts ``did:`` IRIs as written: true only while no context defines ``did``."""

    def terms(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield key
                yield from terms(value)
        elif isinstance(node, list):
            for item in node:
                yield from terms(item)

    for url in (jsonld.VC_V2, jsonld.OB_V3):
        assert not {"did", "http", "https"} & set(terms(jsonld.pinned_context(url)))


# The harness can fail: deliberate errors in the fast path are caught on the same examples.


def spec_escapes() -> dict[int, str]:
    """RDFC-1.0's own escaping (controls as \\b, \\f, \\u00XX), which pyld does not do."""
    table = {code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F]}
    table.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"})
    return table


@pytest.mark.parametrize(
    "escapes",
    [
        spec_escapes(),
        str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", '"': '\\"'}),  # carriage return forgotten
        str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': "'"}),
    ],
    ids=["rdfc-spec-escaping", "no-carriage-return", "quote-replaced"],
)
def test_self_check_wrong_escaping_is_caught(monkeypatch: pytest.MonkeyPatch, escapes: dict[int, str]) -> None:
    monkeypatch.setattr(canonical, "_ESCAPES", escapes)
    found, _ = disagreements(reference(EXAMPLES), canonical.canonical_credential)
    assert found


def test_self_check_wrong_blank_node_labels_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(canonical, "_first_degree", lambda term, node: term)
    found, _ = disagreements(reference(EXAMPLES), canonical.canonical_credential)
    assert found


def test_self_check_a_lenient_shape_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(canonical, "IRI", canonical.re.compile(r".*", canonical.re.DOTALL))
    found, _ = disagreements(reference(EXAMPLES), canonical.canonical_credential)
    assert found


# Signatures: the fast path signs exactly what pyld would, and an independent verifier accepts them.


def test_fast_path_signatures_are_pyld_s_and_verify_independently(no_network: None) -> None:
    key = Ed25519PrivateKey.generate()
    issuer = did.did_key(key.public_key())
    rng = seeded(SEED + 3)
    signed = 0
    while signed < 25:
        facts = dataclasses.replace(
            random_facts(rng),
            issuer_did=issuer,
            base_url=rng.choice(BASES),
            issued_at=datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randint(0, 150_000_000)),
        )
        facts = dataclasses.replace(
            facts,
            status_list_url=f"{facts.base_url.rstrip('/')}/certificates/status/1",
            holder_name=facts.holder_name or "Әлия",  # the verifier requires these two
            course_title=facts.course_title or "Курс",
        )
        document = open_badge_credential(facts)
        if canonical.canonical_credential(document) is None:
            continue  # an odd IRI
        if any("\ud800" <= char <= "\udfff" for value in _strings(document) for char in value):
            continue  # a lone surrogate: not encodable, so not signable either way
        created = timestamp(facts.issued_at)
        fast = dataintegrity.add_proof(document, key, created)
        slow = dataintegrity.add_proof(document, key, created, loader=jsonld.document_loader())
        assert fast == slow
        assert dataintegrity.verify_proof(fast, jsonld.document_loader()).startswith(issuer + "#")
        OB3LdpVerifier().verify(json.dumps(fast))
        signed += 1
