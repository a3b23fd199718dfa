"""Rotating the signing keys: a running process uses replaced key files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from certificates import keys, pdfsign

KEY_SETTINGS = ("SIGNING_KEY_FILE", "PDF_SIGNING_KEY_FILE", "PDF_SIGNING_CHAIN_FILE")


@pytest.fixture
def own_keys(app: Any, tmp_path: Path) -> Iterator[keys.KeyPaths]:
    """The session's app signs with development keys of this test's own; the shared keys stay untouched."""
    saved = {name: app.config.get(name) for name in KEY_SETTINGS}
    app.config.update(
        SIGNING_KEY_FILE=str(tmp_path / "keys" / keys.CREDENTIAL_KEY_NAME),
        PDF_SIGNING_KEY_FILE=None,
        PDF_SIGNING_CHAIN_FILE=None,
    )
    keys.forget_cached_keys(app)
    keys.init_development_keys(app)
    try:
        yield keys.key_paths(app)
    finally:
        app.config.update(saved)
        keys.forget_cached_keys(app)


def public_key_of(path: Path) -> Any:
    return keys.credential_key_from_pem(path.read_bytes(), str(path)).public_key()


def test_a_key_file_replaced_by_another_process_is_used_without_a_restart(app: Any, own_keys: keys.KeyPaths) -> None:
    before = keys.credential_signing_key(app)
    material = pdfsign.signing_material(app)
    assert keys.credential_signing_key(app) is before and pdfsign.signing_material(app) is material  # cached
    replacement = own_keys.credential_key.with_suffix(".new")
    replacement.write_bytes(keys.development_credential_key())
    os.replace(replacement, own_keys.credential_key)
    pdf_key, pdf_chain = keys.development_pdf_material()
    own_keys.pdf_key.write_bytes(pdf_key)
    own_keys.pdf_chain.write_bytes(pdf_chain)
    assert keys.credential_signing_key(app).public_key() == public_key_of(own_keys.credential_key)
    assert keys.credential_signing_key(app).public_key() != before.public_key()
    assert pdfsign.signing_material(app).leaf == pdfsign.load_material(own_keys.pdf_key, own_keys.pdf_chain).leaf
    assert pdfsign.signing_material(app).leaf != material.leaf
