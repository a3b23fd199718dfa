"""Signing keys (CLI, production refusal) and the Bitstring Status List encoding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from certificates import keys, statuslist
from tests import fixtures
from tests.conftest import make_test_app

INTEROP = fixtures.INTEROP / "ob3"


def test_init_keys_makes_marked_development_keys_once(app: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "credentials-ed25519.pem"
    test_app = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], SIGNING_KEY_FILE=str(key_file))
    runner = test_app.test_cli_runner()
    result = runner.invoke(args=["certificates", "init-keys"])
    assert result.exit_code == 0, result.output
    assert "Issuer: did:key:z6Mk" in result.output
    assert keys.is_development_key(key_file) and oct(key_file.stat().st_mode)[-3:] == "600"
    assert (tmp_path / "keys" / keys.PDF_KEY_NAME).exists()
    assert (tmp_path / "keys" / keys.PDF_CHAIN_NAME).read_bytes().count(b"BEGIN CERTIFICATE") == 2
    before = key_file.read_bytes()
    again = runner.invoke(args=["certificates", "init-keys"])
    assert "nothing written" in again.output and key_file.read_bytes() == before


def test_production_refuses_development_keys(app: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "credentials-ed25519.pem"
    development = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], SIGNING_KEY_FILE=str(key_file))
    keys.init_development_keys(development)
    with pytest.raises(keys.DevelopmentKeyRefused):
        make_test_app(
            app.config["SQLALCHEMY_DATABASE_URI"], SIGNING_KEY_FILE=str(key_file), DEVELOPMENT_KEYS_ALLOWED=False
        )


def test_production_without_a_key_does_not_make_one(app: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "missing.pem"
    production = make_test_app(
        app.config["SQLALCHEMY_DATABASE_URI"], SIGNING_KEY_FILE=str(key_file), DEVELOPMENT_KEYS_ALLOWED=False
    )
    with pytest.raises(keys.SigningKeyMissing):
        keys.credential_signing_key(production)
    assert not key_file.exists()


def test_a_production_key_is_accepted(app: Any, tmp_path: Path) -> None:
    key_file = tmp_path / "credentials-ed25519.pem"
    development = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], SIGNING_KEY_FILE=str(key_file))
    keys.init_development_keys(development)
    for path in (key_file, tmp_path / keys.PDF_KEY_NAME):
        path.write_bytes(path.read_bytes().replace(keys.DEVELOPMENT_MARK + b"\n", b""))
    production = make_test_app(
        app.config["SQLALCHEMY_DATABASE_URI"], SIGNING_KEY_FILE=str(key_file), DEVELOPMENT_KEYS_ALLOWED=False
    )
    assert keys.credential_signing_key(production) is not None


def test_shared_status_list_decodes_to_the_expected_bits() -> None:
    """EXPECTED.md: 100,000 bits; set bits {2, 6, 8}; the revoked credential's index 8 is set."""
    status_list = json.loads((INTEROP / "statuslist_e5WK8CbZ1GjycuPombrj.json").read_text())
    bits = statuslist.decode(status_list["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == 100_000
    assert statuslist.set_indexes(bits) == [2, 6, 8]
    revoked = json.loads((INTEROP / "ob3_signed_revoked_bitstringstatus.json").read_text())
    assert statuslist.get_bit(bits, int(revoked["credentialStatus"]["statusListIndex"]))


def test_encoding_round_trips_most_significant_bit_first() -> None:
    bits = statuslist.empty()
    for index in (0, 9, statuslist.MINIMUM_BITS - 1):
        statuslist.set_bit(bits, index)
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    encoded = statuslist.encode(bits)
    assert encoded.startswith("u") and "=" not in encoded
    assert statuslist.set_indexes(statuslist.decode(encoded)) == [0, 9, statuslist.MINIMUM_BITS - 1]
    statuslist.set_bit(bits, 9, False)
    assert not statuslist.get_bit(bits, 9)
    with pytest.raises(statuslist.InvalidStatusList):
        statuslist.decode("zabc")


def test_production_ignores_an_environment_that_allows_development_keys(
    app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lms import create_app, queue

    key_file = tmp_path / "credentials-ed25519.pem"
    keys.init_development_keys(make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], SIGNING_KEY_FILE=str(key_file)))
    monkeypatch.setenv("LMS_DEVELOPMENT_KEYS_ALLOWED", "true")
    monkeypatch.setenv("LMS_SECRET_KEY", "a-production-secret-key-long-enough-0123456789")
    monkeypatch.setenv("LMS_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("LMS_SIGNING_KEY_FILE", str(key_file))
    monkeypatch.setenv("LMS_QUEUE_URL", f"sqlite:///{tmp_path}/queue.sqlite")
    try:
        with pytest.raises(keys.DevelopmentKeyRefused):
            create_app({"ENV": "production"})
    finally:
        queue.init_queue(app)  # creating an app rebinds the process's queue
