from datetime import date

import pytest
import sqlalchemy as sa

from lms.models import ClassMembership, InstructionLanguage, Region, Role, SchoolKind, Settlement
from lms.services import org
from tests import factories


def test_twenty_regions_ship_with_the_schema(db):
    codes = db.session.scalars(sa.select(Region.code)).all()
    assert len(codes) == 20
    assert {"KZ-71", "KZ-75", "KZ-79", "KZ-62"} <= set(codes)
    astana = factories.region("KZ-71")
    assert (astana.name("kk"), astana.name("ru"), astana.name("en")) == ("Астана", "Астана", "Astana")


def test_school_codes_are_unique(db):
    factories.school(code="123456789012")
    with pytest.raises(org.SchoolCodeTaken):
        org.create_school(
            factories.region().id,
            " 123456789012 ",
            "Other",
            SchoolKind.SCHOOL,
            InstructionLanguage.RU,
            Settlement.RURAL,
        )


def test_update_school_may_keep_its_own_code(db):
    school = factories.school(code="A1")
    org.update_school(
        school,
        region_id=school.region_id,
        code="A1",
        name="Renamed",
        kind=SchoolKind.COLLEGE,
        language=InstructionLanguage.RU,
        settlement=Settlement.RURAL,
    )
    assert (school.name, school.kind) == ("Renamed", SchoolKind.COLLEGE)
    factories.school(code="B2")
    with pytest.raises(org.SchoolCodeTaken):
        org.update_school(
            school,
            region_id=school.region_id,
            code="B2",
            name="x",
            kind=SchoolKind.SCHOOL,
            language=InstructionLanguage.KK,
            settlement=Settlement.URBAN,
        )


@pytest.mark.parametrize(
    ("today", "year"),
    [(date(2026, 9, 1), "2026-2027"), (date(2027, 5, 25), "2026-2027"), (date(2026, 8, 31), "2025-2026")],
)
def test_academic_year_starts_in_september(today, year):
    assert org.current_academic_year(today) == year


def test_teacher_without_school_cannot_create_a_class(db):
    teacher = factories.user(Role.TEACHER)
    with pytest.raises(org.NoSchool):
        org.create_class(teacher, "9 A")


def test_join_codes_are_unambiguous_and_unique(db):
    teacher, first = factories.teacher_with_class()
    second = org.create_class(teacher, "9 B")
    for code in (first.join_code, second.join_code):
        assert len(code) == org.JOIN_CODE_LENGTH
        assert not set(code) & set("01OIL")
    assert first.join_code != second.join_code


def test_student_joins_with_code_typed_loosely(db):
    _teacher, school_class = factories.teacher_with_class()
    student = factories.user()
    typed = " " + "-".join(school_class.join_code.lower()[i : i + 4] for i in (0, 4)) + " "
    assert org.join_class(student, typed) is school_class
    assert org.is_member(school_class, student)
    assert org.join_class(student, school_class.join_code) is school_class  # twice is harmless
    assert len(org.roster(school_class)) == 1


def test_join_errors(db):
    _teacher, school_class = factories.teacher_with_class()
    with pytest.raises(org.InvalidJoinCode):
        org.join_class(factories.user(), "NOPE2345")
    with pytest.raises(org.NotAStudent):
        org.join_class(factories.user(Role.TEACHER), school_class.join_code)


def test_regenerated_code_replaces_the_old_one(db):
    _teacher, school_class = factories.teacher_with_class()
    old = school_class.join_code
    new = org.regenerate_join_code(school_class)
    assert new != old
    with pytest.raises(org.InvalidJoinCode):
        org.join_class(factories.user(), old)


def test_remove_member(db):
    _teacher, school_class = factories.teacher_with_class()
    student = factories.user()
    org.add_member(school_class, student)
    assert org.remove_member(school_class, student)
    assert not org.remove_member(school_class, student)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClassMembership)) == 0


def test_scope_of_each_role(db):
    national = factories.user(Role.OFFICIAL)
    regional = factories.user(Role.OFFICIAL, scope_region="KZ-75")
    almaty, astana = factories.region("KZ-75"), factories.region("KZ-71")
    assert org.region_ids_in_scope(national) is None
    assert org.region_ids_in_scope(factories.user(Role.ADMIN)) is None
    assert org.region_ids_in_scope(regional) == [almaty.id]
    assert org.can_view_region(regional, almaty.id) and not org.can_view_region(regional, astana.id)
    for role in (Role.STUDENT, Role.TEACHER, Role.MENTOR):
        assert org.region_ids_in_scope(factories.user(role)) == []


def test_region_summaries_are_scoped_and_suppress_small_groups(db):
    _teacher, small = factories.teacher_with_class(region_code="KZ-79")
    for _ in range(3):
        org.add_member(small, factories.user())
    _teacher, big = factories.teacher_with_class(region_code="KZ-75")
    for _ in range(6):
        org.add_member(big, factories.user())

    national = {s.region.code: s for s in org.region_summaries(factories.user(Role.OFFICIAL))}
    assert len(national) == 20
    assert national["KZ-79"].students is None  # 3 learners: suppressed
    assert national["KZ-79"].classes == 1
    assert national["KZ-75"].students == 6
    assert national["KZ-10"].students == 0

    regional = org.region_summaries(factories.user(Role.OFFICIAL, scope_region="KZ-75"))
    assert [s.region.code for s in regional] == ["KZ-75"]
    assert org.region_summaries(factories.user(Role.TEACHER)) == []


def test_region_summaries_cost_a_fixed_number_of_queries(db, count_queries):
    for code in ("KZ-71", "KZ-75", "KZ-79"):
        _teacher, school_class = factories.teacher_with_class(region_code=code)
        org.add_member(school_class, factories.user())
    official = factories.user(Role.OFFICIAL)
    db.session.flush()
    with count_queries() as counter:
        org.region_summaries(official)
    assert counter.count <= 4
