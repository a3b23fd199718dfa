"""The administrator's certificate register: the page, CSV and XLSX downloads, the ZIP task and its file."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import openpyxl
import pytest

from certificates import documents, serials, tasks
from lms.db import db
from lms.models import Role, TaskProgress, TaskStatus
from tests import factories
from tests.certificates.registers import World, build_world, fake_pdf
from tests.conftest import csrf_token, post_form


@pytest.fixture
def world(db: Any, monkeypatch: pytest.MonkeyPatch) -> World:
    monkeypatch.setattr(documents, "certificate_pdf", fake_pdf)
    return build_world()


def csv_lines(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_admin_sees_the_register_filtered_by_class(client: Any, login: Any, world: World) -> None:
    login(world.admin)
    page = client.get(f"/admin/certificates?school={world.school.code}&class={world.class_a.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for key in ("aliya", "bob", "erlan"):
        assert serials.display(world.certificates[key].serial) in html
    assert "Dana Smith" not in html and "Жан Омаров" not in html
    assert "Revoked" in html and "Download PDFs as ZIP" in html
    assert f"/verify/{serials.display(world.certificates['aliya'].serial)}" in html
    everything = client.get("/admin/certificates").get_data(as_text=True)
    assert "Dana Smith" in everything and "Жан Омаров" in everything and "Download PDFs as ZIP" not in everything


def test_an_unknown_school_code_says_so(client: Any, login: Any, world: World) -> None:
    login(world.admin)
    html = client.get("/admin/certificates?school=NOPE").get_data(as_text=True)
    assert "No school has this code." in html and "Bob Brown" not in html
    assert "Bob Brown" not in client.get("/admin/certificates?class=999999").get_data(as_text=True)


def test_the_admin_downloads_the_csv_with_the_filtered_rows(client: Any, login: Any, world: World) -> None:
    login(world.admin)
    response = client.get(f"/admin/certificates.csv?class={world.class_a.id}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = csv_lines(response.data)
    assert lines[0][:3] == ["Number", "Holder", "Course"] and len(lines[0]) == 13
    assert sorted(line[1] for line in lines[1:]) == sorted(["Bob Brown", "Ерлан Қасымов", 'Әлия "Ақ" Сәрсенова/Test'])


def test_the_headings_follow_the_admins_language(client: Any, login: Any, world: World) -> None:
    world.admin.preferred_language = "kk"
    db.session.commit()
    login(world.admin)
    lines = csv_lines(client.get("/admin/certificates.csv?status=revoked").data)
    assert lines[0][1] == "Иесі" and [line[1] for line in lines[1:]] == ["Bob Brown"]


def test_the_admin_downloads_the_xlsx(client: Any, login: Any, world: World) -> None:
    login(world.admin)
    response = client.get(f"/admin/certificates.xlsx?school={world.school.code}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    lines = list(sheet.iter_rows(values_only=True))
    assert len(lines) == 6 and lines[0][0] == "Number"
    assert client.get("/admin/certificates.pdf").status_code == 404


def test_the_export_is_a_fixed_number_of_statements(client: Any, login: Any, db: Any, count_queries: Any) -> None:
    counts = []
    for extra in (0, 10):
        world = build_world(extra_in_class_a=extra)
        login(world.admin)
        with count_queries() as counter:
            response = client.get(f"/admin/certificates.csv?class={world.class_a.id}")
        assert len(csv_lines(response.data)) == 4 + extra
        counts.append(counter.count)
    assert counts[0] == counts[1]


@pytest.mark.parametrize("role", [Role.STUDENT, Role.TEACHER, Role.OFFICIAL, Role.MENTOR])
def test_others_are_forbidden(client: Any, login: Any, world: World, role: Role) -> None:
    login(factories.user(role))
    for url in ("/admin/certificates", "/admin/certificates.csv", "/admin/certificates.xlsx"):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/")
    response = client.post("/admin/certificates/zip", data={"class": world.class_a.id, "csrf_token": token})
    assert response.status_code == 403


def test_the_zip_is_built_with_progress_then_downloaded(client: Any, login: Any, world: World) -> None:
    login(world.admin)
    page = f"/admin/certificates?school={world.school.code}&class={world.class_a.id}"
    response = post_form(
        client, "/admin/certificates/zip", {"school": world.school.code, "class": world.class_a.id}, page=page
    )
    assert response.status_code == 302 and "/admin/certificates/zip/" in response.headers["Location"]
    (job,) = db.session.scalars(db.select(TaskProgress).where(TaskProgress.kind == tasks.ZIP_TASK_KIND)).all()
    assert job.status is TaskStatus.DONE and job.percent == 100 and job.owner_id == world.admin.id
    progress_page = client.get(response.headers["Location"])
    html = progress_page.get_data(as_text=True)
    assert progress_page.status_code == 200 and "ZIP file of certificates" in html
    assert f"/admin/certificates/zip/{job.id}/download" in html and "data-when-done" in html
    assert client.get(f"/tasks/{job.id}/status").get_json()["percent"] == 100
    download = client.get(f"/admin/certificates/zip/{job.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    download.close()
    assert len(names) == 3 and "register.csv" in names  # two valid certificates and the register

    another_admin = factories.user(Role.ADMIN)
    login(another_admin)
    again = client.get(f"/admin/certificates/zip/{job.id}/download")
    again.close()
    assert again.status_code == 200  # any administrator: the register is the administrators' shared work
    login(factories.user(Role.TEACHER))
    assert client.get(f"/admin/certificates/zip/{job.id}/download").status_code == 403
    assert client.get(f"/admin/certificates/zip/{job.id}").status_code == 403


def test_the_zip_needs_a_school_or_a_class(client: Any, login: Any, world: World) -> None:
    login(world.admin)
    response = post_form(client, "/admin/certificates/zip", {}, page="/admin/certificates", follow_redirects=True)
    assert "Choose a school or a class first" in response.get_data(as_text=True)
    assert db.session.scalars(db.select(TaskProgress).where(TaskProgress.kind == tasks.ZIP_TASK_KIND)).all() == []


def test_the_zip_post_needs_the_csrf_token(client: Any, login: Any, world: World) -> None:
    login(world.admin)
    response = client.post("/admin/certificates/zip", data={"class": world.class_a.id})
    assert response.status_code == 400
    assert db.session.scalars(db.select(TaskProgress).where(TaskProgress.kind == tasks.ZIP_TASK_KIND)).all() == []


def test_an_unfinished_or_other_task_has_no_download(client: Any, login: Any, world: World) -> None:
    from lms.services import progress

    login(world.admin)
    running = progress.create_progress(tasks.ZIP_TASK_KIND, world.admin)
    invitations = progress.create_progress("invitations", world.admin)
    db.session.commit()
    assert client.get(f"/admin/certificates/zip/{running.id}").status_code == 200
    assert client.get(f"/admin/certificates/zip/{running.id}/download").status_code == 404
    assert client.get(f"/admin/certificates/zip/{invitations.id}").status_code == 404
    assert client.get("/admin/certificates/zip/nope/download").status_code == 404


def test_old_zip_files_are_removed_and_their_download_says_so(app: Any, client: Any, login: Any, world: World) -> None:
    import os
    import time

    from lms import storage

    login(world.admin)
    page = f"/admin/certificates?class={world.class_a.id}"
    response = post_form(client, "/admin/certificates/zip", {"class": world.class_a.id}, page=page)
    (job,) = db.session.scalars(db.select(TaskProgress).where(TaskProgress.kind == tasks.ZIP_TASK_KIND)).all()
    key = job.result["key"]
    path = storage.path_of(key)
    part = path.parent / ".part-left-by-a-dead-worker"
    part.write_bytes(b"half a zip")
    recent = storage.path_of(tasks.zip_key("made-an-hour-ago"))
    recent.write_bytes(b"PK")
    hours = app.config["CERTIFICATE_ZIP_KEEP_HOURS"]
    day_and_more = time.time() - (hours + 1) * 3600
    for old in (path, part):
        os.utime(old, (day_and_more, day_and_more))
    os.utime(recent, (time.time() - 3600, time.time() - 3600))
    assert response.status_code == 302

    assert tasks.remove_old_zips() == 2
    assert not path.exists() and not part.exists() and recent.exists()
    assert tasks.remove_old_zips() == 0
    recent.unlink()

    client.set_cookie("lms_lang", "en")
    gone = client.get(f"/admin/certificates/zip/{job.id}/download")
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/admin/certificates")
    html = client.get(gone.headers["Location"]).get_data(as_text=True)
    assert f"files are removed {hours} hours after they are made" in html


def test_the_zip_sweeper_runs_every_hour_in_the_queue() -> None:
    import datetime as dt

    from lms.queue import huey

    def due(minute: int) -> set[str]:
        return {task.name for task in huey.read_periodic(dt.datetime(2026, 12, 3, 10, minute))}

    assert any(name.endswith("sweep_old_zips") for name in due(17))
    assert not any(name.endswith("sweep_old_zips") for name in due(18))
