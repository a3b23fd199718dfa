"""The catalogue: courses, their modules and lessons.

Texts a learner reads in their own language (titles, summaries, lesson
bodies) are stored as ``{"kk": …, "ru": …, "en": …}``; any may be missing,
and ``localized`` falls back to the course's content language.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Model, utcnow

if TYPE_CHECKING:
    from courses.models.assignments import Assignment

Texts = dict[str, Any]


def localized(texts: Texts | None, language: str, fallback: str = "kk") -> str:
    texts = texts or {}
    for code in (language, fallback, "kk", "ru", "en"):
        value = texts.get(code)
        if isinstance(value, str) and value:
            return value
    return ""


class Level(enum.StrEnum):
    BEGINNER = "beginner"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class CourseState(enum.StrEnum):
    """Who reaches a course (the rules are in courses/services/visibility.py).

    DRAFT: its author and administrators; CLASS: also the students of its author's classes, who
    learn in it without certificates; CATALOGUE: approved by an administrator, every signed-in user.
    """

    DRAFT = "draft"
    CLASS = "class"
    CATALOGUE = "catalogue"


class CourseAudience(enum.StrEnum):
    """Whom a course is for: a teacher who completes a course for teachers counts as trained."""

    STUDENTS = "students"
    TEACHERS = "teachers"
    BOTH = "both"


class Course(Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[Texts] = mapped_column(sa.JSON)
    summary: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    language: Mapped[str] = mapped_column(sa.String(2), default="kk")
    level: Mapped[Level] = mapped_column(default=Level.BEGINNER)
    state: Mapped[CourseState] = mapped_column(default=CourseState.DRAFT, index=True)
    audience: Mapped[CourseAudience] = mapped_column(default=CourseAudience.STUDENTS, server_default="students")
    # Nominal study hours (printed on certificates later).
    hours: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    modules: Mapped[list[Module]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )

    def title_in(self, language: str) -> str:
        return localized(self.title, language, self.language)


class Module(Model):
    __tablename__ = "modules"
    __table_args__ = (sa.UniqueConstraint("course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[Texts] = mapped_column(sa.JSON)
    # A module opens once every required assignment of its prerequisite module is passed.
    prerequisite_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship(back_populates="modules")
    prerequisite: Mapped[Module | None] = relationship(remote_side=[id])
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="module", order_by="Assignment.position", cascade="all, delete-orphan"
    )

    def title_in(self, language: str) -> str:
        return localized(self.title, language, self.course.language)


class Lesson(Model):
    __tablename__ = "lessons"
    __table_args__ = (sa.UniqueConstraint("module_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[Texts] = mapped_column(sa.JSON)
    # Markdown per language; rendered to sanitised HTML when shown (and cached).
    body: Mapped[Texts] = mapped_column(sa.JSON, default=dict)
    minutes: Mapped[int] = mapped_column(default=10)

    module: Mapped[Module] = relationship(back_populates="lessons")

    def title_in(self, language: str) -> str:
        return localized(self.title, language, self.module.course.language)
