"""Small factory functions for tests: each adds one row (flushed) with sensible defaults."""

from __future__ import annotations

import itertools

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
