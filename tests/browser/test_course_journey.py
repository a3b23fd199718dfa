"""The demo student works through part of the AI fundamentals course; the demo teacher sees it and exports it.

The right answers come from the course's source (courses/demo/ai-fundamentals/quizzes/module-1.gift and
course.yaml); the numeric question is answered wrong on purpose.
"""

import re
from contextlib import contextmanager

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from lms.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.browser

STUDENT = next(a for a in DEMO_ACCOUNTS if a.role.value == "student")
TEACHER = next(a for a in DEMO_ACCOUNTS if a.role.value == "teacher")
COURSE = "AI Fundamentals"


LANGUAGE_BUTTONS = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


@contextmanager
def signed_in_in_english(browser, live_server, account):
    """A page signed in as the account, in English; the account's own language is restored afterwards.

    Switching the language while signed in changes the account's preference, which other tests rely on.
    """
    context = browser.new_context(base_url=live_server, locale="en", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in_in_english(page, account)
        yield page
    finally:
        page.get_by_role("button", name=LANGUAGE_BUTTONS[account.language], exact=True).click()
        context.close()


def sign_in_in_english(page, account):
    page.goto("/login")
    page.get_by_role("button", name="English", exact=True).click()
    page.get_by_label("E-mail").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    # The account's own language wins after sign-in; switch again.
    page.get_by_role("button", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def course_progress(page):
    return int(page.get_by_label("Your progress").get_attribute("value"))


def question(page, prompt):
    return page.get_by_role("group").filter(has_text=prompt)


def answer_module_1_quiz_with_one_mistake(page):
    question(page, "Жасанды интеллект дегеніміз не?").get_by_label(
        "Компьютерлерді әдетте адам ақылын қажет ететін істерге үйрететін ғылым мен технология саласы"
    ).check()
    question(page, "Қазіргі ЖИ жүйелері адам сияқты ойлайды").get_by_label("False", exact=True).check()
    chosen = question(page, "Төмендегілердің қайсысында ЖИ қолданылады?")
    chosen.get_by_label("Телефонды иесінің бетіне қарап ашу").check()
    chosen.get_by_label("Электрондық поштадағы спам-сүзгі").check()
    matching = question(page, "Әр мысалға ЖИ орындайтын тапсырманы сәйкестендір")
    for left, right in (
        ("Kaspi қосымшасындағы тауар ұсыныстары", "Ұсыныс жүйесі"),
        ("Мәтінді қазақ тілінен орыс тіліне ауыстыру", "Машиналық аударма"),
        ("Телефонды бетпен ашу", "Бетті тану"),
        ("Ертеңгі температураны есептеу", "Болжау"),
    ):
        matching.get_by_label(left).select_option(label=right)
    question(page, "қазақ тілінде қалай қысқартылады").get_by_label("Your answer").fill("ЖИ")
    # The one mistake: the Dartmouth workshop was in 1956.
    question(page, "Дартмут колледжінде қай жылы өтті").get_by_label("Your answer (a number)").fill("1955")
    ordering = question(page, "Дауыстық көмекшіге сұрақ қойғанда")
    for place, step in enumerate(
        ("Сөзді естиді", "Сөзді мәтінге айналдырады", "Сұрауды түсінеді", "Жауап береді"), start=1
    ):
        ordering.get_by_label(step).select_option(str(place))


def test_student_takes_a_quiz_and_the_teacher_exports_it(browser, live_server, tmp_path):
    with signed_in_in_english(browser, live_server, STUDENT) as page:
        take_the_quiz(page)
    with signed_in_in_english(browser, live_server, TEACHER) as page:
        path = download_the_gradebook(page, tmp_path)

    workbook = load_workbook(path, read_only=True)
    try:
        lines = [list(line) for line in workbook.active.iter_rows(values_only=True)]
    finally:
        workbook.close()  # read-only workbooks keep the file open until closed
    header = lines[0]
    line = next(line for line in lines[1:] if line[header.index("E-mail")] == STUDENT.email)
    assert line[header.index("Full name")] == STUDENT.full_name
    assert line[header.index("Module 1 quiz (%)")] == 86
    assert line[header.index("Module 1 quiz attempts")] == 2


def take_the_quiz(page):
    expect(page.get_by_role("progressbar", name=f"Progress in {COURSE}")).to_be_visible()
    page.get_by_role("region", name="My courses").get_by_role("link", name=COURSE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
    before = course_progress(page)

    # The seed leaves the second lesson opened but not completed.
    page.get_by_role("link", name="AI in everyday life").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AI in everyday life")
    page.get_by_role("button", name="Mark as done and continue").click()
    # Module 2 stays locked until the quiz is passed, so the learner is back on the course page.
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
    after_lesson = course_progress(page)
    assert after_lesson > before

    page.get_by_role("link", name="Module 1 quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Module 1 quiz")
    answer_module_1_quiz_with_one_mistake(page)
    page.get_by_role("button", name="Submit answers").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Your result")
    expect(page.get_by_role("status")).to_contain_text("Score: 6 of 7")
    expect(page.get_by_role("status")).to_contain_text("(86%)")
    expect(page.get_by_role("status")).to_contain_text("Passed.")
    results = page.get_by_role("list", name="Your answers").get_by_role("listitem")
    expect(results).to_have_count(7)
    wrong = results.filter(has=page.get_by_text("Not right", exact=True))
    expect(wrong).to_have_count(1)
    expect(wrong.get_by_role("heading")).to_have_text("Question 6")
    expect(wrong).to_contain_text("Дартмут")
    expect(wrong).to_contain_text("0 / 1")
    expect(results.filter(has=page.get_by_text("Right", exact=True))).to_have_count(6)

    page.get_by_role("link", name="Back to the course").click()
    assert course_progress(page) > after_lesson


def download_the_gradebook(page, folder):
    page.get_by_role("link", name="9 А", exact=True).click()
    page.get_by_role("region", name="Courses of the class").get_by_role("link", name=COURSE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=STUDENT.full_name))
    expect(row).to_have_count(1)
    # The best score of two attempts (the seed's empty one, and this one).
    expect(row.get_by_role("cell").first).to_have_text(re.compile(r"^\s*86%\s*\(2\)\s*$"))

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Excel (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = folder / download.suggested_filename
    download.save_as(path)
    return path
