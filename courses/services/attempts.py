"""Submitting and grading attempts."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from courses.grading.registry import ITEM_TYPES, grade, item_points
from courses.grading.results import ItemResult
from courses.models import Assignment, Attempt, AttemptStatus, Course, CourseState, Enrolment, Item, Module
from courses.services import code_grading, events, learning, visibility
from courses.services.outline import AssignmentInfo, ItemInfo, outline
from lms.db import db, utcnow
from lms.models import User

MAX_RESPONSES = 500


class AttemptsExhausted(Exception):
    """The learner has used every attempt the assignment allows."""


class InvalidResponses(ValueError):
    """The responses cannot be graded; ``problems`` maps item ids (or "responses") to reasons."""

    def __init__(self, problems: dict[str, object]) -> None:
        super().__init__(", ".join(f"{key}: {value}" for key, value in problems.items()))
        self.problems = problems


def attempts_used(user: User, assignment: Assignment) -> int:
    """Attempts that count against the limit (the same rule the submission applies)."""
    counted = db.session.execute(_count_query(), {"assignment_id": assignment.id, "user_id": user.id}).one()
    return int(counted[0] or 0)


def attempts_left(user: User, assignment: Assignment) -> int | None:
    if assignment.max_attempts is None:
        return None
    return max(0, assignment.max_attempts - attempts_used(user, assignment))


def check_responses(items: Sequence[Item | ItemInfo], responses: object) -> dict[str, Any]:
    """The responses keyed by item id, or InvalidResponses naming each problem (nothing is stored)."""
    if not isinstance(responses, dict):
        raise InvalidResponses({"responses": "expected an object of item ids to answers"})
    if len(responses) > MAX_RESPONSES:
        raise InvalidResponses({"responses": "too many answers"})
    by_id = {str(item.id): item for item in items}
    problems: dict[str, object] = {}
    for key, value in responses.items():
        item = by_id.get(str(key))
        if item is None:
            problems[str(key)] = "no such item in this assignment"
            continue
        problem = ITEM_TYPES[item.type].validate(item.spec, value) if item.type in ITEM_TYPES else "unknown type"
        if problem is not None:
            problems[str(key)] = problem
    if problems:
        raise InvalidResponses(problems)
    return {str(key): value for key, value in responses.items()}


def penalty(assignment: Assignment | AssignmentInfo, number: int, late: bool) -> float:
    taken = assignment.attempt_penalty * (number - 1) + (assignment.late_penalty if late else 0.0)
    return max(0.0, min(1.0, taken))


def submit_attempt(user: User, assignment: Assignment, responses: object, now: datetime | None = None) -> Attempt:
    return submit(user, assignment.id, responses, now)


# Statements on the submission path are built once: building one costs more than running it.
@functools.cache
def _locking_query() -> sa.Select[int, datetime, CourseState, int | None, bool, int, datetime, datetime | None, int]:
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    return (
        sa.select(
            Module.course_id,
            Course.updated_at,
            Course.state,
            Course.author_id,
            visibility.in_authors_class(user_id),
            Enrolment.id,
            Enrolment.last_activity_at,
            Enrolment.completed_at,
            learning.passed_prerequisite_count(user_id),
        )
        .select_from(Assignment)
        .join(Module, Module.id == Assignment.module_id)
        .join(Course, Course.id == Module.course_id)
        .join(
            Enrolment,
            sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id),
        )
        .where(Assignment.id == sa.bindparam("assignment_id", type_=sa.Integer))
        .with_for_update(of=Enrolment)
    )


@functools.cache
def _count_query() -> sa.Select[int]:
    # Attempts that count against the limit (not those the platform failed to grade).
    return (
        sa.select(sa.func.count().filter(Attempt.status != AttemptStatus.ERROR))
        .select_from(Attempt)
        .where(
            Attempt.user_id == sa.bindparam("user_id", type_=sa.Integer),
            Attempt.assignment_id == sa.bindparam("assignment_id", type_=sa.Integer),
        )
    )


@functools.cache
def _highest_query() -> sa.Select[int]:
    return (
        sa.select(Attempt.number)
        .where(
            Attempt.assignment_id == sa.bindparam("assignment_id", type_=sa.Integer),
            Attempt.user_id == sa.bindparam("user_id", type_=sa.Integer),
        )
        .order_by(Attempt.number.desc())
        .limit(1)
    )


def submit(user: User, assignment_id: int, responses: object, now: datetime | None = None) -> Attempt:
    """Store and grade an attempt.

    Raises CourseNotFound (no such assignment, or a course the user may not see), PreviewOnly (a
    course they may only preview), NotEnrolled, ModuleLocked, AttemptsExhausted or InvalidResponses,
    and then stores nothing. Once the responses are valid they are stored even if grading an item
    fails (that item scores 0 with a reason). Unanswered items score 0.
    """
    now = now or utcnow()
    keys = {"assignment_id": assignment_id, "user_id": user.id}
    # One query finds the course and takes the learner's enrolment row lock: one submission at a
    # time per learner and course, so the attempt number and the attempt limit are read and written
    # under it (PostgreSQL; SQLite serialises writers anyway). The highest attempt number is read
    # after the lock is taken, so it sees the attempt of a submission that held the lock before.
    # Counting reads every earlier attempt (practice quizzes collect many): only for a limit.
    row = db.session.execute(_locking_query(), keys).first()
    highest_row = db.session.execute(_highest_query(), keys).first() if row is not None else None
    if row is None:
        found = db.session.scalar(
            sa.select(Course)
            .join(Module, Module.course_id == Course.id)
            .join(Assignment, Assignment.module_id == Module.id)
            .where(Assignment.id == assignment_id)
        )
        if found is None:
            raise learning.CourseNotFound(assignment_id)
        learning.require_learner(user, found)
        raise learning.NotEnrolled(found.slug)
    course_id, version, state, author_id, member = row[:5]
    enrolment_id, last_activity_at, completed_at, passes = row[5:]
    allowed = visibility.decide(user.role, user.id, state, author_id, bool(member))
    if not allowed.see:
        raise learning.CourseNotFound(assignment_id)
    if not allowed.learn:
        raise learning.PreviewOnly(assignment_id)
    course = outline(course_id, version)
    assignment = course.assignment(assignment_id)
    assert assignment is not None  # noqa: S101 - the outline holds every assignment of its course
    if not learning.unlocked_by(course, assignment.module_id, passes):
        raise learning.ModuleLocked(assignment.module_id)
    answers = check_responses(assignment.items, responses)
    highest = int(highest_row[0] if highest_row is not None else 0)
    if assignment.max_attempts is not None:
        used = int(db.session.execute(_count_query(), keys).scalar_one() or 0)
        if used >= assignment.max_attempts:
            raise AttemptsExhausted(assignment_id)
    has_code = any(item.type == "code" for item in assignment.items)
    if has_code:
        code_grading.check_rate(user, now)

    number = highest + 1
    late = assignment.due_at is not None and now > assignment.due_at
    results: dict[str, Any] = {}
    raw = maximum = 0.0
    pending = machine = False
    for item in assignment.items:
        if item.type not in ITEM_TYPES:
            continue
        key = str(item.id)
        if key in answers:
            result = grade(item.type, item.spec, answers[key])
        else:
            result = ItemResult(0.0, item_points(item.type, item.spec))
        results[key] = result.as_dict()
        raw += result.score
        maximum += result.max_score
        pending = pending or result.pending or result.queued
        machine = machine or result.queued
    taken = penalty(assignment, number, late)
    score = round(raw * (1 - taken), 6)
    attempt = Attempt(
        assignment_id=assignment_id,
        user_id=user.id,
        number=number,
        status=AttemptStatus.PENDING if pending else AttemptStatus.GRADED,
        responses=answers,
        results=results,
        score=score,
        max_score=maximum,
        late=late,
        penalty=taken,
        submitted_at=now,
        graded_at=None if pending else now,
        machine_pending=machine,
        grading_tries=0,
    )
    db.session.add(attempt)
    db.session.flush()
    passed = (not pending) and maximum > 0 and score >= assignment.pass_mark * maximum - 1e-9
    events.record(
        user,
        "attempted",
        "assignment",
        assignment_id,
        course_id=course.id,
        registration=enrolment_id,
        score=(score, maximum),
        success=None if pending else passed,
        completion=not pending,
        extra={"attempt": number, "late": late},
    )
    learning.note_activity_of(enrolment_id, last_activity_at, now)
    if machine:
        code_grading.enqueue(attempt.id)
    if passed and completed_at is None:
        registration = db.session.get(Enrolment, enrolment_id)  # locked above; loaded only to complete it
        assert registration is not None  # noqa: S101
        learning.complete_if_done(user, course, registration)
    return attempt


def grade_pending_item(attempt: Attempt, item: Item, score: float, feedback: str, grader: User) -> Attempt:
    """A teacher's score for a manually graded item; the attempt is graded once none is pending."""
    key = str(item.id)
    result = dict(attempt.results.get(key) or {})
    maximum = float(result.get("max_score", 0.0))
    result.update(
        score=max(0.0, min(float(score), maximum)),
        feedback=[feedback] if feedback else [],
        pending=False,
        graded_by=grader.id,
    )
    attempt.results = {**attempt.results, key: result}
    raw = sum(float(r.get("score", 0.0)) for r in attempt.results.values())
    attempt.score = round(raw * (1 - attempt.penalty), 6)
    if not any(r.get("pending") for r in attempt.results.values()):
        attempt.status = AttemptStatus.GRADED
        attempt.graded_at = utcnow()
    db.session.flush()
    if attempt.status == AttemptStatus.GRADED:
        user = db.session.get(User, attempt.user_id)
        assignment = attempt.assignment
        if user is not None and attempt.score >= assignment.pass_mark * attempt.max_score - 1e-9:
            learning.check_completion(user, assignment.module.course)
    return attempt
