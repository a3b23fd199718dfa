"""The course states' rules (courses/services/visibility.py): who sees a course, who learns in it, what it gives."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlalchemy as sa

from courses.models import Course, CourseState, Enrolment, LearningEvent, LessonProgress
from courses.services import attempts, editing, learning, visibility
from lms.db import db
from lms.models import Role
from lms.services import org
from tests import factories

DRAFT, CLASS, CATALOGUE = CourseState.DRAFT, CourseState.CLASS, CourseState.CATALOGUE


@pytest.mark.parametrize(
    ("role", "is_author", "member", "state", "see", "learn"),
    [
        (Role.STUDENT, False, False, CATALOGUE, True, True),
        (Role.STUDENT, False, False, CLASS, False, False),
        (Role.STUDENT, False, True, CLASS, True, True),
        (Role.STUDENT, False, True, DRAFT, False, False),
        (Role.TEACHER, False, False, DRAFT, False, False),
        (Role.TEACHER, False, False, CLASS, False, False),
        (Role.TEACHER, False, False, CATALOGUE, True, True),
        (Role.TEACHER, True, False, DRAFT, True, False),
        (Role.TEACHER, True, False, CLASS, True, False),
        (Role.TEACHER, True, False, CATALOGUE, True, True),
        (Role.OFFICIAL, False, False, CLASS, False, False),
        (Role.OFFICIAL, False, False, CATALOGUE, True, True),
        (Role.ADMIN, False, False, DRAFT, True, False),
        (Role.ADMIN, False, False, CLASS, True, False),
        (Role.ADMIN, False, False, CATALOGUE, True, True),
        (None, False, False, CATALOGUE, False, False),
    ],
)
def test_the_rule(role, is_author, member, state, see, learn):
    user_id = 7
    author_id = user_id if is_author else 8
    assert visibility.decide(role, user_id, state, author_id, member) == visibility.Access(see, learn)


def test_a_student_who_authored_a_course_as_a_teacher_no_longer_sees_its_draft():
    assert not visibility.decide(Role.STUDENT, 7, DRAFT, 7, False).see


def test_certificates_come_from_the_catalogue_only(db):
    assert [visibility.issues_certificates(factories.course(state=s)) for s in ("draft", "class", "catalogue")] == [
        False,
        False,
        True,
    ]


@pytest.fixture
def people(db: Any) -> dict[str, Any]:
    author, author_class = factories.teacher_with_class()
    member = factories.user()
    org.add_member(author_class, member)
    other_teacher, other_class = factories.teacher_with_class()
    outsider = factories.user()
    org.add_member(other_class, outsider)
    return {
        "author": author,
        "member": member,
        "other_teacher": other_teacher,
        "outsider": outsider,
        "official": factories.user(Role.OFFICIAL),
        "admin": factories.user(Role.ADMIN),
        "courses": [factories.course(state=state, author=author) for state in ("draft", "class", "catalogue")]
        + [factories.course(state="class", author=None)],  # its author's account is gone: nobody's class
    }


def test_the_listing_filter_agrees_with_can_see_in_one_query(people, count_queries):
    for who in ("author", "member", "other_teacher", "outsider", "official", "admin"):
        user = people[who]
        expected = {course.id for course in people["courses"] if visibility.can_see(user, course)}
        with count_queries() as counter:
            listed = {course.id for course in learning.visible_courses(user)}
        assert listed & {c.id for c in people["courses"]} == expected, who
        assert counter.count == 1, who


def test_who_sees_and_learns_each_state(people):
    draft, class_course, catalogue, orphan = people["courses"]
    see = {who: [visibility.can_see(people[who], c) for c in people["courses"]] for who in people if who != "courses"}
    learn = {who: [visibility.can_learn(people[who], c) for c in people["courses"]] for who in see}
    assert see == {
        "author": [True, True, True, False],
        "member": [False, True, True, False],
        "other_teacher": [False, False, True, False],
        "outsider": [False, False, True, False],
        "official": [False, False, True, False],
        "admin": [True, True, True, True],
    }
    assert learn == {
        "author": [False, False, True, False],
        "member": [False, True, True, False],
        "other_teacher": [False, False, True, False],
        "outsider": [False, False, True, False],
        "official": [False, False, True, False],
        "admin": [False, False, True, False],
    }


def recorded(user: Any) -> tuple[int, int, int]:
    """The learner's enrolments, lesson progress and learning events."""

    def count(model: Any, column: Any, value: Any) -> int:
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model).where(column == value)) or 0)

    from courses.services import events

    return (
        count(Enrolment, Enrolment.user_id, user.id),
        count(LessonProgress, LessonProgress.user_id, user.id),
        count(LearningEvent, LearningEvent.actor, events.pseudonym(user.id)),
    )


@pytest.mark.parametrize("state", ["draft", "class"])
@pytest.mark.parametrize("who", ["author", "admin"])
def test_a_preview_by_its_author_or_an_administrator_records_nothing(people, state, who):
    user = people[who]
    course = next(c for c in people["courses"] if c.state == state and c.author_id == people["author"].id)
    assert learning.course_by_slug(course.slug, user) is course
    for module in course.modules:  # every lesson, locked modules too: a preview has no prerequisites
        for lesson in module.lessons:
            visit = learning.visit_lesson(user, lesson.id)
            assert visit.preview and visit.lesson.id == lesson.id
    with pytest.raises(learning.PreviewOnly):
        learning.enroll(user, course)
    with pytest.raises(learning.PreviewOnly):
        learning.complete_lesson(user, course.modules[0].lessons[0])
    quiz = course.modules[0].assignments[0]
    with pytest.raises(learning.PreviewOnly):
        attempts.submit_attempt(user, quiz, factories.right_answers(quiz))
    assert recorded(user) == (0, 0, 0)


def test_an_enrolment_from_before_a_course_became_a_draft_records_nothing_more(people):
    author = people["author"]
    draft = people["courses"][0]
    db.session.add(Enrolment(user_id=author.id, course_id=draft.id))
    db.session.flush()
    assert learning.visit_lesson(author, draft.modules[0].lessons[0].id).preview
    quiz = draft.modules[0].assignments[0]
    with pytest.raises(learning.PreviewOnly):
        attempts.submit_attempt(author, quiz, factories.right_answers(quiz))
    assert recorded(author) == (1, 0, 0)


@pytest.mark.parametrize("who", ["other_teacher", "outsider", "official"])
def test_strangers_find_no_class_course(people, who):
    class_course = people["courses"][1]
    with pytest.raises(learning.CourseNotFound):
        learning.course_by_slug(class_course.slug, people[who])
    with pytest.raises(learning.CourseNotFound):
        learning.enroll(people[who], class_course)
    with pytest.raises(learning.CourseNotFound):
        learning.visit_lesson(people[who], class_course.modules[0].lessons[0].id)
    with pytest.raises(learning.CourseNotFound):
        attempts.submit_attempt(people[who], class_course.modules[0].assignments[0], {})


def test_the_authors_class_learns_a_class_course_to_its_completion(people):
    member, class_course = people["member"], people["courses"][1]
    learning.enroll(member, class_course)
    visit = learning.visit_lesson(member, class_course.modules[0].lessons[0].id)
    assert not visit.preview
    for module in class_course.modules:
        quiz = module.assignments[0]
        attempts.submit_attempt(member, quiz, factories.right_answers(quiz))
    registration = learning.enrolment(member, class_course)
    assert registration is not None and registration.completed_at is not None


def test_leaving_the_class_closes_the_class_course(people):
    member, class_course = people["member"], people["courses"][1]
    learning.enroll(member, class_course)
    for school_class in org.classes_of_student(member):
        org.remove_member(school_class, member)
    with pytest.raises(learning.CourseNotFound):
        learning.visit_lesson(member, class_course.modules[0].lessons[0].id)
    with pytest.raises(learning.CourseNotFound):
        attempts.submit_attempt(member, class_course.modules[0].assignments[0], {})


# Setting the state (the editor's service)


def settings(state: CourseState, slug: str = "states") -> editing.CourseSettings:
    return editing.CourseSettings(
        slug=slug, title={"en": "States"}, summary={}, language="kk", level="beginner", hours=1, state=state
    )  # type: ignore[arg-type]


def test_a_teacher_makes_drafts_and_class_courses_but_cannot_approve(db):
    teacher = factories.user(Role.TEACHER)
    course = editing.new_course(teacher, settings(CLASS))
    assert course.state is CLASS
    editing.update_course(teacher, course, settings(DRAFT))
    assert course.state is DRAFT
    with pytest.raises(editing.ApprovalRequired):
        editing.update_course(teacher, course, settings(CATALOGUE))
    with pytest.raises(editing.ApprovalRequired):
        editing.new_course(teacher, settings(CATALOGUE, slug="other"))
    assert course.state is DRAFT


def test_only_an_administrator_approves_or_withdraws(db):
    teacher, admin = factories.user(Role.TEACHER), factories.user(Role.ADMIN)
    course = editing.new_course(teacher, settings(DRAFT))
    editing.update_course(admin, course, settings(CATALOGUE))
    assert course.state is CATALOGUE
    # Approved: its author may still edit it, but not take it out of the catalogue (its certificates would go).
    editing.update_course(teacher, course, settings(CATALOGUE))
    with pytest.raises(editing.ApprovalRequired):
        editing.update_course(teacher, course, settings(CLASS))
    editing.update_course(admin, course, settings(CLASS))
    assert course.state is CLASS


def test_the_choices_offered_follow_the_rule(db):
    teacher, admin = factories.user(Role.TEACHER), factories.user(Role.ADMIN)
    course = editing.new_course(teacher, settings(DRAFT))
    assert editing.state_choices(teacher, None) == [DRAFT, CLASS]
    assert editing.state_choices(teacher, course) == [DRAFT, CLASS]
    assert editing.state_choices(admin, course) == [DRAFT, CLASS, CATALOGUE]
    course.state = CATALOGUE
    assert editing.state_choices(teacher, course) == [CATALOGUE]
    for actor, state in itertools.product((teacher, admin), CourseState):
        allowed = state in editing.state_choices(actor, course)
        try:
            editing.update_course(actor, course, settings(state))
        except editing.ApprovalRequired:
            assert not allowed
        else:
            assert allowed
        course.state = CATALOGUE
    assert isinstance(course, Course)
