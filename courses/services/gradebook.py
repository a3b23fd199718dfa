"""A class's progress in a course: students × assignments, modules, who is behind.

A fixed number of queries whatever the number of students, assignments or
attempts (a test pins it).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import selectinload

from courses.models import (
    Assignment,
    Attempt,
    AttemptStatus,
    Course,
    Enrolment,
    LessonProgress,
    Module,
    localized,
)
from courses.services import learning, visibility
from lms.db import db, utcnow
from lms.models import ClassMembership, SchoolClass, User
from lms.spreadsheets import safe_cell

#: A row is "inactive" after this long without activity (an earlier warning than ``learning.AT_RISK_AFTER``).
INACTIVE_AFTER = timedelta(days=7)


@dataclass
class Cell:
    best: float | None = None  # best fraction of the maximum score, after penalties
    attempts: int = 0
    late: bool = False
    pending: bool = False
    passed: bool = False

    @property
    def percent(self) -> int | None:
        return None if self.best is None else round(100 * self.best)


@dataclass
class Row:
    student: User
    enrolled: bool
    cells: dict[int, Cell] = field(default_factory=dict)
    modules: dict[int, int] = field(default_factory=dict)  # module id -> percent
    last_activity: datetime | None = None
    behind: list[str] = field(default_factory=list)  # "inactive", "below_pass_mark"
    completed: bool = False
    at_risk: bool = False  # ``learning.at_risk``: as the officials' dashboard counts


@dataclass
class Gradebook:
    course: Course
    assignments: list[Assignment]
    rows: list[Row]

    @property
    def measures(self) -> Measures:
        """The class's numbers as the officials' dashboard counts them (here exact: a teacher sees their class)."""
        enrolled = [row for row in self.rows if row.enrolled]
        completed = sum(1 for row in enrolled if row.completed)
        return Measures(
            students=len(self.rows),
            enrolled=len(enrolled),
            completed=completed,
            at_risk=sum(1 for row in enrolled if row.at_risk),
            completion_percent=round(100 * completed / len(enrolled)) if enrolled else None,
        )


@dataclass(frozen=True)
class Measures:
    """A class in a course: its students, those enrolled, completed and at risk, and the completion rate."""

    students: int
    enrolled: int
    completed: int
    at_risk: int
    completion_percent: int | None


def courses_of_class(school_class: SchoolClass, viewer: User) -> list[Course]:
    """Courses at least one student of the class is enrolled in, of those ``viewer`` may see."""
    return list(
        db.session.scalars(
            sa.select(Course)
            .where(
                Course.id.in_(
                    sa.select(Enrolment.course_id)
                    .join(ClassMembership, ClassMembership.user_id == Enrolment.user_id)
                    .where(ClassMembership.class_id == school_class.id)
                ),
                visibility.visible_courses_clause(viewer),
            )
            .order_by(Course.id)
        )
    )


def class_gradebook(school_class: SchoolClass, course: Course, now: datetime | None = None) -> Gradebook:
    now = now or utcnow()
    students = list(
        db.session.scalars(
            sa.select(User)
            .join(ClassMembership, ClassMembership.user_id == User.id)
            .where(ClassMembership.class_id == school_class.id)
            .order_by(User.full_name, User.id)
        )
    )
    # The structure in two statements, not two per module; course.modules is filled in too.
    course = db.session.scalars(
        sa.select(Course)
        .where(Course.id == course.id)
        .options(
            selectinload(Course.modules).selectinload(Module.lessons),
            selectinload(Course.modules).selectinload(Module.assignments),
        )
    ).one()
    modules = list(course.modules)
    assignments = [a for module in modules for a in module.assignments]
    lessons = {lesson.id: module.id for module in modules for lesson in module.lessons}
    student_ids = [s.id for s in students]
    enrolments = (
        {
            e.user_id: e
            for e in db.session.scalars(
                sa.select(Enrolment).where(Enrolment.course_id == course.id, Enrolment.user_id.in_(student_ids))
            )
        }
        if student_ids
        else {}
    )
    attempt_rows = (
        db.session.execute(
            sa.select(
                Attempt.user_id, Attempt.assignment_id, Attempt.score, Attempt.max_score, Attempt.late, Attempt.status
            ).where(Attempt.user_id.in_(student_ids), Attempt.assignment_id.in_([a.id for a in assignments]))
        ).all()
        if student_ids and assignments
        else []
    )
    completed = (
        db.session.execute(
            sa.select(LessonProgress.user_id, LessonProgress.lesson_id).where(
                LessonProgress.user_id.in_(student_ids),
                LessonProgress.lesson_id.in_(list(lessons)),
                LessonProgress.completed_at.is_not(None),
            )
        ).all()
        if student_ids and lessons
        else []
    )

    pass_marks = {a.id: a.pass_mark for a in assignments}
    rows = {s.id: Row(student=s, enrolled=s.id in enrolments) for s in students}
    for row in rows.values():
        row.cells = {a.id: Cell() for a in assignments}
        registration = enrolments.get(row.student.id)
        row.last_activity = registration.last_activity_at if registration else None
        row.completed = registration is not None and registration.completed_at is not None
        row.at_risk = registration is not None and learning.at_risk(registration, now)
    for user_id, assignment_id, score, maximum, late, status in attempt_rows:
        if status == AttemptStatus.ERROR:
            continue  # the platform failed to grade it: not the learner's attempt
        cell = rows[user_id].cells[assignment_id]
        cell.attempts += 1
        cell.late = cell.late or late
        if status == AttemptStatus.PENDING:
            cell.pending = True
            continue
        fraction = score / maximum if maximum else 0.0
        cell.best = fraction if cell.best is None else max(cell.best, fraction)
        cell.passed = cell.passed or fraction >= pass_marks[assignment_id] - 1e-9
    done_lessons: dict[int, set[int]] = {}
    for user_id, lesson_id in completed:
        done_lessons.setdefault(user_id, set()).add(lesson_id)
    for row in rows.values():
        for module in modules:
            total = len(module.lessons) + len(module.assignments)
            done = sum(1 for lesson in module.lessons if lesson.id in done_lessons.get(row.student.id, set()))
            done += sum(1 for a in module.assignments if row.cells[a.id].passed)
            row.modules[module.id] = round(100 * done / total) if total else 0
        if row.enrolled and (row.last_activity is None or now - row.last_activity > INACTIVE_AFTER):
            row.behind.append("inactive")
        if any(c.best is not None and not c.passed for c in row.cells.values()):
            row.behind.append("below_pass_mark")
    return Gradebook(course=course, assignments=assignments, rows=list(rows.values()))


def _table(book: Gradebook, language: str) -> list[list[object]]:
    header: list[object] = ["Full name", "E-mail", "Enrolled"]
    for assignment in book.assignments:
        title = localized(assignment.title, language, book.course.language)
        header += [f"{title} (%)", f"{title} attempts", f"{title} late"]
    header += [localized(m.title, language, book.course.language) + " (%)" for m in book.course.modules]
    header += ["Last activity", "Behind"]
    table: list[list[object]] = [header]
    for row in book.rows:
        line: list[object] = [row.student.full_name, row.student.email, "yes" if row.enrolled else "no"]
        for assignment in book.assignments:
            cell = row.cells[assignment.id]
            line += [cell.percent if cell.percent is not None else "", cell.attempts, "yes" if cell.late else ""]
        line += [row.modules[m.id] for m in book.course.modules]
        line += [row.last_activity.strftime("%Y-%m-%d %H:%M") if row.last_activity else "", ", ".join(row.behind)]
        table.append(line)
    return table


def gradebook_csv(book: Gradebook, language: str) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens Kazakh and Russian names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _table(book, language):
        writer.writerow(safe_cell(value) for value in line)
    return buffer.getvalue().encode("utf-8-sig")


def gradebook_xlsx(book: Gradebook, language: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = "Gradebook"
    for line in _table(book, language):
        sheet.append([safe_cell(value) for value in line])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
