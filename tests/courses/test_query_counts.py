"""Every courses page and API endpoint runs a fixed number of SQL statements, whatever the size.

Each test builds a small and a larger case (more courses, modules, lessons, items or students),
runs the request once to warm the per-process course snapshot, then counts the statements of a
second run: the counts must be equal, and stay under a small pinned bound.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from courses.models import Assignment, Course, CourseState, Item, Lesson, Module
from courses.services import attempts, learning
from lms.db import db
from lms.services import accounts, org
from tests import factories
from tests.conftest import csrf_token

SMALL, LARGE = 2, 8


def build_course(*, modules: int = 1, lessons: int = 1, items: int = 1, essays: int = 0) -> Course:
    """A catalogue course: each module has lessons and one required quiz of items (single choice and numeric)."""
    n = len(db.session.scalars(db.select(Course.id)).all())
    course = Course(
        slug=f"counted-{n}-{modules}-{lessons}-{items}-{essays}",
        title={"en": "Counted", "kk": "Санақ"},
        summary={"en": "Counted"},
        language="kk",
        state=CourseState.CATALOGUE,
    )
    db.session.add(course)
    db.session.flush()
    previous = None
    for position in range(1, modules + 1):
        module = Module(course_id=course.id, position=position, title={"en": f"Module {position}"})
        module.prerequisite_id = previous
        db.session.add(module)
        db.session.flush()
        previous = module.id
        for lesson in range(1, lessons + 1):
            db.session.add(Lesson(module_id=module.id, position=lesson, title={"en": f"L{lesson}"}, body={"en": "x"}))
        quiz = Assignment(module_id=module.id, position=1, title={"en": f"Quiz {position}"}, max_attempts=None)
        db.session.add(quiz)
        db.session.flush()
        for index in range(items):
            if index % 2:
                spec: dict[str, Any] = {"points": 1, "answers": [{"value": 4}]}
                db.session.add(Item(assignment_id=quiz.id, position=index + 1, type="numeric", prompt="2+2", spec=spec))
            else:
                spec = {"points": 1, "choices": [{"id": "a", "text": "A", "credit": 1}, {"id": "b", "text": "B"}]}
                db.session.add(
                    Item(assignment_id=quiz.id, position=index + 1, type="single_choice", prompt="A?", spec=spec)
                )
        for index in range(essays):
            db.session.add(
                Item(assignment_id=quiz.id, position=items + index + 1, type="essay", prompt="Why?", spec={"points": 2})
            )
    db.session.flush()
    db.session.expire_all()
    return course


def answers(assignment: Assignment, wrong: bool = False) -> dict[str, Any]:
    right = {"single_choice": "a", "numeric": 4, "essay": "Because."}
    given = {str(item.id): right[item.type] for item in assignment.items}
    if wrong and assignment.items:
        given[str(assignment.items[0].id)] = "b"
    return given


def enrolled_student(course: Course, *, passed: bool = True) -> Any:
    """A student enrolled in the course who passed every quiz, so every module is open."""
    student = factories.user()
    learning.enroll(student, course)
    if passed:
        for module in course.modules:
            attempts.submit_attempt(student, module.assignments[0], answers(module.assignments[0]))
    for module in course.modules if passed else course.modules[:1]:
        for lesson in module.lessons:
            learning.complete_lesson(student, lesson)
    return student


def steady_count(count_queries: Any, action: Callable[[], Any]) -> int:
    """Statements of the second run (the first warms the course snapshot cache)."""
    first = action()
    assert first.status_code < 400, first.status_code
    with count_queries() as counter:
        response = action()
    assert response.status_code < 400, response.status_code
    return int(counter.count)


def assert_fixed(counts: list[int], bound: int) -> None:
    assert counts[0] == counts[1], f"the count grows with the size: {counts}"
    assert counts[1] <= bound, f"{counts[1]} statements, more than the pinned {bound}"


# Learner pages (courses/views.py)


def test_catalogue(client, login, count_queries):
    login(factories.user())
    counts = []
    for size in (SMALL, LARGE):
        while len(db.session.scalars(db.select(Course.id).where(Course.state == CourseState.CATALOGUE)).all()) < size:
            build_course()
        counts.append(steady_count(count_queries, lambda: client.get("/courses")))
    assert_fixed(counts, 4)


def test_home_page_with_enrolled_courses(client, login, count_queries):
    counts = []
    for size in (SMALL, LARGE):
        student = login(factories.user())
        for _ in range(size):
            course = build_course(modules=2, lessons=2)
            learning.enroll(student, course)
            learning.complete_lesson(student, course.modules[0].lessons[0])
        response = client.get("/")
        assert response.get_data(as_text=True).count("<progress") == size
        assert "17%" in response.get_data(as_text=True)
        counts.append(steady_count(count_queries, lambda: client.get("/")))
    assert_fixed(counts, 7)


@pytest.mark.parametrize("shape", ["modules", "lessons"])
def test_course_page(client, login, count_queries, shape):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(**{shape: size})
        login(enrolled_student(course))
        counts.append(steady_count(count_queries, lambda slug=course.slug: client.get(f"/courses/{slug}")))
    assert_fixed(counts, 8)


def test_course_page_before_enrolment(client, login, count_queries):
    login(factories.user())
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(modules=size, lessons=size)
        counts.append(steady_count(count_queries, lambda slug=course.slug: client.get(f"/courses/{slug}")))
    assert_fixed(counts, 5)


def test_lesson_page(client, login, count_queries):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(modules=size, lessons=size)
        login(enrolled_student(course))
        lesson = course.modules[-1].lessons[-1]
        counts.append(steady_count(count_queries, lambda lesson_id=lesson.id: client.get(f"/lessons/{lesson_id}")))
    assert_fixed(counts, 11)


def in_a_class_course(course: Course) -> Any:
    """Make ``course`` a class course of a teacher, and give that teacher's class a student who passed it all."""
    teacher, school_class = factories.teacher_with_class()
    course.state, course.author_id = CourseState.CLASS, teacher.id
    db.session.flush()
    student = factories.user()
    org.add_member(school_class, student)
    learning.enroll(student, course)
    for module in course.modules:
        attempts.submit_attempt(student, module.assignments[0], answers(module.assignments[0]))
    return student


def test_lesson_page_of_a_class_course(client, login, count_queries):
    """The class rule is part of the lesson page's one query: no more statements than a catalogue course."""
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(modules=size, lessons=size)
        login(in_a_class_course(course))
        lesson = course.modules[-1].lessons[-1]
        counts.append(steady_count(count_queries, lambda lesson_id=lesson.id: client.get(f"/lessons/{lesson_id}")))
    assert_fixed(counts, 4)  # as many as a catalogue course's lesson page makes today


def test_submitting_a_quiz_of_a_class_course(client, login, count_queries):
    """One statement more than a catalogue course's (12 today): the page asks whether the learner is in
    the author's class; the submission itself folds that into its locking query."""
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(items=size)
        login(in_a_class_course(course))
        quiz = course.modules[0].assignments[0]
        form = {f"item-{key}": value for key, value in answers(quiz, wrong=True).items()}
        form["csrf_token"] = csrf_token(client, f"/assignments/{quiz.id}")
        counts.append(
            steady_count(
                count_queries, lambda quiz_id=quiz.id, form=form: client.post(f"/assignments/{quiz_id}", data=form)
            )
        )
    assert_fixed(counts, 13)


def test_catalogue_with_class_courses_and_drafts(client, login, count_queries):
    """The listing applies the rule in its query: one statement for courses of every state."""
    student = factories.user()
    login(student)
    counts = []
    for size in (SMALL, LARGE):
        for _ in range(size):
            in_a_class_course(build_course())
            build_course().state = CourseState.DRAFT
        db.session.flush()
        counts.append(steady_count(count_queries, lambda: client.get("/courses")))
    assert_fixed(counts, 4)


def test_complete_lesson(client, login, count_queries):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(modules=size, lessons=size)
        student = login(enrolled_student(course, passed=False))
        lesson = course.modules[0].lessons[0]
        token = csrf_token(client, f"/lessons/{lesson.id}")
        counts.append(
            steady_count(
                count_queries,
                lambda lesson_id=lesson.id, token=token: client.post(
                    f"/lessons/{lesson_id}/complete", data={"csrf_token": token}
                ),
            )
        )
        assert learning.course_progress(student, course)[0].done >= 1
    assert_fixed(counts, 14)


def test_assignment_page(client, login, count_queries):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(items=size)
        login(enrolled_student(course, passed=False))
        quiz = course.modules[0].assignments[0]
        counts.append(steady_count(count_queries, lambda quiz_id=quiz.id: client.get(f"/assignments/{quiz_id}")))
    assert_fixed(counts, 10)


def test_attempt_result_page(client, login, count_queries):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(items=size)
        student = login(enrolled_student(course, passed=False))
        quiz = course.modules[0].assignments[0]
        attempt = attempts.submit_attempt(student, quiz, answers(quiz, wrong=True))
        counts.append(steady_count(count_queries, lambda attempt_id=attempt.id: client.get(f"/attempts/{attempt_id}")))
    assert_fixed(counts, 9)


def test_submitting_a_quiz(client, login, count_queries):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(items=size)
        login(enrolled_student(course, passed=False))
        quiz = course.modules[0].assignments[0]
        form = {f"item-{key}": value for key, value in answers(quiz, wrong=True).items()}
        form["csrf_token"] = csrf_token(client, f"/assignments/{quiz.id}")
        counts.append(
            steady_count(
                count_queries, lambda quiz_id=quiz.id, form=form: client.post(f"/assignments/{quiz_id}", data=form)
            )
        )
    assert_fixed(counts, 18)


# Teachers' pages (courses/teaching.py)


def class_taking(course: Course, students: int) -> tuple[Any, Any, list[Any]]:
    teacher, school_class = factories.teacher_with_class()
    members = []
    for _ in range(students):
        student = factories.user()
        org.add_member(school_class, student)
        learning.enroll(student, course)
        for module in course.modules:
            quiz = module.assignments[0]
            attempts.submit_attempt(student, quiz, answers(quiz, wrong=True))
            attempts.submit_attempt(student, quiz, answers(quiz))
            learning.complete_lesson(student, module.lessons[0])
        members.append(student)
    return teacher, school_class, members


def awaiting_marks(course: Course, students: list[Any]) -> None:
    """An essay in every quiz, and an attempt from each student waiting for the teacher's marks in each."""
    for module in course.modules:
        quiz = module.assignments[0]
        db.session.add(Item(assignment_id=quiz.id, position=99, type="essay", prompt="Why?", spec={"points": 1}))
        db.session.flush()
        db.session.expire(quiz)
        for student in students:
            attempts.submit_attempt(student, quiz, answers(quiz))


@pytest.mark.parametrize(
    "page",
    [
        "/classes/{id}/courses/{slug}",
        "/classes/{id}/courses/{slug}/gradebook.csv",
        "/classes/{id}/courses/{slug}/gradebook.xlsx",
    ],
)
def test_class_progress_and_exports(client, login, count_queries, page):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(modules=size, lessons=1, items=1)
        teacher, school_class, students = class_taking(course, size)
        awaiting_marks(course, students)
        login(teacher)
        url = page.format(id=school_class.id, slug=course.slug)
        counts.append(steady_count(count_queries, lambda url=url: client.get(url)))
    assert_fixed(counts, 14 if page.endswith("{slug}") else 13)


def test_essay_marking_page(client, login, count_queries):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(items=size, essays=size)
        teacher, school_class = factories.teacher_with_class()
        student = enrolled_student(course, passed=False)
        org.add_member(school_class, student)
        login(teacher)
        attempt = attempts.submit_attempt(
            student, course.modules[0].assignments[0], answers(course.modules[0].assignments[0])
        )
        counts.append(
            steady_count(count_queries, lambda attempt_id=attempt.id: client.get(f"/attempts/{attempt_id}/mark"))
        )
    assert_fixed(counts, 8)


# The JSON API (courses/api.py)


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + accounts.issue_api_token(user).secret, "Accept-Language": "en"}


def test_api_course_list(client, count_queries):
    auth = bearer(factories.user())
    counts = []
    for size in (SMALL, LARGE):
        while len(db.session.scalars(db.select(Course.id).where(Course.state == CourseState.CATALOGUE)).all()) < size:
            build_course()
        counts.append(steady_count(count_queries, lambda: client.get("/api/v1/courses", headers=auth)))
    assert_fixed(counts, 4)


def test_api_course_detail(client, count_queries):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(modules=size, lessons=size)
        auth = bearer(enrolled_student(course))
        counts.append(
            steady_count(
                count_queries, lambda slug=course.slug, auth=auth: client.get(f"/api/v1/courses/{slug}", headers=auth)
            )
        )
    assert_fixed(counts, 8)


def test_api_assignment(client, count_queries):
    counts = []
    for size in (SMALL, LARGE):
        course = build_course(items=size)
        auth = bearer(enrolled_student(course, passed=False))
        quiz = course.modules[0].assignments[0]
        counts.append(
            steady_count(
                count_queries,
                lambda quiz_id=quiz.id, auth=auth: client.get(f"/api/v1/assignments/{quiz_id}", headers=auth),
            )
        )
    assert_fixed(counts, 9)


def test_api_attempt_submit_and_fetch(client, count_queries):
    posted, fetched = [], []
    for size in (SMALL, LARGE):
        course = build_course(items=size)
        auth = bearer(enrolled_student(course, passed=False))
        quiz = course.modules[0].assignments[0]
        body = {"responses": answers(quiz, wrong=True)}
        posted.append(
            steady_count(
                count_queries,
                lambda quiz_id=quiz.id, auth=auth, body=body: client.post(
                    f"/api/v1/assignments/{quiz_id}/attempts", headers=auth, json=body
                ),
            )
        )
        attempt_id = client.post(f"/api/v1/assignments/{quiz.id}/attempts", headers=auth, json=body).get_json()["id"]
        fetched.append(
            steady_count(
                count_queries,
                lambda attempt_id=attempt_id, auth=auth: client.get(f"/api/v1/attempts/{attempt_id}", headers=auth),
            )
        )
    assert_fixed(posted, 12)
    assert_fixed(fetched, 4)
