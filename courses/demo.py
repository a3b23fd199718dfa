"""The demo course ("AI fundamentals", from courses/demo/ai-fundamentals) and the demo student's progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from courses.importers.folder import read_course_folder
from courses.models import Course
from courses.services import attempts, authoring, learning
from lms.db import db
from lms.services.accounts import get_user_by_email

DEMO_FOLDER = Path(__file__).resolve().parent / "demo" / "ai-fundamentals"
DEMO_STUDENT = "student@demo.aiskills.kz"


def seed_demo_course() -> tuple[Course, bool]:
    """Import the demo course once; enrol the demo student with some progress (idempotent).

    Returns the course and whether it was created now.
    """
    draft = read_course_folder(DEMO_FOLDER)
    course = db.session.scalar(sa.select(Course).where(Course.slug == draft.slug))
    created = course is None
    if course is None:
        course = authoring.create_course(draft, author=None)
    student = get_user_by_email(DEMO_STUDENT)
    if student is not None and learning.enrolment(student, course) is None:
        learning.enroll(student, course)
        first = course.modules[0]
        learning.complete_lesson(student, first.lessons[0])
        learning.open_lesson(student, first.lessons[1])
        if first.assignments:
            # A first try with no answers: the student has an attempt on record and tries again in the demo.
            attempts.submit_attempt(student, first.assignments[0], {})
    return course, created


def on_demo_seeded(sender: Any, **data: Any) -> None:
    course, created = seed_demo_course()
    if created:
        data["report"].created.append(f"course {course.slug}")
