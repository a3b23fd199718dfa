import pytest
import sqlalchemy as sa

from lms.csvfiles import CsvFileError
from lms.models import ClassMembership, InstructionLanguage, Role, User
from lms.services import imports, org
from tests import factories


def roster_csv(rows):
    return ("email,full_name\n" + "".join(f"{email},{name}\n" for email, name in rows)).encode()


def count(db, model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_roster_creates_students_without_passwords_and_adds_them(db):
    _teacher, school_class = factories.teacher_with_class()
    existing = factories.user(email="known@example.org", school_id=school_class.school_id)
    report = imports.import_roster(
        school_class, roster_csv([("new1@example.org", "Жаңа Оқушы"), ("KNOWN@example.org", "Known")])
    )
    assert [u.email for u in report.created] == ["new1@example.org"]
    assert report.added == [existing]
    created = report.created[0]
    assert created.role == Role.STUDENT and not created.has_password
    assert created.school_id == school_class.school_id
    assert created.preferred_language == InstructionLanguage.KK.value
    assert {u.email for u in org.roster(school_class)} == {"new1@example.org", "known@example.org"}


def test_roster_import_again_counts_members_already_there(db):
    _teacher, school_class = factories.teacher_with_class()
    data = roster_csv([("a@example.org", "A"), ("b@example.org", "B")])
    imports.import_roster(school_class, data)
    again = imports.import_roster(school_class, data)
    assert (len(again.created), len(again.added), again.already_members) == (0, 0, 2)


def test_one_bad_row_imports_nothing_and_names_every_bad_row(app, db):
    _teacher, school_class = factories.teacher_with_class()
    factories.user(Role.TEACHER, email="staff@example.org")
    users_before, members_before = count(db, User), count(db, ClassMembership)
    data = roster_csv(
        [
            ("ok@example.org", "Fine"),
            ("not-an-email", "Bad"),
            ("ok@example.org", "Twice"),
            ("staff@example.org", "Teacher"),
            ("noname@example.org", ""),
        ]
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(imports.ImportRejected) as info:
            imports.import_roster(school_class, data)
        reasons = {e.line: str(e.reason) for e in info.value.errors}
    assert sorted(reasons) == [3, 4, 5, 6]
    assert "not a valid e-mail" in reasons[3]
    assert "line 2" in reasons[4]
    assert reasons[5].startswith("not added:") and "staff" not in reasons[5]
    assert "full name is empty" in reasons[6]
    assert (count(db, User), count(db, ClassMembership)) == (users_before, members_before)


def test_only_students_of_the_classs_school_are_added_and_every_refusal_reads_the_same(app, db):
    _teacher, school_class = factories.teacher_with_class()
    other_school = factories.school()
    ours = factories.user(email="ours@example.org", school_id=school_class.school_id)
    factories.user(email="elsewhere@example.org", school_id=other_school.id)
    factories.user(Role.TEACHER, email="staff@example.org", school_id=school_class.school_id)
    disabled = factories.user(email="gone@example.org", school_id=school_class.school_id)
    disabled.active = False
    factories.user(email="noschool@example.org")
    db.session.flush()
    refused = ["elsewhere@example.org", "staff@example.org", "gone@example.org", "noschool@example.org"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(imports.ImportRejected) as info:
            imports.import_roster(school_class, roster_csv([(email, "Name") for email in refused]))
        reasons = {str(error.reason) for error in info.value.errors}
    assert len(info.value.errors) == 4 and len(reasons) == 1 and reasons.pop().startswith("not added:")
    report = imports.import_roster(school_class, roster_csv([("ours@example.org", "Ours"), ("new@example.org", "New")]))
    assert report.added == [ours] and [user.email for user in report.created] == ["new@example.org"]


def test_thousand_students_in_one_go(db, count_queries):
    _teacher, school_class = factories.teacher_with_class()
    data = roster_csv([(f"s{i}@example.org", f"Оқушы {i}") for i in range(1000)])
    with count_queries() as counter:
        report = imports.import_roster(school_class, data)
    assert len(report.created) == 1000
    assert len(org.roster(school_class)) == 1000
    assert counter.count < 40  # batched, not a query per row


def test_unreadable_roster_raises_file_error(app, db):
    _teacher, school_class = factories.teacher_with_class()
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(CsvFileError):
        imports.import_roster(school_class, b"\xff\xfe\x00garbage")


def test_admin_import_users_with_roles_regions_and_schools(db):
    school = factories.school(code="SCH-1")
    data = (
        b"email,full_name,role,language,region,school\n"
        b"t@example.org,Teacher T,teacher,ru,,SCH-1\n"
        b"o@example.org,Official O,official,kk,KZ-75,\n"
        b"n@example.org,National N,official,en,,\n"
        b"s@example.org,Student S,,,,\n"
    )
    report = imports.import_users(data)
    by_email = {u.email: u for u in report.created}
    assert by_email["t@example.org"].role == Role.TEACHER
    assert by_email["t@example.org"].school_id == school.id
    assert by_email["t@example.org"].preferred_language == "ru"
    assert by_email["o@example.org"].scope_region.code == "KZ-75"
    assert by_email["n@example.org"].scope_region_id is None
    assert by_email["s@example.org"].role == Role.STUDENT
    assert all(not u.has_password for u in report.created)


def test_admin_import_rejects_bad_values(app, db):
    factories.user(email="exists@example.org")
    data = (
        b"email,full_name,role,language,region,school\n"
        b"exists@example.org,E,student,kk,,\n"
        b"a@example.org,A,wizard,kk,,\n"
        b"b@example.org,B,student,de,,\n"
        b"c@example.org,C,official,kk,KZ-99,\n"
        b"d@example.org,D,teacher,kk,KZ-71,\n"
        b"e@example.org,E,teacher,kk,,NO-SUCH\n"
        b"f@example.org,F,student,kk,,\n"
    )
    before = count(db, User)
    with app.test_request_context(headers={"Accept-Language": "en"}), pytest.raises(imports.ImportRejected) as info:
        imports.import_users(data)
    assert [e.line for e in info.value.errors] == [2, 3, 4, 5, 6, 7]
    assert count(db, User) == before
