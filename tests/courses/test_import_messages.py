"""Importer errors reach people: in their language inside a request, in English on the command line."""

import pytest

from courses.importers import gift, moodlexml, qti
from courses.importers.items import ImportFailed
from tests import factories

# The answers' "{" on line 4 is never closed.
BROKEN_GIFT = b"// quiz\n::Q1:: 2+2? {#4}\n\n::Q2:: Pick one {\n=yes\n~no\n"


def broken_gift() -> ImportFailed:
    with pytest.raises(ImportFailed) as info:
        gift.parse(BROKEN_GIFT)
    return info.value


def test_gift_error_in_russian_inside_a_request(app):
    error = broken_gift()
    assert error.line == 4
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert str(error) == "строка 4: открывающая «{» ответов нигде не закрыта"
        assert error.place() == "строка 4"


def test_gift_error_in_kazakh_inside_a_request(app):
    error = broken_gift()
    with app.test_request_context(headers={"Accept-Language": "kk"}):
        assert str(error).startswith("4-жол: ")
        assert "never closed" not in str(error)


def test_gift_error_in_english_outside_a_request(app):
    error = broken_gift()
    assert str(error) == "line 4: the answers' '{' is never closed"
    with app.app_context():  # the CLI's context: no request, Kazakh is the default language
        assert str(error) == "line 4: the answers' '{' is never closed"
        assert error.in_language("ru").startswith("строка 4: ")


def test_placeholders_are_filled_in_every_language(app):
    with pytest.raises(ImportFailed) as info:
        gift.parse(b"::Q:: Weighted {~%150%a ~b}")
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert "150.0%" in str(info.value) and "%(" not in str(info.value)
    assert str(info.value) == "line 1: the weight 150.0% is outside -100..100"


def test_xml_errors_keep_the_line_and_the_element(app):
    with pytest.raises(ImportFailed) as info:
        moodlexml.parse(b"<quiz>\n<question type='multichoice'>\n</quiz>")
    assert info.value.line == 3
    assert str(info.value).startswith("line 3, column ")
    with pytest.raises(ImportFailed) as info:
        moodlexml.parse(b"<quiz><question type='multichoice'><name><text>x</text></name></question></quiz>")
    assert info.value.element == "question[1]"
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert str(info.value).startswith("вопрос 1 (тип multichoice): ")
    with pytest.raises(ImportFailed) as info:
        qti.parse(b"<assessmentItem identifier='x'/>")
    assert info.value.element == "<assessmentItem>"


def test_cli_prints_the_error_in_english(runner, tmp_path):
    course = factories.course()
    path = tmp_path / "broken.gift"
    path.write_bytes(BROKEN_GIFT)
    assignment = course.modules[0].assignments[0]
    result = runner.invoke(args=["courses", "import-questions", str(path), "--assignment", str(assignment.id)])
    assert result.exit_code != 0
    assert "broken.gift, line 4: the answers' '{' is never closed. Nothing was imported." in result.output
