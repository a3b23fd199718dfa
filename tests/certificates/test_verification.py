"""Verification: the public page, the JSON API, the status list, revocation from the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from certificates import dataintegrity, serials, statuslist
from certificates.models import Certificate
from lms.models import Role
from tests import factories


def english(client: Any) -> Any:
    client.set_cookie("lms_lang", "en")
    return client


def test_the_page_says_valid_with_the_holder_course_and_date(client: Any, certificate: Certificate) -> None:
    page = english(client).get(f"/verify/{serials.display(certificate.serial)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Valid" in html and "Әлихан Өмірзақұлы" in html and certificate.course_title in html
    assert serials.display(certificate.serial) in html


def test_a_typed_number_is_forgiven_dashes_and_case(client: Any, certificate: Certificate) -> None:
    typed = certificate.serial.lower()
    answer = english(client).get("/verify", query_string={"serial": typed})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(serials.display(certificate.serial))


def test_a_wrong_number_is_a_clear_4xx(client: Any, certificate: Certificate) -> None:
    client = english(client)
    malformed = client.get("/verify", query_string={"serial": "not a serial"})
    assert malformed.status_code == 400 and "not a certificate number" in malformed.get_data(as_text=True)
    body = certificate.serial[:-1]
    other = body[:-1] + ("0" if body[-1] != "0" else "1")
    unknown = client.get(f"/verify/{other}{serials.check_character(other)}")
    assert unknown.status_code == 404 and "No certificate has this number" in unknown.get_data(as_text=True)
    assert client.get("/api/v1/certificates/XXXX").status_code == 404


def test_the_api_gives_the_status_and_the_signed_credential(client: Any, certificate: Certificate) -> None:
    body = client.get(f"/api/v1/certificates/{certificate.serial}").get_json()
    assert body["serial"] == serials.display(certificate.serial) and body["status"] == "valid"
    assert body["holder"] == "Әлихан Өмірзақұлы" and body["course"] == certificate.course_title
    assert body["credential"] == certificate.credential
    assert dataintegrity.verify_proof(body["credential"])
    assert body["grade"] == certificate.grade and body["revoked_at"] is None and body["revocation_reason"] is None
    issued = datetime.fromisoformat(body["issued_at"])
    assert issued.tzinfo is not None and issued.replace(tzinfo=None) == certificate.issued_at.replace(tzinfo=None)


def test_the_api_answers_in_one_query_and_is_never_cached(app: Any, client: Any, certificate: Certificate) -> None:
    import sqlalchemy as sa

    from lms.db import db

    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(f"/api/v1/certificates/{serials.display(certificate.serial).lower()}")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200 and response.mimetype == "application/json"
    queries = [statement for statement in statements if "SAVEPOINT" not in statement.upper()]
    assert len(queries) == 1, statements
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/certificates/not-a-serial").status_code == 404


def test_revocation_shows_at_once_on_the_page_the_api_and_the_status_list(
    app: Any, client: Any, certificate: Certificate
) -> None:
    url = f"/certificates/status/{certificate.status_list}"
    before = client.get(url).get_json()
    assert dataintegrity.verify_proof(before)
    assert certificate.status_index is not None
    assert not statuslist.get_bit(
        statuslist.decode(before["credentialSubject"]["encodedList"]), certificate.status_index
    )
    admin = factories.user(Role.ADMIN, email="revoker@example.org")
    result = app.test_cli_runner().invoke(
        args=["certificates", "revoke", certificate.serial, "--reason", "Plagiarism found", "--by", admin.email]
    )
    assert result.exit_code == 0, result.output
    html = english(client).get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert "Revoked" in html and "Plagiarism found" in html
    assert client.get(f"/api/v1/certificates/{certificate.serial}").get_json()["status"] == "revoked"
    after = client.get(url).get_json()
    assert dataintegrity.verify_proof(after)
    assert statuslist.get_bit(statuslist.decode(after["credentialSubject"]["encodedList"]), certificate.status_index)
    again = app.test_cli_runner().invoke(
        args=["certificates", "revoke", certificate.serial, "--reason", "again", "--by", admin.email]
    )
    assert again.exit_code != 0 and "revoked already" in again.output


def test_only_an_administrator_revokes(app: Any, certificate: Certificate) -> None:
    teacher = factories.user(Role.TEACHER, email="not-admin@example.org")
    result = app.test_cli_runner().invoke(
        args=["certificates", "revoke", certificate.serial, "--reason", "x", "--by", teacher.email]
    )
    assert result.exit_code != 0 and "not an administrator" in result.output
    assert certificate.status.value == "valid"


def test_the_learner_lists_their_certificates(client: Any, login: Any, certificate: Certificate) -> None:
    from lms.db import db
    from lms.models import User

    login(db.session.get(User, certificate.user_id))
    html = english(client).get("/certificates").get_data(as_text=True)
    assert certificate.course_title in html and serials.display(certificate.serial) in html
    assert client.get("/certificates", follow_redirects=False).status_code == 200


def test_the_share_link_is_the_public_address_the_pdf_carries(
    app: Any, client: Any, login: Any, certificate: Certificate, monkeypatch: Any
) -> None:
    """Behind a load balancer the request's host can be internal: the link to share is on EXTERNAL_URL."""
    from certificates import documents
    from lms.db import db
    from lms.models import User

    monkeypatch.setitem(app.config, "EXTERNAL_URL", "https://aiskills.example.kz")
    login(db.session.get(User, certificate.user_id))
    html = english(client).get("/certificates").get_data(as_text=True)  # the request's host: localhost
    public = f"https://aiskills.example.kz/verify/{serials.display(certificate.serial)}"
    assert documents.verification_url(certificate) == public
    assert f'value="{public}"' in html and "localhost/verify" not in html


def test_verification_is_rate_limited(app: Any, client: Any, certificate: Certificate, monkeypatch: Any) -> None:
    from lms.extensions import limiter

    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    limiter.enabled = True
    try:
        limiter.reset()
        codes = [client.get(f"/verify/{certificate.serial}").status_code for _ in range(61)]
    finally:
        limiter.reset()
    assert codes[:60] == [200] * 60 and codes[60] == 429


def test_the_verification_api_is_rate_limited_per_address(
    app: Any, client: Any, certificate: Certificate, monkeypatch: Any
) -> None:
    from lms.extensions import limiter

    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "5/minute")
    limiter.enabled = True
    try:
        limiter.reset()
        url = f"/api/v1/certificates/{certificate.serial}"
        codes = [client.get(url).status_code for _ in range(5)]
        refused = client.get(url)
        other_address = client.get(url, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    finally:
        limiter.reset()
    assert codes == [200] * 5
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert other_address.status_code == 200


def test_an_administrator_revokes_from_the_page(client: Any, login: Any, certificate: Certificate) -> None:
    from tests.conftest import post_form

    page = f"/verify/{serials.display(certificate.serial)}"
    login(factories.user(Role.TEACHER))
    assert "Revoke this certificate" not in english(client).get(page).get_data(as_text=True)
    assert post_form(client, f"{page}/revoke", {"reason": "x"}, page=page).status_code == 403
    assert post_form(client, "/verify/x/revoke", {"reason": "x"}, page=page).status_code == 404
    login(factories.user(Role.ADMIN))
    assert "Revoke this certificate" in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/revoke", data={"reason": "no token"}).status_code == 400  # CSRF
    empty = post_form(client, f"{page}/revoke", {"reason": "  "}, page=page, follow_redirects=True)
    assert "Give the reason" in empty.get_data(as_text=True) and certificate.status.value == "valid"
    done = post_form(client, f"{page}/revoke", {"reason": "Issued by mistake"}, page=page, follow_redirects=True)
    html = done.get_data(as_text=True)
    assert "Revoked" in html and "Issued by mistake" in html and "Revoke this certificate" not in html
    assert certificate.status.value == "revoked" and certificate.revoked_by_id is not None


def test_the_issuers_did_document_and_public_key_are_published(client: Any, certificate: Certificate) -> None:
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    document = client.get("/.well-known/did.json").get_json()
    issuer = certificate.credential["issuer"]["id"]
    assert document["id"] == issuer
    method = document["verificationMethod"][0]
    assert method["id"] == certificate.credential["proof"]["verificationMethod"]
    assert document["assertionMethod"] == [method["id"]]
    published = load_pem_public_key(client.get("/certificates/keys/credentials.pem").data)
    # The published key is the one the DID names (and the one that verifies the credential).
    from certificates import did as dids

    assert dids.did_key(published) == issuer  # type: ignore[arg-type]
    assert dataintegrity.verify_proof(certificate.credential)


def test_unknown_numbers_are_answered_in_the_callers_language_and_counted_once(
    app: Any, client: Any, certificate: Certificate, monkeypatch: Any
) -> None:
    from lms.extensions import limiter

    body = certificate.serial[:-1]
    other = body[:-1] + ("0" if body[-1] != "0" else "1")
    unknown = f"/api/v1/certificates/{other}{serials.check_character(other)}"
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "2/minute")
    limiter.enabled = True
    try:
        limiter.reset()
        answers = [
            client.get(unknown, headers={"Accept-Language": "ru"}),
            client.get("/api/v1/certificates/not-a-serial"),
        ]
        refused = client.get(f"/api/v1/certificates/{certificate.serial}")
    finally:
        limiter.reset()
    assert [answer.status_code for answer in answers] == [404, 404]
    assert answers[0].get_json()["error"]["message"] == "Сертификата с таким номером нет."
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
