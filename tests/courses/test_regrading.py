"""Past code attempts graded again by the current grader; the changes listed for administrators."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from courses.models import Attempt, CodeRegrade, Item
from courses.services import attempts, learning, regrading
from lms.models import Role, User
from tests import factories
from tests.courses.test_code_queue import HALF, RIGHT, code_quiz, item_key, learner, sandbox  # noqa: F401

FORGED = "def double(x):\n    return -1\n"


def graded_by_an_old_grader(db: Any, quiz: Any, source: str, score: float) -> Attempt:
    """An attempt as a forgeable grader once scored it: ``score`` out of 2, whatever the code deserves."""
    student = learner(quiz)
    attempt = attempts.submit_attempt(student, quiz, {item_key(quiz): source})
    db.session.flush()
    key = item_key(quiz)
    attempt.results = {**attempt.results, key: {**attempt.results[key], "score": score}}
    attempt.score = score
    db.session.flush()
    return attempt


def test_a_forged_grade_is_corrected_and_recorded_and_a_right_one_is_left(db, sandbox, code_quiz):  # noqa: F811
    forged = graded_by_an_old_grader(db, code_quiz, FORGED, 2.0)
    honest = graded_by_an_old_grader(db, code_quiz, RIGHT, 2.0)
    summary = regrading.regrade_code_attempts(regrading.code_attempt_ids())
    assert (summary.attempts, summary.changed) == (2, 1)
    (change,) = db.session.scalars(sa.select(CodeRegrade)).all()
    assert change.attempt_id == forged.id
    assert (change.old_score, change.new_score, change.max_score) == (2.0, 0.0, 2.0)
    assert change.old_passed and not change.new_passed
    db.session.refresh(forged)
    db.session.refresh(honest)
    assert forged.score == 0.0 and honest.score == 2.0
    assert "Hidden test 2: failed" in " ".join(forged.results[item_key(code_quiz)]["feedback"])


def test_a_regrade_that_now_passes_counts_as_a_pass(db, sandbox, code_quiz, monkeypatch):  # noqa: F811
    attempt = graded_by_an_old_grader(db, code_quiz, RIGHT, 0.0)
    student = db.session.get(User, attempt.user_id)
    assert learning.passed_assignment_ids(student, [code_quiz.id]) == set()
    checked = []
    monkeypatch.setattr(learning, "check_completion", lambda user, course: checked.append((user.id, course.id)))
    regrading.regrade_code_attempts([attempt.id])
    change = db.session.scalars(sa.select(CodeRegrade)).one()
    assert not change.old_passed and change.new_passed
    assert learning.passed_assignment_ids(student, [code_quiz.id]) == {code_quiz.id}
    assert checked == [(student.id, code_quiz.module.course_id)]  # completion follows the course's own rule


def test_items_whose_tests_cannot_be_checked_outside_are_listed_and_skipped(db, sandbox, code_quiz):  # noqa: F811
    attempt = graded_by_an_old_grader(db, code_quiz, RIGHT, 2.0)
    item = db.session.scalars(sa.select(Item).where(Item.assignment_id == code_quiz.id)).one()
    item.spec = {**item.spec, "tests": [{"code": "for x in [1]:\n    assert double(x) == 2"}]}
    db.session.flush()
    (refused,) = regrading.unconvertible_items()
    assert refused[0].id == item.id and "assert inside a for block" in refused[1]
    assert attempt.id not in regrading.code_attempt_ids()


def test_the_command_shows_progress_and_lists_the_changes(db, sandbox, code_quiz, runner):  # noqa: F811
    forged = graded_by_an_old_grader(db, code_quiz, FORGED, 2.0)
    result = runner.invoke(args=["courses", "regrade-code"])
    assert result.exit_code == 0, result.output
    assert "1 attempts graded again; 1 changed." in result.output
    assert f"attempt {forged.id} " in result.output and "2 → 0 of 2, passed → not passed" in result.output


def test_administrators_see_the_changes_with_the_certificates(client, login, db, sandbox, code_quiz):  # noqa: F811
    forged = graded_by_an_old_grader(db, code_quiz, FORGED, 2.0)
    regrading.regrade_code_attempts([forged.id])
    db.session.commit()
    login(factories.user(role=Role.TEACHER))
    assert client.get("/admin/certificates/regraded").status_code == 403
    login(factories.user(role=Role.ADMIN, language="en"))
    page = client.get("/admin/certificates/regraded").get_data(as_text=True)
    student = db.session.get(User, forged.user_id)
    assert student is not None and student.full_name in page
    assert "2 / 2 · passed" in page and "0 / 2 · not passed" in page
    assert page.count("<tr>") == 2  # the heading and the one change
