from datetime import timedelta

import pytest
import sqlalchemy as sa

from courses.models import Attempt, AttemptStatus, Item, LearningEvent
from courses.services import attempts, events, learning
from lms.db import db, utcnow
from lms.models import Role
from tests import factories


def quiz(course, position=1):
    return course.modules[position - 1].assignments[0]


def verbs(user):
    return [
        (e.verb, e.object_type)
        for e in db.session.scalars(
            sa.select(LearningEvent).where(LearningEvent.actor == events.pseudonym(user.id)).order_by(LearningEvent.id)
        )
    ]


def test_enrol_is_idempotent_and_recorded(db):
    course, student = factories.course(), factories.user()
    first = learning.enroll(student, course)
    assert learning.enroll(student, course) is first
    assert verbs(student) == [("registered", "course")]


def test_drafts_are_hidden_from_students_and_other_teachers(db):
    author = factories.user(Role.TEACHER)
    course = factories.course(state="draft", author=author)
    for stranger in (factories.user(), factories.user(Role.TEACHER)):
        with pytest.raises(learning.CourseNotFound):
            learning.enroll(stranger, course)
        with pytest.raises(learning.CourseNotFound):
            learning.course_by_slug(course.slug, stranger)
    assert learning.course_by_slug(course.slug, author) is course


def test_lessons_need_enrolment_and_an_unlocked_module(db):
    course, student = factories.course(), factories.user()
    lesson = course.modules[0].lessons[0]
    with pytest.raises(learning.NotEnrolled):
        learning.open_lesson(student, lesson)
    learning.enroll(student, course)
    learning.complete_lesson(student, lesson)
    with pytest.raises(learning.ModuleLocked):
        learning.open_lesson(student, course.modules[1].lessons[0])
    attempts.submit_attempt(student, quiz(course), factories.right_answers(quiz(course)))
    learning.open_lesson(student, course.modules[1].lessons[0])


def test_progress_counts_lessons_and_passed_assignments(db, count_queries):
    course, student = factories.course(), factories.user()
    learning.enroll(student, course)
    for lesson in course.modules[0].lessons:
        learning.complete_lesson(student, lesson)
    attempts.submit_attempt(student, quiz(course), factories.right_answers(quiz(course)))
    with count_queries() as counter:
        total, modules = learning.course_progress(student, course)
    assert (total.done, total.total, total.percent) == (3, 6, 50)
    assert modules[course.modules[0].id].percent == 100 and modules[course.modules[1].id].percent == 0
    assert counter.count <= 3


def test_attempt_is_graded_with_per_item_results(db):
    course, student = factories.course(), factories.user()
    learning.enroll(student, course)
    assignment = quiz(course)
    single, numeric = assignment.items
    attempt = attempts.submit_attempt(student, assignment, {str(single.id): "b", str(numeric.id): "4,0"})
    assert attempt.status == AttemptStatus.GRADED and (attempt.score, attempt.max_score) == (1, 2)
    assert attempt.results[str(single.id)]["score"] == 0 and attempt.results[str(numeric.id)]["score"] == 1
    assert attempt.responses == {str(single.id): "b", str(numeric.id): "4,0"}
    assert attempt.number == 1


def test_unanswered_items_score_zero(db):
    course, student = factories.course(), factories.user()
    learning.enroll(student, course)
    attempt = attempts.submit_attempt(student, quiz(course), {})
    assert (attempt.score, attempt.max_score) == (0, 2)


@pytest.mark.parametrize(
    "responses",
    [
        [],
        "a",
        {"999999": "a"},
        {"ITEM1": ["not", "a", "choice"]},
        {"ITEM2": "four"},
    ],
)
def test_malformed_responses_store_nothing(db, responses):
    course, student = factories.course(), factories.user()
    learning.enroll(student, course)
    assignment = quiz(course)
    if isinstance(responses, dict):
        responses = {
            k.replace("ITEM1", str(assignment.items[0].id)).replace("ITEM2", str(assignment.items[1].id)): v
            for k, v in responses.items()
        }
    with pytest.raises(attempts.InvalidResponses):
        attempts.submit_attempt(student, assignment, responses)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)) == 0


def test_attempts_are_limited(db):
    course, student = factories.course(), factories.user()
    learning.enroll(student, course)
    assignment = quiz(course)
    for _ in range(3):
        attempts.submit_attempt(student, assignment, {})
    assert attempts.attempts_left(student, assignment) == 0
    with pytest.raises(attempts.AttemptsExhausted):
        attempts.submit_attempt(student, assignment, {})


def test_not_enrolled_cannot_submit(db):
    course = factories.course()
    with pytest.raises(learning.NotEnrolled):
        attempts.submit_attempt(factories.user(), quiz(course), {})


def test_late_and_repeated_attempts_are_penalised(db):
    course, student = factories.course(), factories.user()
    learning.enroll(student, course)
    assignment = quiz(course)
    assignment.due_at = utcnow() - timedelta(days=1)
    assignment.late_penalty, assignment.attempt_penalty = 0.2, 0.1
    first = attempts.submit_attempt(student, assignment, factories.right_answers(assignment))
    second = attempts.submit_attempt(student, assignment, factories.right_answers(assignment))
    assert first.late and (first.penalty, first.score) == (0.2, 1.6)
    assert (second.penalty, second.score) == (pytest.approx(0.3), pytest.approx(1.4))


def test_essays_leave_the_attempt_pending_until_the_teacher_grades(db):
    course, student, teacher = factories.course(), factories.user(), factories.user(Role.TEACHER)
    learning.enroll(student, course)
    assignment = quiz(course)
    essay = Item(assignment_id=assignment.id, position=3, type="essay", prompt="Why?", spec={"points": 2})
    db.session.add(essay)
    db.session.flush()
    db.session.expire(assignment)
    answers = {**factories.right_answers(assignment), str(essay.id): "Because."}
    attempt = attempts.submit_attempt(student, assignment, answers)
    assert attempt.status == AttemptStatus.PENDING and attempt.score == 2 and attempt.max_score == 4
    attempts.grade_pending_item(attempt, essay, 1.5, "Good start.", teacher)
    assert attempt.status == AttemptStatus.GRADED and attempt.score == 3.5
    assert attempt.results[str(essay.id)]["feedback"] == ["Good start."]


def test_course_completion_when_every_required_assignment_is_passed(db):
    course, student = factories.course(), factories.user()
    registration = learning.enroll(student, course)
    completed = []

    def listener(sender, **data):
        completed.append(data)

    with learning.course_completed.connected_to(listener):
        attempts.submit_attempt(student, quiz(course, 1), factories.right_answers(quiz(course, 1)))
        assert registration.completed_at is None
        attempts.submit_attempt(student, quiz(course, 2), factories.right_answers(quiz(course, 2)))
        attempts.submit_attempt(student, quiz(course, 2), factories.right_answers(quiz(course, 2)))
    assert registration.completed_at is not None
    assert completed == [{"user_id": student.id, "course_id": course.id}]
    assert ("completed", "course") in verbs(student)


def test_events_carry_a_pseudonym_and_where_the_learner_is(db):
    _teacher, school_class = factories.teacher_with_class(region_code="KZ-75")
    from lms.services import org

    student = factories.user(language="ru")
    org.add_member(school_class, student)
    course = factories.course()
    learning.enroll(student, course)
    event = db.session.scalar(sa.select(LearningEvent).order_by(LearningEvent.id.desc()))
    assert event.actor == events.pseudonym(student.id) and len(event.actor) == 32
    assert (event.class_id, event.school_id, event.region_id) == (
        school_class.id,
        school_class.school_id,
        factories.region("KZ-75").id,
    )
    assert event.language == "ru" and event.registration is not None


def test_events_fall_back_to_the_learners_own_school_then_to_nowhere(db):
    own_school = factories.school(region_code="KZ-19")
    with_school = factories.user()
    with_school.school_id = own_school.id
    alone = factories.user()
    course = factories.course()
    for learner in (with_school, alone):
        learning.enroll(learner, course)
    where = {
        event.actor: (event.class_id, event.school_id, event.region_id)
        for event in db.session.scalars(sa.select(LearningEvent).where(LearningEvent.course_id == course.id))
    }
    assert where[events.pseudonym(with_school.id)] == (None, own_school.id, factories.region("KZ-19").id)
    assert where[events.pseudonym(alone.id)] == (None, None, None)


def test_content_changes_refresh_the_cached_outline(db):
    from courses.services.outline import outline_of

    course = factories.course()
    first = outline_of(course)
    assert outline_of(course) is first  # cached
    quiz = course.modules[0].assignments[0]
    quiz.due_at = utcnow()
    db.session.flush()
    fresh = outline_of(course)
    assert fresh is not first and fresh.assignment(quiz.id).due_at is not None
    db.session.add(Item(assignment_id=quiz.id, position=9, type="essay", prompt="Why?", spec={}))
    db.session.flush()
    assert len(outline_of(course).assignment(quiz.id).items) == 3


def test_an_attempt_and_its_event_are_written_together(db):
    """On PostgreSQL in one statement (the event as a CTE), on SQLite in two: the same rows."""
    from lms.services import org

    _teacher, school_class = factories.teacher_with_class(region_code="KZ-75")
    student = factories.user(language="ru")

    org.add_member(school_class, student)
    course = factories.course()
    learning.enroll(student, course)
    assignment = quiz(course)
    attempt = attempts.submit_attempt(student, assignment, {})
    event = db.session.scalar(sa.select(LearningEvent).order_by(LearningEvent.id.desc()))
    assert (event.verb, event.object_type, event.object_id) == ("attempted", "assignment", assignment.id)
    assert event.actor == events.pseudonym(student.id)
    assert event.extra == {"attempt": attempt.number, "late": False}
    assert (event.score_raw, event.score_max) == (attempt.score, attempt.max_score)
    assert (event.class_id, event.school_id) == (school_class.id, school_class.school_id)
    assert event.registration == learning.enrolment(student, course).id
    stored = db.session.scalar(sa.select(Attempt).where(Attempt.id == attempt.id))
    assert stored is not None and stored.user_id == student.id and stored.number == attempt.number
