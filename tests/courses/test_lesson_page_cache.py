"""The lesson page is rendered once per state and process, and served with each visitor's own CSRF token."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect as sa_inspect

from courses.services import editing, learning
from courses.views import _lesson_pages
from lms.models import Role
from lms.pagecache import TOKEN_SLOT, ShellCache
from tests import factories
from tests.conftest import CSRF_INPUT


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def _token(html: str) -> str:
    match = CSRF_INPUT.search(html)
    assert match
    return str(match.group(1) or match.group(2))


@pytest.fixture
def course_with_learners(app: Any, db: Any) -> Any:
    course = factories.course()
    learners = [factories.user(language="en") for _ in range(2)]
    for learner in learners:
        learning.enroll(learner, course)
    return course, learners


def test_a_second_learner_gets_the_cached_page_with_their_own_working_token(app, course_with_learners, login):
    course, (first, second) = course_with_learners
    lesson = course.modules[0].lessons[0]
    url = f"/lessons/{lesson.id}"
    one, two = app.test_client(), app.test_client()
    for client, learner in ((one, first), (two, second)):
        with client.session_transaction() as session:
            session["_user_id"] = learner.get_id()
        client.set_cookie("lms_lang", "en")
    first_page = _page(one, url)
    second_page = _page(two, url)
    assert _lesson_pages.renders == 1  # the second learner's page came from the cache
    assert TOKEN_SLOT not in second_page
    assert _token(first_page) != _token(second_page)
    assert first_page.replace(_token(first_page), "") == second_page.replace(_token(second_page), "")
    # The token put into the cached page is the second learner's own: their form works with it.
    response = two.post(f"{url}/complete", data={"csrf_token": _token(second_page)})
    assert response.status_code == 302
    assert one.post(f"{url}/complete", data={"csrf_token": _token(second_page)}).status_code == 400


def test_each_language_role_and_completion_state_has_its_own_page(app, course_with_learners, client, login):
    course, (learner, _other) = course_with_learners
    lesson = course.modules[0].lessons[0]
    url = f"/lessons/{lesson.id}"
    login(learner)
    client.set_cookie("lms_lang", "en")
    english = _page(client, url)
    assert "Mark as done and continue" in english
    russian = factories.user(language="ru")
    learning.enroll(russian, course)
    login(russian)
    assert "Mark as done and continue" not in _page(client, url)
    login(learner)
    client.post(f"{url}/complete", data={"csrf_token": _token(english)})
    done = _page(client, url)
    assert "You have completed this lesson." in done and "Mark as done and continue" not in done
    teacher = factories.user(Role.TEACHER, language="en")
    learning.enroll(teacher, course)
    login(teacher)
    assert "Course editor" in _page(client, url) and "Course editor" not in done
    assert _lesson_pages.renders == 4 and len(_lesson_pages) == 4


def test_an_edited_lesson_shows_at_once(app, course_with_learners, client, login):
    course, (learner, _other) = course_with_learners
    lesson = course.modules[0].lessons[0]
    login(learner)
    client.set_cookie("lms_lang", "en")
    assert "Rewritten" not in _page(client, f"/lessons/{lesson.id}")
    editing.update_lesson(lesson, lesson.title, {"en": "# Rewritten", "kk": "# Rewritten"}, lesson.minutes)
    assert "<h1>Rewritten</h1>" in _page(client, f"/lessons/{lesson.id}")


def test_a_page_with_a_message_waiting_is_not_cached(app, course_with_learners, client, login):
    course, (learner, _other) = course_with_learners
    lesson = course.modules[0].lessons[0]
    login(learner)
    client.set_cookie("lms_lang", "en")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A one-off message")]
    assert "A one-off message" in _page(client, f"/lessons/{lesson.id}")
    assert len(_lesson_pages) == 0
    assert "A one-off message" not in _page(client, f"/lessons/{lesson.id}")
    assert len(_lesson_pages) == 1


def test_the_cache_keeps_only_the_most_recently_used_shells(app):
    cache = ShellCache(max_entries=2)
    with app.test_request_context("/a"):
        for key in ("one", "two", "one", "three"):
            cache.page((key,), lambda key=key: f"page {key}")
        assert len(cache) == 2 and cache.renders == 3
        cache.page(("one",), lambda: "page one again")
        cache.page(("two",), lambda: "page two again")  # evicted: rendered anew
        assert cache.renders == 4


def test_the_signed_in_user_is_read_with_the_visit_and_still_checked(
    app, course_with_learners, client, login, monkeypatch
):
    """One round trip for a lesson revisited: the user's account comes with the visit, checked as always."""
    from lms import db as lms_db
    from lms.db import db

    course, (learner, _other) = course_with_learners
    url = f"/lessons/{course.modules[0].lessons[0].id}"
    login(learner)
    assert client.get(url).status_code == 200  # the first visit writes the progress
    db.session.expunge(learner)  # as in a real request, the user is not yet in the session

    def read_apart(_mapper: object) -> object:
        raise AssertionError("the user was read on their own")

    with monkeypatch.context() as patched:
        patched.setattr(lms_db, "_primary_key_read", read_apart)
        assert client.get(url).status_code == 200
    learner = db.session.merge(learner)

    learner.auth_version += 1  # signed out everywhere (a password change): the old session no longer works
    db.session.commit()
    refused = client.get(url)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]

    login(learner)
    learner.active = False
    db.session.commit()
    refused = client.get(url)
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]


def test_a_missing_lesson_is_a_404_for_a_signed_in_learner(app, course_with_learners, client, login):
    _course, (learner, _other) = course_with_learners
    login(learner)
    assert client.get("/lessons/987654321").status_code == 404


def test_a_lesson_seen_before_is_served_without_a_database_session(tmp_path, monkeypatch):
    """The user offered with the visit stays detached, and a page that only reads makes no session.

    On an app of its own, with committed data: under the ``db`` fixture every request shares the
    test's bound session (and reads through it), which is the case this is not about.
    """
    import flask_migrate
    from sqlalchemy.orm import Session

    from courses.models import LessonProgress
    from lms import signedin
    from lms.db import db
    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp_path / 'own.sqlite'}")
    with app.app_context():
        flask_migrate.upgrade()
        course = factories.course()
        learner = factories.user(language="en")
        stranger = factories.user(language="en")  # not enrolled
        learning.enroll(learner, course)
        db.session.commit()
        progress = {"user_id": learner.id, "lesson_id": course.modules[0].lessons[0].id}
        url, user_id, stranger_id = f"/lessons/{progress['lesson_id']}", learner.get_id(), stranger.get_id()
        course_url = f"/courses/{course.slug}"
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
    assert client.get(url).status_code == 200  # the first visit writes the learner's progress
    with app.app_context():  # committed by the view (``commit_if_written``), seen from a new session
        assert db.session.get(LessonProgress, progress) is not None

    made, users = [], []
    init, offered = Session.__init__, signedin.offered_user

    def counted(self: Session, *args: Any, **kwargs: Any) -> None:
        made.append(self)
        init(self, *args, **kwargs)

    def recorded(user_id: int) -> Any:
        users.append(offered(user_id))
        return users[-1]

    monkeypatch.setattr(Session, "__init__", counted)
    monkeypatch.setattr(signedin, "offered_user", recorded)
    try:
        response = client.get(url)
        assert response.status_code == 200 and _token(response.get_data(as_text=True))
        assert len(users) == 1 and users[0] is not None and sa_inspect(users[0]).detached
        assert made == []
        monkeypatch.undo()
        # The pages that refuse or miss work with the detached user too.
        assert client.get("/lessons/987654321").status_code == 404
        with client.session_transaction() as session:
            session["_user_id"] = stranger_id
        refused = client.get(url)
        assert refused.status_code == 302 and refused.headers["Location"].endswith(course_url)
    finally:
        monkeypatch.undo()
        with app.app_context():
            db.engine.dispose()
