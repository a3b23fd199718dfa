"""An administrator, in Russian on a phone, imports school headcounts, sets a programme target and looks at
when the analytics rollups were refreshed; no page is wider than the screen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lms.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.browser

ADMIN = next(a for a in DEMO_ACCOUNTS if a.role.value == "admin")
HEADCOUNTS = "school_code,school_year,teachers,grade_1,grade_2\nDEMO-AST-001,2026-2027,42,120,115\n"


def fits_the_screen(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def test_headcounts_targets_and_refreshes_on_a_phone_in_russian(browser, live_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, locale="ru-RU", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login")
    page.get_by_role("button", name="Русский", exact=True).click()
    page.get_by_label("Электронная почта").fill(ADMIN.email)
    page.get_by_label("Пароль").fill(ADMIN.password)
    page.get_by_role("button", name="Вход").click()
    page.get_by_role("button", name="Русский", exact=True).click()  # the account's own language was Kazakh

    page.goto("/admin/analytics/headcounts")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    fits_the_screen(page)
    upload = tmp_path / "headcounts.csv"
    upload.write_text(HEADCOUNTS, encoding="utf-8")
    page.locator("input[type=file]").set_input_files(str(upload))
    page.locator("input[type=file]").locator("xpath=ancestor::form").locator("button[type=submit]").click()
    expect(page.get_by_text("DEMO-AST-001").first).to_be_visible()  # the preview shows the line
    fits_the_screen(page)
    page.get_by_role("button", name="Импортировать").click()
    expect(page.get_by_role("status").or_(page.locator(".flash")).first).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_have_text(re.compile("Проверьте"))
    expect(page.get_by_role("row").filter(has_text="DEMO-AST-001").get_by_role("cell", name="235")).to_be_visible()
    fits_the_screen(page)

    page.goto("/admin/analytics/targets?year=2027")
    page.locator("select[name=indicator]").select_option("certificates_issued")
    astana = page.locator("select[name=region_id] option", has_text="Астана").get_attribute("value")
    page.locator("select[name=region_id]").select_option(astana)
    page.locator("input[name=year]").last.fill("2027")
    page.locator("input[name=value]").fill("15000")
    page.locator("section.card button[type=submit]").click()
    expect(page.get_by_role("cell", name=re.compile(r"15\s000"))).to_have_count(2)  # Astana and the country
    fits_the_screen(page)

    page.goto("/admin/analytics/refreshes")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    fits_the_screen(page)
    context.close()
