"""A course's structure as an immutable snapshot, cached per process.

Lesson pages and quiz submissions need the course's modules, lessons,
assignments and items on every request; content changes rarely. The
snapshot is keyed by the course's ``updated_at``, which every change to its
content bumps (``touch``), so each app server notices a change on its next
request without any shared cache.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from courses.models import Assignment, Course, Item, Lesson, Module
from lms.db import db, utcnow

Texts = dict[str, Any]


@dataclass(frozen=True)
class ItemInfo:
    id: int
    position: int
    type: str
    title: str
    prompt: str
    prompt_format: str
    spec: dict[str, Any]


@dataclass(frozen=True)
class LessonInfo:
    id: int
    module_id: int
    position: int
    title: Texts
    body: Texts
    minutes: int


@dataclass(frozen=True)
class AssignmentInfo:
    id: int
    module_id: int
    position: int
    title: Texts
    required: bool
    pass_mark: float
    max_attempts: int | None
    due_at: datetime | None
    late_penalty: float
    attempt_penalty: float
    items: tuple[ItemInfo, ...]


@dataclass(frozen=True)
class ModuleInfo:
    id: int
    position: int
    title: Texts
    prerequisite_id: int | None
    lessons: tuple[LessonInfo, ...]
    assignments: tuple[AssignmentInfo, ...]


@dataclass(frozen=True)
class Outline:
    id: int
    slug: str
    title: Texts
    summary: Texts
    language: str
    level: str
    hours: int
    version: datetime
    modules: tuple[ModuleInfo, ...]

    def module(self, module_id: int) -> ModuleInfo:
        return next(m for m in self.modules if m.id == module_id)

    def lessons(self) -> list[LessonInfo]:
        return [lesson for module in self.modules for lesson in module.lessons]

    def assignments(self) -> list[AssignmentInfo]:
        return [a for module in self.modules for a in module.assignments]

    def lesson(self, lesson_id: int) -> LessonInfo | None:
        return next((lesson for lesson in self.lessons() if lesson.id == lesson_id), None)

    def assignment(self, assignment_id: int) -> AssignmentInfo | None:
        return next((a for a in self.assignments() if a.id == assignment_id), None)

    def next_lesson(self, lesson_id: int) -> LessonInfo | None:
        ordered = self.lessons()
        index = next(i for i, lesson in enumerate(ordered) if lesson.id == lesson_id)
        return ordered[index + 1] if index + 1 < len(ordered) else None

    def required_assignment_ids(self, module_id: int | None = None) -> list[int]:
        return [a.id for a in self.assignments() if a.required and (module_id is None or a.module_id == module_id)]


_cache: dict[int, Outline] = {}
_lock = threading.Lock()


def outline(course_id: int, version: datetime) -> Outline:
    """The course's snapshot for this version (``Course.updated_at``), loading it when stale."""
    cached = _cache.get(course_id)
    if cached is not None and cached.version == version:
        return cached
    fresh = _load(course_id)
    with _lock:
        _cache[course_id] = fresh
    return fresh


def outline_of(course: Course) -> Outline:
    return outline(course.id, course.updated_at)


def _load(course_id: int) -> Outline:
    course = db.session.get(Course, course_id)
    if course is None:
        raise LookupError(course_id)
    modules = list(db.session.scalars(sa.select(Module).where(Module.course_id == course_id).order_by(Module.position)))
    module_ids = [m.id for m in modules]
    lessons = (
        list(db.session.scalars(sa.select(Lesson).where(Lesson.module_id.in_(module_ids)).order_by(Lesson.position)))
        if module_ids
        else []
    )
    assignments = (
        list(
            db.session.scalars(
                sa.select(Assignment).where(Assignment.module_id.in_(module_ids)).order_by(Assignment.position)
            )
        )
        if module_ids
        else []
    )
    items = (
        list(
            db.session.scalars(
                sa.select(Item).where(Item.assignment_id.in_([a.id for a in assignments])).order_by(Item.position)
            )
        )
        if assignments
        else []
    )
    item_infos: dict[int, list[ItemInfo]] = {}
    for item in items:
        item_infos.setdefault(item.assignment_id, []).append(
            ItemInfo(item.id, item.position, item.type, item.title, item.prompt, item.prompt_format, item.spec)
        )
    return Outline(
        id=course.id,
        slug=course.slug,
        title=course.title,
        summary=course.summary,
        language=course.language,
        level=course.level.value,
        hours=course.hours,
        version=course.updated_at,
        modules=tuple(
            ModuleInfo(
                id=module.id,
                position=module.position,
                title=module.title,
                prerequisite_id=module.prerequisite_id,
                lessons=tuple(
                    LessonInfo(lesson.id, lesson.module_id, lesson.position, lesson.title, lesson.body, lesson.minutes)
                    for lesson in lessons
                    if lesson.module_id == module.id
                ),
                assignments=tuple(
                    AssignmentInfo(
                        a.id,
                        a.module_id,
                        a.position,
                        a.title,
                        a.required,
                        a.pass_mark,
                        a.max_attempts,
                        a.due_at,
                        a.late_penalty,
                        a.attempt_penalty,
                        tuple(item_infos.get(a.id, [])),
                    )
                    for a in assignments
                    if a.module_id == module.id
                ),
            )
            for module in modules
        ),
    )


def touch(course_id: int) -> None:
    """Mark the course's content as changed, so every app server reloads its snapshot."""
    db.session.execute(sa.update(Course).where(Course.id == course_id).values(updated_at=utcnow()))


@sa.event.listens_for(sa.orm.Session, "after_flush")
def _content_changed(session: sa.orm.Session, _context: Any) -> None:
    """Any change to a module, lesson, assignment or item bumps its course's ``updated_at``.

    So no code path that edits content can forget to invalidate the snapshots.
    """
    modules: set[int] = set()
    assignments: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Module) and obj.id is not None:
            modules.add(obj.id)
        elif isinstance(obj, Lesson | Assignment) and obj.module_id is not None:
            modules.add(obj.module_id)
        elif isinstance(obj, Item) and obj.assignment_id is not None:
            assignments.add(obj.assignment_id)
    if not modules and not assignments:
        return
    course_ids = (
        sa.select(Module.course_id)
        .where(Module.id.in_(modules))
        .union(
            sa.select(Module.course_id)
            .join(Assignment, Assignment.module_id == Module.id)
            .where(Assignment.id.in_(assignments))
        )
    )
    session.connection().execute(
        sa.update(Course)
        .where(Course.id.in_(course_ids))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Course):
            session.expire(obj, ["updated_at"])
