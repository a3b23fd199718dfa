"""The ministry's lists of districts and of schools uploaded on the schools page: preview, then confirm."""

from __future__ import annotations

import io
import os
import re
import time

import sqlalchemy as sa

from lms import storage
from lms.models import District, Role, School
from lms.services import org, uploads
from tests import factories
from tests.conftest import csrf_token

DISTRICTS = (
    "code,region,name_kk,name_ru,name_en\n"
    "D-SHA,KZ-61,Шардара ауданы,Шардаринский район,Shardara district\n"
    "D-ESL,kz-71,Есіл ауданы,район Есиль,Yesil district\n"
).encode()
SCHOOLS = (
    "code;name;region;district;kind;language;settlement\n"
    "S-1;Шардара № 3 мектебі;KZ-61;D-SHA;school;kk;rural\n"
    "S-2;Астана колледжі;KZ-71;;college;ru;\n"
).encode("cp1251")
STAGED = re.compile(r'name="token" type="hidden" value="([^"]+)"|type="hidden" name="token" value="([^"]+)"')


def upload(client, kind: str, content: bytes, encoding: str = ""):
    """Upload a list on the schools page (its form's fields are prefixed with the kind): the answer is its preview."""
    return client.post(
        f"/admin/schools/import/{kind}",
        data={
            f"{kind}-csrf_token": csrf_token(client, "/admin/schools"),
            f"{kind}-file": (io.BytesIO(content), f"{kind}.csv"),
            f"{kind}-encoding": encoding,
        },
        content_type="multipart/form-data",
    )


def staged_token(preview) -> str:
    match = STAGED.search(preview.get_data(as_text=True))
    assert match, preview.get_data(as_text=True)[:500]
    return match.group(1) or match.group(2)


def confirm(client, kind: str, token: str, encoding: str = ""):
    return client.post(
        f"/admin/schools/import/{kind}/confirm",
        data={"csrf_token": csrf_token(client, "/admin/schools"), "token": token, "encoding": encoding},
    )


def count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_schools_page_offers_both_uploads_with_their_columns(client, login):
    login(factories.user(Role.ADMIN))
    html = client.get("/admin/schools").get_data(as_text=True)
    assert "Import districts from a file" in html and "name_kk, name_ru and name_en" in html
    assert "Import schools from a file" in html and "settlement (urban, rural)" in html
    assert 'id="districts-file"' in html and 'id="schools-file"' in html  # two forms, no clashing ids


def test_districts_then_schools_are_previewed_then_imported(client, login, db):
    login(factories.user(Role.ADMIN))
    districts_before, schools_before = count(db, District), count(db, School)
    preview = upload(client, "districts", DISTRICTS)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Check the file before importing" in html and "Read as UTF-8" in html
    assert "Шардаринский район" in html and "Importing will add 2 districts." in html
    head, body = html.split("</head>")
    assert "<th" not in head and '<thead><tr><th scope="col">Line</th><th scope="col">Code</th>' in body
    assert count(db, District) == districts_before  # nothing yet
    done = confirm(client, "districts", staged_token(preview), "utf-8")
    assert done.status_code == 302 and done.headers["Location"] == "/admin/schools"
    assert "Imported 2 districts." in client.get(done.headers["Location"]).get_data(as_text=True)
    assert {d.code for d in org.districts()} >= {"D-SHA", "D-ESL"}

    preview = upload(client, "schools", SCHOOLS)
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Read as Windows-1251 (Cyrillic)" in html
    assert "Шардара № 3 мектебі" in html and "College" in html
    assert "2 schools in the file." in html and "Importing will add 2 and update 0." in html
    assert count(db, School) == schools_before
    done = confirm(client, "schools", staged_token(preview), "cp1251")
    assert done.status_code == 302
    assert "Schools imported: 2 added, 0 updated." in client.get("/admin/schools").get_data(as_text=True)
    school = org.school_by_code("S-1")
    assert school is not None and school.district is not None and school.district.code == "D-SHA"


def test_a_school_list_is_read_again_in_another_encoding_and_updates_what_exists(client, login):
    login(factories.user(Role.ADMIN))
    existing = factories.school("KZ-71", code="S-2", name="Old name")
    preview = upload(client, "schools", "code,name,region\nS-2,José Müller College,KZ-71\n".encode("cp1252"), "cp1251")
    assert "Josй Mьller" in preview.get_data(as_text=True)
    again = client.post(
        "/admin/schools/import/schools/preview",
        data={"csrf_token": csrf_token(client, "/admin/schools"), "token": staged_token(preview), "encoding": "cp1252"},
    )
    html = again.get_data(as_text=True)
    assert "José Müller College" in html and "Importing will add 0 and update 1." in html
    assert confirm(client, "schools", staged_token(again), "cp1252").status_code == 302
    assert existing.name == "José Müller College"


def test_a_bad_file_names_every_bad_line_and_changes_nothing(client, login, db):
    login(factories.user(Role.ADMIN))
    factories.school("KZ-71", code="S-KEEP", name="Kept as it is")
    schools_before = count(db, School)
    bad = (
        b"code,name,region,district\n"
        b"S-KEEP,Renamed,KZ-71,\n"
        b"S-2,No such region,KZ-00,\n"
        b"S-3,No such district,KZ-61,D-NONE\n"
    )
    refused = upload(client, "schools", bad)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nothing was imported" in html and "2 lines of the file have problems" in html
    assert "unknown region KZ-00" in html and "unknown district D-NONE" in html and "Code (BIN)" in html
    assert 'href="/admin/schools"' in html
    assert count(db, School) == schools_before
    assert org.school_by_code("S-KEEP").name == "Kept as it is"

    districts_before = count(db, District)
    refused = upload(client, "districts", b"code,region,name_kk,name_ru,name_en\nD-1,KZ-00,a,b,c\nD-2,KZ-61,,b,c\n")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "unknown region KZ-00" in html and "the column name_kk is empty" in html
    assert count(db, District) == districts_before


def test_a_file_that_cannot_be_read_is_refused_with_a_message(client, login):
    login(factories.user(Role.ADMIN))
    refused = upload(client, "districts", b"code,name\nD-1,x\n")
    assert refused.status_code == 302 and refused.headers["Location"] == "/admin/schools"
    assert "name_kk" in client.get("/admin/schools").get_data(as_text=True)  # the missing columns are named


def test_an_expired_staged_file_gives_the_message_and_imports_nothing(app, client, login, db):
    admin = login(factories.user(Role.ADMIN))
    districts_before = count(db, District)
    token = staged_token(upload(client, "districts", DISTRICTS))
    old = time.time() - uploads.KEPT_FOR.total_seconds() - 5
    os.utime(storage.path_of(f"uploads/{admin.id}/{token}.csv"), (old, old))
    refused = confirm(client, "districts", token)
    assert refused.status_code == 302 and refused.headers["Location"] == "/admin/schools"
    assert "no longer kept" in client.get("/admin/schools").get_data(as_text=True)
    assert count(db, District) == districts_before


def test_the_uploads_need_the_csrf_token(client, login, db):
    login(factories.user(Role.ADMIN))
    schools_before = count(db, School)
    refused = client.post(
        "/admin/schools/import/schools",
        data={"schools-file": (io.BytesIO(b"code,name,region\nS-9,Nine,KZ-71\n"), "schools.csv")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and count(db, School) == schools_before
