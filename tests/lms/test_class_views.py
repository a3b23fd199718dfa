import io

import sqlalchemy as sa

from lms import mail
from lms.models import Role, SchoolClass, TaskProgress, TaskStatus, User
from lms.services import org
from tests import factories
from tests.conftest import csrf_token, post_form


def upload(client, class_id, content: bytes, filename="students.csv"):
    token = csrf_token(client, f"/classes/{class_id}")
    return client.post(
        f"/classes/{class_id}/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_teacher_creates_a_class_and_sees_its_code(client, login):
    school = factories.school()
    teacher = login(factories.user(Role.TEACHER, school_id=school.id))
    response = post_form(client, "/classes/new", {"name": "10 Ә", "academic_year": "2026-2027"})
    assert response.status_code == 302
    school_class = org.classes_of_teacher(teacher)[0]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert school_class.join_code in html and "10 Ә" in html


def test_teacher_without_school_is_told_what_to_do(client, login):
    login(factories.user(Role.TEACHER))
    client.set_cookie("lms_lang", "en")
    response = post_form(client, "/classes/new", {"name": "10", "academic_year": "2026-2027"})
    assert response.status_code == 200
    assert "not attached to a school" in response.get_data(as_text=True)


def test_academic_year_format_is_checked(client, login):
    school = factories.school()
    login(factories.user(Role.TEACHER, school_id=school.id, language="en"))
    response = post_form(client, "/classes/new", {"name": "10", "academic_year": "26/27"})
    assert "2026-2027" in response.get_data(as_text=True)
    assert db_count(SchoolClass) == 0


def db_count(model):
    from lms.db import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_student_joins_from_home_page(client, login):
    _teacher, school_class = factories.teacher_with_class()
    student = login(factories.user())
    response = post_form(client, "/join", {"code": school_class.join_code.lower()}, page="/")
    assert response.status_code == 302
    assert org.is_member(school_class, student)
    assert school_class.name in client.get("/").get_data(as_text=True)


def test_wrong_join_code_is_explained(client, login):
    login(factories.user(language="en"))
    post_form(client, "/join", {"code": "WRONG234"}, page="/")
    assert "No class has this code" in client.get("/").get_data(as_text=True)


def test_roster_import_creates_accounts_and_sends_invitations(app, client, login):
    teacher, school_class = factories.teacher_with_class()
    login(teacher)
    sent = []
    content = "email;full_name\r\nnew1@example.org;Жаңа Бір\r\nnew2@example.org;Жаңа Екі\r\n".encode()
    with mail.mail_sent.connected_to(lambda sender, message: sent.append(message)):
        response = upload(client, school_class.id, content)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/tasks/")
    assert sorted(m["To"] for m in sent) == ["new1@example.org", "new2@example.org"]
    assert "/password/reset/" in sent[0].get_content()
    task = client.get(response.headers["Location"].split("?")[0] + "/status").get_json()
    assert task["status"] == "done" and task["done"] == 2 and task["result"] == {"sent": 2, "total": 2}
    html = client.get(f"/classes/{school_class.id}").get_data(as_text=True)
    assert "Жаңа Бір" in html and "Жаңа Екі" in html


def test_roster_import_with_a_bad_row_imports_nothing_and_lists_rows(client, login):
    teacher, school_class = factories.teacher_with_class()
    teacher.preferred_language = "en"
    login(teacher)
    before = db_count(User)
    response = upload(client, school_class.id, b"email,full_name\nok@example.org,OK\nbroken,Bad\n")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported" in html and "broken" in html and ">3<" in html
    assert db_count(User) == before


def test_roster_import_refuses_unreadable_and_oversized_files(app, client, login):
    teacher, school_class = factories.teacher_with_class()
    teacher.preferred_language = "en"
    login(teacher)
    response = upload(client, school_class.id, b"")
    assert response.status_code == 302
    response = upload(client, school_class.id, b"email,full_name\na@example.org,A\n", filename="students.exe")
    assert response.status_code == 302
    assert "Choose a .csv file" in client.get(f"/classes/{school_class.id}").get_data(as_text=True)
    # A raw body: the test client would spool a multipart one to a temporary file.
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        f"/classes/{school_class.id}/import", data=big, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413


def test_thousand_student_roster_over_http(client, login):
    teacher, school_class = factories.teacher_with_class()
    login(teacher)
    content = ("email,full_name\n" + "".join(f"pupil{i}@example.org,Оқушы {i}\n" for i in range(1000))).encode()
    response = upload(client, school_class.id, content)
    assert response.status_code == 302
    assert len(org.roster(school_class)) == 1000
    from lms.db import db

    task = db.session.scalar(sa.select(TaskProgress).where(TaskProgress.owner_id == teacher.id))
    assert task.status == TaskStatus.DONE and task.done == 1000


def test_teacher_regenerates_code_and_removes_a_student(client, login):
    teacher, school_class = factories.teacher_with_class()
    student = factories.user()
    org.add_member(school_class, student)
    old = school_class.join_code
    login(teacher)
    post_form(client, f"/classes/{school_class.id}/join-code", {}, page=f"/classes/{school_class.id}")
    assert school_class.join_code != old
    post_form(client, f"/classes/{school_class.id}/members/{student.id}/remove", {}, page=f"/classes/{school_class.id}")
    assert not org.is_member(school_class, student)


def test_teacher_home_lists_only_own_classes(client, login):
    teacher, mine = factories.teacher_with_class("Mine 1")
    _other, theirs = factories.teacher_with_class("Theirs 2")
    login(teacher)
    html = client.get("/").get_data(as_text=True)
    assert "Mine 1" in html and "Theirs 2" not in html and theirs.join_code not in html
