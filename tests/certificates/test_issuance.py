"""Course completion issues one signed certificate; the credential verifies, here and independently."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest
import sqlalchemy as sa
from openbadgeslib.ob3.ldp import OB3LdpVerifier
from openbadgeslib.ob3.verifier import OB3VerificationError

from certificates import dataintegrity, did, jsonld, keys, serials, services, statuslist
from certificates.models import Certificate, CertificateStatus
from courses.services import attempts, learning
from lms.db import db
from lms.models import Role
from tests import factories
from tests.conftest import TEST_DATABASE_URL


def complete(course: Any, student: Any) -> None:
    learning.enroll(student, course)
    for module in course.modules:
        quiz = module.assignments[0]
        attempts.submit_attempt(student, quiz, factories.right_answers(quiz))


@pytest.fixture
def certificate(db: Any) -> Certificate:
    course = factories.course()
    student = factories.user(full_name="Әлия Сәрсенова", language="kk")
    complete(course, student)
    found = services.find_certificate(student.id, course.id)
    assert found is not None
    return found


def certificates_of(user_id: int) -> list[Certificate]:
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user_id)))


def test_completion_issues_a_certificate_at_once(certificate: Certificate, app: Any) -> None:
    assert serials.is_valid(certificate.serial)
    assert certificate.holder_name == "Әлия Сәрсенова"
    assert certificate.language == "kk" and certificate.course_title.startswith("Курс")
    assert certificate.grade == 100 and certificate.hours == 12
    assert certificate.status is CertificateStatus.VALID
    assert (certificate.status_list, certificate.status_index) == (1, certificate.id - 1)
    key = keys.credential_signing_key(app)
    assert certificate.credential["issuer"]["id"] == did.did_key(key.public_key())


def test_issuing_twice_gives_one(certificate: Certificate) -> None:
    again = services.issue_certificate(certificate.user_id, certificate.course_id)
    assert again.id == certificate.id
    learning.course_completed.send(None, user_id=certificate.user_id, course_id=certificate.course_id)
    assert len(certificates_of(certificate.user_id)) == 1
    assert services.issue_missing() == 0


def test_not_completed_is_refused(db: Any) -> None:
    course, student = factories.course(), factories.user()
    learning.enroll(student, course)
    with pytest.raises(services.CourseNotCompleted):
        services.issue_certificate(student.id, course.id)


def test_reconciling_issues_a_completion_the_signal_missed(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    course, student = factories.course(), factories.user()
    monkeypatch.setattr(services, "issue_certificate", lambda *_a, **_k: None)
    complete(course, student)
    monkeypatch.undo()
    assert certificates_of(student.id) == []
    assert services.issue_missing() == 1
    assert [(c.user_id, c.course_id) for c in certificates_of(student.id)] == [(student.id, course.id)]


def test_serial_lookup_forgives_hyphens_and_case(certificate: Certificate) -> None:
    assert services.certificate_by_serial(serials.display(certificate.serial).lower()) is certificate
    typo = ("0" if certificate.serial[0] != "0" else "1") + certificate.serial[1:]
    assert services.certificate_by_serial(typo) is None


def test_credential_has_the_open_badges_shape(certificate: Certificate) -> None:
    credential = certificate.credential
    assert {"VerifiableCredential", "OpenBadgeCredential"} <= set(credential["type"])
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["issuer"]["id"].startswith("did:key:z6Mk")
    assert credential["validFrom"].endswith("Z")
    subject = credential["credentialSubject"]
    assert subject["achievement"]["name"] == certificate.course_title
    assert subject["identifier"][0]["identityHash"] == "Әлия Сәрсенова"
    assert subject["result"][0]["value"] == "100"
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    assert status["statusListIndex"] == str(certificate.status_index)
    proof = credential["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["verificationMethod"].startswith(credential["issuer"]["id"] + "#")


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return changed


EDITS = {
    "holder name": (("credentialSubject", "identifier", 0, "identityHash"), "Someone Else"),
    "grade": (("credentialSubject", "result", 0, "value"), "99"),
    "achievement name": (("credentialSubject", "achievement", "name"), "Another course"),
    "issuer": (("issuer", "name"), "Forged Academy"),
    "validFrom": (("validFrom",), "2020-01-01T00:00:00Z"),
    "credentialStatus": (("credentialStatus", "statusListIndex"), "7"),
    "credential name": (("name",), "Another course"),
}


def test_credential_verifies_with_our_verifier_and_an_independent_one(certificate: Certificate) -> None:
    assert dataintegrity.verify_proof(certificate.credential)
    OB3LdpVerifier().verify(copy.deepcopy(certificate.credential))


def test_issuance_signs_through_the_fast_path(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our credential shape is canonicalised without JSON-LD processing; the result is still pyld's."""

    def no_pyld(*_args: Any, **_kwargs: Any) -> str:
        raise AssertionError("pyld used to sign")

    course, student = factories.course(), factories.user(full_name='Қайрат "Kai" \\ Нұрланұлы')
    monkeypatch.setattr(dataintegrity, "canonize", no_pyld)
    complete(course, student)
    monkeypatch.undo()
    found = services.find_certificate(student.id, course.id)
    assert found is not None
    assert dataintegrity.verify_proof(found.credential, jsonld.document_loader())  # pyld
    OB3LdpVerifier().verify(copy.deepcopy(found.credential))


@pytest.mark.parametrize("field", EDITS)
def test_any_changed_field_breaks_verification(certificate: Certificate, field: str) -> None:
    path, value = EDITS[field]
    changed = _set(certificate.credential, path, value)
    with pytest.raises(dataintegrity.ProofInvalid):
        dataintegrity.verify_proof(changed)
    with pytest.raises(OB3VerificationError):
        OB3LdpVerifier().verify(changed)


def test_another_issuer_did_breaks_verification(certificate: Certificate) -> None:
    changed = _set(certificate.credential, ("issuer", "id"), "did:key:z6MknNQD1WHLGGraFi6zcbGevuAgkVfdyCdtZnQTGWVVvR5Q")
    with pytest.raises(dataintegrity.ProofInvalid):
        dataintegrity.verify_proof(changed)


def test_revocation_sets_the_status_bit(certificate: Certificate) -> None:
    admin = factories.user(Role.ADMIN)
    assert not statuslist.get_bit(statuslist.decode(services.encoded_status_list(1)), certificate.status_index or 0)
    services.revoke_certificate(certificate, admin, " issued in error ")
    assert certificate.status is CertificateStatus.REVOKED and certificate.revoked_by_id == admin.id
    assert certificate.revocation_reason == "issued in error" and certificate.revoked_at is not None
    bits = statuslist.decode(services.encoded_status_list(1))
    assert len(bits) * 8 == statuslist.MINIMUM_BITS
    assert statuslist.set_indexes(bits) == [certificate.status_index]
    with pytest.raises(services.AlreadyRevoked):
        services.revoke_certificate(certificate, admin, "again")


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="concurrent transactions need PostgreSQL")
def test_concurrent_completions_issue_one_certificate(app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two connections both see no certificate, both insert: the unique constraint keeps one."""
    from courses.models import Course, Enrolment

    with app.app_context():
        course = factories.course()
        student = factories.user()
        learning.enroll(student, course)
        db.session.execute(
            sa.update(Enrolment).where(Enrolment.user_id == student.id).values(completed_at=sa.func.now())
        )
        db.session.commit()
        user_id, course_id = student.id, course.id

    barrier = threading.Barrier(2, timeout=20)
    original = services.find_certificate
    calls = {"n": 0}
    lock = threading.Lock()

    def racing_find(uid: int, cid: int) -> Certificate | None:
        with lock:
            calls["n"] += 1
            first_two = calls["n"] <= 2
        if first_two:
            barrier.wait()  # both threads have looked and found nothing before either inserts
            return None
        return original(uid, cid)

    monkeypatch.setattr(services, "find_certificate", racing_find)
    results: list[Any] = []

    def issue() -> None:
        with app.app_context():
            try:
                found = services.issue_certificate(user_id, course_id)
                db.session.commit()
                results.append(found.id)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                results.append(exc)
                db.session.rollback()

    threads = [threading.Thread(target=issue) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert len(results) == 2 and all(isinstance(r, int) for r in results), results
        assert results[0] == results[1]
        with app.app_context():
            count = db.session.scalar(
                sa.select(sa.func.count()).select_from(Certificate).where(Certificate.user_id == user_id)
            )
            assert count == 1
    finally:
        with app.app_context():
            db.session.execute(sa.delete(Certificate).where(Certificate.user_id == user_id))
            db.session.execute(sa.delete(Course).where(Course.id == course_id))
            db.session.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": user_id})
            db.session.commit()


def test_a_failure_to_issue_never_fails_the_learners_completion(
    db: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_key(*_args: Any, **_kwargs: Any) -> Any:
        raise keys.SigningKeyMissing("no signing key (test)")

    monkeypatch.setattr(keys, "credential_signing_key", no_key)
    course = factories.course()
    student = factories.user()
    complete(course, student)  # the last right quiz completes the course; nothing raises
    registration = learning.enrolment(student, course)
    assert registration is not None and registration.completed_at is not None
    assert certificates_of(student.id) == []
    assert "run `certificates issue`" in caplog.text
    monkeypatch.undo()
    assert services.issue_missing() == 1
    assert len(certificates_of(student.id)) == 1
