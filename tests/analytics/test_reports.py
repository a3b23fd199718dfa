"""Progress reports: the dashboard's shown numbers as CSV, XLSX and PDF, with their scope, filters, time and rule;
asked for on the dashboard, made by the queue (immediate in tests) and kept on the owner's reports page."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import openpyxl
import pytest

from analytics.models import ReportFile
from lms import storage
from lms.db import db
from lms.models import Role
from tests import factories
from tests.analytics.test_dashboard import country  # noqa: F401 - the fixture
from tests.certificates.test_pdf import run, tool
from tests.conftest import post_form

pytestmark = pytest.mark.usefixtures("country")


@pytest.fixture
def official(login):
    return login(factories.user(Role.OFFICIAL, language="en"))


def ask(
    client, kind: str, period: str = "2026-09", region: int | None = None, page: str = "/analytics/?period=2026-09"
):
    """Press a report button on the dashboard: the answer is the redirect to the report's progress page."""
    data = {"kind": kind, "period": period, **({"region": str(region)} if region else {})}
    return post_form(client, "/analytics/reports", data, page=page)


def made(client, kind: str, **kwargs):
    """Ask for a report and download it once the queue has made it."""
    response = ask(client, kind, **kwargs)
    assert response.status_code == 302 and "/analytics/reports/" in response.location, response.location
    progress_page = client.get(response.location)
    assert progress_page.status_code == 200
    html = progress_page.get_data(as_text=True)
    assert "<progress" in html and "/download" in html
    return read(client, response.location + "/download")


def read(client, url: str):
    """GET a file (sent from storage) and close it: the answer keeps its body."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def test_the_csv_holds_the_pages_numbers_and_states_the_rule(client, official):
    response = made(client, "csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "filename=progress-KZ-2026-09.csv" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: spreadsheets read the letters right
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    text = "\n".join(",".join(line) for line in lines)
    assert "adjusted by a small amount" in text and "Data as of" in text and "September 2026" in text
    almaty = factories.region("KZ-71").name("en")
    header = next(line for line in lines if line and line[0] == "Region")
    row = dict(zip(header, next(line for line in lines if line and line[0] == almaty), strict=True))
    page = _page()
    shown = page[almaty]
    assert row["Enrolments"] == str(shown.counts["enrolments"].value)
    assert row["Completions"] == str(shown.counts["completions"].value)
    assert row["Completed, % of enrolments"] == f"{shown.rates['completion_rate'].percent}%"
    other = dict(zip(header, next(line for line in lines if line and line[0] == "Almaty"), strict=False))
    assert other.get("Enrolments") in ("<5", None)
    total = dict(zip(header, next(line for line in lines if line and line[0] == "Total"), strict=True))
    assert total["Enrolments"] == str(page[""].counts["enrolments"].value)


def _page() -> dict[str, Any]:
    """The dashboard's overview of September by region name (the total under "")."""
    from analytics import dashboards
    from analytics.queries import Period, Scope

    table = dashboards.overview(Scope(), Period.months(date(2026, 9, 1)), None, "en", "No school")
    assert table.total is not None
    return {row.name: row for row in table.rows} | {"": table.total}


def test_the_xlsx_has_typed_numbers_frozen_headers_and_an_about_sheet(client, official):
    response = made(client, "xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Indicators", "Coverage", "Region", "Week by week", "Grades", "About"]
    sheet = book["Region"]
    assert sheet.freeze_panes == "B2"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    name = factories.region("KZ-71").name("en")
    almaty, page = rows[name], _page()
    assert almaty[1] == page[name].counts["enrolments"].value and isinstance(almaty[1], int)
    assert almaty[7] == page[name].rates["completion_rate"].percent / 100  # a share, as a percentage by its format
    assert rows["Total"][1] == page[""].counts["enrolments"].value
    weeks = list(book["Week by week"].iter_rows(min_row=2, values_only=True))
    assert len(weeks) == 12
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert "adjusted by a small amount" in about["Rule"] and about["Period"] == "September 2026"
    indicators = {r[0]: r[1:] for r in book["Indicators"].iter_rows(min_row=2, values_only=True)}
    assert set(indicators) == {"Certificates issued", "Teachers trained", "Advanced learners", "Student projects"}
    assert indicators["Student projects"][0] == "not counted yet"
    coverage = [r[0] for r in book["Coverage"].iter_rows(min_row=2, values_only=True)]
    assert coverage == ["Students enrolled in a course", "Teachers trained"]
    grades = list(book["Grades"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in grades] == [f"{10 * n}–{100 if n == 9 else 10 * n + 9}%" for n in range(10)]


def test_a_course_report_holds_its_modules_as_learners_reached_them(client, official, country):  # noqa: F811
    course = country.course
    response = post_form(
        client,
        "/analytics/reports",
        {"kind": "xlsx", "period": "2026-09", "course": str(course.id)},
        page=f"/analytics/?period=2026-09&course={course.id}",
    )
    book = openpyxl.load_workbook(io.BytesIO(read(client, response.location + "/download").data))
    assert "Modules" in book.sheetnames
    modules = [r[0] for r in book["Modules"].iter_rows(min_row=2, values_only=True)]
    titles = [m.title_in("en") for m in sorted(course.modules, key=lambda m: m.position)]
    assert modules == [f"{n}. {title}" for n, title in enumerate(titles, start=1)]


def test_no_cell_is_a_count_under_five(client, official):
    book = openpyxl.load_workbook(io.BytesIO(made(client, "xlsx").data))
    for name in ("Region", "Week by week", "Grades"):
        for row in book[name].iter_rows(min_row=2, values_only=True):
            for value in row[1:]:
                assert value in ("<5", "—") or isinstance(value, float | str) or value >= 5


def test_a_regional_official_downloads_only_their_region(client, login):
    login(factories.user(Role.OFFICIAL, scope_region="KZ-71", language="en"))
    mine, other = factories.region("KZ-71"), factories.region("KZ-75")
    response = made(client, "csv", region=mine.id, page=f"/analytics/regions/{mine.id}?period=2026-09")
    assert response.status_code == 200 and f"progress-{mine.code}-2026-09" in response.headers["Content-Disposition"]
    assert other.name("en").encode() not in response.data
    assert ask(client, "xlsx", region=other.id, page=f"/analytics/regions/{mine.id}").status_code == 403
    assert db.session.query(ReportFile).count() == 1


def test_bad_requests_make_no_report_and_say_why(client, official):
    for data in ({"kind": "exe", "period": "2026-09"}, {"kind": "pdf", "period": "Sept"}, {"kind": "pdf"}):
        response = post_form(client, "/analytics/reports", data, page="/analytics/", follow_redirects=True)
        assert "Choose a report to make from the dashboard." in response.get_data(as_text=True)
    response = ask(client, "csv", period="1999-01")
    assert "not kept" in client.get(response.location).get_data(as_text=True)
    assert client.post("/analytics/reports", data={"kind": "csv", "period": "2026-09"}).status_code == 400  # no CSRF
    assert db.session.query(ReportFile).count() == 0


def test_reports_are_listed_for_their_owner_only_and_can_be_deleted(client, login):
    owner = login(factories.user(Role.OFFICIAL, language="en"))
    assert made(client, "xlsx").status_code == 200
    listed = client.get("/analytics/reports").get_data(as_text=True)
    assert "progress-KZ-2026-09.xlsx" in listed and "Data as of" in listed
    file = db.session.query(ReportFile).one()
    key = file.storage_key
    assert file.owner_id == owner.id and file.size > 0 and key and storage.exists(key)

    login(factories.user(Role.OFFICIAL, language="en"))  # another national official
    assert "progress-KZ-2026-09.xlsx" not in client.get("/analytics/reports").get_data(as_text=True)
    report_id = file.id
    for url in (f"/analytics/reports/{report_id}", f"/analytics/reports/{report_id}/download"):
        assert read(client, url).status_code == 404
    assert post_form(client, f"/analytics/reports/{report_id}/delete", {}, page="/analytics/reports").status_code == 404

    login(owner)
    response = post_form(client, f"/analytics/reports/{report_id}/delete", {}, page="/analytics/reports")
    assert response.status_code == 302
    assert db.session.query(ReportFile).count() == 0 and not storage.exists(key)


def test_a_report_is_not_downloaded_once_its_region_is_out_of_the_owners_scope(client, login):
    almaty = factories.region("KZ-71")
    official = login(factories.user(Role.OFFICIAL, scope_region="KZ-71", language="en"))
    response = ask(client, "csv", region=almaty.id, page=f"/analytics/regions/{almaty.id}?period=2026-09")
    official.scope_region_id = factories.region("KZ-75").id  # moved to another region
    db.session.commit()
    assert read(client, response.location + "/download").status_code == 403


def test_the_pdf_states_its_scope_and_rule_and_holds_the_numbers(client, official, tmp_path):
    response = made(client, "pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    run(tool("pdftotext"), "-enc", "UTF-8", data=response.data, tmp=tmp_path)  # writes document.txt beside it
    text = (tmp_path / "document.txt").read_text(encoding="utf-8")
    assert "adjusted by a small amount" in " ".join(text.split())
    assert "September 2026" in text and factories.region("KZ-71").name("en") in text
    assert "Week by week" in text


def test_a_report_whose_period_is_gone_by_the_time_the_queue_runs_fails_with_a_reason(official):
    from analytics import dashboards, exports
    from analytics.models import DistrictMonth
    from lms.models import TaskProgress, TaskStatus

    selection = dashboards.select(official, None, "2026-09", None)
    file = exports.request_report(official, "pdf", selection, "ru")
    db.session.commit()
    db.session.query(DistrictMonth).delete()  # the rollups rebuilt without September
    db.session.commit()
    exports.make(file.id)
    task = db.session.get(TaskProgress, file.progress_id)
    assert task is not None and task.status is TaskStatus.FAILED
    assert task.message == "Период или курс этого отчёта больше не хранятся."
    assert file.storage_key is None


def test_a_report_of_a_districts_schools_filtered_states_them(client, official, country):  # noqa: F811
    first = country.schools[0]
    region = factories.region("KZ-71")
    data = {
        "kind": "csv",
        "period": "2026-09",
        "region": str(region.id),
        "district": str(first.district_id),
        "school_kind": "school",
    }
    page = f"/analytics/regions/{region.id}/districts/{first.district_id}?period=2026-09&kind=school"
    response = post_form(client, "/analytics/reports", data, page=page)
    file = read(client, response.location + "/download")
    assert file.status_code == 200
    assert f"progress-KZ-71-district{first.district_id}-school-2026-09.csv" in file.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(file.data.decode("utf-8-sig"))))
    about = {line[0]: line[1] for line in lines[1:5]}
    assert about["Scope"] == f"{first.district.name('en')}, {region.name('en')} (School)"
    assert any(line and line[0] == "School" for line in lines) and any(line and line[0] == first.name for line in lines)
    bad = post_form(client, "/analytics/reports", data | {"school_kind": "castle"}, page=page, follow_redirects=True)
    assert "Choose a report to make from the dashboard." in bad.get_data(as_text=True)
