"""Editing a course in place: its settings, modules, lessons, assignments and the order of items.

Who may edit is decided here too (``can_edit``), so pages and any later API
share the rule. Every change to content bumps the course's ``updated_at``
(see services/outline.py), so learners get the new version on their next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from courses.models import Assignment, Course, CourseAudience, CourseState, Item, Lesson, Level, Module, ShowAnswers
from courses.services.authoring import CourseExists
from courses.services.outline import touch
from lms.db import db
from lms.models import Role, User

Direction = Literal["up", "down"]
Texts = dict[str, str]
LANGUAGES = ("kk", "ru", "en")


class InvalidPrerequisite(Exception):
    """A prerequisite must be an earlier module of the same course."""


class ApprovalRequired(Exception):
    """Only an administrator puts a course in the catalogue or takes it out (its certificates depend on it)."""


def texts(values: dict[str, str | None]) -> Texts:
    """Per-language texts without the empty ones (so ``localized`` falls back for them)."""
    return {code: value.strip() for code, value in values.items() if code in LANGUAGES and value and value.strip()}


def can_edit(actor: User, course: Course) -> bool:
    """Administrators edit every course; teachers the courses they authored."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.TEACHER and course.author_id is not None and course.author_id == actor.id


def editable_courses(actor: User) -> list[Course]:
    """The courses an actor may edit, newest first."""
    query = sa.select(Course).order_by(Course.created_at.desc(), Course.id.desc())
    if actor.role != Role.ADMIN:
        query = query.where(Course.author_id == actor.id)
    return list(db.session.scalars(query))


def course_with_content(course_id: int) -> Course | None:
    """A course with its modules, lessons, assignments and items loaded in a fixed number of queries."""
    return db.session.scalar(
        sa.select(Course)
        .where(Course.id == course_id)
        .options(
            selectinload(Course.modules).selectinload(Module.lessons),
            selectinload(Course.modules).selectinload(Module.assignments).selectinload(Assignment.items),
        )
    )


@dataclass
class CourseSettings:
    slug: str
    title: Texts
    summary: Texts
    language: str
    level: Level
    hours: int
    state: CourseState
    audience: CourseAudience = CourseAudience.STUDENTS


def state_choices(actor: User, course: Course | None) -> list[CourseState]:
    """The states ``actor`` may give the course (a new one when None), the current one included.

    An author keeps a course a draft or opens it to their classes; an administrator also approves it into
    the catalogue, and only an administrator takes it out again.
    """
    if actor.role == Role.ADMIN:
        return list(CourseState)
    if course is not None and course.state == CourseState.CATALOGUE:
        return [CourseState.CATALOGUE]
    return [CourseState.DRAFT, CourseState.CLASS]


def _check_state(actor: User, course: Course | None, state: CourseState) -> None:
    if state not in state_choices(actor, course):
        raise ApprovalRequired(state)


def _slug_taken(slug: str, course_id: int | None) -> bool:
    query = sa.select(Course.id).where(Course.slug == slug)
    if course_id is not None:
        query = query.where(Course.id != course_id)
    return db.session.scalar(query) is not None


def new_course(author: User, settings: CourseSettings) -> Course:
    """Create an empty course authored by ``author`` (flushed).

    Raises CourseExists for a taken slug, ApprovalRequired for the catalogue when ``author`` is no administrator.
    """
    _check_state(author, None, settings.state)
    if _slug_taken(settings.slug, None):
        raise CourseExists(settings.slug)
    course = Course(author_id=author.id, **vars(settings))
    db.session.add(course)
    db.session.flush()
    return course


def update_course(actor: User, course: Course, settings: CourseSettings) -> Course:
    """Change a course's settings and state (flushed).

    Raises CourseExists for a slug another course has, ApprovalRequired for a state only an
    administrator may set (see ``state_choices``).
    """
    _check_state(actor, course, settings.state)
    if _slug_taken(settings.slug, course.id):
        raise CourseExists(settings.slug)
    for name, value in vars(settings).items():
        setattr(course, name, value)
    db.session.flush()
    return course


def _next_position(column: sa.orm.InstrumentedAttribute[int], parent: sa.ColumnElement[bool]) -> int:
    return int(db.session.scalar(sa.select(sa.func.max(column)).where(parent)) or 0) + 1


def add_module(course: Course, title: Texts) -> Module:
    """Append a module to a course (flushed)."""
    module = Module(
        course_id=course.id, position=_next_position(Module.position, Module.course_id == course.id), title=title
    )
    db.session.add(module)
    db.session.flush()
    db.session.expire(course, ["modules"])
    return module


def update_module(module: Module, title: Texts, prerequisite_id: int | None) -> Module:
    """Rename a module and set its prerequisite (flushed). Raises InvalidPrerequisite."""
    if prerequisite_id is not None:
        prerequisite = db.session.get(Module, prerequisite_id)
        if (
            prerequisite is None
            or prerequisite.course_id != module.course_id
            or prerequisite.position >= module.position
        ):
            raise InvalidPrerequisite(prerequisite_id)
    module.title = title
    module.prerequisite_id = prerequisite_id
    db.session.flush()
    return module


def delete_module(module: Module) -> None:
    """Delete a module with its lessons, assignments, items and the learners' attempts at them (flushed).

    Modules that needed it lose their prerequisite.
    """
    course_id = module.course_id
    db.session.execute(
        sa.update(Module)
        .where(Module.prerequisite_id == module.id)
        .values(prerequisite_id=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.delete(module)
    db.session.flush()
    # The flush listener finds a course through the module, which is gone now.
    touch(course_id)
    db.session.expire_all()


Ordered = Module | Lesson | Assignment | Item


def _siblings(entry: Ordered) -> sa.Select[Any]:
    if isinstance(entry, Module):
        return sa.select(Module).where(Module.course_id == entry.course_id).order_by(Module.position)
    if isinstance(entry, Lesson):
        return sa.select(Lesson).where(Lesson.module_id == entry.module_id).order_by(Lesson.position)
    if isinstance(entry, Assignment):
        return sa.select(Assignment).where(Assignment.module_id == entry.module_id).order_by(Assignment.position)
    return sa.select(Item).where(Item.assignment_id == entry.assignment_id).order_by(Item.position)


def move(entry: Ordered, direction: Direction) -> bool:
    """Swap a module, lesson, assignment or item with its neighbour (flushed); False at either end.

    A module moved above its prerequisite (or below a module that needs it) loses that link,
    as a prerequisite must come earlier.
    """
    siblings: list[Ordered] = list(db.session.scalars(_siblings(entry)))
    index = siblings.index(entry)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(siblings):
        return False
    other = siblings[other_index]
    mine, theirs = entry.position, other.position
    # Positions are unique per parent, checked row by row: park one entry first.
    entry.position = -1
    db.session.flush()
    other.position = mine
    db.session.flush()
    entry.position = theirs
    db.session.flush()
    if isinstance(entry, Module) and isinstance(other, Module):
        for module in (entry, other):
            prerequisite = next((m for m in siblings if m.id == module.prerequisite_id), None)
            if prerequisite is not None and prerequisite.position >= module.position:
                module.prerequisite_id = None
        db.session.flush()
    return True


def add_lesson(module: Module, title: Texts, body: Texts, minutes: int) -> Lesson:
    """Append a lesson to a module (flushed)."""
    lesson = Lesson(
        module_id=module.id,
        position=_next_position(Lesson.position, Lesson.module_id == module.id),
        title=title,
        body=body,
        minutes=minutes,
    )
    db.session.add(lesson)
    db.session.flush()
    db.session.expire(module, ["lessons"])
    return lesson


def update_lesson(lesson: Lesson, title: Texts, body: Texts, minutes: int) -> Lesson:
    """Change a lesson's title, Markdown body and minutes (flushed)."""
    lesson.title = title
    lesson.body = body
    lesson.minutes = minutes
    db.session.flush()
    return lesson


def delete_lesson(lesson: Lesson) -> None:
    """Delete a lesson and the learners' progress records of it (flushed)."""
    db.session.delete(lesson)
    db.session.flush()


@dataclass
class AssignmentSettings:
    title: Texts
    pass_mark: float
    max_attempts: int | None
    due_at: datetime | None
    late_penalty: float
    attempt_penalty: float
    show_answers: ShowAnswers
    required: bool


def add_assignment(module: Module, settings: AssignmentSettings) -> Assignment:
    """Append an assignment without items to a module (flushed)."""
    values: dict[str, Any] = vars(settings).copy()
    assignment = Assignment(
        module_id=module.id,
        position=_next_position(Assignment.position, Assignment.module_id == module.id),
        **values,
    )
    db.session.add(assignment)
    db.session.flush()
    db.session.expire(module, ["assignments"])
    return assignment


def update_assignment(assignment: Assignment, settings: AssignmentSettings) -> Assignment:
    """Change an assignment's settings (flushed); attempts already graded keep their scores."""
    for name, value in vars(settings).items():
        setattr(assignment, name, value)
    db.session.flush()
    return assignment


def delete_item(item: Item) -> None:
    """Delete one question (flushed); past attempts keep the scores they got for it."""
    assignment = item.assignment
    db.session.delete(item)
    db.session.flush()
    db.session.expire(assignment, ["items"])
