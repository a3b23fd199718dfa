"""Only catalogue courses give certificates: a class course records its completion, a draft gives nothing."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import sqlalchemy as sa

from certificates import documents, serials, services
from certificates.models import Certificate
from courses.models import Enrolment
from lms.db import db, utcnow
from lms.models import Role
from lms.services import org
from tests import factories
from tests.certificates.test_documents import upload
from tests.certificates.test_issuance import complete


@pytest.fixture
def classroom(db: Any) -> tuple[Any, Any]:
    """A teacher and a student of their class."""
    teacher, school_class = factories.teacher_with_class()
    student = factories.user(full_name="Дана Серікова")
    org.add_member(school_class, student)
    return teacher, student


def completed(user_id: int, course_id: int) -> bool:
    found = db.session.scalar(
        sa.select(Enrolment.completed_at).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )
    return found is not None


def test_completing_a_class_course_records_it_and_issues_no_certificate(classroom: Any, caplog: Any) -> None:
    teacher, student = classroom
    course = factories.course(state="class", author=teacher)
    with caplog.at_level(logging.INFO, logger="certificates"):
        complete(course, student)
    assert completed(student.id, course.id)
    assert services.find_certificate(student.id, course.id) is None
    # Not a failure to retry: nothing is logged as an error, and the reconciling command has nothing to do.
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert services.pending_completions() == []
    with pytest.raises(services.CourseGivesNoCertificates):
        services.issue_certificate(student.id, course.id)


def test_draft_and_class_completions_are_skipped_by_issue_missing(classroom: Any) -> None:
    teacher, student = classroom
    draft = factories.course(state="draft", author=teacher)
    class_course = factories.course(state="class", author=teacher)
    catalogue = factories.course()
    for course in (draft, class_course, catalogue):
        # Completions whose signal was lost (or, for the draft, from before it was withdrawn).
        db.session.add(Enrolment(user_id=student.id, course_id=course.id, completed_at=utcnow()))
    db.session.flush()
    assert services.pending_completions() == [(student.id, catalogue.id)]
    assert services.issue_missing() == 1
    assert services.find_certificate(student.id, draft.id) is None
    assert services.find_certificate(student.id, class_course.id) is None
    assert services.find_certificate(student.id, catalogue.id) is not None


def test_the_command_says_why_it_skips_them(runner: Any, classroom: Any) -> None:
    teacher, student = classroom
    class_course = factories.course(state="class", author=teacher)
    db.session.add(Enrolment(user_id=student.id, course_id=class_course.id, completed_at=utcnow()))
    db.session.flush()
    one = runner.invoke(args=["certificates", "issue", "--course", class_course.slug])
    assert one.exit_code == 0, one.output
    assert f"{class_course.slug} is a class course: it gives no certificates." in one.output
    every = runner.invoke(args=["certificates", "issue"])
    assert every.exit_code == 0, every.output
    assert "Issued 0 certificates" in every.output
    assert "1 completion of draft or class courses has no certificate: those courses give none." in every.output


@pytest.mark.parametrize("state", ["draft", "class"])
def test_the_verification_never_shows_a_certificate_of_a_course_outside_the_catalogue(
    client: Any, login: Any, state: str
) -> None:
    course = factories.course()
    holder = factories.user()
    complete(course, holder)
    certificate = services.find_certificate(holder.id, course.id)
    assert certificate is not None
    pdf = documents.certificate_pdf(certificate)
    serial = serials.display(certificate.serial)
    factories.set_state(course, state)  # withdrawn from the catalogue (or issued by the old bug)
    assert client.get(f"/verify/{serial}").status_code == 404
    assert client.get(f"/api/v1/certificates/{serial}").status_code == 404
    assert services.public_record_json(serial) is None
    client.set_cookie("lms_lang", "en")
    answer = upload(client, pdf)
    assert answer.status_code == 422 and "genuine and unchanged" not in answer.get_data(as_text=True)
    login(holder)
    assert serial not in client.get("/certificates").get_data(as_text=True)
    assert client.get(f"/certificates/{serial}/pdf").status_code == 404
    # Back in the catalogue, it is valid again: the state hides certificates, it does not revoke them.
    factories.set_state(course, "catalogue")
    assert client.get(f"/verify/{serial}").status_code == 200


def test_an_administrator_may_still_revoke_such_a_certificate(client: Any, login: Any) -> None:
    course = factories.course()
    holder = factories.user()
    complete(course, holder)
    certificate = services.find_certificate(holder.id, course.id)
    assert isinstance(certificate, Certificate)
    factories.set_state(course, "draft")
    login(factories.user(Role.ADMIN))
    from tests.conftest import csrf_token

    serial = serials.display(certificate.serial)
    response = client.post(
        f"/verify/{serial}/revoke", data={"reason": "Issued for a draft", "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 302
    db.session.refresh(certificate)
    assert certificate.revocation_reason == "Issued for a draft"
