"""Progress reports: the dashboard's shown numbers as CSV and XLSX, with their scope, filters, time and rule."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from lms.models import Role
from tests import factories
from tests.analytics.test_dashboard import country  # noqa: F401 - the fixture
from tests.certificates.test_pdf import run, tool

pytestmark = pytest.mark.usefixtures("country")


@pytest.fixture
def official(login):
    return login(factories.user(Role.OFFICIAL, language="en"))


def test_the_csv_holds_the_pages_numbers_and_states_the_rule(client, official):
    response = client.get("/analytics/report.csv?month=2026-09")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="progress-KZ-2026-09.csv"' in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: spreadsheets read the letters right
    lines = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    text = "\n".join(",".join(line) for line in lines)
    assert "rounded down to a multiple of 5" in text and "Data as of" in text and "September 2026" in text
    almaty = factories.region("KZ-71").name("en")
    header = next(line for line in lines if line and line[0] == "Region")
    row = dict(zip(header, next(line for line in lines if line and line[0] == almaty), strict=True))
    assert row["Enrolments"] == "10" and row["Completions"] == "5" and row["Completed, % of enrolments"] == "50%"
    other = dict(zip(header, next(line for line in lines if line and line[0] == "Almaty"), strict=False))
    assert other.get("Enrolments") in ("<5", None)
    total = dict(zip(header, next(line for line in lines if line and line[0] == "Total"), strict=True))
    assert total["Enrolments"] == "10"  # the shown rows summed: 10 and "<5"


def test_the_xlsx_has_typed_numbers_frozen_headers_and_an_about_sheet(client, official):
    response = client.get("/analytics/report.xlsx?month=2026-09")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Region", "Week by week", "About"]
    sheet = book["Region"]
    assert sheet.freeze_panes == "B2"
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    almaty = rows[factories.region("KZ-71").name("en")]
    assert almaty[1] == 10 and isinstance(almaty[1], int)
    assert almaty[7] == 0.5  # a share, shown as a percentage by the cell's format
    assert rows["Total"][1] == 10
    weeks = list(book["Week by week"].iter_rows(min_row=2, values_only=True))
    assert len(weeks) == 12
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True)}
    assert "rounded down to a multiple of 5" in about["Rule"] and about["Month"] == "September 2026"


def test_every_cell_is_a_multiple_of_five_or_suppressed(client, official):
    book = openpyxl.load_workbook(io.BytesIO(client.get("/analytics/report.xlsx?month=2026-09").data))
    for name in ("Region", "Week by week"):
        for row in book[name].iter_rows(min_row=2, values_only=True):
            for value in row[1:]:
                assert value in ("<5", "—") or isinstance(value, float | str) or value % 5 == 0


def test_a_regional_official_downloads_only_their_region(client, login):
    login(factories.user(Role.OFFICIAL, scope_region="KZ-71", language="en"))
    mine, other = factories.region("KZ-71"), factories.region("KZ-75")
    response = client.get("/analytics/report.csv?month=2026-09")
    assert response.status_code == 200 and f"progress-{mine.code}-2026-09" in response.headers["Content-Disposition"]
    assert other.name("en").encode() not in response.data
    assert client.get(f"/analytics/report.xlsx?month=2026-09&region={other.id}").status_code == 403


def test_an_unknown_format_is_not_found(client, official):
    assert client.get("/analytics/report.pdfx?month=2026-09").status_code == 404


def test_the_pdf_states_its_scope_and_rule_and_holds_the_numbers(client, official, tmp_path):
    response = client.get("/analytics/report.pdf?month=2026-09")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    run(tool("pdftotext"), "-enc", "UTF-8", data=response.data, tmp=tmp_path)  # writes document.txt beside it
    text = (tmp_path / "document.txt").read_text(encoding="utf-8")
    assert "rounded down to a multiple of 5" in " ".join(text.split())
    assert "September 2026" in text and factories.region("KZ-71").name("en") in text
    assert "Week by week" in text
