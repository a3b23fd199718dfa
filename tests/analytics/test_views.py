import io
import re
from datetime import UTC, datetime

import pytest

from analytics import targets
from analytics.models import Headcount, Indicator, Refresh
from lms.db import db
from lms.models import Role
from tests import factories
from tests.conftest import csrf_token, post_form

PAGES = ["/admin/analytics/headcounts", "/admin/analytics/targets", "/admin/analytics/refreshes"]
TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"|type="hidden" name="token" value="([^"]+)"')


def _upload(client, content: bytes):
    return client.post(
        "/admin/analytics/headcounts/import",
        data={
            "csrf_token": csrf_token(client, PAGES[0]),
            "file": (io.BytesIO(content), "headcounts.csv"),
        },
        content_type="multipart/form-data",
    )


def _token(html: str) -> str:
    match = TOKEN.search(html)
    assert match is not None
    return match.group(1) or match.group(2)


@pytest.mark.parametrize("page", PAGES)
def test_administrators_see_the_pages(client, login, page):
    login(factories.user(Role.ADMIN, language="en"))
    response = client.get(page)
    assert response.status_code == 200
    assert 'href="/admin/analytics/refreshes"' in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.TEACHER, Role.STUDENT, Role.OFFICIAL, Role.MENTOR])
@pytest.mark.parametrize("page", PAGES)
def test_others_are_refused(client, login, role, page):
    login(factories.user(role, scope_region="KZ-71" if role == Role.OFFICIAL else None))
    assert client.get(page).status_code == 403


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGES[1])
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_admin_navigation_links_the_pages(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    html = client.get("/").get_data(as_text=True)
    for page in PAGES:
        assert f'href="{page}"' in html


def test_headcounts_are_previewed_then_imported(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    school = factories.school(code="S-1", name="Школа-лицей № 8")
    db.session.commit()
    preview = _upload(client, b"school_code,school_year,teachers,grade_1,grade_2\nS-1,2026-2027,12,30,25\n")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Importing will add 1 and replace 0." in html and ">55<" in html
    assert db.session.get(Headcount, (school.id, "2026-2027")) is None  # nothing yet
    confirmed = client.post(
        "/admin/analytics/headcounts/import/confirm",
        data={"csrf_token": csrf_token(client, PAGES[0]), "token": _token(html)},
    )
    assert confirmed.status_code == 302
    assert db.session.get(Headcount, (school.id, "2026-2027")).students == 55
    listing = client.get("/admin/analytics/headcounts?year=2026-2027").get_data(as_text=True)
    assert "Школа-лицей № 8" in listing and "Headcounts imported: 1 added, 0 replaced." in listing
    assert "Школа-лицей № 8" not in client.get("/admin/analytics/headcounts?year=2025-2026").get_data(as_text=True)


def test_the_file_can_be_read_again_in_another_encoding(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    factories.school(code="МЕКТЕП")
    db.session.commit()
    html = _upload(client, "school_code,school_year,teachers\nМЕКТЕП,2026-2027,3\n".encode("cp1251")).get_data(
        as_text=True
    )
    assert "Windows-1251" in html and "МЕКТЕП" in html
    again = client.post(
        "/admin/analytics/headcounts/import/preview",
        data={"csrf_token": csrf_token(client, PAGES[0]), "token": _token(html), "encoding": "cp1252"},
    )
    assert again.status_code == 422  # read as Latin-1, the code is unknown: nothing kept


def test_a_bad_file_leaves_the_data_as_it_was(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    school = factories.school(code="S-1")
    db.session.add(Headcount(school_id=school.id, school_year="2026-2027", students=5, teachers=1))
    db.session.commit()
    response = _upload(client, b"school_code,school_year,teachers\nS-1,2026-2027,9\nNOPE,2026-2027,1\n")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "unknown school code NOPE" in html and "School code" in html and "Nothing was imported" in html
    assert db.session.get(Headcount, (school.id, "2026-2027")).teachers == 1


def test_an_unreadable_file_is_refused_with_a_message(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    response = _upload(client, b"school,year\nx,y\n")
    assert response.status_code == 302
    assert "The header line must name the columns" in client.get(PAGES[0]).get_data(as_text=True)


def test_posts_need_the_csrf_token(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    factories.school(code="S-1")
    db.session.commit()
    upload = client.post(
        "/admin/analytics/headcounts/import",
        data={"file": (io.BytesIO(b"school_code,school_year,teachers\nS-1,2026-2027,1\n"), "h.csv")},
        content_type="multipart/form-data",
    )
    target = client.post(
        "/admin/analytics/targets",
        data={"indicator": "projects", "region_id": factories.region().id, "year": 2027, "value": 5},
    )
    assert upload.status_code == 400 and target.status_code == 400
    assert targets.targets(2027).national == {}


def test_an_administrator_sets_a_target(client, login):
    admin = login(factories.user(Role.ADMIN, language="en"))
    astana = factories.region("KZ-71")
    db.session.commit()
    response = post_form(
        client,
        "/admin/analytics/targets?year=2027",
        {"indicator": "teachers_trained", "region_id": astana.id, "year": 2027, "value": 300},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("year=2027")
    saved = targets.targets(2027).by_region[(Indicator.TEACHERS_TRAINED, astana.id)]
    assert saved.value == 300 and saved.set_by_id == admin.id
    html = client.get("/admin/analytics/targets?year=2027").get_data(as_text=True)
    assert "Teachers trained" in html and "300" in html and "Target saved." in html


def test_a_bad_target_is_refused(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    astana = factories.region("KZ-71")
    db.session.commit()
    response = post_form(
        client,
        "/admin/analytics/targets",
        {"indicator": "teachers_trained", "region_id": astana.id, "year": 1999, "value": -1},
    )
    assert response.status_code == 200
    assert "Give a whole number from 2020 to 2100." in response.get_data(as_text=True)
    assert targets.targets(1999).national == {}


def test_indicators_are_labelled_in_the_reader_language(client, login):
    login(factories.user(Role.ADMIN, language="ru"))
    html = client.get("/admin/analytics/targets").get_data(as_text=True)
    assert "Teachers trained" not in html


def test_refreshes_say_never_when_empty_and_list_the_rollups(client, login):
    login(factories.user(Role.ADMIN, language="en"))
    assert "never been refreshed" in client.get(PAGES[2]).get_data(as_text=True)
    db.session.add(
        Refresh(
            rollup="course_weeks",
            data_as_of=datetime(2026, 3, 1, 6, 0, tzinfo=UTC),
            refreshed_at=datetime(2026, 3, 1, 6, 0, 5, tzinfo=UTC),
            duration_ms=1234,
            rows_written=56789,
            full=True,
        )
    )
    db.session.commit()
    html = client.get(PAGES[2]).get_data(as_text=True)
    assert "course_weeks" in html and "1,234" in html and "56,789" in html and "Rebuild" in html
    assert "never been refreshed" not in html
    assert "3/1/26, 11:00" in html  # Asia/Almaty (UTC+5), in the reader's locale
