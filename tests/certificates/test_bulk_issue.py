"""Reconciling issuance in batches: of one course or all, from the service and the command line."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from certificates import services
from certificates.models import Certificate
from courses.models import Enrolment
from courses.services import learning
from lms.db import db, utcnow
from tests import factories


def completed_without_certificate(course: Any, learners: int) -> list[int]:
    """Learners who completed ``course`` while the signal was lost (no certificate yet)."""
    ids = []
    for _ in range(learners):
        student = factories.user()
        learning.enroll(student, course)
        ids.append(student.id)
    db.session.execute(sa.update(Enrolment).where(Enrolment.course_id == course.id).values(completed_at=utcnow()))
    db.session.flush()
    return ids


def certificate_count(course_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Certificate).where(Certificate.course_id == course_id)
    )


def test_issue_missing_reports_each_batch_and_the_last(db: Any) -> None:
    course = factories.course()
    completed_without_certificate(course, 5)
    batches: list[tuple[int, int]] = []
    assert services.issue_missing(batch=2, on_batch=lambda done, total: batches.append((done, total))) == 5
    assert batches == [(2, 5), (4, 5), (5, 5)]
    assert certificate_count(course.id) == 5
    assert services.pending_completions() == []


def test_issue_missing_of_one_course_leaves_the_others(db: Any) -> None:
    wanted, other = factories.course(), factories.course()
    completed_without_certificate(wanted, 2)
    completed_without_certificate(other, 1)
    assert len(services.pending_completions(wanted.id)) == 2
    assert services.issue_missing(wanted.id) == 2
    assert certificate_count(wanted.id) == 2 and certificate_count(other.id) == 0
    assert services.pending_completions() == [
        (e.user_id, other.id) for e in db.session.scalars(sa.select(Enrolment).where(Enrolment.course_id == other.id))
    ]


def test_an_interrupted_run_keeps_the_committed_batches(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure in the third certificate loses only the batch it was in."""
    course = factories.course()
    completed_without_certificate(course, 5)
    original = services.issue_certificate
    calls = {"n": 0}

    def failing_third(user_id: int, course_id: int) -> Certificate:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the worker was stopped")
        return original(user_id, course_id)

    monkeypatch.setattr(services, "issue_certificate", failing_third)
    committed = []

    def commit(done: int, _total: int) -> None:
        committed.append(done)
        db.session.commit()  # as the command does (the test's outer transaction still rolls it all back)

    with pytest.raises(RuntimeError):
        services.issue_missing(batch=2, on_batch=commit)
    db.session.rollback()
    assert committed == [2]
    assert certificate_count(course.id) == 2
    monkeypatch.undo()
    assert services.issue_missing() == 3 and certificate_count(course.id) == 5


def test_a_batch_must_hold_at_least_one(db: Any) -> None:
    with pytest.raises(ValueError, match="batch"):
        services.issue_missing(batch=0)


def test_the_command_issues_one_course_with_a_progress_bar(runner: Any) -> None:
    wanted, other = factories.course(), factories.course()
    completed_without_certificate(wanted, 3)
    completed_without_certificate(other, 1)
    result = runner.invoke(args=["certificates", "issue", "--course", wanted.slug, "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "Issuing certificates" in result.output and "Issued 3 certificates." in result.output
    assert certificate_count(wanted.id) == 3 and certificate_count(other.id) == 0
    again = runner.invoke(args=["certificates", "issue", "--course", wanted.slug])
    assert again.exit_code == 0 and "Issued 0 certificates" in again.output


def test_the_command_without_a_course_issues_all(runner: Any) -> None:
    first, second = factories.course(), factories.course()
    completed_without_certificate(first, 1)
    completed_without_certificate(second, 2)
    result = runner.invoke(args=["certificates", "issue"])
    assert result.exit_code == 0, result.output
    assert "Issued 3 certificates." in result.output
    assert certificate_count(first.id) == 1 and certificate_count(second.id) == 2


def test_an_unknown_course_is_a_clear_error(runner: Any) -> None:
    result = runner.invoke(args=["certificates", "issue", "--course", "no-such-course"])
    assert result.exit_code != 0
    assert "No course has the slug 'no-such-course'." in result.output
