"""Suppression on the demo data, in every format: no count of people under 5 anywhere the Astana official (or the
national one) can look — page, chart, API answer, CSV, XLSX, PDF — and no group under 5 pinned down by subtracting
two answers the filters allow: a course from every course, a month from its term, a term from its school year, a
district from its region, a region from the nation. Every count is its people's true count perturbed by their cell
key (``analytics.disclosure``); a difference narrows a group under 5 to one value only where both perturbations
sit at opposite ends of the table, and the page and the API give the same numbers."""

from __future__ import annotations

import csv
import io
import re
from itertools import product
from typing import Any

import lxml.html
import openpyxl
import pytest
import sqlalchemy as sa

from analytics import dashboards, disclosure, queries
from analytics.queries import Scope
from lms.demo import seed_demo
from lms.models import Region, Role, User
from lms.services import accounts
from tests.certificates.test_pdf import run, tool
from tests.conftest import post_form

#: Columns (as headed in English) that are not counts of people: published headcounts and targets, shares, names.
NOT_COUNTS = {
    "Headcount",
    "Target",
    "Of the target",
    "Coverage",
    "Completed, % of enrolments",
    "Trained, % of teachers",
}


@pytest.fixture
def demo(db):
    seed_demo()
    for user in db.session.scalars(sa.select(User).where(User.role == Role.OFFICIAL)):
        user.preferred_language = "en"  # the columns are found by their English headers
    db.session.commit()
    return {
        "nation": db.session.scalar(sa.select(User).where(User.email == "official@demo.aiskills.kz")),
        "astana": db.session.scalar(sa.select(User).where(User.email == "official.astana@demo.aiskills.kz")),
        "region": db.session.scalar(sa.select(Region).where(Region.code == "KZ-71")),
    }


def _is_count(value: Any) -> bool:
    """A count as the rule allows it: "<5" (or null in the API), or a whole number from 5 up."""
    if value is None or value in ("<5", "&lt;5"):
        return True
    if isinstance(value, str):
        value = int(value.replace(",", "").replace("\u00a0", "").replace(" ", ""))
    return isinstance(value, int) and value >= 5


def _table_counts(headers: list[str], rows: list[list[Any]]) -> list[tuple[str, Any]]:
    """(header, value) of every count cell of a table: every column but the first and the ones not counting people."""
    found = []
    for row in rows:
        for header, value in list(zip(headers, row, strict=False))[1:]:
            if header not in NOT_COUNTS and value not in ("—", "not counted yet", None, ""):
                found.append((header, value))
    return found


def _page_counts(html: str) -> list[tuple[str, Any]]:
    tree = lxml.html.fromstring(html)
    found = []
    for table in tree.iter("table"):
        headers = [th.text_content().strip() for th in table.xpath("./thead/tr/th")]
        rows = [
            [cell.text_content().strip() for cell in tr.xpath("./th|./td")]
            for tr in table.xpath(".//tbody/tr|.//tfoot/tr")
        ]
        found += _table_counts(headers, rows)
    return found


def _api_counts(body: Any) -> list[Any]:
    """Every count of people in an API answer (by its field names)."""
    found = []
    if isinstance(body, dict):
        for key, value in body.items():
            if key in ("counts",):
                found += list(value.values())
            elif key in ("learners", "certificates", "students_enrolled", "teachers_trained"):
                found.append(value)
            elif key == "value" and body.get("counted"):
                found.append(value)
            elif isinstance(value, dict | list):
                found += _api_counts(value)
    elif isinstance(body, list):
        for item in body:
            found += _api_counts(item)
    return found


def _query(period: str, course: str) -> str:
    return f"period={period}" + (f"&course={course}" if course else "")


def test_no_count_under_five_in_any_format(db, client, login, demo, tmp_path):
    official, astana = demo["astana"], demo["region"]
    login(official)
    selection = dashboards.select(official, None, None, None)
    courses = ["", *(str(c.id) for c in selection.courses)]
    token = accounts.issue_api_token(official).secret
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    checked = 0
    for period, course in product([p.key for p in selection.periods], courses):
        query = _query(period, course)
        page = client.get(f"/analytics/regions/{astana.id}?{query}").get_data(as_text=True)
        for header, value in _page_counts(page):
            assert _is_count(value), ("page", query, header, value)
            checked += 1
        for route in ("overview", "trend", "indicators", "grades", *(["funnel"] if course else [])):
            body = client.get(f"/api/v1/analytics/{route}?{query}", headers=headers).get_json()
            for value in _api_counts(body):
                assert _is_count(value), ("api", route, query, value)
                checked += 1
    for course in courses:
        files = {}
        for kind in ("csv", "xlsx", "pdf"):
            data = {"kind": kind, "period": selection.period.key, "region": str(astana.id)} | (
                {"course": course} if course else {}
            )
            asked = post_form(client, "/analytics/reports", data, page=f"/analytics/regions/{astana.id}")
            response = client.get(asked.location + "/download")
            assert response.status_code == 200
            files[kind] = response.get_data()
            response.close()
        book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
        for sheet in book.worksheets[:-1]:  # the last sheet states what the report is
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            for header, value in _table_counts([str(h) for h in rows[0]], rows[1:]):
                assert _is_count(value), ("xlsx", sheet.title, header, value)
                checked += 1
        lines = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig"))))
        blocks: list[list[list[str]]] = [[]]
        for line in lines:  # blocks apart by blank lines: what the report is, then each section
            if line:
                blocks[-1].append(line)
            else:
                blocks.append([])
        for block in blocks[1:]:  # a title, the headers and the rows
            for header, value in _table_counts(block[1], block[2:]):
                assert _is_count(value) or header in NOT_COUNTS, ("csv", header, value)
                checked += 1
        text = run(tool("pdftotext"), "-layout", "-enc", "UTF-8", data=files["pdf"], tmp=tmp_path)
        text = (tmp_path / "document.txt").read_text()
        text = re.sub(r"\b\d+ / \d+\b", "", text)  # page numbers
        text = re.sub(r"\b\d{1,2} [A-Z][a-z]{2}\b", "", text)  # the chart's weeks (2 Nov)
        text = " ".join(text.split()).replace("at most 3 up or down", "")  # the rule's own words
        # A count under 5 would stand alone as 1 to 4; dates, years, times, grades and module numbers never do.
        assert not re.findall(r"(?<![\w.,:/–-])[1-4](?![\w.,:/%–-])", text), "a count under 5 in the PDF"
        assert "<5" in text or "&lt;5" not in text
    assert checked > 500


def _overview(client: Any, headers: dict[str, str], region: int | None, period: str, course: str) -> dict[str, Any]:
    query = _query(period, course) + (f"&region={region}" if region else "")
    response = client.get(f"/api/v1/analytics/overview?{query}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _truths(region: int | None, period: dashboards.PeriodChoice, course: str) -> dict[int, dict[str, int]]:
    """The true counts of an overview's rows (never shown), the total under -1."""
    rows = queries.true_totals(dashboards.counted(Scope(region), period.period, int(course) if course else None))
    total: dict[str, int] = {}
    for counts in rows.values():
        for name, value in counts.items():
            total[name] = total.get(name, 0) + value
    return rows | {-1: total}


def _not_pinned(whole: int | None, part: int | None, true_whole: int, true_part: int) -> bool:
    """Subtracting a part from its whole: the rest is among what the pair allows, and a rest under 5 is narrowed to
    one value only by a pair of opposite extreme perturbations."""
    rest = true_whole - true_part
    possible = disclosure.differences(disclosure.Shown(whole), disclosure.Shown(part))
    candidates = {d for d in possible if 0 <= d < disclosure.THRESHOLD}
    if rest not in possible:
        return False
    if rest < disclosure.THRESHOLD and len(candidates) == 1:
        return whole is not None and part is not None and {whole - true_whole, part - true_part} == {3, -3}
    return True


def test_no_pair_of_filter_settings_pins_a_small_group_down(db, client, login, demo):
    """Differences of every pair of nested filter settings on the demo."""
    official = demo["nation"]
    selection = dashboards.select(official, None, None, None)
    token = accounts.issue_api_token(official).secret
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    courses = ["", *(str(c.id) for c in selection.courses)]
    periods = {p.key: p for p in selection.periods}
    regions = [None, demo["region"].id]
    answers = {
        (region, period, course): _overview(client, headers, region, period, course)
        for region, period, course in product(regions, periods, courses)
    }
    truths = {(r, p, c): _truths(r, periods[p], c) for r, p, c in answers}
    pairs = 0

    def compare(whole: tuple[Any, ...], whole_key: int, part: tuple[Any, ...], part_key: int) -> None:
        nonlocal pairs
        outer = answers[whole]["total"] if whole_key == -1 else _row(answers[whole], whole_key)
        inner = _row(answers[part], part_key)
        for name, value in outer["counts"].items():
            true_whole = truths[whole].get(whole_key, {}).get(name, 0)
            true_part = truths[part].get(part_key, {}).get(name, 0)
            assert _not_pinned(value, inner["counts"][name], true_whole, true_part), (whole, part, name)
            pairs += 1

    for (region, period, course), answer in answers.items():
        here = (region, period, course)
        for row in answer["rows"]:
            key = row["key"]
            compare(here, -1, here, key)  # a row from its table's total
            if course:
                compare((region, period, ""), key, here, key)  # one course from every course
            shorter = periods[period]
            for longer in periods.values():  # a month from its term or year, a term from its year
                if longer.key != period and longer.first <= shorter.first and shorter.period.last <= longer.period.last:
                    compare((region, longer.key, course), key, here, key)
        if region is not None:  # the region's own total is the nation's row of it: one population, one number
            assert _row(answers[None, period, course], region)["counts"] == answer["total"]["counts"]
    # The page and the API answer the same (so neither can be subtracted from the other).
    login(official)
    columns = ("enrolments", "completions", "certificates_issued", "at_risk", "teachers", "teachers_trained")
    for period, course in product(periods, courses):
        page = client.get(f"/analytics/regions/{demo['region'].id}?{_query(period, course)}").get_data(as_text=True)
        tree = lxml.html.fromstring(page)
        headers = [th.text_content().strip() for th in tree.xpath("//table[@class='dashboard']/thead/tr/th")]
        for tr in tree.xpath("//table[@class='dashboard']/tbody/tr|//table[@class='dashboard']/tfoot/tr"):
            values = dict(zip(headers, (c.text_content().strip() for c in tr.xpath("./th|./td")), strict=True))
            api = answers[demo["region"].id, period, course]
            link = tr.xpath("./th//a/@href")
            row = (
                api["total"]
                if values[headers[0]] == "Total"
                else next(r for r in api["rows"] if r["name"] == values[headers[0]])
            )
            del link
            for name, header in zip(
                columns,
                ("Enrolments", "Completions", "Certificates issued", "At risk now", "Teachers", "Teachers trained"),
                strict=True,
            ):
                shown = row["counts"][name]
                assert values[header].replace(",", "") == ("<5" if shown is None else str(shown)), (period, name)
    assert pairs > 1000


def _row(answer: dict[str, Any], key: int) -> dict[str, Any]:
    found = next((row for row in answer["rows"] if row["key"] == key), None)
    return found or {"key": key, "counts": {name: None for name in answer["total"]["counts"]}}
