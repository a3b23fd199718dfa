"""JSON-LD processing offline: the pinned contexts, a loader that refuses any other URL, canonical form.

Canonicalisation resolves every ``@context`` a document names. Fetching them at
signing or verification time would let a context host change what a signature
covers, so the exact documents ship in ``contexts/`` and are checked by hash.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pyld import jsonld

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

#: URL → (file, SHA-256 of the file).
PINNED: dict[str, tuple[str, str]] = {
    VC_V2: ("credentials-v2.jsonld", "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f"),
    OB_V3: ("ob-v3p0-context-3.0.3.json", "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"),
}

DocumentLoader = Callable[..., dict[str, Any]]


class UnknownContext(Exception):
    """A document names a context that is not pinned here; nothing is fetched."""


class ContextTampered(Exception):
    """A pinned context file's hash does not match the one recorded."""


class TermsDropped(Exception):
    """Some of the document's values have no meaning in its contexts and would not be signed."""


@functools.cache
def pinned_context(url: str) -> dict[str, Any]:
    """The pinned context document for ``url``; raises ``UnknownContext`` or ``ContextTampered``."""
    if url not in PINNED:
        raise UnknownContext(url)
    name, digest = PINNED[url]
    data = (CONTEXTS_DIR / name).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise ContextTampered(name)
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def document_loader(extra: Mapping[str, dict[str, Any]] | None = None) -> DocumentLoader:
    """A pyld document loader serving the pinned contexts (and ``extra``, for tests) and nothing else."""
    extra = dict(extra or {})

    def load(url: str, options: Any = None) -> dict[str, Any]:
        document = extra[url] if url in extra else pinned_context(url)
        return {"contextUrl": None, "documentUrl": url, "document": json.loads(json.dumps(document))}

    return load


def _count_values(node: Any, expanded: bool) -> int:
    """Scalars in a document (compact) or its expansion: each must survive expansion."""
    if isinstance(node, list):
        return sum(_count_values(item, expanded) for item in node)
    if isinstance(node, dict):
        total = 0
        for key, value in node.items():
            if key == "@context":
                continue
            if expanded and key == "@type" and "@value" in node:
                continue  # a value's datatype, not one of the document's values
            total += _count_values(value, expanded)
        return total
    return 1


def canonize(document: dict[str, Any], loader: DocumentLoader | None = None) -> str:
    """RDF Dataset Canonicalization (RDFC-1.0, a.k.a. URDNA2015) of ``document`` as N-Quads.

    Raises ``TermsDropped`` when expansion loses any value (a term no context
    defines), instead of silently signing less than the document shows.
    """
    options = {"documentLoader": loader or document_loader()}
    try:
        expanded = jsonld.expand(document, options)
        if _count_values(expanded, expanded=True) != _count_values(document, expanded=False):
            raise TermsDropped("some fields are not defined by the document's contexts")
        canonical: str = jsonld.normalize(
            document, {"algorithm": "URDNA2015", "format": "application/n-quads", **options}
        )
    except jsonld.JsonLdError as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, UnknownContext | ContextTampered):
                raise cause from exc
            cause = cause.__cause__
        raise
    return canonical
