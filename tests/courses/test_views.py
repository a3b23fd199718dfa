import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from courses.models import Attempt, Item, LessonProgress
from courses.services import learning
from courses.views import responses_from_form
from lms.db import db
from tests import factories
from tests.conftest import post_form


def test_catalogue_and_course_page(client, login):
    course = factories.course()
    hidden = factories.course(state="draft")
    login(factories.user())
    html = client.get("/courses").get_data(as_text=True)
    assert course.title["en"] in html or course.title["kk"] in html
    assert hidden.slug not in html
    assert client.get(f"/courses/{hidden.slug}").status_code == 404
    page = client.get(f"/courses/{course.slug}")
    assert page.status_code == 200 and "Lesson 1.1" in page.get_data(as_text=True)


def test_catalogue_needs_sign_in(client):
    assert client.get("/courses").status_code == 302


def test_enrol_read_a_lesson_and_progress_rises(client, login):
    course = factories.course()
    student = login(factories.user())
    client.set_cookie("lms_lang", "en")
    post_form(client, f"/courses/{course.slug}/enroll", {}, page=f"/courses/{course.slug}")
    lesson = course.modules[0].lessons[0]
    html = client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    assert "<h1>Hello</h1>" in html and "<em>text</em>" in html
    response = post_form(client, f"/lessons/{lesson.id}/complete", {}, page=f"/lessons/{lesson.id}")
    assert response.headers["Location"] == f"/lessons/{course.modules[0].lessons[1].id}"
    progress = db.session.get(LessonProgress, {"user_id": student.id, "lesson_id": lesson.id})
    assert progress.completed_at is not None
    assert "17%" in client.get(f"/courses/{course.slug}").get_data(as_text=True)


def test_lesson_without_enrolment_redirects_with_a_reason(client, login):
    course = factories.course()
    login(factories.user(language="en"))
    response = client.get(f"/lessons/{course.modules[0].lessons[0].id}")
    assert response.status_code == 302 and response.headers["Location"] == f"/courses/{course.slug}"
    assert "Enrol in the course first" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_locked_module_redirects(client, login):
    course = factories.course()
    student = login(factories.user(language="en"))
    learning.enroll(student, course)
    response = client.get(f"/lessons/{course.modules[1].lessons[0].id}")
    assert response.status_code == 302
    assert "Pass the previous module first" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_quiz_with_one_wrong_answer_shows_feedback_and_score(client, login):
    course = factories.course()
    student = login(factories.user(language="en"))
    learning.enroll(student, course)
    assignment = course.modules[0].assignments[0]
    single, numeric = assignment.items
    page = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert 'type="radio"' in page and 'inputmode="decimal"' in page and "credit" not in page
    response = post_form(client, f"/assignments/{assignment.id}", {f"item-{single.id}": "b", f"item-{numeric.id}": "4"})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Score: 1 of 2" in html and "Not right" in html and "Right" in html


def test_quiz_with_a_malformed_answer_stores_nothing_and_explains(client, login):
    course = factories.course()
    student = login(factories.user(language="en"))
    learning.enroll(student, course)
    assignment = course.modules[0].assignments[0]
    _single, numeric = assignment.items
    response = post_form(client, f"/assignments/{assignment.id}", {f"item-{numeric.id}": "four"})
    assert response.status_code == 422
    assert "Write a number" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 0


def test_someone_elses_attempt_is_forbidden(client, login):
    from courses.services import attempts

    course = factories.course()
    other = factories.user()
    learning.enroll(other, course)
    attempt = attempts.submit_attempt(other, course.modules[0].assignments[0], {})
    login(factories.user())
    assert client.get(f"/attempts/{attempt.id}").status_code == 403


def test_student_home_lists_enrolled_courses(client, login):
    course = factories.course()
    student = login(factories.user(language="en"))
    learning.enroll(student, course)
    html = client.get("/").get_data(as_text=True)
    assert course.title["en"] in html and "0%" in html


def test_form_answers_in_every_item_shape():
    items = [
        Item(id=n, type=t, spec={})
        for n, t in enumerate(
            ["single_choice", "multiple_choice", "numeric", "short_text", "matching", "ordering", "essay"], start=1
        )
    ]
    form = MultiDict(
        [
            ("item-1", "a"),
            ("item-2", "a"),
            ("item-2", "c"),
            ("item-3", "3,5"),
            ("item-4", " frog "),
            ("item-5-l1", "r2"),
            ("item-5-l2", ""),
            ("item-6-x", "2"),
            ("item-6-y", "1"),
            ("item-7", ""),
        ]
    )
    assert responses_from_form(items, form) == {
        "1": "a",
        "2": ["a", "c"],
        "3": "3,5",
        "4": " frog ",
        "5": {"l1": "r2"},
        "6": ["y", "x"],
        "7": "",
    }
