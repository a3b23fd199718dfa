"""Course editing services: settings, modules, lessons, assignments, order, prerequisites, question upload."""

import pytest
import sqlalchemy as sa

from courses.importers.items import ImportFailed
from courses.models import Course, CourseState, Item, Lesson, Level, Module, ShowAnswers
from courses.services import authoring, editing
from courses.services.outline import outline_of
from lms.db import db
from lms.models import Role
from tests import factories
from tests.fixtures import INTEROP

GIFT = b"::Q1:: 2+2? {=4 ~5}\n\n::Q2:: Capital of Kazakhstan? {=Astana}\n\n::Q3:: 1+1 {#2}\n"


def settings(slug="ai-basics", **values):
    defaults = {
        "slug": slug,
        "title": {"kk": "ЖИ негіздері", "en": "AI basics"},
        "summary": {},
        "language": "kk",
        "level": Level.BEGINNER,
        "hours": 6,
        "state": CourseState.DRAFT,
    }
    return editing.CourseSettings(**{**defaults, **values})


def quiz_settings(**values):
    defaults = {
        "title": {"en": "Quiz"},
        "pass_mark": 0.5,
        "max_attempts": 2,
        "due_at": None,
        "late_penalty": 0.0,
        "attempt_penalty": 0.0,
        "show_answers": ShowAnswers.NEVER,
        "required": True,
    }
    return editing.AssignmentSettings(**{**defaults, **values})


def positions(entries):
    return [(entry.id, entry.position) for entry in entries]


def test_texts_drop_empty_languages():
    assert editing.texts({"kk": " Сәлем ", "ru": "", "en": None, "de": "Hallo"}) == {"kk": "Сәлем"}


def test_new_course_belongs_to_its_author_and_slugs_are_unique(db):
    teacher = factories.user(Role.TEACHER)
    course = editing.new_course(teacher, settings())
    assert course.author_id == teacher.id and course.title["kk"] == "ЖИ негіздері"
    assert course.state is CourseState.DRAFT
    with pytest.raises(authoring.CourseExists):
        editing.new_course(teacher, settings())
    other = editing.new_course(teacher, settings("other"))
    with pytest.raises(authoring.CourseExists):
        editing.update_course(teacher, other, settings("ai-basics"))
    editing.update_course(teacher, course, settings(hours=9, state=CourseState.CLASS))  # its own slug is fine
    assert course.hours == 9 and course.state is CourseState.CLASS


def test_who_may_edit_and_which_courses_are_listed(db):
    author, other = factories.user(Role.TEACHER), factories.user(Role.TEACHER)
    admin, student = factories.user(Role.ADMIN), factories.user(Role.STUDENT)
    mine = editing.new_course(author, settings("mine"))
    orphan = factories.course()
    assert editing.can_edit(author, mine) and editing.can_edit(admin, mine) and editing.can_edit(admin, orphan)
    assert not editing.can_edit(other, mine) and not editing.can_edit(author, orphan)
    assert not editing.can_edit(student, mine)
    student_course = Course(slug="x-by-student", title={"en": "x"}, author_id=student.id)
    db.session.add(student_course)
    assert not editing.can_edit(student, student_course)  # a former teacher, now a student
    assert editing.editable_courses(author) == [mine]
    assert {mine.id, orphan.id} <= {c.id for c in editing.editable_courses(admin)}


def test_modules_are_appended_moved_and_deleted(db):
    course = editing.new_course(factories.user(Role.TEACHER), settings())
    first, second, third = (editing.add_module(course, {"en": name}) for name in ("One", "Two", "Three"))
    assert [m.position for m in (first, second, third)] == [1, 2, 3]
    assert editing.move(third, "up") is True
    assert [m.title["en"] for m in course_modules(course)] == ["One", "Three", "Two"]
    assert editing.move(first, "up") is False and editing.move(second, "down") is False
    editing.delete_module(db.session.get(Module, third.id))
    assert [m.title["en"] for m in course_modules(course)] == ["One", "Two"]


def course_modules(course):
    return list(db.session.scalars(sa.select(Module).where(Module.course_id == course.id).order_by(Module.position)))


def test_prerequisite_must_be_an_earlier_module_of_the_same_course(db):
    course = editing.new_course(factories.user(Role.TEACHER), settings())
    first, second = editing.add_module(course, {"en": "One"}), editing.add_module(course, {"en": "Two"})
    elsewhere = factories.course().modules[0]
    for bad in (second.id, elsewhere.id, 999_999):
        with pytest.raises(editing.InvalidPrerequisite):
            editing.update_module(second, {"en": "Two"}, bad)
    with pytest.raises(editing.InvalidPrerequisite):
        editing.update_module(first, {"en": "One"}, second.id)
    editing.update_module(second, {"en": "Two, renamed"}, first.id)
    assert second.prerequisite_id == first.id and second.title == {"en": "Two, renamed"}
    # Moving a module above its prerequisite drops the link rather than keep an impossible order.
    editing.move(second, "up")
    assert second.prerequisite_id is None


def test_deleting_a_prerequisite_frees_the_modules_that_needed_it(db):
    course = factories.course()
    first, second = course.modules
    assert second.prerequisite_id == first.id
    editing.delete_module(first)
    assert db.session.get(Module, second.id).prerequisite_id is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lesson).where(Lesson.module_id == first.id)) == 0


def test_lessons_are_added_edited_reordered_and_deleted(db):
    course = editing.new_course(factories.user(Role.TEACHER), settings())
    module = editing.add_module(course, {"en": "One"})
    a = editing.add_lesson(module, {"en": "A"}, {"en": "# A"}, 5)
    b = editing.add_lesson(module, {"en": "B"}, {}, 7)
    assert (a.position, b.position) == (1, 2)
    editing.update_lesson(a, {"en": "A2"}, {"kk": "Мәтін"}, 12)
    assert (a.title, a.body, a.minutes) == ({"en": "A2"}, {"kk": "Мәтін"}, 12)
    editing.move(b, "up")
    assert [lesson.id for lesson in module_lessons(module)] == [b.id, a.id]
    editing.delete_lesson(b)
    assert [lesson.id for lesson in module_lessons(module)] == [a.id]


def module_lessons(module):
    return list(db.session.scalars(sa.select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position)))


def test_edits_reach_the_learners_snapshot(db):
    course = factories.course()
    before = outline_of(course)
    lesson = course.modules[0].lessons[0]
    editing.update_lesson(lesson, {"en": "Renamed"}, {"en": "New text"}, 3)
    db.session.refresh(course)
    after = outline_of(course)
    assert after is not before and after.lesson(lesson.id).body == {"en": "New text"}
    editing.delete_module(course.modules[1])
    db.session.refresh(course)
    assert [m.id for m in outline_of(course).modules] == [course.modules[0].id]


def test_assignment_settings_and_items(db):
    course = editing.new_course(factories.user(Role.TEACHER), settings())
    module = editing.add_module(course, {"en": "One"})
    quiz = editing.add_assignment(module, quiz_settings())
    assert quiz.position == 1 and quiz.pass_mark == 0.5 and quiz.max_attempts == 2
    editing.update_assignment(quiz, quiz_settings(max_attempts=None, required=False, late_penalty=0.1))
    assert quiz.max_attempts is None and not quiz.required and quiz.late_penalty == 0.1
    result, created = authoring.import_questions(quiz, GIFT, None, "quiz.gift")
    assert result.counts() == {"single_choice": 1, "short_text": 1, "numeric": 1}
    assert [item.position for item in created] == [1, 2, 3]
    editing.move(created[2], "up")
    editing.delete_item(created[0])
    items = list(db.session.scalars(sa.select(Item).where(Item.assignment_id == quiz.id).order_by(Item.position)))
    assert [item.title for item in items] == ["Q3", "Q2"]


def quiz_of(db):
    return factories.course().modules[0].assignments[0]


def item_count(quiz):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Item).where(Item.assignment_id == quiz.id))


def test_upload_of_the_interop_files_counts_their_types(db):
    quiz = quiz_of(db)
    result, _ = authoring.import_questions(
        quiz, (INTEROP / "gift/moodle_questions.gift.txt").read_bytes(), None, "moodle_questions.gift.txt"
    )
    assert len(result.items) == 9 and item_count(quiz) == 2 + 9
    result, _ = authoring.import_questions(quiz, (INTEROP / "qti/qti21_text_entry.xml").read_bytes(), "qti")
    assert result.counts() == {"short_text": 1}


@pytest.mark.parametrize(
    ("data", "file_format", "name", "error"),
    [
        (b"::Q1:: Broken {=4 ~5\n", None, "bad.gift", ImportFailed),
        (b"<quiz><question type='multichoice'>", "moodlexml", "bad.xml", ImportFailed),
        (b"::Q1:: 2+2? {=4}\n", "qti", "questions.xml", ImportFailed),
        (b"$CATEGORY: only/a/category\n", "gift", "empty.gift", ImportFailed),
        (b"", None, "empty.gift", authoring.EmptyQuestionFile),
        (b"  \n\n", "gift", "blank.gift", authoring.EmptyQuestionFile),
        (b"x" * (authoring.MAX_QUESTION_FILE_BYTES + 1), "gift", "big.gift", authoring.QuestionFileTooLarge),
        (b"%PDF-1.7", None, "questions.pdf", authoring.UnknownQuestionFormat),
    ],
)
def test_a_bad_file_imports_nothing(db, data, file_format, name, error):
    quiz = quiz_of(db)
    with pytest.raises(error):
        authoring.import_questions(quiz, data, file_format, name)
    assert item_count(quiz) == 2


def test_malformed_gift_names_its_line(db):
    with pytest.raises(ImportFailed) as failure:
        authoring.parse_questions(b"::Q1:: 2+2? {=4}\n\n::Q2:: Broken {=4 ~5\n", "gift")
    assert failure.value.line == 3
    assert failure.value.in_language("en").startswith("line 3")
