import io
import re

import sqlalchemy as sa

from lms import mail
from lms.db import db
from lms.models import Role, School, User
from lms.services import accounts
from tests import factories
from tests.conftest import csrf_token, post_form


def test_admin_adds_and_edits_a_school(client, login):
    login(factories.user(Role.ADMIN))
    astana = factories.region("KZ-71")
    response = post_form(
        client,
        "/admin/schools/new",
        {
            "name": "№ 1 мектеп",
            "code": "990140000123",
            "region_id": astana.id,
            "kind": "school",
            "language": "kk",
            "settlement": "rural",
        },
    )
    assert response.status_code == 302
    school = db.session.scalar(sa.select(School).where(School.code == "990140000123"))
    assert school.name == "№ 1 мектеп" and school.settlement.value == "rural"
    post_form(
        client,
        f"/admin/schools/{school.id}",
        {
            "name": "№ 1 лицей",
            "code": "990140000123",
            "region_id": astana.id,
            "kind": "college",
            "language": "ru",
            "settlement": "urban",
        },
    )
    assert school.name == "№ 1 лицей" and school.kind.value == "college"
    assert "№ 1 лицей" in client.get("/admin/schools?q=лицей").get_data(as_text=True)


def test_duplicate_school_code_is_refused(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    factories.school(code="DUP")
    response = post_form(
        client,
        "/admin/schools/new",
        {
            "name": "X",
            "code": "DUP",
            "region_id": factories.region().id,
            "kind": "school",
            "language": "kk",
            "settlement": "urban",
        },
    )
    assert response.status_code == 200
    assert "already has this code" in response.get_data(as_text=True)


def test_unknown_choice_values_are_refused(client, login):
    login(factories.user(Role.ADMIN))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(School))
    post_form(
        client,
        "/admin/schools/new",
        {"name": "X", "code": "X1", "region_id": 99999, "kind": "castle", "language": "kk", "settlement": "urban"},
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(School)) == before


def test_admin_creates_an_official_with_a_region_and_invites_them(app, client, login):
    login(factories.user(Role.ADMIN))
    sent = []
    with mail.mail_sent.connected_to(lambda sender, message: sent.append(message)):
        response = post_form(
            client,
            "/admin/users/new",
            {
                "full_name": "Ресми Адам",
                "email": "official@example.org",
                "role": "official",
                "language": "kk",
                "scope_region_id": factories.region("KZ-75").id,
                "school_code": "",
            },
        )
    assert response.status_code == 302
    official = accounts.get_user_by_email("official@example.org")
    assert official.role == Role.OFFICIAL and official.scope_region.code == "KZ-75"
    assert [m["To"] for m in sent] == ["official@example.org"]


def test_admin_edits_role_and_school(client, login):
    login(factories.user(Role.ADMIN))
    school = factories.school(code="SC-9")
    user = factories.user()
    post_form(
        client,
        f"/admin/users/{user.id}",
        {
            "full_name": user.full_name,
            "email": user.email,
            "role": "teacher",
            "language": "ru",
            "scope_region_id": 0,
            "school_code": "SC-9",
            "active": "y",
        },
    )
    assert user.role == Role.TEACHER and user.school_id == school.id and user.preferred_language == "ru"


def test_admin_cannot_remove_the_last_admin(client, login):
    admin = login(factories.user(Role.ADMIN, language="en"))
    response = post_form(
        client,
        f"/admin/users/{admin.id}",
        {
            "full_name": admin.full_name,
            "email": admin.email,
            "role": "student",
            "language": "en",
            "scope_region_id": 0,
            "school_code": "",
        },
    )
    assert "at least one active administrator" in response.get_data(as_text=True)
    assert admin.role == Role.ADMIN


def test_users_list_searches_and_filters(client, login):
    login(factories.user(Role.ADMIN))
    factories.user(Role.MENTOR, full_name="Дмитрий Ким")
    factories.user(Role.STUDENT, full_name="Айжан Ким")
    html = client.get("/admin/users?q=ким&role=mentor").get_data(as_text=True)
    assert "Дмитрий Ким" in html and "Айжан Ким" not in html


def test_admin_bulk_import(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    content = b"email,full_name,role\nm1@example.org,Mentor One,mentor\nm2@example.org,Mentor Two,mentor\n"
    preview = client.post(
        "/admin/users/import",
        data={"csrf_token": csrf_token(client, "/admin/users"), "file": (io.BytesIO(content), "users.csv")},
        content_type="multipart/form-data",
    )
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Mentor Two" in html and "make 2 accounts" in html
    assert accounts.get_user_by_email("m1@example.org") is None  # nothing yet
    token = re.search(r'name="token" type="hidden" value="([^"]+)"|type="hidden" name="token" value="([^"]+)"', html)
    assert token is not None
    response = client.post(
        "/admin/users/import/confirm",
        data={"csrf_token": csrf_token(client, "/admin/users"), "token": token.group(1) or token.group(2)},
    )
    assert response.status_code == 302
    mentors = db.session.scalars(sa.select(User).where(User.role == Role.MENTOR)).all()
    assert {m.email for m in mentors} >= {"m1@example.org", "m2@example.org"}


def test_admin_bulk_import_with_errors_reports_rows(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    content = b"email,full_name,role\nm1@example.org,Mentor One,mentor\nm2@example.org,Mentor Two,pirate\n"
    response = client.post(
        "/admin/users/import",
        data={"csrf_token": csrf_token(client, "/admin/users"), "file": (io.BytesIO(content), "users.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "unknown role pirate" in response.get_data(as_text=True)
    assert accounts.get_user_by_email("m1@example.org") is None


def test_admin_home_counts_accounts(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    html = client.get("/").get_data(as_text=True)
    assert "Manage accounts" in html


def test_official_home_is_scoped(client, login):
    login(factories.user(Role.OFFICIAL, scope_region="KZ-79", language="en"))
    html = client.get("/").get_data(as_text=True)
    assert "Shymkent" in html and "Almaty" not in html
