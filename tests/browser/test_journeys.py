"""Main user journeys in a real browser (Debian's chromium driven by Playwright)."""

import re

import pytest
from playwright.sync_api import expect

from lms.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.browser

TEACHER = next(a for a in DEMO_ACCOUNTS if a.role.value == "teacher")


def switch_language(page, name):
    page.get_by_role("button", name=name, exact=True).click()


def test_register_sign_in_switch_languages_sign_out(page):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "kk")

    page.get_by_role("link", name="Тіркелу").first.click()
    page.get_by_label("Аты-жөні").fill("Әлихан Бөкейхан")
    page.get_by_label("Электрондық пошта").fill("alikhan@example.org")
    page.get_by_label("Құпиясөз", exact=True).fill("alash orda 1917")
    page.get_by_label("Жаңа құпиясөзді қайталаңыз").fill("alash orda 1917")
    page.get_by_role("button", name="Тіркелгі жасау").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Әлихан Бөкейхан")

    page.get_by_role("button", name="Шығу").click()
    expect(page).to_have_url(re.compile(r"/login$"))

    page.get_by_label("Электрондық пошта").fill("alikhan@example.org")
    page.get_by_label("Құпиясөз").fill("alash orda 1917")
    page.get_by_role("button", name="Кіру").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Әлихан")

    switch_language(page, "Русский")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("button", name="Выход")).to_be_visible()
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "ru")  # remembered

    switch_language(page, "Қазақша")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("button", name="Шығу")).to_be_visible()

    page.get_by_role("button", name="Шығу").click()
    expect(page.get_by_role("link", name="Кіру").first).to_be_visible()


def test_kazakh_letters_render_with_the_shipped_font(page):
    page.goto("/login")
    page.evaluate("document.fonts.ready")
    page.wait_for_function("document.fonts.check('16px \"Noto Sans\"', 'ӘҒҚҢӨҰҮҺІ әғқңөұүһі')")
    loaded = page.evaluate(
        "Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.unicodeRange).join(' ')"
    )
    assert "U+460-52F" in loaded.upper().replace("U+0460", "U+460")  # Cyrillic Extended: Ә Ғ Қ Ң Ө Ү Һ


def test_keyboard_user_can_skip_to_content_and_sees_focus(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Негізгі мазмұнға өту")
    expect(skip).to_be_focused()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_layout_fits_a_phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto("/login")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    context.close()


def test_teacher_shares_a_code_and_a_student_joins(browser, live_server):
    teacher = browser.new_context(base_url=live_server, locale="en")
    page = teacher.new_page()
    page.goto("/login")
    switch_language(page, "English")
    page.get_by_label("E-mail").fill(TEACHER.email)
    page.get_by_label("Password").fill(TEACHER.password)
    page.get_by_role("button", name="Sign in").click()
    # The account's own language (Kazakh) wins after sign-in; the teacher switches again.
    expect(page.locator("html")).to_have_attribute("lang", TEACHER.language)
    switch_language(page, "English")
    page.get_by_role("link", name="New class").click()
    page.get_by_label("Class name").fill("11 Б")
    page.get_by_role("button", name="Create class").click()
    code = page.locator(".join-code--large").inner_text().strip()
    assert len(code) == 8

    student = browser.new_context(base_url=live_server, locale="en")
    spage = student.new_page()
    spage.goto("/register")
    switch_language(spage, "English")
    spage.get_by_label("Full name").fill("Томирис Жанқызы")
    spage.get_by_label("E-mail").fill("tomiris@example.org")
    spage.get_by_label("Password", exact=True).fill("student pass 1")
    spage.get_by_label("Repeat the new password").fill("student pass 1")
    spage.get_by_role("button", name="Create account").click()
    spage.get_by_label("Class code").fill(code.lower())
    spage.get_by_role("button", name="Join").click()
    expect(spage.get_by_role("status")).to_contain_text("11 Б")

    page.reload()
    expect(page.get_by_role("cell", name="Томирис Жанқызы", exact=True)).to_be_visible()
    teacher.close()
    student.close()
