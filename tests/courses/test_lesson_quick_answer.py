"""The lesson page's quick answer (``courses.views.answer_lesson_quickly``, before Flask): the view's
answer byte for byte in the common case, and every other case left to the view."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from courses.models import LearningEvent, LessonProgress
from courses.services import learning
from courses.views import _lesson_pages
from lms.db import db as _db
from lms.models import User
from tests import factories
from tests.conftest import CSRF_INPUT, post_form

UA = {"User-Agent": "Mozilla/5.0 (quick-answer test)"}


def _sign_in(client: Any, user: User) -> None:
    """Through the sign-in form, like a browser: the session is bound to this User-Agent and has a CSRF token."""
    answer = post_form(
        client, "/login", {"email": user.email, "password": factories.PASSWORD}, headers=UA, follow_redirects=True
    )
    assert answer.status_code == 200


@pytest.fixture
def lesson_url(app: Any, db: Any, client: Any) -> tuple[str, User, Any]:
    course = factories.course()
    learner = factories.user(language="en")
    learning.enroll(learner, course)
    _sign_in(client, learner)
    return f"/lessons/{course.modules[0].lessons[0].id}", learner, course


def _hot(app: Flask) -> Any:
    return app.extensions["lms.hot_paths"]


def test_the_quick_answer_is_the_views_answer(app: Any, client: Any, lesson_url: Any, monkeypatch: Any) -> None:
    url, _learner, _course = lesson_url
    hot = _hot(app)
    monkeypatch.setattr(hot, "enabled", False)
    through_flask = client.get(url, headers=UA)  # the first visit: recorded, and the page kept
    again_through_flask = client.get(url, headers=UA)
    monkeypatch.setattr(hot, "enabled", True)

    def no_flask(*_args: Any) -> Any:
        raise AssertionError("Flask's request cycle was used")

    monkeypatch.setattr(Flask, "full_dispatch_request", no_flask)
    before = hot.answered
    quick = client.get(url, headers=UA)
    monkeypatch.undo()
    assert hot.answered == before + 1
    assert quick.status_code == again_through_flask.status_code == through_flask.status_code == 200
    assert quick.get_data() == again_through_flask.get_data()
    for header in ("Content-Type", "Content-Length", "Content-Security-Policy", "X-Frame-Options"):
        assert quick.headers[header] == again_through_flask.headers[header], header
    assert quick.headers.getlist("Vary") == again_through_flask.headers.getlist("Vary") == ["Cookie", "Accept-Language"]
    assert "Set-Cookie" not in quick.headers and "Set-Cookie" not in again_through_flask.headers
    # The CSRF token in the quick page is the visitor's own: the lesson's form works with it.
    match = CSRF_INPUT.search(quick.get_data(as_text=True))
    assert match
    done = client.post(f"{url}/complete", data={"csrf_token": match.group(1) or match.group(2)}, headers=UA)
    assert done.status_code == 302


def test_a_first_visit_answered_quickly_is_recorded(app: Any, client: Any, lesson_url: Any) -> None:
    url, _learner, course = lesson_url
    assert client.get(url, headers=UA).status_code == 200  # the first learner's visit keeps the page
    second = factories.user(language="en")
    learning.enroll(second, course)
    other = app.test_client()
    _sign_in(other, second)
    lesson_id = int(url.rsplit("/", 1)[1])
    before = _hot(app).answered
    assert other.get(url, headers=UA).status_code == 200
    assert _hot(app).answered == before + 1
    assert _db.session.get(LessonProgress, {"user_id": second.id, "lesson_id": lesson_id}) is not None
    events = _db.session.scalars(
        sa.select(LearningEvent).where(LearningEvent.verb == "experienced", LearningEvent.object_id == lesson_id)
    ).all()
    assert len(events) == 2  # one for each learner's first visit


def _declines(app: Any, client: Any, url: str, **kwargs: Any) -> Any:
    before = _hot(app).answered
    answer = client.get(url, **kwargs)
    assert _hot(app).answered == before, "answered quickly"
    return answer


def test_another_browser_with_the_cookie_is_left_to_flask_login(app: Any, client: Any, lesson_url: Any) -> None:
    url, _learner, _course = lesson_url
    client.get(url, headers=UA)
    answer = _declines(app, client, url, headers={"User-Agent": "another browser"})
    assert answer.status_code == 200 and "Set-Cookie" in answer.headers  # the session is marked not fresh


def test_a_message_waiting_is_shown_by_the_view(app: Any, client: Any, lesson_url: Any) -> None:
    url, _learner, _course = lesson_url
    client.get(url, headers=UA)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for the learner")]
    assert "A message for the learner" in _declines(app, client, url, headers=UA).get_data(as_text=True)


@pytest.mark.parametrize("change", ["deactivated", "signed out everywhere"])
def test_a_refused_account_is_signed_out(app: Any, client: Any, lesson_url: Any, change: str) -> None:
    url, learner, _course = lesson_url
    client.get(url, headers=UA)
    if change == "deactivated":
        learner.active = False
    else:
        learner.auth_version += 1
    _db.session.flush()
    answer = _declines(app, client, url, headers=UA)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_lesson_of_a_course_not_enrolled_in_is_refused_by_the_view(app: Any, client: Any, lesson_url: Any) -> None:
    url, _learner, _course = lesson_url
    other = factories.course()
    elsewhere = f"/lessons/{other.modules[0].lessons[0].id}"
    enrolled_there = factories.user(language="en")
    learning.enroll(enrolled_there, other)
    reader = app.test_client()
    _sign_in(reader, enrolled_there)
    assert reader.get(elsewhere, headers=UA).status_code == 200  # the page is kept for that course
    answer = _declines(app, client, elsewhere, headers=UA)
    assert answer.status_code == 302 and f"/courses/{other.slug}" in answer.headers["Location"]


def test_a_locked_module_is_refused_by_the_view(app: Any, client: Any, lesson_url: Any) -> None:
    url, _learner, course = lesson_url
    locked = f"/lessons/{course.modules[1].lessons[0].id}"
    answer = _declines(app, client, locked, headers=UA)
    assert answer.status_code == 302


def test_a_page_not_kept_yet_is_rendered_by_the_view(app: Any, client: Any, lesson_url: Any) -> None:
    url, _learner, _course = lesson_url
    client.get(url, headers=UA)
    _lesson_pages.clear()
    assert _declines(app, client, url, headers=UA).status_code == 200
    assert _lesson_pages.renders == 1


@pytest.mark.parametrize("cookie", ["tampered", "none"])
def test_no_valid_session_is_left_to_the_view(app: Any, client: Any, lesson_url: Any, cookie: str) -> None:
    url, _learner, _course = lesson_url
    client.get(url, headers=UA)
    if cookie == "none":
        client.delete_cookie("lms_session")
    else:
        value = client.get_cookie("lms_session").value
        client.set_cookie("lms_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    answer = _declines(app, client, url, headers=UA)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_an_unusual_lesson_number_is_left_to_the_view(app: Any, client: Any, lesson_url: Any) -> None:
    url, _learner, _course = lesson_url
    client.get(url, headers=UA)
    lesson_id = url.rsplit("/", 1)[1]
    for unusual in (f"/lessons/0{lesson_id}", "/lessons/٣", f"/lessons/{lesson_id}x"):
        assert _declines(app, client, unusual, headers=UA).status_code < 500


def test_the_request_hooks_a_quick_answer_skips_are_the_ones_it_was_written_for(app: Any) -> None:
    """A quick answer skips Flask's request hooks. They were written against these (each a no-op for a
    signed-in GET of a kept lesson page and for an API submission, or done by the quick answer itself:
    the submission's Vary: Cookie); a new app-wide, ``courses`` or ``api_courses`` hook fails this test
    until the quick answers are checked against it."""
    blueprints = (None, "courses", "api_courses")

    def names(hooks: dict[str | None, list[Any]]) -> dict[str | None, list[str]]:
        return {key: [hook.__qualname__ for hook in found] for key, found in hooks.items() if key in blueprints}

    assert names(app.before_request_funcs) == {
        None: ["CSRFProtect.init_app.<locals>.csrf_protect", "_init_extensions.<locals>.check_csrf"]
    }
    assert names(app.after_request_funcs) == {
        None: ["LoginManager._update_remember_cookie", "init_rate_limits.<locals>.apply_limits_after"]
    }
    assert names(app.teardown_request_funcs) == {None: ["init_rate_limits.<locals>.release_limits"]}
    assert not app.url_value_preprocessors and not app.url_default_functions
