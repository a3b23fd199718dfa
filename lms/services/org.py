"""Organisations: schools, classes, join codes, memberships."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from lms.db import db
from lms.models import (
    ClassMembership,
    District,
    InstructionLanguage,
    Region,
    Role,
    School,
    SchoolClass,
    SchoolKind,
    Settlement,
    User,
)

# No 0/O, 1/I/L: join codes are read aloud in classrooms and typed on phones.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


class SchoolCodeTaken(Exception):
    """Another school already has this code."""


class DistrictCodeTaken(Exception):
    """Another district already has this code."""


class DistrictNotInRegion(ValueError):
    """The district named for a school lies in another region."""


class NoSchool(Exception):
    """The teacher is not attached to a school, so a class has nowhere to belong."""


class InvalidJoinCode(Exception):
    """No class has this join code."""


class NotAStudent(Exception):
    """Only students join classes."""


def regions() -> list[Region]:
    return list(db.session.scalars(sa.select(Region).order_by(Region.code)))


def region_by_code(code: str) -> Region | None:
    return db.session.scalar(sa.select(Region).where(Region.code == code.strip().upper()))


def school_by_code(code: str) -> School | None:
    return db.session.scalar(sa.select(School).where(School.code == code.strip()))


def district_by_code(code: str) -> District | None:
    return db.session.scalar(sa.select(District).where(District.code == code.strip()))


def districts(region_id: int | None = None) -> list[District]:
    """Districts by region and name (of one region when given)."""
    query = sa.select(District).join(Region, Region.id == District.region_id).order_by(Region.code, District.name_kk)
    if region_id is not None:
        query = query.where(District.region_id == region_id)
    return list(db.session.scalars(query))


def create_district(region_id: int, code: str, name_kk: str, name_ru: str, name_en: str) -> District:
    """Add a district (flushed); raises DistrictCodeTaken."""
    code = code.strip()
    if district_by_code(code) is not None:
        raise DistrictCodeTaken(code)
    district = District(
        region_id=region_id, code=code, name_kk=name_kk.strip(), name_ru=name_ru.strip(), name_en=name_en.strip()
    )
    db.session.add(district)
    db.session.flush()
    return district


def _check_district(region_id: int, district_id: int | None) -> None:
    if district_id is None:
        return
    district = db.session.get(District, district_id)
    if district is None or district.region_id != region_id:
        raise DistrictNotInRegion(district_id)


def create_school(
    region_id: int,
    code: str,
    name: str,
    kind: SchoolKind,
    language: InstructionLanguage,
    settlement: Settlement,
    district_id: int | None = None,
) -> School:
    """Add a school (flushed); raises SchoolCodeTaken, DistrictNotInRegion."""
    code = code.strip()
    if school_by_code(code) is not None:
        raise SchoolCodeTaken(code)
    _check_district(region_id, district_id)
    school = School(
        region_id=region_id,
        district_id=district_id,
        code=code,
        name=name.strip(),
        kind=kind,
        language=language,
        settlement=settlement,
    )
    db.session.add(school)
    db.session.flush()
    return school


def update_school(
    school: School,
    *,
    region_id: int,
    code: str,
    name: str,
    kind: SchoolKind,
    language: InstructionLanguage,
    settlement: Settlement,
    district_id: int | None = None,
) -> School:
    """Change a school's details; raises SchoolCodeTaken, DistrictNotInRegion."""
    code = code.strip()
    other = school_by_code(code)
    if other is not None and other.id != school.id:
        raise SchoolCodeTaken(code)
    _check_district(region_id, district_id)
    school.region_id, school.district_id, school.code, school.name = region_id, district_id, code, name.strip()
    school.kind, school.language, school.settlement = kind, language, settlement
    db.session.flush()
    return school


def list_schools(region_id: int | None = None, search: str = "") -> sa.Select[School]:
    query = sa.select(School).options(sa.orm.joinedload(School.district)).order_by(School.name, School.id)
    if region_id is not None:
        query = query.where(School.region_id == region_id)
    if search:
        pattern = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(sa.func.lower(School.name).like(pattern), School.code.like(pattern)))
    return query


def current_academic_year(today: date | None = None) -> str:
    """The Kazakh school year starts on 1 September."""
    today = today or date.today()
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}"


def _new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(sa.select(SchoolClass.id).where(SchoolClass.join_code == code)) is None:
            return code


def normalize_join_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def create_class(teacher: User, name: str, academic_year: str | None = None) -> SchoolClass:
    """A new class at the teacher's school, with a fresh join code. Raises NoSchool."""
    if teacher.school_id is None:
        raise NoSchool()
    school_class = SchoolClass(
        school_id=teacher.school_id,
        teacher_id=teacher.id,
        name=name.strip(),
        academic_year=academic_year or current_academic_year(),
        join_code=_new_join_code(),
    )
    db.session.add(school_class)
    db.session.flush()
    return school_class


def regenerate_join_code(school_class: SchoolClass) -> str:
    """Replace the join code (the old one stops working at once)."""
    school_class.join_code = _new_join_code()
    db.session.flush()
    return school_class.join_code


def classes_of_teacher(teacher: User) -> list[SchoolClass]:
    return list(
        db.session.scalars(
            sa.select(SchoolClass)
            .where(SchoolClass.teacher_id == teacher.id)
            .order_by(SchoolClass.academic_year.desc(), SchoolClass.name)
        )
    )


def classes_of_school(school: School) -> list[SchoolClass]:
    return list(
        db.session.scalars(
            sa.select(SchoolClass)
            .where(SchoolClass.school_id == school.id)
            .order_by(SchoolClass.academic_year.desc(), SchoolClass.name)
        )
    )


def classes_of_student(student: User) -> list[SchoolClass]:
    return list(
        db.session.scalars(
            sa.select(SchoolClass)
            .join(ClassMembership, ClassMembership.class_id == SchoolClass.id)
            .where(ClassMembership.user_id == student.id)
            .order_by(SchoolClass.academic_year.desc(), SchoolClass.name)
        )
    )


def member_counts(class_ids: list[int]) -> dict[int, int]:
    if not class_ids:
        return {}
    rows = db.session.execute(
        sa.select(ClassMembership.class_id, sa.func.count())
        .where(ClassMembership.class_id.in_(class_ids))
        .group_by(ClassMembership.class_id)
    )
    return {class_id: count for class_id, count in rows}


def roster(school_class: SchoolClass) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(ClassMembership, ClassMembership.user_id == User.id)
            .where(ClassMembership.class_id == school_class.id)
            .order_by(User.full_name, User.id)
        )
    )


def is_member(school_class: SchoolClass, user: User) -> bool:
    return db.session.get(ClassMembership, {"class_id": school_class.id, "user_id": user.id}) is not None


def add_member(school_class: SchoolClass, student: User) -> bool:
    """Put a student in a class; False when already there. Raises NotAStudent."""
    if student.role != Role.STUDENT:
        raise NotAStudent()
    if is_member(school_class, student):
        return False
    db.session.add(ClassMembership(class_id=school_class.id, user_id=student.id))
    db.session.flush()
    return True


def join_class(student: User, code: str) -> SchoolClass:
    """A student joins the class with this code. Raises InvalidJoinCode, NotAStudent."""
    normalized = normalize_join_code(code)
    school_class = db.session.scalar(sa.select(SchoolClass).where(SchoolClass.join_code == normalized))
    if school_class is None:
        raise InvalidJoinCode()
    add_member(school_class, student)
    return school_class


def remove_member(school_class: SchoolClass, student: User) -> bool:
    membership = db.session.get(ClassMembership, {"class_id": school_class.id, "user_id": student.id})
    if membership is None:
        return False
    db.session.delete(membership)
    db.session.flush()
    return True


# Scope: what an official (or admin) may see ---------------------------------

#: Aggregates over fewer learners than this are not shown to officials.
MIN_GROUP_SIZE = 5


def region_ids_in_scope(user: User) -> list[int] | None:
    """Regions the user may see aggregates of: None means every region."""
    if user.role == Role.ADMIN or (user.role == Role.OFFICIAL and user.scope_region_id is None):
        return None
    if user.role == Role.OFFICIAL:
        return [user.scope_region_id] if user.scope_region_id is not None else []
    return []


def can_view_region(user: User, region_id: int) -> bool:
    allowed = region_ids_in_scope(user)
    return allowed is None or region_id in allowed


@dataclass(frozen=True)
class RegionSummary:
    region: Region
    schools: int
    classes: int
    # None when suppressed (fewer than MIN_GROUP_SIZE learners).
    students: int | None


def region_summaries(user: User) -> list[RegionSummary]:
    """Counts per region within the user's scope, small groups suppressed."""
    allowed = region_ids_in_scope(user)
    region_query = sa.select(Region).order_by(Region.code)
    if allowed is not None:
        region_query = region_query.where(Region.id.in_(allowed))
    regions_seen = list(db.session.scalars(region_query))
    ids = [r.id for r in regions_seen]
    if not ids:
        return []
    schools = dict(
        db.session.execute(
            sa.select(School.region_id, sa.func.count()).where(School.region_id.in_(ids)).group_by(School.region_id)
        ).all()
    )
    classes = dict(
        db.session.execute(
            sa.select(School.region_id, sa.func.count(SchoolClass.id))
            .join(SchoolClass, SchoolClass.school_id == School.id)
            .where(School.region_id.in_(ids))
            .group_by(School.region_id)
        ).all()
    )
    students = dict(
        db.session.execute(
            sa.select(School.region_id, sa.func.count(sa.distinct(ClassMembership.user_id)))
            .join(SchoolClass, SchoolClass.school_id == School.id)
            .join(ClassMembership, ClassMembership.class_id == SchoolClass.id)
            .where(School.region_id.in_(ids))
            .group_by(School.region_id)
        ).all()
    )
    summaries = []
    for region in regions_seen:
        count = students.get(region.id, 0)
        summaries.append(
            RegionSummary(
                region=region,
                schools=schools.get(region.id, 0),
                classes=classes.get(region.id, 0),
                students=count if count >= MIN_GROUP_SIZE or count == 0 else None,
            )
        )
    return summaries
