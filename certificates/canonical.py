"""Canonical N-Quads of the platform's own credentials, written directly instead of by JSON-LD processing.

pyld expands a credential against the Open Badges context and canonicalises it in several
milliseconds. The credentials this platform signs all have the shape of
``credentials.open_badge_credential``, and their proof options the shape ``dataintegrity.add_proof``
gives them: only string values vary, so their RDF quads are known in advance. This module recognises that
shape strictly — the same keys, the same constants, ``str`` where a value varies, node
identifiers from a conservative IRI alphabet and all different — writes the quads, and applies
RDFC-1.0 to them. A document it does not recognise, or a graph whose blank nodes it cannot tell
apart by their first-degree hashes, gets ``None``: the caller then uses pyld.

Literal escaping reproduces pyld's (``pyld.nquads.escape``: backslash, tab, newline, carriage
return and double quote only), so signatures stay identical to the ones pyld makes and checks.
``tests/certificates/test_canonical.py`` compares this module with pyld on generated credentials.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from certificates.jsonld import OB_V3, VC_V2

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
SCHEMA = "https://schema.org/"
CRED = "https://www.w3.org/2018/credentials#"
STATUS = "https://www.w3.org/ns/credentials/status#"
SEC = "https://w3id.org/security#"
# The Open Badges context types its literals with https://www.w3.org/2001/XMLSchema#, the VC context with http://.
XSD_OB = "https://www.w3.org/2001/XMLSchema#"
XSD_VC = "http://www.w3.org/2001/XMLSchema#"

#: Absolute IRIs pyld leaves exactly as written: ``http(s)://`` (pyld never reads a prefix before ``//``)
#: or ``did:`` (no pinned context defines a ``did`` term; a test checks), then RFC 3986 characters only.
IRI = re.compile(r"(?:https?://|did:)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")

# pyld.nquads.escape replaces these five characters and nothing else.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"'})


class _Slot:
    """A place in the shape where a document's own string goes; ``iri`` ones must match ``IRI``."""

    def __init__(self, name: str, iri: bool = False) -> None:
        self.name = name
        self.iri = iri


def _slot(name: str) -> _Slot:
    return _Slot(name)


def _iri_slot(name: str) -> _Slot:
    return _Slot(name, iri=True)


def _credential_shape(graded: bool) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": _iri_slot("achievement"),
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": _slot("achievement_name"),
        "description": _slot("description"),
        "criteria": {"narrative": _slot("narrative")},
        "inLanguage": _slot("language"),
    }
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": _slot("holder")}
        ],
        "achievement": achievement,
    }
    if graded:
        achievement["resultDescription"] = [
            {
                "id": _iri_slot("result_description"),
                "type": ["ResultDescription"],
                "name": "Grade",
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
            }
        ]
        subject["result"] = [{"type": ["Result"], "resultDescription": _slot("result_for"), "value": _slot("grade")}]
    return {
        "@context": [VC_V2, OB_V3],
        "id": _iri_slot("credential"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": _slot("name"),
        "issuer": {"id": _iri_slot("issuer"), "type": ["Profile"], "name": _slot("issuer_name"), "url": _slot("url")},
        "validFrom": _slot("valid_from"),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": _iri_slot("status"),
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": _slot("status_index"),
            "statusListCredential": _iri_slot("status_list"),
        },
    }


GRADED = _credential_shape(graded=True)
UNGRADED = _credential_shape(graded=False)
PROOF_OPTIONS = {
    "@context": [VC_V2, OB_V3],
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "created": _slot("created"),
    "verificationMethod": _iri_slot("method"),
    "proofPurpose": "assertionMethod",
}


def _match(value: Any, shape: Any, slots: dict[str, str]) -> bool:
    """Whether ``value`` has exactly ``shape``, collecting slot values; types compared exactly (False is not 0)."""
    if isinstance(shape, _Slot):
        if type(value) is not str or (shape.iri and IRI.fullmatch(value) is None):
            return False
        slots[shape.name] = value
        return True
    if type(value) is not type(shape):
        return False
    if isinstance(shape, dict):
        return value.keys() == shape.keys() and all(_match(value[key], shape[key], slots) for key in shape)
    if isinstance(shape, list):
        return len(value) == len(shape) and all(
            _match(item, part, slots) for item, part in zip(value, shape, strict=True)
        )
    return bool(value == shape)


def literal(value: str, datatype: str | None = None) -> str:
    """An N-Quads literal written the way pyld writes it."""
    text = '"' + value.translate(_ESCAPES) + '"'
    return text if datatype is None else f"{text}^^<{datatype}>"


def _credential_quads(slots: dict[str, str], graded: bool) -> list[tuple[str, str, str]]:
    credential, issuer, achievement, status = (
        f"<{slots[name]}>" for name in ("credential", "issuer", "achievement", "status")
    )
    subject, identity, criteria, result = "_:subject", "_:identity", "_:criteria", "_:result"
    quads = [
        (credential, RDF_TYPE, f"<{OB}OpenBadgeCredential>"),
        (credential, RDF_TYPE, f"<{CRED}VerifiableCredential>"),
        (credential, f"<{SCHEMA}name>", literal(slots["name"])),
        (credential, f"<{CRED}credentialStatus>", status),
        (credential, f"<{CRED}credentialSubject>", subject),
        (credential, f"<{CRED}issuer>", issuer),
        (credential, f"<{CRED}validFrom>", literal(slots["valid_from"], XSD_VC + "dateTime")),
        (issuer, RDF_TYPE, f"<{OB}Profile>"),
        (issuer, f"<{SCHEMA}name>", literal(slots["issuer_name"])),
        (issuer, f"<{SCHEMA}url>", literal(slots["url"], XSD_OB + "anyURI")),
        (status, RDF_TYPE, f"<{STATUS}BitstringStatusListEntry>"),
        (status, f"<{STATUS}statusListCredential>", f"<{slots['status_list']}>"),
        (status, f"<{STATUS}statusListIndex>", literal(slots["status_index"])),
        (status, f"<{STATUS}statusPurpose>", literal("revocation")),
        (subject, RDF_TYPE, f"<{OB}AchievementSubject>"),
        (subject, f"<{OB}achievement>", achievement),
        (subject, f"<{OB}identifier>", identity),
        (identity, RDF_TYPE, f"<{OB}IdentityObject>"),
        (identity, f"<{OB}hashed>", literal("false", XSD_OB + "boolean")),
        (identity, f"<{OB}identityHash>", literal(slots["holder"])),
        (identity, f"<{OB}identityType>", literal("name")),
        (achievement, RDF_TYPE, f"<{OB}Achievement>"),
        (achievement, f"<{OB}Criteria>", criteria),
        (achievement, f"<{OB}achievementType>", literal("Course")),
        (achievement, f"<{SCHEMA}description>", literal(slots["description"])),
        (achievement, f"<{SCHEMA}inLanguage>", literal(slots["language"])),
        (achievement, f"<{SCHEMA}name>", literal(slots["achievement_name"])),
        (criteria, f"<{OB}narrative>", literal(slots["narrative"])),
    ]
    if graded:
        grade = f"<{slots['result_description']}>"
        quads += [
            (achievement, f"<{OB}resultDescription>", grade),
            (grade, RDF_TYPE, f"<{OB}ResultDescription>"),
            (grade, f"<{OB}resultType>", literal("Percent")),
            (grade, f"<{OB}valueMax>", literal("100")),
            (grade, f"<{OB}valueMin>", literal("0")),
            (grade, f"<{SCHEMA}name>", literal("Grade")),
            (subject, f"<{OB}result>", result),
            (result, RDF_TYPE, f"<{OB}Result>"),
            (result, f"<{OB}resultDescription>", literal(slots["result_for"], XSD_OB + "anyURI")),
            (result, f"<{SCHEMA}value>", literal(slots["grade"])),
        ]
    return quads


def rdfc(quads: list[tuple[str, str, str]]) -> str | None:
    """RDFC-1.0 of default-graph quads whose terms are already N-Quads text (blank nodes as ``_:label``).

    Blank nodes get canonical labels in the order of their first-degree hashes. When two share a
    hash the N-degree algorithm would be needed: ``None`` instead, for the caller to use pyld.
    """
    quads = list(dict.fromkeys(quads))  # a dataset is a set
    mentions: dict[str, list[tuple[str, str, str]]] = {}
    for quad in quads:
        subject, _predicate, obj = quad
        if subject.startswith("_:"):
            mentions.setdefault(subject, []).append(quad)
        if obj.startswith("_:"):
            if obj == subject:
                return None  # a blank node linked to itself: not a shape this module writes
            mentions.setdefault(obj, []).append(quad)
    hashes: dict[str, str] = {}
    for node, related in mentions.items():
        lines = sorted(f"{_first_degree(s, node)} {p} {_first_degree(o, node)} .\n" for s, p, o in related)
        try:
            digest = hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()
        except UnicodeEncodeError:
            return None  # a lone surrogate: pyld fails here, and its failure is the one callers know
        if digest in hashes:
            return None
        hashes[digest] = node
    labels = {hashes[digest]: f"_:c14n{number}" for number, digest in enumerate(sorted(hashes))}
    lines = sorted(f"{labels.get(s, s)} {p} {labels.get(o, o)} .\n" for s, p, o in quads)
    return "".join(lines)


def _first_degree(term: str, node: str) -> str:
    if not term.startswith("_:"):
        return term
    return "_:a" if term == node else "_:z"


def canonical_credential(document: Any) -> str | None:
    """The canonical N-Quads of one of our credentials (without ``proof``), or ``None`` if not recognised."""
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    graded = isinstance(subject, dict) and "result" in subject
    slots: dict[str, str] = {}
    if not _match(document, GRADED if graded else UNGRADED, slots):
        return None
    nodes = [slots[name] for name in ("credential", "issuer", "achievement", "status")]
    if graded:
        nodes.append(slots["result_description"])
    if len(set(nodes)) != len(nodes):
        return None  # one node written in two places: pyld merges them
    return rdfc(_credential_quads(slots, graded))


def canonical_proof_options(options: Any) -> str | None:
    """The canonical N-Quads of ``add_proof``'s proof options (with ``@context``), or ``None`` if not recognised."""
    slots: dict[str, str] = {}
    if not _match(options, PROOF_OPTIONS, slots):
        return None
    proof = "_:proof"
    return rdfc(
        [
            (proof, RDF_TYPE, f"<{SEC}DataIntegrityProof>"),
            (proof, f"<{SEC}cryptosuite>", literal("eddsa-rdfc-2022", SEC + "cryptosuiteString")),
            (proof, "<http://purl.org/dc/terms/created>", literal(slots["created"], XSD_VC + "dateTime")),
            (proof, f"<{SEC}proofPurpose>", f"<{SEC}assertionMethod>"),
            (proof, f"<{SEC}verificationMethod>", f"<{slots['method']}>"),
        ]
    )
