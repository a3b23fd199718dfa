"""The demo Astana official, in Russian, opens the dashboard (on a phone and on a desktop), filters it by course,
and downloads the regional XLSX and PDF reports the queue makes: the numbers in them are the page's."""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from lms.demo import DEMO_ACCOUNTS
from tests.browser.test_analytics_admin import fits_the_screen
from tests.certificates.test_pdf import run, tool

pytestmark = pytest.mark.browser

ASTANA = next(a for a in DEMO_ACCOUNTS if a.scope_region == "KZ-71")
COLUMNS = ("Записи на курс", "Завершения")  # enrolments, completions


def _sign_in(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_role("button", name="Русский", exact=True).click()
    page.get_by_label("Электронная почта").fill(ASTANA.email)
    page.get_by_label("Пароль").fill(ASTANA.password)
    page.get_by_role("button", name="Вход").click()
    page.wait_for_url(re.compile(r"^(?!.*/login)"))


def _table(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The dashboard's first table: row header → its cells' texts, with the header row under ""."""
    table = page.locator("table.dashboard")
    found = {"": [t.strip() for t in table.locator("thead th").all_inner_texts()[1:]]}
    for row in table.locator("tbody tr, tfoot tr").all():
        found[row.locator("th").inner_text().strip()] = [t.strip() for t in row.locator("td").all_inner_texts()]
    return found


def _number(text: str) -> int | str:
    text = text.replace("\u00a0", "").replace(" ", "")
    return int(text) if text.isdigit() else text


def _tokens(text: str) -> list[str]:
    """The counts and rates of a text, in order ("<5", "15", "67%", "<90%", "—")."""
    return re.findall(r"[<>]?\d+%?|—", text.replace("\u00a0", ""))


def _report(page, kind: str, tmp_path: Path) -> bytes:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name=f"Создать отчёт {kind.upper()}").click()
    link = page.get_by_role("link", name=re.compile(rf"Скачать progress-KZ-71-.*\.{kind}"))
    expect(link).to_be_visible(timeout=30_000)  # the queue's consumer made it
    with page.expect_download() as download:
        link.click()
    path = tmp_path / f"report.{kind}"
    download.value.save_as(path)
    return path.read_bytes()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_astana_official_filters_by_course_and_downloads_the_pages_numbers(browser, live_server, tmp_path, width):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server, locale="ru-RU", viewport={"width": width, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    _sign_in(page)
    page.goto("/analytics/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Астана")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    fits_the_screen(page)

    course = page.locator("select#course option", has_text="Основы искусственного интеллекта")
    page.locator("select#course").select_option(course.get_attribute("value"))
    page.get_by_role("button", name="Показать").click()
    page.wait_for_url(re.compile(r"course=\d+"))
    expect(page.get_by_role("heading", name="Где учащиеся останавливаются")).to_be_visible()
    fits_the_screen(page)
    page.screenshot(path=str(tmp_path / f"dashboard-{width}.png"), full_page=True)
    shown = _table(page)
    header = shown[""]
    districts = [name for name in shown if name not in ("", "Итого")]
    assert len(districts) >= 4
    numbers = [_number(shown[d][header.index(c)]) for d in districts for c in COLUMNS]
    assert sum(isinstance(n, int) for n in numbers) >= len(numbers) // 2, numbers  # most cells show numbers
    dashboard_url = page.url

    book = openpyxl.load_workbook(io.BytesIO(_report(page, "xlsx", tmp_path)))
    sheet = book["Район"]  # the districts' sheet, beside the indicators, coverage, weeks, modules and grades
    rows = list(sheet.iter_rows(values_only=True))
    columns = list(rows[0])
    in_file = {str(r[0]): r for r in rows[1:]}
    for name in [*districts, "Итого"]:
        for column in COLUMNS:
            assert in_file[name][columns.index(column)] == _number(shown[name][header.index(column)]), (name, column)

    page.goto(dashboard_url)
    pdf = _report(page, "pdf", tmp_path)
    run(tool("pdftotext"), "-layout", "-enc", "UTF-8", data=pdf, tmp=tmp_path)
    text = (tmp_path / "document.txt").read_text(encoding="utf-8")
    # The overview table (names may wrap over two lines; rates come after the counts): the page's counts and rates.
    table = text[text.index(header[0].split()[0]) : text.index("Итого") + 200].split("\n\n\n")[0]
    on_page = [cell for name in [*districts, "Итого"] for cell in shown[name]]
    assert sorted(_tokens(table)) == sorted(_tokens(" ".join(on_page))), table
    assert "Основы искусственного интеллекта" in text and "скорректировано" in text

    page.goto("/analytics/reports")
    expect(page.get_by_role("heading", level=1)).to_have_text("Мои отчёты")
    assert page.get_by_role("link", name=re.compile("Скачать")).count() >= 2  # both kept
    fits_the_screen(page)
    page.screenshot(path=str(tmp_path / f"reports-{width}.png"), full_page=True)
    context.close()
