import pytest

from courses.importers.folder import read_course_folder
from courses.importers.items import ImportFailed
from courses.models import Course, CourseAudience, CourseState
from courses.services import authoring
from courses.services.authoring import guess_format
from lms.db import db
from tests.fixtures import INTEROP

COURSE_YAML = """\
slug: tiny-course
title: {kk: Шағын курс, ru: Маленький курс, en: Tiny course}
summary: {en: Two modules.}
language: kk
level: beginner
hours: 2
published: true
modules:
  - title: {kk: Бірінші, en: First}
    lessons:
      - title: {kk: Сабақ, en: Lesson}
        minutes: 5
        body: {kk: lessons/1.kk.md, en: lessons/1.en.md}
    assignments:
      - title: {kk: Тест, en: Quiz}
        pass_mark: 0.5
        max_attempts: 2
        questions: quiz.gift
        items:
          - type: ordering
            prompt: Order them
            spec: {points: 1, items: [{id: a, text: first}, {id: b, text: second}]}
  - title: {kk: Екінші, en: Second}
    prerequisite: previous
    lessons:
      - title: {kk: Екінші сабақ}
        body: {kk: lessons/2.kk.md}
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "course.yaml").write_text(COURSE_YAML, encoding="utf-8")
    (tmp_path / "lessons" / "1.kk.md").write_text("## Сәлем\n\nМәтін.", encoding="utf-8")
    (tmp_path / "lessons" / "1.en.md").write_text("## Hello\n\nText.", encoding="utf-8")
    (tmp_path / "lessons" / "2.kk.md").write_text("Екінші.", encoding="utf-8")
    (tmp_path / "quiz.gift").write_text("::Q1::2+2? {#4}\n\n::Q2::Sky is blue {T}\n", encoding="utf-8")
    return tmp_path


def test_folder_becomes_a_course(db, folder):
    course = authoring.create_course(read_course_folder(folder), author=None)
    assert course.slug == "tiny-course" and course.state is CourseState.CATALOGUE and course.hours == 2
    first, second = course.modules
    assert second.prerequisite_id == first.id
    assert first.lessons[0].body == {"kk": "## Сәлем\n\nМәтін.", "en": "## Hello\n\nText."}
    quiz = first.assignments[0]
    assert (quiz.pass_mark, quiz.max_attempts) == (0.5, 2)
    assert [item.type for item in quiz.items] == ["numeric", "single_choice", "ordering"]
    with pytest.raises(authoring.CourseExists):
        authoring.create_course(read_course_folder(folder), author=None)


@pytest.mark.parametrize(
    ("lines", "state"),
    [
        ("published: true", "catalogue"),
        ("published: false", "draft"),
        ("", "draft"),
        ("state: class", "class"),
        ("state: catalogue", "catalogue"),
        ("state: draft\npublished: false", "draft"),
    ],
)
def test_the_course_file_gives_the_state(db, folder, lines, state):
    text = COURSE_YAML.replace("published: true", lines)
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    assert read_course_folder(folder).state == state


@pytest.mark.parametrize(
    ("lines", "where"),
    [
        ("state: public", "course.yaml: state"),
        ("published: maybe", "course.yaml: published"),
        ("state: class\npublished: true", "course.yaml: state"),
    ],
)
def test_a_state_the_file_cannot_have_is_refused(db, folder, lines, where):
    (folder / "course.yaml").write_text(COURSE_YAML.replace("published: true", lines), encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        read_course_folder(folder)
    assert failed.value.place().startswith(where)


def test_the_demo_course_is_in_the_catalogue(db):
    from courses.demo import DEMO_FOLDER

    assert read_course_folder(DEMO_FOLDER).state == "catalogue"


@pytest.mark.parametrize(
    ("edit", "where"),
    [
        (lambda f: (f / "course.yaml").write_text("slug: [unclosed", encoding="utf-8"), "course.yaml, line"),
        (lambda f: (f / "lessons" / "2.kk.md").unlink(), "course.yaml: module 2, lesson 1: body kk"),
        (lambda f: (f / "quiz.gift").write_text("::Q::{=a ~b\n", encoding="utf-8"), "quiz.gift, line 1"),
        (
            lambda f: (f / "course.yaml").write_text(
                COURSE_YAML.replace("slug: tiny-course", "slug: tiny course!"), encoding="utf-8"
            ),
            "course.yaml: slug",
        ),
        (
            lambda f: (f / "course.yaml").write_text(
                COURSE_YAML.replace("pass_mark: 0.5", "pass_mark: 50"), encoding="utf-8"
            ),
            "pass_mark",
        ),
        (
            lambda f: (f / "course.yaml").write_text(
                COURSE_YAML.replace("lessons/2.kk.md", "../../etc/passwd"), encoding="utf-8"
            ),
            "body kk",
        ),
        (
            lambda f: (f / "course.yaml").write_text(
                COURSE_YAML.replace("type: ordering", "type: telepathy"), encoding="utf-8"
            ),
            "item 1",
        ),
        (lambda f: (f / "course.yaml").unlink(), ""),
    ],
)
def test_a_broken_folder_imports_nothing_and_names_the_place(db, folder, edit, where):
    edit(folder)
    with pytest.raises(ImportFailed) as info:
        read_course_folder(folder)
    assert where in str(info.value)


def test_import_folder_command(runner, folder):
    result = runner.invoke(args=["courses", "import-folder", str(folder)])
    assert result.exit_code == 0, result.output
    assert "2 modules, 2 lessons, 3 questions" in result.output
    again = runner.invoke(args=["courses", "import-folder", str(folder)])
    assert again.exit_code != 0 and "exists already" in again.output


def test_import_questions_command(runner, folder):
    runner.invoke(args=["courses", "import-folder", str(folder)])
    course = db.session.scalar(db.select(Course).where(Course.slug == "tiny-course"))
    quiz = course.modules[0].assignments[0]
    result = runner.invoke(
        args=[
            "courses",
            "import-questions",
            str(INTEROP / "gift/moodle_questions.gift.txt"),
            "--assignment",
            str(quiz.id),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Imported 9 questions" in result.output and "4 single_choice" in result.output
    db.session.expire_all()
    assert len(quiz.items) == 12 and [i.position for i in quiz.items] == list(range(1, 13))
    bad = folder / "bad.gift"
    bad.write_text("::Q::{=a\n", encoding="utf-8")
    result = runner.invoke(args=["courses", "import-questions", str(bad), "--assignment", str(quiz.id)])
    assert result.exit_code != 0 and "bad.gift, line 1" in result.output and "Nothing was imported" in result.output
    db.session.expire_all()
    assert len(quiz.items) == 12
    missing = runner.invoke(args=["courses", "import-questions", str(bad), "--assignment", "999999"])
    assert missing.exit_code != 0 and "No assignment" in missing.output


def test_format_is_guessed_from_the_file():
    def guessed(relative):
        path = INTEROP / relative
        return guess_format(path.name, path.read_bytes())

    assert guessed("gift/moodle_questions.gift.txt") == "gift"
    assert guessed("moodlexml/moodle_shortanswer_testquestion.moodle.xml") == "moodlexml"
    assert guessed("qti/qti21_text_entry.xml") == "qti"
    assert guessed("qti/canvas_qti12_numeric_margin_error.xml") == "qti"
    assert guess_format("questions.pdf", b"%PDF-1.7") is None


def test_null_max_attempts_means_unlimited(db, folder):
    course_yaml = folder / "course.yaml"
    course_yaml.write_text(course_yaml.read_text(encoding="utf-8").replace("max_attempts: 2", "max_attempts: null"))
    course = authoring.create_course(read_course_folder(folder), author=None)
    db.session.expire_all()
    assert course.modules[0].assignments[0].max_attempts is None


def test_a_course_says_whom_it_is_for(db, folder):
    assert read_course_folder(folder).audience == "students"  # unless it says otherwise
    (folder / "course.yaml").write_text(COURSE_YAML + "audience: teachers\n", encoding="utf-8")
    course = authoring.create_course(read_course_folder(folder), author=None)
    assert course.audience == CourseAudience.TEACHERS
    (folder / "course.yaml").write_text(COURSE_YAML + "audience: parents\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="audience"):
        read_course_folder(folder)
