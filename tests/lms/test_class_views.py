import io
import re

import sqlalchemy as sa

from lms import mail
from lms.models import Role, SchoolClass, TaskProgress, TaskStatus, User
from lms.services import org
from tests import factories
from tests.conftest import csrf_token, post_form


def upload(client, class_id, content: bytes, filename="students.csv", encoding=""):
    """Upload a class list: the answer is its preview (or why it cannot be imported)."""
    token = csrf_token(client, f"/classes/{class_id}")
    return client.post(
        f"/classes/{class_id}/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename), "encoding": encoding},
        content_type="multipart/form-data",
    )


STAGED = re.compile(r'name="token" type="hidden" value="([^"]+)"|type="hidden" name="token" value="([^"]+)"')


def staged_token(preview) -> str:
    match = STAGED.search(preview.get_data(as_text=True))
    assert match, preview.get_data(as_text=True)[:500]
    return match.group(1) or match.group(2)


def import_file(client, class_id, content: bytes, filename="students.csv"):
    """Upload a class list and confirm its preview, as a teacher does."""
    preview = upload(client, class_id, content, filename)
    assert preview.status_code == 200, preview.status_code
    return client.post(
        f"/classes/{class_id}/import/confirm",
        data={"csrf_token": csrf_token(client, f"/classes/{class_id}"), "token": staged_token(preview)},
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
        response = import_file(client, school_class.id, content)
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
    response = import_file(client, school_class.id, content)
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


def test_the_preview_shows_the_first_lines_and_what_importing_would_do_and_imports_nothing(client, login):
    teacher, school_class = factories.teacher_with_class()
    teacher.preferred_language = "en"
    login(teacher)
    before = db_count(User)
    rows = "".join(f"p{i}@example.org,Pupil {i}\n" for i in range(8))
    preview = upload(client, school_class.id, ("email,full_name\n" + rows).encode())
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Check the file before importing" in html and "Read as UTF-8" in html
    assert "Pupil 4" in html and "Pupil 5" not in html  # the first five lines
    assert "8 students in the file" in html and "make 8 new accounts" in html
    assert db_count(User) == before and org.roster(school_class) == []


def test_a_wrongly_read_file_can_be_read_again_in_another_encoding(client, login):
    teacher, school_class = factories.teacher_with_class()
    teacher.preferred_language = "en"
    login(teacher)
    content = "email,full_name\nj@example.org,José Müller\n".encode("cp1252")
    preview = upload(client, school_class.id, content, encoding="cp1251")
    assert "Josй Mьller" in preview.get_data(as_text=True)
    again = client.post(
        f"/classes/{school_class.id}/import/preview",
        data={
            "csrf_token": csrf_token(client, f"/classes/{school_class.id}"),
            "token": staged_token(preview),
            "encoding": "cp1252",
        },
    )
    assert "José Müller" in again.get_data(as_text=True)
    confirmed = client.post(
        f"/classes/{school_class.id}/import/confirm",
        data={
            "csrf_token": csrf_token(client, f"/classes/{school_class.id}"),
            "token": staged_token(again),
            "encoding": "cp1252",
        },
    )
    assert confirmed.status_code == 302
    assert [student.full_name for student in org.roster(school_class)] == ["José Müller"]


def test_a_staged_file_is_its_uploaders_only_and_used_once(client, login):
    teacher, school_class = factories.teacher_with_class()
    teacher.preferred_language = "en"
    login(teacher)
    token = staged_token(upload(client, school_class.id, b"email,full_name\na@example.org,A\n"))

    def confirm() -> object:
        return client.post(
            f"/classes/{school_class.id}/import/confirm",
            data={"csrf_token": csrf_token(client, f"/classes/{school_class.id}"), "token": token},
        )

    login(factories.user(Role.ADMIN, language="en"))  # an administrator may import into any class, not with this file
    refused = confirm()
    assert refused.status_code == 302 and org.roster(school_class) == []
    assert "no longer kept" in client.get(refused.headers["Location"]).get_data(as_text=True)
    login(teacher)
    assert confirm().status_code == 302 and len(org.roster(school_class)) == 1
    again = confirm()  # used once
    assert again.status_code == 302 and "no longer kept" in client.get(again.headers["Location"]).get_data(as_text=True)
