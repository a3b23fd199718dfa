"""Small factory functions for tests: each adds one row (flushed) with sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa

from lms.db import db
from lms.models import InstructionLanguage, Region, Role, School, SchoolClass, SchoolKind, Settlement, User
from lms.services import accounts, org

_sequence = itertools.count(1)
PASSWORD = "correct horse battery"  # noqa: S105 - test accounts only


def region(code: str = "KZ-71") -> Region:
    found = db.session.scalar(sa.select(Region).where(Region.code == code))
    assert found is not None, f"region {code} missing: are migrations applied?"
    return found


def school(region_code: str = "KZ-71", **values: object) -> School:
    n = next(_sequence)
    defaults: dict[str, object] = {
        "code": f"T-{n:06d}",
        "name": f"Test school {n}",
        "kind": SchoolKind.SCHOOL,
        "language": InstructionLanguage.KK,
        "settlement": Settlement.URBAN,
    }
    defaults.update(values)
    return org.create_school(region(region_code).id, **defaults)  # type: ignore[arg-type]


def user(
    role: Role = Role.STUDENT,
    *,
    email: str | None = None,
    password: str | None = PASSWORD,
    full_name: str | None = None,
    language: str = "en",
    scope_region: str | None = None,
    school_id: int | None = None,
) -> User:
    n = next(_sequence)
    return accounts.create_user(
        email or f"{role.value}{n}@example.org",
        full_name or f"{role.value.title()} Number{n}",
        role=role,
        password=password,
        language=language,
        scope_region_id=region(scope_region).id if scope_region else None,
        school_id=school_id,
    )


def teacher_with_class(name: str = "9 A", region_code: str = "KZ-71") -> tuple[User, SchoolClass]:
    where = school(region_code)
    teacher = user(Role.TEACHER, school_id=where.id)
    return teacher, org.create_class(teacher, name)


def course(
    slug: str | None = None, *, state: str = "catalogue", author: User | None = None, prerequisite: bool = True
) -> Any:
    """A two-module course: each module has two lessons and a required quiz; module 2 needs module 1.

    ``state`` is draft, class or catalogue (approved: everyone signed in sees it).
    """
    from courses.models import Assignment, Course, CourseState, Item, Lesson, Module

    n = next(_sequence)
    new = Course(
        slug=slug or f"course-{n}",
        title={"kk": f"Курс {n}", "ru": f"Курс {n}", "en": f"Course {n}"},
        summary={"en": "A test course"},
        language="kk",
        hours=12,
        author_id=author.id if author is not None else None,
        state=CourseState(state),
    )
    db.session.add(new)
    db.session.flush()
    modules = []
    for position in (1, 2):
        module = Module(course_id=new.id, position=position, title={"en": f"Module {position}"})
        if prerequisite and modules:
            module.prerequisite_id = modules[-1].id
        db.session.add(module)
        db.session.flush()
        for lesson_position in (1, 2):
            db.session.add(
                Lesson(
                    module_id=module.id,
                    position=lesson_position,
                    title={"en": f"Lesson {position}.{lesson_position}"},
                    body={"en": "# Hello\n\nSome *text*."},
                )
            )
        quiz = Assignment(module_id=module.id, position=1, title={"en": f"Quiz {position}"}, max_attempts=3)
        db.session.add(quiz)
        db.session.flush()
        db.session.add_all(
            [
                Item(
                    assignment_id=quiz.id,
                    position=1,
                    type="single_choice",
                    prompt="Pick A",
                    spec={"points": 1, "choices": [{"id": "a", "text": "A", "credit": 1}, {"id": "b", "text": "B"}]},
                ),
                Item(
                    assignment_id=quiz.id,
                    position=2,
                    type="numeric",
                    prompt="2+2",
                    spec={"points": 1, "answers": [{"value": 4}]},
                ),
            ]
        )
        modules.append(module)
    db.session.flush()
    db.session.expire(new)
    return new


def set_state(course: Any, state: str) -> None:
    """Move a course to another state (draft, class, catalogue), as an administrator may."""
    from courses.models import CourseState

    course.state = CourseState(state)
    db.session.flush()


def right_answers(assignment: Any) -> dict[str, Any]:
    answers = {"single_choice": "a", "numeric": 4}
    return {str(item.id): answers[item.type] for item in assignment.items if item.type in answers}
