"""A small country for analytics tests: rows written with the times a test chooses."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from analytics.disclosure import THRESHOLD, Shown
from analytics.rollups import ROLLUPS
from certificates.models import Certificate, CertificateStatus
from certificates.serials import new_serial
from courses.models import Assignment, Course, CourseAudience, Enrolment, LearningEvent, Lesson, Module
from lms.db import db
from lms.models import Role, School, User
from lms.services import org
from tests import factories

#: A Monday, 00:00 in Kazakhstan (UTC+5): weeks in these tests begin here.
MONDAY = datetime(2026, 9, 6, 19, 0, tzinfo=UTC)


def near(shown: Shown, true: int) -> bool:
    """Whether ``shown`` is how the disclosure rule may show a true count: "<5" under 5, else within the noise."""
    return true in shown.possible() and (shown.value is None) == (true < THRESHOLD)


def actor_of(user: User) -> str:
    """A test learner's pseudonym: like the platform's, 32 hexadecimal digits."""
    return hashlib.sha256(f"actor-{user.id}".encode()).hexdigest()[:32]


@dataclass
class World:
    schools: list[School]
    students: list[User]
    teachers: list[User]
    course: Course
    teacher_course: Course
    lessons: list[Lesson] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    enrolments: dict[tuple[int, int], Enrolment] = field(default_factory=dict)
    certified: set[tuple[int, int]] = field(default_factory=set)

    def enrol(self, user: User, course: Course, at: datetime) -> Enrolment:
        found = self.enrolments.get((user.id, course.id))
        if found is None:
            found = Enrolment(user_id=user.id, course_id=course.id, enrolled_at=at, last_activity_at=at)
            db.session.add(found)
            db.session.flush()
            self.enrolments[(user.id, course.id)] = found
            self.event(user, "registered", "course", course.id, at, course=course)
        return found

    def event(
        self,
        user: User,
        verb: str,
        object_type: str,
        object_id: int,
        at: datetime,
        *,
        course: Course | None = None,
        success: bool | None = None,
        school_id: int | None | bool = False,
    ) -> None:
        """One learning event; the learner's school is its snapshot unless ``school_id`` says otherwise."""
        course = course or self.course
        registration = self.enrolments.get((user.id, course.id))
        school = user.school_id if school_id is False else school_id
        db.session.add(
            LearningEvent(
                actor=actor_of(user),
                verb=verb,
                object_type=object_type,
                object_id=object_id,
                course_id=course.id,
                registration=registration.id if registration else None,
                success=success,
                timestamp=at,
                school_id=school,
                region_id=db.session.get(School, school).region_id if isinstance(school, int) else None,
            )
        )
        if registration is not None and at > registration.last_activity_at:
            registration.last_activity_at = at

    def complete_course(self, user: User, course: Course, at: datetime, grade: int | None = None) -> None:
        enrolment = self.enrol(user, course, at)
        enrolment.completed_at = at
        self.event(user, "completed", "course", course.id, at, course=course)
        if grade is not None:
            self.certificate(user, course, at, grade)

    def certificate(
        self, user: User, course: Course, at: datetime, grade: int, revoked: datetime | None = None
    ) -> None:
        """A certificate (one per learner and course: a second is not added)."""
        if (user.id, course.id) in self.certified:
            return
        self.certified.add((user.id, course.id))
        db.session.add(
            Certificate(
                serial=new_serial(),
                user_id=user.id,
                course_id=course.id,
                holder_name=user.full_name,
                course_title="Course",
                grade=grade,
                language="en",
                issued_at=at,
                status=CertificateStatus.REVOKED if revoked else CertificateStatus.VALID,
                revoked_at=revoked,
                credential={},
            )
        )


def build() -> World:
    """Two regions: in the first a school with a district and one without; a school in the second; three
    students in each school, two self-registered (no school); two teachers; a course for students and one
    for teachers."""
    district = org.create_district(factories.region("KZ-71").id, "T-D1", "Аудан", "Район", "District")
    schools = [
        factories.school("KZ-71", district_id=district.id),
        factories.school("KZ-71"),
        factories.school("KZ-75"),
    ]
    students = [factories.user(school_id=s.id, password=None) for s in schools for _ in range(3)]
    students += [factories.user(password=None) for _ in range(2)]
    teachers = [factories.user(Role.TEACHER, school_id=schools[0].id, password=None) for _ in range(2)]
    for account in (*students, *teachers):
        account.created_at = MONDAY - timedelta(days=7)  # they signed up before the term began
    course = factories.course()
    teacher_course = factories.course()
    teacher_course.audience = CourseAudience.TEACHERS
    lessons = list(
        db.session.scalars(
            sa.select(Lesson)
            .join(Module)
            .where(Module.course_id == course.id)
            .order_by(Module.position, Lesson.position)
        )
    )
    assignments = list(
        db.session.scalars(
            sa.select(Assignment).join(Module).where(Module.course_id == course.id).order_by(Module.position)
        )
    )
    return World(schools, students, teachers, course, teacher_course, lessons, assignments)


def rollup_rows() -> dict[str, dict[tuple[Any, ...], dict[str, int]]]:
    """What the rollup tables hold (keys → measures), without their ``as_of`` and zero-only rows."""
    found: dict[str, dict[tuple[Any, ...], dict[str, int]]] = {}
    for rollup in ROLLUPS:
        keys = rollup.keys()
        table: dict[tuple[Any, ...], dict[str, int]] = {}
        for row in db.session.execute(sa.select(rollup.table)).mappings():
            values = {k: v for k, v in row.items() if k not in keys and k != "as_of"}
            table[tuple(row[k] for k in keys)] = values
        found[rollup.name] = table
    return found


def later(days: float = 0, hours: float = 0) -> datetime:
    return MONDAY + timedelta(days=days, hours=hours)
