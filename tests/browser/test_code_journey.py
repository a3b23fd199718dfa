"""A new learner writes code: the quiz form shows the starter code and the examples; the result page
waits while the queue's worker grades it in the sandbox, then shows per-test feedback.

The live server runs with a queue consumer beside it (tests/browser/conftest.py), in production
settings, so grading needs the bubblewrap level.
"""

import secrets

import pytest
from playwright.sync_api import expect

from courses import sandbox
from tests.browser.test_course_journey import COURSE, answer_module_1_quiz_with_one_mistake
from tests.conftest import IN_CI

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        sandbox.detect_level().rank < sandbox.Level.BUBBLEWRAP.rank and not IN_CI,
        reason="production settings grade code only at the bubblewrap level",
    ),
]

# Forgets empty lists (the second example): 9 tests of 10 pass.
ALMOST_RIGHT = (
    "def accuracy(predictions, labels):\n"
    "    return sum(p == l for p, l in zip(predictions, labels)) / len(predictions)\n"
)


def register(page):
    page.goto("/register")
    page.get_by_role("button", name="English", exact=True).click()
    page.get_by_label("Full name").fill("Әлия Кодтаушы")
    page.get_by_label("E-mail").fill(f"coder-{secrets.token_hex(4)}@example.org")
    page.get_by_role("combobox", name="Language").select_option("en")
    page.get_by_label("Password", exact=True).fill("a-long-password-2026")
    page.get_by_label("Repeat the new password").fill("a-long-password-2026")
    page.get_by_role("button", name="Create account").click()


def test_a_learner_submits_code_and_sees_it_graded(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        register(page)
        page.goto("/courses")
        page.get_by_role("link", name=COURSE).click()
        page.get_by_role("button", name="Enrol in this course").click()
        # Module 2, where the code assignments are, opens once the module 1 quiz is passed.
        page.get_by_role("link", name="Module 1 quiz").click()
        answer_module_1_quiz_with_one_mistake(page)
        page.get_by_role("button", name="Submit answers").click()
        expect(page.get_by_role("status")).to_contain_text("Passed.")
        page.get_by_role("link", name="Back to the course").click()

        page.get_by_role("link", name="Python: a model's accuracy").click()
        editor = page.get_by_label("Your code")
        expect(editor).to_have_value(
            "def accuracy(predictions, labels):\n    # predictions мен labels — бірдей ұзындықтағы тізімдер\n    ...\n"
        )
        expect(page.get_by_text("assert accuracy([], []) == 0.0")).to_be_visible()
        expect(page.get_by_text("accuracy([1, 1, 0], [1, 1, 0])")).to_have_count(0)  # hidden tests stay hidden
        editor.fill(ALMOST_RIGHT)
        page.get_by_role("button", name="Submit answers").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Your result")
        # The worker grades it; the page asks until the result is in, then shows it.
        status = page.get_by_role("status")
        expect(status).to_contain_text("Score: 9 of 10", timeout=30_000)
        expect(page.get_by_text("Your code is being checked")).to_have_count(0)
        results = page.get_by_role("list", name="Your answers")
        expect(results).to_contain_text("Example 1 (үш болжамның екеуі дұрыс): passed")
        expect(results).to_contain_text("Example 2 (бос тізімдер): failed, raised ZeroDivisionError")
        expect(results).to_contain_text("Hidden test 7: passed")
        expect(results).not_to_contain_text("isinstance")
    finally:
        context.close()
