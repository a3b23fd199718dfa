"""The demo student completes the demo course and gets a certificate; an administrator revokes it.

The student passes the required quizzes of modules 1, 2 and 3 (answers from
courses/demo/ai-fundamentals/quizzes/*.gift and course.yaml), the demo teacher marks module 3's essay,
the student downloads the certificate's PDF and follows its QR code to the verification page, and the
demo admin revokes the certificate there.

Completing the course changes the demo student for good, which ``test_course_journey`` must not see:
this module has a server of its own.
"""

import re
import subprocess
from collections.abc import Iterator

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from lms.demo import DEMO_ACCOUNTS
from tests.browser.conftest import running_server
from tests.browser.test_course_journey import (
    COURSE,
    STUDENT,
    TEACHER,
    answer_module_1_quiz_with_one_mistake,
    question,
    signed_in_in_english,
)

pytestmark = pytest.mark.browser

ADMIN = next(a for a in DEMO_ACCOUNTS if a.role.value == "admin")
# The certificate is issued in the student's language when the course is completed: Kazakh.
CERTIFICATE_TITLE = "Жасанды интеллект негіздері"
REASON = "Issued in error: test"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("certificates")) as url:
        yield url


def answer_module_2_quiz(page):
    question(page, "Неліктен модельді ол оқу кезінде көрмеген мысалдармен тексереміз?").get_by_label(
        "Модельдің жаңа деректерде қалай жұмыс істейтінін білу үшін"
    ).check()
    question(page, "Модель оқыту мысалдарында 100% дәлдік көрсетсе").get_by_label("False", exact=True).check()
    chosen = question(page, "Жақсы оқыту деректері қандай болуы керек?")
    chosen.get_by_label("Мысалдар әртүрлі болуы керек").check()
    chosen.get_by_label("Мысалдар дұрыс белгіленуі керек").check()
    question(page, "Модельді 20 жаңа хатпен тексердік").get_by_label("Your answer (a number)").fill("85")
    question(page, "Шек неге тең?").get_by_label("Your answer (a number)").fill("3.5")
    question(page, "Бір сөзбен жаз").get_by_label("Your answer").fill("дәлдік")
    ordering = question(page, "Машиналық оқыту жобасының қадамдарын")
    for place, step in enumerate(
        (
            "Деректерді жинау",
            "Деректерді дайындау және белгілеу",
            "Модельді оқыту",
            "Модельді жаңа деректермен тексеру",
        ),
        start=1,
    ):
        ordering.get_by_label(step).select_option(str(place))


def answer_module_3_quiz(page):
    question(page, "Бет-әлпетті талдайтын жүйе").get_by_label(
        "Оқыту деректерінде мұндай адамдардың суреттері аз болған"
    ).check()
    question(page, "Чат-бот кейде шындыққа жанаспайтын").get_by_label("True", exact=True).check()
    chosen = question(page, "Чат-ботпен жұмыс істегенде қайсысы дұрыс әрекет?")
    chosen.get_by_label("Чат-боттан алған деректі оқулықтан немесе ресми сайттан тексеру").check()
    chosen.get_by_label("Чат-ботқа ЖСН-ді және үй мекенжайын жазбау").check()
    matching = question(page, "Әр жағдайға дұрыс әрекетті сәйкестендір")
    for left, right in (
        ("Туысыңның дауысына ұқсас дауыс", "Сөйлесуді тоқтатып, туысыңа өзің қайта хабарласу"),
        ("Чат-бот тарихи оқиғаның күнін айтты", "Оқулықтан немесе ресми сайттан тексеру"),
        ("Бейтаныс сайт жеке сәйкестендіру нөміріңді", "Енгізбей, ата-анаңнан кеңес сұрау"),
        ("Жұмысқа іріктейтін ЖИ ер үміткерлерді", "Деректерді тексеріп, соңғы шешімді адамға қалдыру"),
    ):
        matching.get_by_label(left).select_option(label=right)
    question(page, "неше цифрдан тұрады?").get_by_label("Your answer (a number)").fill("12")
    question(page, "5–7 сөйлеммен түсіндір").get_by_label("Your answer").fill(
        "Жұмысқа іріктейтін ЖИ бұрынғы шешімдерден үйренеді. Егер бұрын ерлер көбірек алынса, модель де ерлерді "
        "артық көреді. Оны азайту үшін деректерді теңгеру, нәтижені топтар бойынша тексеру және соңғы шешімді "
        "адамға қалдыру керек."
    )


def submit(page):
    page.get_by_role("button", name="Submit answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Your result")


def pass_the_required_quizzes(page):
    page.get_by_role("region", name="My courses").get_by_role("link", name=COURSE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)

    # The seed's attempt at module 1 is empty; module 2 opens once module 1's quiz is passed, and so on.
    page.get_by_role("link", name="Module 1 quiz").click()
    answer_module_1_quiz_with_one_mistake(page)
    submit(page)
    expect(page.get_by_role("status")).to_contain_text("Passed.")
    page.get_by_role("link", name="Back to the course").click()

    page.get_by_role("link", name="Module 2 quiz").click()
    answer_module_2_quiz(page)
    submit(page)
    expect(page.get_by_role("status")).to_contain_text("Score: 7 of 7")
    expect(page.get_by_role("status")).to_contain_text("Passed.")
    page.get_by_role("link", name="Back to the course").click()

    page.get_by_role("link", name="Module 3 quiz").click()
    answer_module_3_quiz(page)
    submit(page)
    expect(page.get_by_role("status")).to_contain_text("Score: 5 of 6")
    expect(page.get_by_role("status")).to_contain_text("Some answers wait for your teacher's marking.")
    page.get_by_role("link", name="Back to the course").click()
    # The essay is not marked yet: the course is not completed.
    expect(page.get_by_text("Course completed")).to_have_count(0)


def mark_the_essay(page):
    page.get_by_role("link", name="9 А", exact=True).click()
    page.get_by_role("region", name="Courses of the class").get_by_role("link", name=COURSE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(COURSE)
    to_mark = page.get_by_role("region", name="Answers to mark").get_by_role("link", name=re.compile("Module 3 quiz"))
    expect(to_mark).to_have_count(1)
    to_mark.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark answers")
    expect(page.get_by_text(STUDENT.full_name)).to_be_visible()
    page.get_by_label("Score (0–1)").fill("1")
    page.get_by_label("Feedback for the student").fill("Жақсы жауап.")
    page.get_by_role("button", name="Save marks").click()
    expect(page.get_by_text("Marks saved.")).to_be_visible()
    expect(page.get_by_role("region", name="Answers to mark")).to_have_count(0)


def download_the_certificate(page, folder):
    """The certificate's card on "My certificates", and the path of its downloaded PDF."""
    page.get_by_role("link", name="My certificates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My certificates")
    card = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=CERTIFICATE_TITLE))
    expect(card).to_have_count(1)
    # Rendered and signed on the first download: allow WeasyPrint its time.
    with page.expect_download(timeout=60_000) as download_info:
        card.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = folder / download.suggested_filename
    download.save_as(path)
    return card, path


def qr_codes_in(pdf_path):
    """The texts of the QR codes on the PDF's first page, rendered by poppler's pdftoppm."""
    prefix = pdf_path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", str(pdf_path), str(prefix)],
        check=True,
        capture_output=True,
    )
    with Image.open(prefix.with_suffix(".png")) as image:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in found]


def test_a_certificate_is_earned_checked_and_revoked(browser, server, tmp_path):
    with signed_in_in_english(browser, server, STUDENT) as page:
        pass_the_required_quizzes(page)
    with signed_in_in_english(browser, server, TEACHER) as page:
        mark_the_essay(page)

    with signed_in_in_english(browser, server, STUDENT) as page:
        page.get_by_role("region", name="My courses").get_by_role("link", name=COURSE).click()
        expect(page.get_by_text("Course completed")).to_be_visible()
        page.get_by_role("link", name="Home").click()

        card, pdf_path = download_the_certificate(page, tmp_path)
        assert pdf_path.read_bytes().startswith(b"%PDF-")
        serial = card.locator("code").inner_text()
        url = f"{server}/verify/{serial}"
        assert qr_codes_in(pdf_path) == [url]
        expect(card.get_by_label("Public link to share")).to_have_value(url)

        page.goto(url)
        expect(page.get_by_role("heading", name="Valid", exact=True)).to_be_visible()
        expect(page.get_by_role("definition").filter(has_text=serial)).to_have_count(1)
        expect(page.get_by_role("button", name="Revoke this certificate")).to_have_count(0)

    with signed_in_in_english(browser, server, ADMIN) as page:
        page.goto(url)
        expect(page.get_by_role("heading", name="Valid", exact=True)).to_be_visible()
        page.get_by_label("Reason for revoking").fill(REASON)
        page.get_by_role("button", name="Revoke this certificate").click()
        expect(page.get_by_text("The certificate is revoked.")).to_be_visible()
        expect(page.get_by_role("heading", name="Revoked", exact=True)).to_be_visible()
        expect(page.get_by_text(f"Reason: {REASON}")).to_be_visible()
        expect(page.get_by_role("button", name="Revoke this certificate")).to_have_count(0)

    context = browser.new_context(base_url=server, locale="en")
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(url)
        expect(page.get_by_role("heading", name="Revoked", exact=True)).to_be_visible()
        expect(page.get_by_text(f"Reason: {REASON}")).to_be_visible()
    finally:
        context.close()
