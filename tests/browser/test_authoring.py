"""A teacher writes a course in the browser: course, module, lesson with a preview, assignment, GIFT upload."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import TEACHER, switch_language

pytestmark = pytest.mark.browser

GIFT = b"::Q1:: 2+2? {=4 ~5}\n\n::Q2:: Capital of Kazakhstan? {=Astana}\n\n::Q3:: 1+1 {#2}\n"


def test_teacher_writes_a_course_and_uploads_questions(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/login")
    switch_language(page, "English")
    page.get_by_label("E-mail").fill(TEACHER.email)
    page.get_by_label("Password").fill(TEACHER.password)
    page.get_by_role("button", name="Sign in").click()
    # The account's own language (Kazakh) wins after sign-in; the teacher switches again.
    expect(page.locator("html")).to_have_attribute("lang", TEACHER.language)
    switch_language(page, "English")

    page.get_by_role("link", name="Open the course editor").click()
    page.get_by_role("link", name="New course").click()
    page.get_by_label("Address name (slug)").fill("prompting-basics")
    page.get_by_label("Title (English)").fill("Prompting basics")
    page.get_by_label("Title (Қазақша)").fill("Промпт жазу негіздері")
    page.get_by_label("Content language").select_option("en")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prompting basics")

    page.get_by_label("Title (English)").fill("Getting started")
    page.get_by_role("button", name="Add the module").click()
    expect(page.get_by_role("heading", level=2, name="1. Getting started")).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Add a lesson")).click()
    page.get_by_label("Title (English)").fill("What is a prompt")
    page.get_by_label("Text in Markdown (English)").fill("# A prompt\n\nIt is **an instruction**.")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".preview")
    expect(preview.get_by_role("heading", name="A prompt")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("an instruction")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="What is a prompt", exact=True)).to_be_visible()

    page.get_by_role("link", name=re.compile(r"^Add an assignment")).click()
    page.get_by_label("Title (English)").fill("Check yourself")
    page.get_by_role("button", name="Create the assignment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check yourself")

    page.get_by_label("Question file").set_input_files(
        files=[{"name": "quiz.gift", "mimeType": "text/plain", "buffer": GIFT}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("Imported 3 questions")
    questions = page.get_by_role("region", name="Questions")
    for title in ("Q1", "Q2", "Q3"):
        expect(questions.get_by_role("cell", name=title, exact=True)).to_be_visible()
    expect(questions.get_by_role("cell", name="Single choice")).to_be_visible()

    # The editor works on a phone: nothing wider than the screen.
    page.set_viewport_size({"width": 360, "height": 740})
    for url in (page.url, "/authoring/courses"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, url
    page.get_by_role("link", name="Prompting basics").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Switching languages is remembered on the account; the shared demo teacher gets Kazakh back.
    switch_language(page, "Қазақша")
    expect(page.locator("html")).to_have_attribute("lang", TEACHER.language)
    context.close()
