"""The quiz submission's quick answer (``courses.api.answer_submission_quickly``, before Flask): the
view's answer in the common case, every refusal left to the view with nothing stored, and never a
second submission once it has begun to write."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from courses import api as courses_api
from courses.models import Assignment, Attempt, LearningEvent
from courses.services import learning
from lms.db import db as _db
from lms.models import User
from lms.services import accounts
from tests import factories


@pytest.fixture
def learner(db: Any) -> User:
    return factories.user()


@pytest.fixture
def auth(learner: User) -> dict[str, str]:
    return {"Authorization": "Bearer " + accounts.issue_api_token(learner).secret, "Accept-Language": "en"}


@pytest.fixture
def quiz(learner: User) -> Assignment:
    course = factories.course()
    learning.enroll(learner, course)
    assignment: Assignment = course.modules[0].assignments[0]
    return assignment


def _hot(app: Flask) -> Any:
    return app.extensions["lms.hot_paths"]


def _url(assignment: Assignment) -> str:
    return f"/api/v1/assignments/{assignment.id}/attempts"


def _answers(assignment: Assignment) -> dict[str, Any]:
    single, numeric = assignment.items
    return {"responses": {str(single.id): "b", str(numeric.id): "4"}}


def _attempts() -> int:
    return int(_db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) or 0)


def _no_flask(monkeypatch: Any) -> None:
    def refuse(*_args: Any) -> Any:
        raise AssertionError("Flask's request cycle was used")

    monkeypatch.setattr(Flask, "full_dispatch_request", refuse)


def test_the_quick_answer_is_the_views_answer(app: Any, client: Any, auth: Any, quiz: Assignment, monkeypatch: Any):
    hot = _hot(app)
    monkeypatch.setattr(hot, "enabled", False)
    through_flask = client.post(_url(quiz), headers=auth, json=_answers(quiz))
    monkeypatch.setattr(hot, "enabled", True)
    _no_flask(monkeypatch)
    before = hot.answered
    quick = client.post(_url(quiz), headers=auth, json=_answers(quiz))
    monkeypatch.undo()
    assert hot.answered == before + 1
    assert quick.status == through_flask.status == "201 CREATED"
    first, second = through_flask.get_json(), quick.get_json()
    assert (first["number"], second["number"]) == (1, 2)
    assert second["id"] != first["id"]
    for varying in ("id", "number", "submitted_at"):
        first.pop(varying), second.pop(varying)
    assert first == second and second["score"] == 1 and second["penalty"] == 0
    assert sorted(quick.headers.keys()) == sorted(through_flask.headers.keys())
    for name in through_flask.headers.keys():
        if name != "Content-Length":
            assert quick.headers.getlist(name) == through_flask.headers.getlist(name), name
    assert quick.headers["Content-Length"] == str(len(quick.get_data()))
    # The attempt the quick answer gave is the one stored, as the API shows it.
    assert client.get(f"/api/v1/attempts/{quick.get_json()['id']}", headers=auth).get_json() == quick.get_json()


def test_a_quick_submission_is_stored_with_its_event(app: Any, client: Any, auth: Any, quiz: Assignment, learner: User):
    before = _hot(app).answered
    answer = client.post(_url(quiz), headers=auth, json=_answers(quiz))
    assert answer.status_code == 201 and _hot(app).answered == before + 1
    stored = _db.session.scalars(sa.select(Attempt)).all()
    assert [(a.user_id, a.assignment_id, a.number) for a in stored] == [(learner.id, quiz.id, 1)]
    assert stored[0].responses == _answers(quiz)["responses"]
    events = _db.session.scalars(sa.select(LearningEvent).where(LearningEvent.verb == "attempted")).all()
    assert [(e.object_type, e.object_id, e.score_raw, e.score_max) for e in events] == [("assignment", quiz.id, 1, 2)]


def _declined(app: Any, client: Any, url: str, **kwargs: Any) -> Any:
    before = _hot(app).answered
    answer = client.post(url, **kwargs)
    assert _hot(app).answered == before, "answered quickly"
    return answer


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("unknown item", 422, "invalid_responses"),
        ("wrong type", 422, "invalid_responses"),
        ("responses a list", 422, "validation_error"),
        ("another key", 422, "validation_error"),
        ("an empty object", 422, "validation_error"),
        ("not JSON", 400, "malformed_json"),
        ("not UTF-8", 400, "malformed_json"),
        ("a form", 415, "unsupported_media_type"),
        ("no token", 401, "unauthorized"),
        ("a revoked token", 401, "unauthorized"),
    ],
)
def test_what_the_view_refuses_is_left_to_it_and_nothing_is_stored(
    app: Any, client: Any, auth: Any, quiz: Assignment, learner: User, case: str, status: int, code: str
) -> None:
    single, _numeric = quiz.items
    headers = dict(auth)
    body: Any = {"responses": {str(single.id): "a"}}
    data: bytes | None = None
    content_type = "application/json"
    if case == "unknown item":
        body = {"responses": {"999999": "a"}}
    elif case == "wrong type":
        body = {"responses": {str(single.id): ["a"]}}
    elif case == "responses a list":
        body = {"responses": ["a"]}
    elif case == "another key":
        body["answers"] = {}
    elif case == "an empty object":
        body = {}
    elif case == "not JSON":
        data = b'{"responses": '
    elif case == "not UTF-8":
        data = '{"responses": {}}'.encode("utf-16")
    elif case == "a form":
        data, content_type = b"responses=a", "application/x-www-form-urlencoded"
    elif case == "no token":
        headers.pop("Authorization")
    else:
        for token in accounts.live_api_tokens(learner):
            accounts.revoke_api_token(token)
    answer = _declined(
        app,
        client,
        _url(quiz),
        headers=headers,
        data=data if data is not None else json.dumps(body),
        content_type=content_type,
    )
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["error"]["code"] == code
    assert _attempts() == 0


def test_the_view_reads_the_body_the_quick_answer_read(app: Any, client: Any, auth: Any, quiz: Assignment) -> None:
    single, numeric = quiz.items
    body = {"responses": {str(single.id): 5, str(numeric.id): "four", "123456": "x"}}
    answer = _declined(app, client, _url(quiz), headers=auth, json=body)
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["details"]) == {str(single.id), str(numeric.id), "123456"}


def test_refusals_of_the_service_are_the_views(app: Any, client: Any, auth: Any, learner: User, caplog: Any) -> None:
    course = factories.course()
    first, second = course.modules[0].assignments[0], course.modules[1].assignments[0]
    answer = _declined(app, client, _url(first), headers=auth, json={"responses": {}})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (403, "not_enrolled")
    learning.enroll(learner, course)
    answer = _declined(app, client, _url(second), headers=auth, json={"responses": {}})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (403, "module_locked")
    for _ in range(3):
        assert client.post(_url(first), headers=auth, json={"responses": {}}).status_code == 201
    answer = _declined(app, client, _url(first), headers=auth, json={"responses": {}})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (409, "attempts_exhausted")
    answer = _declined(app, client, "/api/v1/assignments/999999/attempts", headers=auth, json={"responses": {}})
    assert answer.status_code == 404
    assert _attempts() == 3
    assert "Flask answers instead" not in caplog.text  # each refusal declined, not a failure logged


def test_an_unusual_assignment_number_is_left_to_the_view(app: Any, client: Any, auth: Any, quiz: Assignment) -> None:
    for unusual in ("٣", f"{quiz.id}x", "-1"):
        answer = _declined(app, client, f"/api/v1/assignments/{unusual}/attempts", headers=auth, json=_answers(quiz))
        assert answer.status_code == 404
    assert _attempts() == 0
    # Werkzeug reads a leading zero as the same number: the view submits it.
    answer = _declined(app, client, f"/api/v1/assignments/0{quiz.id}/attempts", headers=auth, json=_answers(quiz))
    assert answer.status_code == 201 and _attempts() == 1


def test_a_failure_after_the_write_is_answered_once_never_submitted_again(
    app: Any, client: Any, auth: Any, quiz: Assignment, monkeypatch: Any
) -> None:
    def broken(_attempt: Attempt) -> str:
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr(courses_api, "attempt_json", broken)
    answer = client.post(_url(quiz), headers=auth, json=_answers(quiz))
    assert answer.status_code == 500
    assert answer.get_json()["error"]["code"] == "server_error"
    assert _attempts() == 1  # committed once; not handed to the view to submit again
