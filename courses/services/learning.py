"""Enrolment, lessons, progress and course completion."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from blinker import Namespace

from courses.models import (
    Assignment,
    Attempt,
    AttemptStatus,
    Course,
    CourseState,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
)
from courses.services import events, visibility
from courses.services.outline import LessonInfo, Outline, outline, outline_of
from lms.db import db, utcnow
from lms.models import User

signals = Namespace()
#: Sent with ``user_id`` and ``course_id`` when a learner completes a course (certificates listen).
course_completed = signals.signal("course-completed")


class CourseNotFound(Exception):
    """No course has this slug (or lesson, or assignment), or the user may not see it."""


class PreviewOnly(Exception):
    """The user sees the course but may not learn in it (its author or an administrator, in a draft or a
    class course): nothing is recorded."""


class NotEnrolled(Exception):
    """The learner is not enrolled in the course."""


class ModuleLocked(Exception):
    """The module's prerequisite is not passed yet."""


#: An enrolment not completed with no activity for this long is at risk: the one definition the class pages and
#: the officials' dashboard (``analytics``) both count by.
AT_RISK_AFTER = timedelta(days=14)


def at_risk(registration: Enrolment, now: datetime) -> bool:
    """Whether an enrolment is at risk at ``now``: not completed, and no activity for ``AT_RISK_AFTER``."""
    return registration.completed_at is None and now - registration.last_activity_at > AT_RISK_AFTER


def visible_courses(user: User | None) -> list[Course]:
    """The courses the user may see, in one query: the catalogue's, their class courses and their drafts."""
    return list(
        db.session.scalars(sa.select(Course).where(visibility.visible_courses_clause(user)).order_by(Course.id))
    )


def find_course(slug: str, user: User | None) -> tuple[Course, visibility.Access]:
    """The course and what the user may do in it. Raises CourseNotFound when they may not see it."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == slug))
    if course is None:
        raise CourseNotFound(slug)
    allowed = visibility.access(user, course)
    if not allowed.see:
        raise CourseNotFound(slug)
    return course, allowed


def course_by_slug(slug: str, user: User | None) -> Course:
    return find_course(slug, user)[0]


def require_visible(user: User | None, course: Course) -> visibility.Access:
    """What the user may do in the course. Raises CourseNotFound when they may not see it."""
    allowed = visibility.access(user, course)
    if not allowed.see:
        raise CourseNotFound(course.slug)
    return allowed


def require_learner(user: User | None, course: Course) -> None:
    """Raises CourseNotFound (may not see it) or PreviewOnly (sees it, may not learn in it)."""
    if not require_visible(user, course).learn:
        raise PreviewOnly(course.slug)


def attempt_with_course(attempt_id: int) -> tuple[Attempt, Course] | None:
    """An attempt and the course it belongs to, in one query (pages about an attempt check the course first)."""
    row = db.session.execute(
        sa.select(Attempt, Course)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .join(Module, Module.id == Assignment.module_id)
        .join(Course, Course.id == Module.course_id)
        .where(Attempt.id == attempt_id)
    ).first()
    return None if row is None else (row[0], row[1])


def enrolment(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id))


def require_enrolment(user: User, course: Course) -> Enrolment:
    found = enrolment(user, course)
    if found is None:
        raise NotEnrolled(course.slug)
    return found


def enroll(user: User, course: Course) -> Enrolment:
    """Enrol (idempotent). Raises CourseNotFound for a course the user may not see, PreviewOnly for one
    they may only preview."""
    require_learner(user, course)
    found = enrolment(user, course)
    if found is not None:
        return found
    found = Enrolment(user_id=user.id, course_id=course.id)
    db.session.add(found)
    db.session.flush()
    events.record(user, "registered", "course", course.id, course_id=course.id, registration=found.id)
    return found


def passed(user_id: int | sa.BindParameter[int]) -> tuple[sa.ColumnElement[bool], ...]:
    """The conditions of a passing attempt (with ``Assignment`` joined): graded at or above the pass mark."""
    return (
        Attempt.user_id == user_id,
        Attempt.status == AttemptStatus.GRADED,
        Attempt.max_score > 0,
        Attempt.score >= Assignment.pass_mark * Attempt.max_score - 1e-9,
    )


def passed_assignment_ids(user: User, assignment_ids: list[int]) -> set[int]:
    """Assignments the learner passed: a graded attempt at or above the pass mark."""
    if not assignment_ids:
        return set()
    rows = db.session.execute(
        sa.select(Attempt.assignment_id)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .where(Attempt.assignment_id.in_(assignment_ids), *passed(user.id))
        .distinct()
    )
    return {row[0] for row in rows}


def passed_prerequisite_count(user_id: sa.BindParameter[int]) -> sa.ScalarSelect[int]:
    """How many required assignments of ``Module``'s prerequisite the learner passed, as a subquery
    correlated with ``Module`` (so a page's own query says whether the module is open)."""
    return (
        sa.select(sa.func.count(sa.distinct(Attempt.assignment_id)))
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .where(Assignment.module_id == Module.prerequisite_id, Assignment.required.is_(True), *passed(user_id))
        .correlate(Module)
        .scalar_subquery()
    )


def unlocked_by(course: Outline, module_id: int, passed_in_prerequisite: int) -> bool:
    """Whether the module is open, given how many required assignments of its prerequisite were passed."""
    prerequisite = course.module(module_id).prerequisite_id
    return prerequisite is None or passed_in_prerequisite >= len(course.required_assignment_ids(prerequisite))


def unlocked(user: User, course: Outline, module_id: int) -> bool:
    """Whether the module is open to the learner: no prerequisite, or its required assignments passed."""
    prerequisite = course.module(module_id).prerequisite_id
    if prerequisite is None:
        return True
    required = course.required_assignment_ids(prerequisite)
    return passed_assignment_ids(user, required) >= set(required)


def module_unlocked(user: User, module: Module) -> bool:
    return unlocked(user, outline_of(module.course), module.id)


def unlocked_modules(user: User, course: Outline) -> dict[int, bool]:
    """Module id → whether it is open to the learner, with one query for the whole course."""
    passed = passed_assignment_ids(user, course.required_assignment_ids())
    return {
        module.id: module.prerequisite_id is None
        or set(course.required_assignment_ids(module.prerequisite_id)) <= passed
        for module in course.modules
    }


def require_unlocked(user: User, module: Module) -> None:
    if not module_unlocked(user, module):
        raise ModuleLocked(module.id)


ACTIVITY_RESOLUTION = timedelta(minutes=5)


def note_activity(registration: Enrolment, now: datetime | None = None) -> None:
    """Record activity, at most every few minutes (reading a lesson should not write each time)."""
    now = now or utcnow()
    if now - registration.last_activity_at >= ACTIVITY_RESOLUTION:
        registration.last_activity_at = now


@dataclass(frozen=True)
class LessonVisit:
    course: Outline
    lesson: LessonInfo
    completed_at: datetime | None
    preview: bool = False  # its author or an administrator reading a course they may not learn in


@functools.cache
def _visit_query() -> sa.Select[int, datetime, CourseState, int | None, bool, int, datetime, int, datetime | None, int]:
    # Built once: constructing a statement costs more than running it on the hot path.
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
            LessonProgress.lesson_id,
            LessonProgress.completed_at,
            passed_prerequisite_count(user_id),
        )
        .select_from(Lesson)
        .join(Module, Module.id == Lesson.module_id)
        .join(Course, Course.id == Module.course_id)
        .outerjoin(Enrolment, sa.and_(Enrolment.course_id == Course.id, Enrolment.user_id == user_id))
        .outerjoin(LessonProgress, sa.and_(LessonProgress.lesson_id == Lesson.id, LessonProgress.user_id == user_id))
        .where(Lesson.id == sa.bindparam("lesson_id", type_=sa.Integer))
    )


@functools.cache
def _note_activity_statement() -> sa.Update:
    return (
        sa.update(Enrolment)
        .where(Enrolment.id == sa.bindparam("enrolment_id"))
        .values(last_activity_at=sa.bindparam("now"))
        .execution_options(synchronize_session=False)
    )


def note_activity_of(enrolment_id: int, last_activity_at: datetime, now: datetime | None = None) -> None:
    """``note_activity`` for an enrolment read as columns: a Core UPDATE, at most every few minutes."""
    now = now or utcnow()
    if now - last_activity_at >= ACTIVITY_RESOLUTION:
        db.session.execute(_note_activity_statement(), {"enrolment_id": enrolment_id, "now": now})


def visit_lesson(user: User, lesson_id: int) -> LessonVisit:
    """Open a lesson by id: one read, and a write only when something changes (the lesson page's path).

    A user who may see the course but not learn in it gets a preview: every lesson, nothing written.
    Raises CourseNotFound (no such lesson, or a course the user may not see), NotEnrolled, ModuleLocked.
    """
    # One round trip: where the lesson is, who may see it, the learner's enrolment and their progress in it.
    row = db.session.execute(_visit_query(), {"lesson_id": lesson_id, "user_id": user.id}).first()
    if row is None or row[0] is None:
        raise CourseNotFound(lesson_id)
    course_id, version, state, author_id, member = row[:5]
    enrolment_id, last_activity_at, progress_lesson_id, completed_at, passes = row[5:]
    allowed = visibility.decide(user.role, user.id, state, author_id, bool(member))
    if not allowed.see:
        raise CourseNotFound(lesson_id)
    course = outline(course_id, version)
    lesson = course.lesson(lesson_id)
    assert lesson is not None  # noqa: S101 - the outline holds every lesson of its course
    if not allowed.learn:
        return LessonVisit(course, lesson, None, preview=True)
    if enrolment_id is None:
        raise NotEnrolled(course.slug)
    if not unlocked_by(course, lesson.module_id, passes):
        raise ModuleLocked(lesson.module_id)
    note_activity_of(enrolment_id, last_activity_at)
    if progress_lesson_id is None:
        db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson_id))
        db.session.flush()
        events.record(user, "experienced", "lesson", lesson_id, course_id=course.id, registration=enrolment_id)
    return LessonVisit(course, lesson, completed_at)


def open_lesson(user: User, lesson: Lesson) -> LessonProgress:
    """Mark a lesson opened. Raises CourseNotFound, PreviewOnly, NotEnrolled, ModuleLocked."""
    course = lesson.module.course
    require_learner(user, course)
    registration = require_enrolment(user, course)
    require_unlocked(user, lesson.module)
    progress = db.session.get(LessonProgress, {"user_id": user.id, "lesson_id": lesson.id})
    note_activity(registration)
    if progress is None:
        progress = LessonProgress(user_id=user.id, lesson_id=lesson.id)
        db.session.add(progress)
        db.session.flush()
        events.record(user, "experienced", "lesson", lesson.id, course_id=course.id, registration=registration.id)
    return progress


def complete_lesson(user: User, lesson: Lesson) -> LessonProgress:
    """Mark a lesson completed (and opened). Raises CourseNotFound, PreviewOnly, NotEnrolled, ModuleLocked."""
    progress = open_lesson(user, lesson)
    if progress.completed_at is None:
        progress.completed_at = utcnow()
        registration = require_enrolment(user, lesson.module.course)
        db.session.flush()
        events.record(
            user,
            "completed",
            "lesson",
            lesson.id,
            course_id=registration.course_id,
            registration=registration.id,
            completion=True,
        )
        check_completion(user, lesson.module.course)
    return progress


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def course_progress(user: User, course: Course | Outline) -> tuple[Progress, dict[int, Progress]]:
    """The course's progress and each module's: completed lessons and passed assignments over all of them."""
    if isinstance(course, Course):
        course = outline_of(course)
    lesson_ids = [lesson.id for lesson in course.lessons()]
    assignment_ids = [a.id for a in course.assignments()]
    completed = set()
    if lesson_ids:
        completed = set(
            db.session.scalars(
                sa.select(LessonProgress.lesson_id).where(
                    LessonProgress.user_id == user.id,
                    LessonProgress.lesson_id.in_(lesson_ids),
                    LessonProgress.completed_at.is_not(None),
                )
            )
        )
    passed = passed_assignment_ids(user, assignment_ids)
    modules = {}
    for module in course.modules:
        done = sum(1 for lesson in module.lessons if lesson.id in completed) + sum(
            1 for a in module.assignments if a.id in passed
        )
        modules[module.id] = Progress(done, len(module.lessons) + len(module.assignments))
    total = Progress(sum(p.done for p in modules.values()), sum(p.total for p in modules.values()))
    return total, modules


def progress_in_courses(user: User, courses: list[Outline]) -> dict[int, Progress]:
    """Course id → the learner's progress in it (as ``course_progress``), in two queries for all the courses."""
    lesson_ids = [lesson.id for course in courses for lesson in course.lessons()]
    assignment_ids = [a.id for course in courses for a in course.assignments()]
    completed = (
        set(
            db.session.scalars(
                sa.select(LessonProgress.lesson_id).where(
                    LessonProgress.user_id == user.id,
                    LessonProgress.lesson_id.in_(lesson_ids),
                    LessonProgress.completed_at.is_not(None),
                )
            )
        )
        if lesson_ids
        else set()
    )
    passed = passed_assignment_ids(user, assignment_ids)
    return {
        course.id: Progress(
            sum(1 for lesson in course.lessons() if lesson.id in completed)
            + sum(1 for a in course.assignments() if a.id in passed),
            len(course.lessons()) + len(course.assignments()),
        )
        for course in courses
    }


def check_completion(user: User, course: Course) -> bool:
    """Complete the course when every required assignment is passed (or, with none, every lesson).

    Sets the enrolment's completed_at once, records the event and sends
    ``course_completed``; True when this call completed it.
    """
    registration = enrolment(user, course)
    if registration is None:
        return False
    return complete_if_done(user, outline_of(course), registration)


def complete_if_done(user: User, course: Outline, registration: Enrolment) -> bool:
    if registration.completed_at is not None:
        return False
    required = course.required_assignment_ids()
    if required:
        done = passed_assignment_ids(user, required) >= set(required)
    else:
        total, _modules = course_progress(user, course)
        done = total.total > 0 and total.done == total.total
    if not done:
        return False
    registration.completed_at = utcnow()
    db.session.flush()
    events.record(
        user, "completed", "course", course.id, course_id=course.id, registration=registration.id, completion=True
    )
    course_completed.send(None, user_id=user.id, course_id=course.id)
    return True
