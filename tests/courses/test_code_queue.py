"""Code attempts on the queue: pending at once, graded by the task, retried, reused, rate-limited.

The sandbox is replaced here by a stand-in that runs the harness as a plain subprocess: these
tests are about the attempt's life cycle; the sandbox has its own tests.
"""

from __future__ import annotations

import enum
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlalchemy as sa

from courses.models import Assignment, Attempt, AttemptStatus, CodeRun, Item
from courses.services import attempts, code_grading, learning
from lms.db import utcnow
from tests import factories

SPEC = {
    "mode": "unit",
    "starter": "def double(x):\n    pass\n",
    "tests": [
        {"name": "two", "code": "assert double(2) == 4", "visible": True},
        {"code": "assert double(-3) == -6"},
    ],
}
RIGHT = "def double(x):\n    return 2 * x\n"
HALF = "def double(x):\n    return abs(2 * x)\n"


class Outcome(enum.StrEnum):
    OK = "ok"
    ERROR = "error"
    FAILED = "failed"


@dataclass
class StandIn:
    """A sandbox module stand-in: runs the harness in a temporary folder, counts runs."""

    runs: int = 0
    broken: bool = False

    Limits = SimpleNamespace  # noqa: N815 - mirrors the module's class

    def required_level(self, config: Any) -> None:
        return None

    def run(self, files: dict[str, str], argv: list[str], **options: Any) -> Any:
        self.runs += 1
        if self.broken:
            return SimpleNamespace(outcome=Outcome.FAILED, stdout=b"", level="none", detail="no sandbox")
        with tempfile.TemporaryDirectory() as folder:
            for name, text in files.items():
                (Path(folder) / name).write_text(text, encoding="utf-8")
            done = subprocess.run(
                [sys.executable, "-I", *argv], input=options["stdin"], cwd=folder, capture_output=True, check=False
            )
        outcome = Outcome.OK if done.returncode == 0 else Outcome.ERROR
        return SimpleNamespace(outcome=outcome, stdout=done.stdout, level="stand-in", detail="")


@pytest.fixture
def sandbox(monkeypatch):
    stand_in = StandIn()
    monkeypatch.setattr(code_grading, "_sandbox", lambda: stand_in)
    return stand_in


@pytest.fixture
def code_quiz(db):
    course = factories.course()
    quiz = Assignment(module_id=course.modules[0].id, position=5, title={"en": "Code"}, max_attempts=2)
    db.session.add(quiz)
    db.session.flush()
    db.session.add(Item(assignment_id=quiz.id, position=1, type="code", prompt="Write double", spec=SPEC))
    db.session.flush()
    db.session.expire(course)
    return quiz


def learner(code_quiz: Assignment) -> Any:
    student = factories.user(language="en")
    learning.enroll(student, code_quiz.module.course)
    return student


def item_key(quiz: Assignment) -> str:
    return str(quiz.items[0].id)


def test_a_code_attempt_is_graded_by_the_task(db, sandbox, code_quiz):
    student = learner(code_quiz)
    attempt = attempts.submit_attempt(student, code_quiz, {item_key(code_quiz): HALF})
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.GRADED and not attempt.machine_pending
    result = attempt.results[item_key(code_quiz)]
    assert (attempt.score, attempt.max_score) == (1.0, 2.0)
    assert (
        result["sandbox"] == "stand-in"
        and result["feedback"][1] == "Hidden test 2: failed, the value is not the expected one"
    )
    assert "double(-3)" not in str(result)


def test_the_attempt_is_pending_until_the_task_runs(db, sandbox, code_quiz, monkeypatch):
    queued = []
    monkeypatch.setattr(code_grading, "enqueue", queued.append)
    student = learner(code_quiz)
    attempt = attempts.submit_attempt(student, code_quiz, {item_key(code_quiz): RIGHT})
    assert attempt.status == AttemptStatus.PENDING and attempt.machine_pending and queued == [attempt.id]
    assert attempt.results[item_key(code_quiz)]["queued"] is True and sandbox.runs == 0
    code_grading.grade_attempt(attempt.id)
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 2.0 and sandbox.runs == 1


def test_identical_code_reuses_the_earlier_result(db, sandbox, code_quiz):
    first, second = learner(code_quiz), learner(code_quiz)
    attempts.submit_attempt(first, code_quiz, {item_key(code_quiz): RIGHT})
    again = attempts.submit_attempt(second, code_quiz, {item_key(code_quiz): RIGHT})
    db.session.refresh(again)
    assert sandbox.runs == 1 and again.score == 2.0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CodeRun)) == 1


def test_a_failing_sandbox_is_retried_then_the_attempt_is_an_error_that_does_not_count(
    db, sandbox, code_quiz, monkeypatch
):
    monkeypatch.setattr(code_grading, "enqueue", lambda attempt_id: None)
    sandbox.broken = True
    student = learner(code_quiz)
    attempt = attempts.submit_attempt(student, code_quiz, {item_key(code_quiz): RIGHT})
    for _ in range(code_grading.MAX_TRIES):
        with pytest.raises(code_grading.GradingUnavailable):
            code_grading.grade_attempt(attempt.id)
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.PENDING and attempt.grading_tries == code_grading.MAX_TRIES
    code_grading.grade_attempt(attempt.id)
    db.session.refresh(attempt)
    assert attempt.status == AttemptStatus.ERROR and not attempt.machine_pending
    assert "does not count" in attempt.results[item_key(code_quiz)]["feedback"][0]
    assert attempts.attempts_used(student, code_quiz) == 0
    # The learner may submit again; the number moves on.
    sandbox.broken = False
    monkeypatch.setattr(code_grading, "enqueue", code_grading.grade_code_attempt)
    retry = attempts.submit_attempt(student, code_quiz, {item_key(code_quiz): RIGHT})
    assert retry.number == 2


def test_lost_gradings_are_found_for_the_sweeper(db, sandbox, code_quiz, monkeypatch):
    monkeypatch.setattr(code_grading, "enqueue", lambda attempt_id: None)
    student = learner(code_quiz)
    attempt = attempts.submit_attempt(student, code_quiz, {item_key(code_quiz): RIGHT})
    assert attempt.id not in code_grading.lost_attempt_ids()
    later = utcnow() + code_grading.LOST_AFTER + timedelta(seconds=1)
    assert attempt.id in code_grading.lost_attempt_ids(later)
    attempt.grading_started_at = utcnow()  # a worker took it, then died
    db.session.flush()
    assert attempt.id not in code_grading.lost_attempt_ids()
    assert attempt.id in code_grading.lost_attempt_ids(later)


def test_code_submissions_are_rate_limited_per_learner(app, db, sandbox, code_quiz, monkeypatch):
    monkeypatch.setitem(app.config, "CODE_SUBMISSIONS_PER_MINUTE", 2)
    code_quiz.max_attempts = None
    db.session.flush()
    student = learner(code_quiz)
    for _ in range(2):
        attempts.submit_attempt(student, code_quiz, {item_key(code_quiz): RIGHT})
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(Attempt.user_id == student.id))
    with pytest.raises(code_grading.SubmittingTooFast) as refused:
        attempts.submit_attempt(student, code_quiz, {item_key(code_quiz): RIGHT})
    assert 1 <= refused.value.retry_after <= 61
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt).where(Attempt.user_id == student.id)) == (
        stored
    )


def api_auth(student: Any) -> dict[str, str]:
    from lms.services import accounts

    return {"Authorization": "Bearer " + accounts.issue_api_token(student).secret, "Accept-Language": "en"}


def test_the_api_answers_pending_then_the_result(client, db, sandbox, code_quiz, monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(code_grading, "enqueue", queued.append)
    student = learner(code_quiz)
    headers = api_auth(student)
    shown = client.get(f"/api/v1/assignments/{code_quiz.id}", headers=headers).get_json()["items"][0]
    assert shown["starter"] == SPEC["starter"] and shown["tests"] == 2
    assert shown["examples"] == [{"name": "two", "code": "assert double(2) == 4"}]
    assert "double(-3)" not in str(shown)
    sent = client.post(
        f"/api/v1/assignments/{code_quiz.id}/attempts", json={"responses": {item_key(code_quiz): HALF}}, headers=headers
    )
    assert sent.status_code == 201
    body = sent.get_json()
    assert body["status"] == "pending" and body["items"][0]["queued"] is True and queued == [body["id"]]
    code_grading.grade_attempt(body["id"])
    done = client.get(f"/api/v1/attempts/{body['id']}", headers=headers).get_json()
    assert done["status"] == "graded" and done["score"] == 1.0
    assert done["items"][0]["sandbox"] == "stand-in" and "double(-3)" not in str(done)


def test_the_api_refuses_code_sent_too_often(app, client, db, sandbox, code_quiz, monkeypatch):
    monkeypatch.setitem(app.config, "CODE_SUBMISSIONS_PER_MINUTE", 1)
    student = learner(code_quiz)
    headers = api_auth(student)
    path = f"/api/v1/assignments/{code_quiz.id}/attempts"
    assert client.post(path, json={"responses": {item_key(code_quiz): RIGHT}}, headers=headers).status_code == 201
    refused = client.post(path, json={"responses": {item_key(code_quiz): RIGHT}}, headers=headers)
    assert refused.status_code == 429 and refused.get_json()["error"]["code"] == "too_many_submissions"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert client.post(path, json={"responses": {item_key(code_quiz): 42}}, headers=headers).status_code in (422, 429)


def test_the_pages_show_the_starter_then_a_spinner_then_the_result(client, db, login, sandbox, code_quiz, monkeypatch):
    from tests.conftest import post_form

    queued: list[int] = []
    monkeypatch.setattr(code_grading, "enqueue", queued.append)
    student = login(learner(code_quiz))
    page = client.get(f"/assignments/{code_quiz.id}").get_data(as_text=True)
    assert "def double(x):" in page and "assert double(2) == 4" in page and "double(-3)" not in page
    sent = post_form(client, f"/assignments/{code_quiz.id}", {f"item-{item_key(code_quiz)}": HALF})
    assert sent.status_code == 302
    attempt_url = sent.headers["Location"]
    waiting = client.get(attempt_url).get_data(as_text=True)
    assert "data-attempt-status-url" in waiting and "attempt-status.js" in waiting
    status_url = attempt_url + "/status"
    assert client.get(status_url).get_json() == {"status": "pending", "checking": True}
    code_grading.grade_attempt(queued[0])
    assert client.get(status_url).get_json() == {"status": "graded", "checking": False}
    done = client.get(attempt_url).get_data(as_text=True)
    assert "data-attempt-status-url" not in done and "Hidden test 2: failed, the value is not the expected one" in done
    assert "double(-3)" not in done
    other = factories.user()
    login(other)
    assert client.get(status_url).status_code == 403
    assert student.id != other.id


def test_the_form_says_when_code_is_sent_too_often(app, client, db, login, sandbox, code_quiz, monkeypatch):
    from tests.conftest import post_form

    monkeypatch.setitem(app.config, "CODE_SUBMISSIONS_PER_MINUTE", 1)
    login(learner(code_quiz))
    url = f"/assignments/{code_quiz.id}"
    assert post_form(client, url, {f"item-{item_key(code_quiz)}": RIGHT}).status_code == 302
    refused = post_form(client, url, {f"item-{item_key(code_quiz)}": RIGHT})
    assert refused.status_code == 429 and "too often" in refused.get_data(as_text=True)


def test_the_real_sandbox_grades_and_records_its_level(db, code_quiz):
    from courses import sandbox

    student = learner(code_quiz)
    attempt = attempts.submit_attempt(student, code_quiz, {item_key(code_quiz): HALF})
    db.session.refresh(attempt)
    result = attempt.results[item_key(code_quiz)]
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 1.0, result
    assert result["sandbox"] == sandbox.detect_level().value
