"""Who sees a course and who learns in it: its state decides, here and nowhere else.

- draft: its author and administrators see it, as a preview that records nothing;
- class: also the students of its author's classes, who enrol, try assignments and complete it
  (no certificate);
- catalogue: approved by an administrator; every signed-in user sees it, learns and gets certificates.

``decide`` is the rule on plain facts; ``can_see``/``can_learn`` apply it to a course (one indexed
query at most, for a class course), ``visible_courses_clause`` is the same rule in SQL for listings,
and pages on the hot path select ``in_authors_class`` in their own query and call ``decide``.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from courses.models import Course, CourseState
from lms.db import db
from lms.models import ClassMembership, Role, SchoolClass, User


class Access(NamedTuple):
    see: bool  # read the course's pages (a preview when it cannot learn)
    learn: bool  # enrol, record progress, submit attempts


def decide(role: Role | None, user_id: int | None, state: CourseState, author_id: int | None, member: bool) -> Access:
    """The rule. ``member``: the user is a student of a class whose teacher is the course's author."""
    if role is None or user_id is None:
        return Access(False, False)
    learn = state == CourseState.CATALOGUE or (state == CourseState.CLASS and member)
    author = role is Role.TEACHER and author_id is not None and author_id == user_id
    return Access(learn or author or role is Role.ADMIN, learn)


def _signed_in(user: User | None) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", True))


def _classes_taught_by(
    teacher_id: int | sa.orm.InstrumentedAttribute[int | None], user_id: int | sa.BindParameter[int]
) -> sa.Select[int]:
    """The user's classes whose teacher is ``teacher_id`` (memberships by user, classes by id: both indexed)."""
    return (
        sa.select(ClassMembership.class_id)
        .join(SchoolClass, SchoolClass.id == ClassMembership.class_id)
        .where(ClassMembership.user_id == user_id, SchoolClass.teacher_id == teacher_id)
    )


def in_authors_class(user_id: int | sa.BindParameter[int]) -> sa.Exists:
    """SQL: the user is in a class taught by ``Course.author_id`` (correlated with ``Course``)."""
    return _classes_taught_by(Course.author_id, user_id).correlate(Course).exists()


def _member(user: User, course: Course) -> bool:
    if course.state != CourseState.CLASS or course.author_id is None:
        return False  # only a class course asks, so the other states cost no query
    return db.session.scalar(_classes_taught_by(course.author_id, user.id).limit(1)) is not None


def access(user: User | None, course: Course) -> Access:
    """What ``user`` may do with ``course`` (at most one query, for a class course)."""
    if user is None or not _signed_in(user):
        return Access(False, False)
    return decide(user.role, user.id, course.state, course.author_id, _member(user, course))


def can_see(user: User | None, course: Course) -> bool:
    return access(user, course).see


def can_learn(user: User | None, course: Course) -> bool:
    return access(user, course).learn


def issues_certificates(course: Course) -> bool:
    """Only an approved course gives certificates; a class course records completion without one."""
    return course.state == CourseState.CATALOGUE


def certifying_clause() -> sa.ColumnElement[bool]:
    """SQL for ``issues_certificates``, on ``Course``."""
    return Course.state == CourseState.CATALOGUE


def visible_courses_clause(user: User | None) -> sa.ColumnElement[bool]:
    """SQL for ``can_see``, on ``Course``: listings apply the rule in their own query."""
    if user is None or not _signed_in(user):
        return sa.false()
    if user.role is Role.ADMIN:
        return sa.true()
    shown: list[sa.ColumnElement[bool]] = [
        Course.state == CourseState.CATALOGUE,
        sa.and_(Course.state == CourseState.CLASS, in_authors_class(user.id)),
    ]
    if user.role is Role.TEACHER:
        shown.append(Course.author_id == user.id)
    return sa.or_(*shown)
