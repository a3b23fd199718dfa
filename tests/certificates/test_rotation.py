"""Rotating the signing keys: retired public halves kept and published, old certificates still verifiable."""

from __future__ import annotations

import base64
import copy
import datetime
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import base58
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID
from openbadgeslib.ob3.ldp import OB3LdpVerifier

from certificates import (
    dataintegrity,
    did,
    documents,
    keyring,
    keys,
    pdf,
    pdfsign,
    retired,
    serials,
    services,
    statuslist,
)
from certificates.models import Certificate
from lms.models import Role
from tests import factories
from tests.certificates.test_documents import upload
from tests.certificates.test_issuance import complete
from tests.certificates.test_pdf import flip_one_byte, make_material

KEY_SETTINGS = ("SIGNING_KEY_FILE", "PDF_SIGNING_KEY_FILE", "PDF_SIGNING_CHAIN_FILE", "RETIRED_KEYS_DIR")


@pytest.fixture
def own_keys(app: Any, tmp_path: Path) -> Iterator[keys.KeyPaths]:
    """The session's app signs with development keys of this test's own; the shared keys stay untouched."""
    saved = {name: app.config.get(name) for name in KEY_SETTINGS}
    app.config.update(
        SIGNING_KEY_FILE=str(tmp_path / "keys" / keys.CREDENTIAL_KEY_NAME),
        PDF_SIGNING_KEY_FILE=None,
        PDF_SIGNING_CHAIN_FILE=None,
        RETIRED_KEYS_DIR=None,
    )
    keys.forget_cached_keys(app)
    keys.init_development_keys(app)
    try:
        yield keys.key_paths(app)
    finally:
        app.config.update(saved)
        keys.forget_cached_keys(app)


@pytest.fixture
def old_certificate(app: Any, own_keys: keys.KeyPaths, certificate: Certificate) -> Certificate:
    """The shared certificate fixture, issued after ``own_keys`` (fixtures run in the order they are named)."""
    assert certificate.credential["issuer"]["id"] == did.did_key(keys.credential_signing_key(app).public_key())
    return certificate


@pytest.fixture
def production(app: Any, own_keys: keys.KeyPaths, monkeypatch: pytest.MonkeyPatch) -> keys.KeyPaths:
    """Production rules on the test's own keys, which lose their development mark (as production keys would)."""
    for path in (own_keys.credential_key, own_keys.pdf_key):
        path.write_bytes(path.read_bytes().replace(keys.DEVELOPMENT_MARK + b"\n", b""))
    monkeypatch.setitem(app.config, "DEVELOPMENT_KEYS_ALLOWED", False)
    return own_keys


def rotate(app: Any, *options: str) -> Any:
    return app.test_cli_runner().invoke(args=["certificates", "rotate-keys", *options])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def pem(key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def chain_for(
    key: ec.EllipticCurvePrivateKey,
    *,
    ca_name: str = "AI Skills test CA",
    listed_ca_key: ec.EllipticCurvePrivateKey | None = None,
    leaf_days: tuple[int, int] = (-1, 365),
) -> bytes:
    """A CA and a leaf for ``key`` (PEM, leaf first); ``listed_ca_key`` lists another CA than the issuer."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())

    def ca_certificate(signing_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_name)])
        return (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(signing_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=30))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(signing_key, hashes.SHA256())
        )

    ca = ca_certificate(ca_key)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AI Skills certificates")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=leaf_days[0]))
        .not_valid_after(now + datetime.timedelta(days=leaf_days[1]))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    listed = ca_certificate(listed_ca_key) if listed_ca_key is not None else ca
    return b"".join(certificate.public_bytes(serialization.Encoding.PEM) for certificate in (leaf, listed))


def new_production_keys(folder: Path, **chain_options: Any) -> dict[str, Path]:
    """The operator's new keys: an Ed25519 key, a P-256 key and its chain, without any development mark."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf_key = ec.generate_private_key(ec.SECP256R1())
    files = {
        "credential": (folder / "new-credential.pem", pem(Ed25519PrivateKey.generate())),
        "pdf_key": (folder / "new-pdf-key.pem", pem(pdf_key)),
        "pdf_chain": (folder / "new-pdf-chain.pem", chain_for(pdf_key, **chain_options)),
    }
    for path, data in files.values():
        path.write_bytes(data)
    return {name: path for name, (path, _data) in files.items()}


def options(files: dict[str, Path]) -> list[str]:
    return [
        "--credential-key",
        str(files["credential"]),
        "--pdf-key",
        str(files["pdf_key"]),
        "--pdf-chain",
        str(files["pdf_chain"]),
    ]


def public_key_of(path: Path) -> Any:
    return keys.credential_key_from_pem(path.read_bytes(), str(path)).public_key()


# The command in development and testing.


def test_rotate_keys_in_testing_retires_the_public_halves_and_makes_new_keys(app: Any, own_keys: keys.KeyPaths) -> None:
    old_key = public_key_of(own_keys.credential_key)
    old_chain = pdfsign.load_material(own_keys.pdf_key, own_keys.pdf_chain)
    assert keys.credential_signing_key(app).public_key() == old_key  # cached now
    result = rotate(app)
    assert result.exit_code == 0, result.output
    assert f"Credential key retired: {did.did_key(old_key)}" in result.output

    new_key = public_key_of(own_keys.credential_key)
    assert new_key != old_key and keys.is_development_key(own_keys.credential_key)
    assert f"Issuer now: {did.did_key(new_key)}" in result.output
    for path in (own_keys.credential_key, own_keys.pdf_key, own_keys.pdf_chain):
        assert oct(path.stat().st_mode)[-3:] == "600"
    new_chain = pdfsign.load_material(own_keys.pdf_key, own_keys.pdf_chain)
    assert new_chain.leaf != old_chain.leaf
    # The running process signs with the new keys at once.
    assert keys.credential_signing_key(app).public_key() == new_key
    assert pdfsign.signing_material(app).leaf == new_chain.leaf

    folder = own_keys.retired
    assert folder == own_keys.credential_key.parent / "retired"
    old_print = retired.key_fingerprint(old_key)
    published = serialization.load_pem_public_key((folder / f"credential-ed25519-{old_print}.pem").read_bytes())
    assert published == old_key
    chain_print = retired.certificate_fingerprint(old_chain.leaf)
    assert (folder / f"pdf-chain-{chain_print}.pem").read_bytes() == old_chain.chain_pem()
    manifest = json.loads((folder / retired.MANIFEST_NAME).read_text())
    [key_entry] = manifest["credential_keys"]
    [chain_entry] = manifest["pdf_chains"]
    assert key_entry["fingerprint"] == old_print and chain_entry["fingerprint"] == chain_print
    assert key_entry["until"] == chain_entry["until"] and key_entry["from"] <= key_entry["until"]
    assert manifest["current"] == {
        retired.key_fingerprint(new_key): key_entry["until"],
        retired.certificate_fingerprint(new_chain.leaf): key_entry["until"],
    }


def test_a_second_rotation_starts_where_the_first_ended(app: Any, own_keys: keys.KeyPaths) -> None:
    from certificates import rotation

    today = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    first, second = today + datetime.timedelta(hours=1), today + datetime.timedelta(days=30)
    rotation.rotate_keys(app, now=first)
    rotation.rotate_keys(app, now=second)
    manifest = retired.read_manifest(own_keys.retired)
    for kind in (retired.CREDENTIAL_KIND, retired.CHAIN_KIND):
        older, newer = manifest.entries(kind)
        assert older["from"] <= retired.iso(today) and older["until"] == retired.iso(first)
        assert (newer["from"], newer["until"]) == (retired.iso(first), retired.iso(second))
    assert len(retired.credential_keys(own_keys.retired)) == len(retired.chains(own_keys.retired)) == 2


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


# Production: the operator's keys, checked.


def test_production_installs_the_operators_keys(app: Any, production: keys.KeyPaths, tmp_path: Path) -> None:
    old_key = public_key_of(production.credential_key)
    files = new_production_keys(tmp_path / "new")
    result = rotate(app, *options(files))
    assert result.exit_code == 0, result.output
    assert production.credential_key.read_bytes() == files["credential"].read_bytes()
    assert production.pdf_key.read_bytes() == files["pdf_key"].read_bytes()
    assert production.pdf_chain.read_bytes() == files["pdf_chain"].read_bytes()
    assert keys.credential_signing_key(app).public_key() == public_key_of(files["credential"])
    [retired_key] = retired.credential_keys(production.retired)
    assert retired_key.public_key == old_key


def test_production_can_rotate_the_pdf_key_alone(app: Any, production: keys.KeyPaths, tmp_path: Path) -> None:
    credential_before = production.credential_key.read_bytes()
    old_leaf = pdfsign.load_material(production.pdf_key, production.pdf_chain).leaf
    files = new_production_keys(tmp_path / "new")
    result = rotate(app, "--pdf-key", str(files["pdf_key"]), "--pdf-chain", str(files["pdf_chain"]))
    assert result.exit_code == 0, result.output
    assert production.credential_key.read_bytes() == credential_before
    assert retired.credential_keys(production.retired) == []
    [retired_chain] = retired.chains(production.retired)
    assert retired_chain.chain[0] == old_leaf


def test_production_makes_no_keys(app: Any, production: keys.KeyPaths) -> None:
    before = snapshot(production.credential_key.parent)
    result = rotate(app)
    assert result.exit_code == 1 and "production makes no keys" in result.output
    assert snapshot(production.credential_key.parent) == before


def _bad_inputs(tmp_path: Path, paths: keys.KeyPaths) -> dict[str, tuple[list[str], str]]:
    good = new_production_keys(tmp_path / "good")  # makes tmp_path
    p256 = tmp_path / "p256.pem"
    p256.write_bytes(pem(ec.generate_private_key(ec.SECP256R1())))
    ed25519 = tmp_path / "ed25519.pem"
    ed25519.write_bytes(pem(Ed25519PrivateKey.generate()))
    other_chain = tmp_path / "other-chain.pem"
    other_chain.write_bytes(chain_for(ec.generate_private_key(ec.SECP256R1())))
    development_key = tmp_path / "development-key.pem"
    development_key.write_bytes(keys.development_credential_key())
    development_pdf_key, development_chain = keys.development_pdf_material()
    unmarked = tmp_path / "unmarked-development-pdf-key.pem"
    unmarked.write_bytes(development_pdf_key.replace(keys.DEVELOPMENT_MARK + b"\n", b""))
    unmarked_chain = tmp_path / "unmarked-development-chain.pem"
    unmarked_chain.write_bytes(development_chain.replace(keys.DEVELOPMENT_MARK + b"\n", b""))
    pdf_key = ec.generate_private_key(ec.SECP256R1())
    broken_key, broken_chain, expired_key, expired_chain = (tmp_path / name for name in ("bk", "bc", "ek", "ec"))
    broken_key.write_bytes(pem(pdf_key))
    broken_chain.write_bytes(chain_for(pdf_key, listed_ca_key=ec.generate_private_key(ec.SECP256R1())))
    expired_key.write_bytes(pem(pdf_key))
    expired_chain.write_bytes(chain_for(pdf_key, leaf_days=(-400, -10)))
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")

    def pdf_pair(key: Path, chain: Path) -> list[str]:
        return ["--pdf-key", str(key), "--pdf-chain", str(chain)]

    return {
        "credential key of the wrong type": (["--credential-key", str(p256)], "is not an Ed25519 private key"),
        "PDF key of the wrong type": (pdf_pair(ed25519, good["pdf_chain"]), "is not an ECDSA P-256 private key"),
        "chain not the PDF key's": (pdf_pair(good["pdf_key"], other_chain), "is not the key's"),
        "development credential key": (["--credential-key", str(development_key)], "is a development key"),
        "development CA, mark removed": (pdf_pair(unmarked, unmarked_chain), "issued by the development CA"),
        "chain with a broken link": (pdf_pair(broken_key, broken_chain), "is not issued by the certificate after it"),
        "expired certificate": (pdf_pair(expired_key, expired_chain), "is not valid now"),
        "the current key again": (["--credential-key", str(paths.credential_key)], "the current credential key"),
        "not a key": (["--credential-key", str(garbage)], "is not an unencrypted PEM private key"),
        "missing file": (["--credential-key", str(tmp_path / "absent.pem")], "cannot read the credential key"),
        "PDF key without its chain": (["--pdf-key", str(good["pdf_key"])], "together"),
        "a good credential key with a bad chain": (
            ["--credential-key", str(good["credential"]), *pdf_pair(good["pdf_key"], other_chain)],
            "is not the key's",
        ),
    }


BAD_INPUTS = [
    "credential key of the wrong type",
    "PDF key of the wrong type",
    "chain not the PDF key's",
    "development credential key",
    "development CA, mark removed",
    "chain with a broken link",
    "expired certificate",
    "the current key again",
    "not a key",
    "missing file",
    "PDF key without its chain",
    "a good credential key with a bad chain",
]


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_production_refuses_bad_keys_and_changes_nothing(
    app: Any, production: keys.KeyPaths, tmp_path: Path, case: str
) -> None:
    arguments, message = _bad_inputs(tmp_path / "inputs", production)[case]
    key_before = keys.credential_signing_key(app)
    before = snapshot(production.credential_key.parent)
    result = rotate(app, *arguments)
    assert result.exit_code == 1, result.output
    assert "Nothing changed" in result.output and message in result.output, result.output
    assert snapshot(production.credential_key.parent) == before
    assert keys.credential_signing_key(app) is key_before


def test_a_key_retired_once_cannot_come_back(app: Any, production: keys.KeyPaths, tmp_path: Path) -> None:
    old = tmp_path / "old-credential.pem"
    old.write_bytes(production.credential_key.read_bytes())
    assert rotate(app, *options(new_production_keys(tmp_path / "first"))).exit_code == 0
    before = snapshot(production.credential_key.parent)
    result = rotate(app, "--credential-key", str(old))
    assert result.exit_code == 1 and "a retired one" in result.output
    assert snapshot(production.credential_key.parent) == before


def test_a_failed_write_puts_everything_back(
    app: Any, production: keys.KeyPaths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from certificates import rotation

    before = snapshot(production.credential_key.parent)
    real_replace = os.replace
    calls: list[str] = []

    def fail_on_the_second_key(source: Any, target: Any) -> None:
        if Path(target).parent == production.credential_key.parent:
            calls.append(str(target))
            if len(calls) == 2:
                raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(rotation.os, "replace", fail_on_the_second_key)
    result = rotate(app, *options(new_production_keys(tmp_path / "new")))
    assert result.exit_code == 1 and "No space left on device" in result.output, result.output
    assert len(calls) >= 2  # the first key file was replaced, then put back
    assert snapshot(production.credential_key.parent) == before


def test_a_damaged_manifest_stops_the_rotation(app: Any, own_keys: keys.KeyPaths) -> None:
    own_keys.retired.mkdir()
    (own_keys.retired / retired.MANIFEST_NAME).write_text('{"credential_keys": [{"fingerprint": "x"}]}')
    before = snapshot(own_keys.credential_key.parent)
    result = rotate(app)
    assert result.exit_code == 1 and "manifest is unreadable" in result.output
    assert snapshot(own_keys.credential_key.parent) == before


# Nothing private in the retired folder.


def test_nothing_private_lands_in_the_retired_folder(app: Any, own_keys: keys.KeyPaths) -> None:
    from certificates import rotation

    secrets = []
    for _round in range(2):
        credential = keys.credential_key_from_pem(own_keys.credential_key.read_bytes(), "key")
        pdf_key = pdfsign.load_material(own_keys.pdf_key, own_keys.pdf_chain).key
        raw = credential.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        scalar = pdf_key.private_numbers().private_value.to_bytes(32, "big")
        for secret in (raw, scalar):
            secrets += [secret, secret.hex().encode(), base64.b64encode(secret), base58.b58encode(secret)]
        secrets += [own_keys.credential_key.read_bytes(), own_keys.pdf_key.read_bytes()]
        rotation.rotate_keys(app)
    files = [path for path in own_keys.retired.rglob("*") if path.is_file()]
    assert len(files) == 5  # two keys, two chains, the manifest
    for path in files:
        data = path.read_bytes()
        assert b"PRIVATE" not in data and keys.DEVELOPMENT_MARK not in data, path
        assert not any(secret in data for secret in secrets), path
        assert oct(path.stat().st_mode)[-3:] == "644"
        if path.suffix == ".pem":
            with pytest.raises(ValueError):
                serialization.load_pem_private_key(data, password=None)
    with pytest.raises(ValueError, match="private"):
        retired.write_public(own_keys.retired / "leak.pem", pem(Ed25519PrivateKey.generate()))
    assert not (own_keys.retired / "leak.pem").exists()


# Published.


def test_the_keys_in_use_and_the_retired_ones_are_published(
    app: Any, client: Any, own_keys: keys.KeyPaths, old_certificate: Certificate
) -> None:
    old_material = pdfsign.signing_material(app)
    assert rotate(app).exit_code == 0
    new_key = keys.credential_signing_key(app).public_key()

    response = client.get("/certificates/keys")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=300"
    body = response.get_json()
    current, old = body["credentialKeys"]
    assert (current["status"], current["id"], current["until"]) == ("current", did.did_key(new_key), None)
    assert old["status"] == "retired" and old["id"] == old_certificate.credential["issuer"]["id"]
    assert old["verificationMethod"] == old_certificate.credential["proof"]["verificationMethod"]
    assert old["publicKeyMultibase"] == old["id"].removeprefix("did:key:")
    assert old["until"] == current["from"] and old["from"] <= old["until"]
    assert urlsplit(current["publicKeyPem"]).path == "/certificates/keys/credentials.pem"

    retired_pem = client.get(urlsplit(old["publicKeyPem"]).path)
    assert retired_pem.status_code == 200 and "immutable" in retired_pem.headers["Cache-Control"]
    assert did.did_key(serialization.load_pem_public_key(retired_pem.data)) == old["id"]  # type: ignore[arg-type]

    current_chain, old_chain = body["pdfSigningChains"]
    assert current_chain["status"] == "current" and old_chain["status"] == "retired"
    assert old_chain["fingerprint"] == retired.certificate_fingerprint(old_material.leaf)
    assert old_chain["rootFingerprint"] == retired.certificate_fingerprint(old_material.root)
    chain = client.get(urlsplit(old_chain["chainPem"]).path)
    assert chain.status_code == 200 and chain.data == old_material.chain_pem()

    assert client.get("/.well-known/did.json").get_json()["id"] == did.did_key(new_key)
    assert client.get(f"/certificates/keys/retired/{'0' * 64}.pem").status_code == 404
    assert client.get("/certificates/keys/retired/..%2Fretired-keys.json.pem").status_code == 404
    assert client.get(f"/certificates/keys/retired/{old_chain['fingerprint'].upper()}.pem").status_code == 404


# Still verifiable.


def test_an_old_credential_still_verifies_after_rotation(
    app: Any, client: Any, own_keys: keys.KeyPaths, old_certificate: Certificate
) -> None:
    credential = copy.deepcopy(old_certificate.credential)
    assert rotate(app).exit_code == 0
    new_issuer = did.did_key(keys.credential_signing_key(app).public_key())
    assert credential["issuer"]["id"] != new_issuer

    OB3LdpVerifier().verify(copy.deepcopy(credential))
    assert dataintegrity.verify_proof(credential)
    signer = keyring.signing_key_of(app, credential)
    assert not signer.current and signer.period.end is not None

    body = client.get(f"/api/v1/certificates/{old_certificate.serial}").get_json()
    assert body["status"] == "valid" and body["credential"] == credential
    client.set_cookie("lms_lang", "en")
    html = client.get(f"/verify/{serials.display(old_certificate.serial)}").get_data(as_text=True)
    assert "Valid" in html and old_certificate.holder_name in html

    # Certificates issued now carry the new key, which is the platform's too.
    course, student = factories.course(), factories.user(full_name="Нұрлан Серікұлы")
    complete(course, student)
    new = services.find_certificate(student.id, course.id)
    assert new is not None and new.credential["issuer"]["id"] == new_issuer
    OB3LdpVerifier().verify(copy.deepcopy(new.credential))
    assert keyring.signing_key_of(app, new.credential).current


def test_a_credential_from_another_key_is_not_the_platforms(
    app: Any, own_keys: keys.KeyPaths, old_certificate: Certificate
) -> None:
    assert rotate(app).exit_code == 0
    unsigned = {name: value for name, value in old_certificate.credential.items() if name != "proof"}
    stranger = Ed25519PrivateKey.generate()
    forged = dataintegrity.add_proof(
        {**unsigned, "issuer": {**unsigned["issuer"], "id": did.did_key(stranger.public_key())}},
        stranger,
        "2026-01-01T00:00:00Z",
    )
    assert dataintegrity.verify_proof(forged)  # a sound proof ...
    with pytest.raises(dataintegrity.ProofInvalid, match="not the platform's"):
        keyring.signing_key_of(app, forged)  # ... by a key that was never the platform's


def test_a_certificate_revoked_before_rotation_stays_revoked(
    app: Any, client: Any, own_keys: keys.KeyPaths, old_certificate: Certificate
) -> None:
    services.revoke_certificate(old_certificate, factories.user(Role.ADMIN), "Issued in error")
    url = f"/certificates/status/{old_certificate.status_list}"
    assert client.get(url).get_json()["issuer"] == old_certificate.credential["issuer"]["id"]
    assert rotate(app).exit_code == 0
    assert client.get(f"/api/v1/certificates/{old_certificate.serial}").get_json()["status"] == "revoked"
    # The status list is signed again, by the key in use (not served from the copy signed before).
    status_list = client.get(url).get_json()
    assert status_list["issuer"] == did.did_key(keys.credential_signing_key(app).public_key())
    assert dataintegrity.verify_proof(status_list)
    assert old_certificate.status_index is not None
    assert statuslist.get_bit(
        statuslist.decode(status_list["credentialSubject"]["encodedList"]), old_certificate.status_index
    )


def test_an_old_pdf_stays_genuine_and_changes_or_strangers_are_still_caught(
    app: Any, client: Any, own_keys: keys.KeyPaths, old_certificate: Certificate, tmp_path: Path
) -> None:
    old_pdf = documents.certificate_pdf(old_certificate)
    old_root = pdfsign.signing_material(app).root
    with app.test_request_context():
        forged = pdfsign.sign(
            pdf.render(documents.facts_of(old_certificate)),
            make_material(tmp_path),
            reason="x",
            location="y",
            name="z",
        )
    assert rotate(app).exit_code == 0
    assert not pdfsign.check(old_pdf, pdfsign.signing_material(app).root).trusted  # the new root alone refuses it

    client.set_cookie("lms_lang", "en")
    genuine = upload(client, old_pdf)
    html = genuine.get_data(as_text=True)
    assert genuine.status_code == 200, html
    assert "The PDF is genuine and unchanged" in html and "earlier key of the platform" in html and "Valid" in html
    altered = upload(client, flip_one_byte(old_pdf))
    assert altered.status_code == 422 and "changed after it was signed" in altered.get_data(as_text=True)
    foreign = upload(client, forged)
    assert foreign.status_code == 422 and "not signed by this platform" in foreign.get_data(as_text=True)

    course, student = factories.course(), factories.user()
    complete(course, student)
    new = services.find_certificate(student.id, course.id)
    assert new is not None
    new_pdf = documents.certificate_pdf(new)
    assert (
        not pdfsign.check(new_pdf, old_root).trusted and pdfsign.check(new_pdf, pdfsign.signing_material(app).root).ok
    )
    fresh = upload(client, new_pdf).get_data(as_text=True)
    assert "genuine and unchanged" in fresh and "earlier key of the platform" not in fresh
