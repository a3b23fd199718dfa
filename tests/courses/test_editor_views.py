"""The course editor's pages: who may use them, what they change, and what bad input does."""

import io
import re

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from courses.models import Assignment, Attempt, Course, Item, Lesson, Module
from courses.services import authoring
from lms.db import db
from lms.models import Role
from lms.services import org
from tests import factories
from tests.conftest import csrf_token, post_form
from tests.fixtures import INTEROP

GIFT = b"::Q1:: 2+2? {=4 ~5}\n\n::Q2:: Capital of Kazakhstan? {=Astana}\n\n::Q3:: 1+1 {#2}\n"
COURSE_FORM = {
    "slug": "ai-for-teachers",
    "title_kk": "Мұғалімдерге арналған ЖИ",
    "title_ru": "",
    "title_en": "AI for teachers",
    "summary_en": "Short course",
    "language": "kk",
    "level": "beginner",
    "hours": "8",
    "state": "class",
}
ASSIGNMENT_FORM = {
    "title_en": "Quiz 1",
    "pass_mark": "70",
    "max_attempts": "",
    "due_at": "2026-12-31T18:00",
    "late_penalty": "10",
    "attempt_penalty": "5",
    "show_answers": "never",
    "required": "y",
}


@pytest.fixture
def authored(db):
    """A two-module class course authored by a teacher; ids only, as requests expire the test's objects."""
    author, school_class = factories.teacher_with_class()
    course = factories.course(state="class", author=author)
    module = course.modules[0]
    return {
        "author": author,
        "class": school_class,
        "course": course.id,
        "module": module.id,
        "module2": course.modules[1].id,
        "lesson": module.lessons[0].id,
        "assignment": module.assignments[0].id,
        "item": module.assignments[0].items[0].id,
    }


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_teacher_creates_a_course_and_is_its_author(client, login):
    teacher = login(factories.user(Role.TEACHER))
    response = post_form(client, "/authoring/courses/new", COURSE_FORM)
    course = db.session.scalar(sa.select(Course).where(Course.slug == "ai-for-teachers"))
    assert response.status_code == 302 and response.headers["Location"] == f"/authoring/courses/{course.id}"
    assert course.author_id == teacher.id and course.state == "class" and course.hours == 8
    assert course.title == {"kk": "Мұғалімдерге арналған ЖИ", "en": "AI for teachers"}
    assert "AI for teachers" in client.get("/authoring/courses").get_data(as_text=True)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"slug": "Bad Slug!"}, "slug", "Use small Latin letters"),
        ({"title_kk": "", "title_en": ""}, "title_kk", "Give a title in at least one language"),
        ({"hours": "-1"}, "hours", "Give a whole number from 0 to 1000"),
        ({"slug": "taken-slug"}, "slug", "Another course already has this address name"),
    ],
)
def test_bad_course_form_is_shown_again_with_the_error_and_nothing_is_created(client, login, change, field, message):
    factories.course("taken-slug")
    login(factories.user(Role.TEACHER))
    before = count(Course)
    response = post_form(client, "/authoring/courses/new", {**COURSE_FORM, **change})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert f'id="{field}-error"' in html and f'aria-describedby="{field}-error"' in html.replace(
        f'aria-describedby="{field}-hint {field}-error"', f'aria-describedby="{field}-error"'
    )
    assert count(Course) == before


def test_editing_settings_keeps_slugs_unique(client, login, authored):
    factories.course("taken-slug")
    login(authored["author"])
    url = f"/authoring/courses/{authored['course']}/settings"
    assert post_form(client, url, {**COURSE_FORM, "slug": "taken-slug"}).status_code == 422
    assert post_form(client, url, {**COURSE_FORM, "slug": "renamed"}).status_code == 302
    assert db.session.get(Course, authored["course"]).slug == "renamed"


def test_missing_csrf_token_is_refused(client, login, authored):
    login(authored["author"])
    response = client.post("/authoring/courses/new", data=COURSE_FORM)
    assert response.status_code == 400 and count(Course, Course.slug == "ai-for-teachers") == 0
    response = client.post(f"/authoring/modules/{authored['module']}/delete")
    assert response.status_code == 400 and db.session.get(Module, authored["module"]) is not None


def test_modules_added_renamed_moved_given_a_prerequisite_and_deleted(client, login, authored):
    login(authored["author"])
    course_url = f"/authoring/courses/{authored['course']}"
    response = post_form(client, f"{course_url}/modules", {"title_ru": "Третий"}, page=course_url)
    assert response.status_code == 302
    third = db.session.scalar(sa.select(Module).where(Module.course_id == authored["course"], Module.position == 3))
    assert third.title == {"ru": "Третий"}

    empty = post_form(client, f"{course_url}/modules", {"title_kk": " "}, page=course_url)
    assert empty.status_code == 422 and "Give a title in at least one language" in empty.get_data(as_text=True)
    assert count(Module, Module.course_id == authored["course"]) == 3

    url = f"/authoring/modules/{third.id}"
    assert post_form(client, url, {"title_en": "Third", "prerequisite_id": authored["module"]}).status_code == 302
    assert db.session.get(Module, third.id).prerequisite_id == authored["module"]
    later = post_form(
        client, f"/authoring/modules/{authored['module']}", {"title_en": "x", "prerequisite_id": third.id}
    )
    assert later.status_code == 422 and "Choose an earlier module of this course" in later.get_data(as_text=True)
    assert db.session.get(Module, authored["module"]).title == {"en": "Module 1"}

    post_form(client, f"{url}/move", {"direction": "up"}, page=course_url)
    order = db.session.scalars(
        sa.select(Module.id).where(Module.course_id == authored["course"]).order_by(Module.position)
    )
    assert list(order) == [authored["module"], third.id, authored["module2"]]

    confirm = client.get(f"/authoring/modules/{authored['module2']}/delete")
    assert confirm.status_code == 200 and "This cannot be undone" in confirm.get_data(as_text=True)
    assert post_form(client, f"/authoring/modules/{authored['module2']}/delete", {}).status_code == 302
    assert db.session.get(Module, authored["module2"]) is None


def test_lesson_preview_renders_sanitised_markdown_without_saving(client, login, authored):
    login(authored["author"])
    url = f"/authoring/modules/{authored['module']}/lessons/new"
    form = {"title_kk": "Сабақ", "body_kk": "# Тақырып\n\n**қалың** <script>alert(1)</script>", "minutes": "15"}
    before = count(Lesson)
    preview = post_form(client, url, {**form, "preview": "1"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "<h1>Тақырып</h1>" in html and "<strong>қалың</strong>" in html
    assert "<script>alert" not in html and count(Lesson) == before
    saved = post_form(client, url, form)
    assert saved.status_code == 302 and count(Lesson) == before + 1
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.module_id == authored["module"], Lesson.position == 3))
    assert lesson.body == {"kk": form["body_kk"]} and lesson.minutes == 15


def test_lesson_edited_moved_and_deleted_and_learners_see_the_change(client, login, authored):
    login(authored["author"])
    lesson_id = authored["lesson"]
    bad = post_form(client, f"/authoring/lessons/{lesson_id}", {"title_en": "New", "minutes": "0"})
    assert bad.status_code == 422 and "Give a whole number from 1 to 600" in bad.get_data(as_text=True)
    ok = post_form(
        client, f"/authoring/lessons/{lesson_id}", {"title_en": "New", "body_en": "Fresh *text*", "minutes": "5"}
    )
    assert ok.status_code == 302
    assert db.session.get(Lesson, lesson_id).body == {"en": "Fresh *text*"}

    student = factories.user(language="en")
    course = db.session.get(Course, authored["course"])
    from courses.services import learning

    org.add_member(authored["class"], student)
    learning.enroll(student, course)
    login(student)
    assert "<em>text</em>" in client.get(f"/lessons/{lesson_id}").get_data(as_text=True)

    login(authored["author"])
    post_form(client, f"/authoring/lessons/{lesson_id}/move", {"direction": "down"}, page="/authoring/courses")
    assert db.session.get(Lesson, lesson_id).position == 2
    assert post_form(client, f"/authoring/lessons/{lesson_id}/delete", {}).status_code == 302
    assert db.session.get(Lesson, lesson_id) is None


def test_assignment_created_with_its_settings_and_edited(client, login, authored):
    login(authored["author"])
    response = post_form(client, f"/authoring/modules/{authored['module']}/assignments/new", ASSIGNMENT_FORM)
    assert response.status_code == 302
    quiz = db.session.scalar(
        sa.select(Assignment).where(Assignment.module_id == authored["module"], Assignment.position == 2)
    )
    assert response.headers["Location"] == f"/authoring/assignments/{quiz.id}"
    assert (quiz.pass_mark, quiz.max_attempts, quiz.late_penalty, quiz.attempt_penalty) == (0.7, None, 0.1, 0.05)
    assert quiz.show_answers.value == "never" and quiz.required
    # Entered in Astana time (UTC+5 in the default time zone), stored in UTC.
    assert quiz.due_at.isoformat().startswith("2026-12-31T13:00")
    page = client.get(f"/authoring/assignments/{quiz.id}").get_data(as_text=True)
    assert 'value="2026-12-31T18:00"' in page

    bad = post_form(
        client, f"/authoring/assignments/{quiz.id}", {**ASSIGNMENT_FORM, "pass_mark": "150", "title_en": "Changed"}
    )
    assert bad.status_code == 422 and 'id="pass_mark-error"' in bad.get_data(as_text=True)
    assert db.session.get(Assignment, quiz.id).title == {"en": "Quiz 1"}
    ok = post_form(client, f"/authoring/assignments/{quiz.id}", {**ASSIGNMENT_FORM, "max_attempts": "4", "due_at": ""})
    assert ok.status_code == 302
    quiz = db.session.get(Assignment, quiz.id)
    assert quiz.max_attempts == 4 and quiz.due_at is None


def upload(client, assignment_id, data, name, file_format="auto", token=True):
    url = f"/authoring/assignments/{assignment_id}"
    form = {"file_format": file_format, "file": FileStorage(io.BytesIO(data), filename=name)}
    if token:
        form["csrf_token"] = csrf_token(client, url)
    # Encoded in memory: the test client would spool a large body to a temporary file it never closes.
    body, length, boundary = stream_encode_multipart(form, use_tempfile=False)
    return client.post(
        f"{url}/questions",
        input_stream=body,
        content_length=length,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def items_of(assignment_id):
    return list(db.session.scalars(sa.select(Item).where(Item.assignment_id == assignment_id).order_by(Item.position)))


def test_upload_adds_the_questions_and_says_how_many_of_which_type(client, login, authored):
    login(authored["author"])
    quiz = authored["assignment"]
    response = upload(client, quiz, GIFT, "quiz.gift")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 3 questions (Numeric: 1, Short text: 1, Single choice: 1)." in html
    assert [item.title for item in items_of(quiz)][-3:] == ["Q1", "Q2", "Q3"]
    assert "Capital of Kazakhstan?" in html or "Q2" in html


@pytest.mark.parametrize(
    ("path", "file_format", "added"),
    [
        ("gift/moodle_questions.gift.txt", "auto", 9),
        ("moodlexml/moodle_shortanswer_testquestion.moodle.xml", "auto", 1),
        ("qti/qti21_choice_multiple_partial_credit.xml", "qti", 1),
        ("qti/canvas_qti12_numeric_margin_error.xml", "auto", 1),
    ],
)
def test_upload_of_the_interop_fixtures(client, login, authored, path, file_format, added):
    login(authored["author"])
    source = INTEROP / path
    response = upload(client, authored["assignment"], source.read_bytes(), source.name, file_format)
    assert response.status_code == 302 and len(items_of(authored["assignment"])) == 2 + added


@pytest.mark.parametrize(
    ("data", "name", "file_format", "message"),
    [
        (b"::Q1:: 2+2? {=4}\n\n::Q2:: Broken {=4 ~5\n", "bad.gift", "auto", "the file has an error at line 3"),
        (b"<quiz><question>", "bad.xml", "moodlexml", "the file has an error at line 1"),
        (b"", "empty.gift", "auto", "The file is empty."),
        (b"x" * (authoring.MAX_QUESTION_FILE_BYTES + 10), "big.gift", "gift", "The file is larger than 2 MB"),
        (b"%PDF-1.7 ...", "questions.pdf", "auto", "its name does not say whether it is GIFT"),
    ],
)
def test_a_bad_upload_adds_nothing_and_says_why(client, login, authored, data, name, file_format, message):
    login(authored["author"])
    response = upload(client, authored["assignment"], data, name, file_format)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert 'id="file-error"' in html and 'aria-describedby="file-error"' in html
    assert len(items_of(authored["assignment"])) == 2


def test_upload_without_a_file_or_a_token(client, login, authored):
    login(authored["author"])
    url = f"/authoring/assignments/{authored['assignment']}"
    no_file = post_form(client, f"{url}/questions", {"file_format": "auto"}, page=url)
    assert no_file.status_code == 422 and "Choose a file." in no_file.get_data(as_text=True)
    assert upload(client, authored["assignment"], GIFT, "quiz.gift", token=False).status_code == 400
    assert len(items_of(authored["assignment"])) == 2


def test_items_reordered_and_deleted(client, login, authored):
    login(authored["author"])
    quiz = authored["assignment"]
    first, second = items_of(quiz)
    page = f"/authoring/assignments/{quiz}"
    assert post_form(client, f"/authoring/items/{second.id}/move", {"direction": "up"}, page=page).status_code == 302
    assert [item.id for item in items_of(quiz)] == [second.id, first.id]
    assert post_form(client, f"/authoring/items/{first.id}/delete", {}, page=page).status_code == 302
    assert [item.id for item in items_of(quiz)] == [second.id]


def test_unknown_ids_are_not_found(client, login):
    login(factories.user(Role.ADMIN))
    for url in (
        "/authoring/courses/999999",
        "/authoring/modules/999999",
        "/authoring/lessons/999999",
        "/authoring/assignments/999999",
        "/authoring/courses/999999/settings",
    ):
        assert client.get(url).status_code == 404, url
    assert post_form(client, "/authoring/items/999999/delete", {}, page="/authoring/courses").status_code == 404


def test_admin_edits_any_course_and_lists_all(client, login, authored):
    login(factories.user(Role.ADMIN))
    html = client.get("/authoring/courses").get_data(as_text=True)
    assert f'/authoring/courses/{authored["course"]}"' in html
    response = post_form(client, f"/authoring/lessons/{authored['lesson']}", {"title_en": "By admin", "minutes": "5"})
    assert response.status_code == 302 and db.session.get(Lesson, authored["lesson"]).title == {"en": "By admin"}


def test_teacher_lists_only_their_own_courses(client, login, authored):
    other = factories.course()
    login(authored["author"])
    html = client.get("/authoring/courses").get_data(as_text=True)
    assert f'/authoring/courses/{authored["course"]}"' in html and f'/authoring/courses/{other.id}"' not in html


def test_editor_page_queries_do_not_grow_with_the_course(client, login, count_queries):
    admin = login(factories.user(Role.ADMIN))

    def build(modules):
        course = factories.course()
        course.author_id = admin.id
        for n in range(modules - 2):
            module = Module(course_id=course.id, position=3 + n, title={"en": f"Extra {n}"})
            db.session.add(module)
            db.session.flush()
            db.session.add_all(Lesson(module_id=module.id, position=p, title={"en": f"L{p}"}) for p in (1, 2, 3))
            quiz = Assignment(module_id=module.id, position=1, title={"en": "Q"})
            db.session.add(quiz)
            db.session.flush()
            authoring.import_questions(quiz, GIFT, "gift")
        db.session.flush()
        return course.id

    small, large = build(2), build(6)
    client.get(f"/authoring/courses/{small}")  # warm caches
    counts = []
    for course_id in (small, large):
        with count_queries() as counter:
            assert client.get(f"/authoring/courses/{course_id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts

    def quiz_with(items):
        quiz = db.session.scalars(
            sa.select(Assignment).join(Module).where(Module.course_id == small).order_by(Assignment.id)
        ).first()
        fresh = Assignment(module_id=quiz.module_id, position=10 + items, title={"en": "Q"})
        db.session.add(fresh)
        db.session.flush()
        for _ in range(items):
            authoring.import_questions(fresh, GIFT, "gift")
        return fresh.id

    few, many = quiz_with(1), quiz_with(5)
    counts = []
    for quiz_id in (few, many):
        with count_queries() as counter:
            assert client.get(f"/authoring/assignments/{quiz_id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


ACTIONS = [
    ("/authoring/courses/new", COURSE_FORM),
    ("/authoring/courses/{course}/settings", {**COURSE_FORM, "slug": "hijacked"}),
    ("/authoring/courses/{course}/modules", {"title_en": "Intruder"}),
    ("/authoring/modules/{module}", {"title_en": "Intruder"}),
    ("/authoring/modules/{module}/move", {"direction": "down"}),
    ("/authoring/modules/{module}/delete", {}),
    ("/authoring/modules/{module}/lessons/new", {"title_en": "Intruder", "minutes": "5"}),
    ("/authoring/lessons/{lesson}", {"title_en": "Intruder", "minutes": "5"}),
    ("/authoring/lessons/{lesson}/move", {"direction": "down"}),
    ("/authoring/lessons/{lesson}/delete", {}),
    ("/authoring/modules/{module}/assignments/new", ASSIGNMENT_FORM),
    ("/authoring/assignments/{assignment}", ASSIGNMENT_FORM),
    ("/authoring/assignments/{assignment}/move", {"direction": "up"}),
    ("/authoring/assignments/{assignment}/questions", {"file_format": "gift"}),
    ("/authoring/items/{item}/move", {"direction": "down"}),
    ("/authoring/items/{item}/delete", {}),
]


def snapshot(authored):
    course = db.session.get(Course, authored["course"])
    return (
        course.slug,
        count(Course),
        [(m.id, m.position, m.title) for m in course.modules],
        count(Lesson),
        count(Assignment),
        [(i.id, i.position) for i in items_of(authored["assignment"])],
    )


@pytest.mark.parametrize("role", ["anonymous", "student", "other_teacher", "mentor"])
@pytest.mark.parametrize(("path", "data"), ACTIONS, ids=[path for path, _ in ACTIONS])
def test_others_cannot_change_a_course(client, login, authored, role, path, data):
    users = {
        "student": factories.user(Role.STUDENT),
        "other_teacher": factories.user(Role.TEACHER),
        "mentor": factories.user(Role.MENTOR),
    }
    if role != "anonymous":
        login(users[role])
    before = snapshot(authored)
    response = client.post(path.format(**authored), data={**data, "csrf_token": csrf_token(client, "/")})
    if role == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    elif path == "/authoring/courses/new":
        if role == "other_teacher":
            assert response.status_code == 302  # any teacher may create a course of their own
            return
        assert response.status_code == 403
    else:
        assert response.status_code == 404  # nothing of another's course is shown, not even that it exists
    db.session.expire_all()
    assert snapshot(authored) == before


def test_a_course_written_in_the_editor_is_taken_by_a_learner(client, login):
    teacher, school_class = factories.teacher_with_class()
    login(teacher)
    post_form(client, "/authoring/courses/new", COURSE_FORM)  # a class course
    course = db.session.scalar(sa.select(Course).where(Course.slug == COURSE_FORM["slug"]))
    post_form(client, f"/authoring/courses/{course.id}/modules", {"title_en": "Start"}, page="/authoring/courses")
    module = db.session.scalar(sa.select(Module).where(Module.course_id == course.id))
    post_form(
        client,
        f"/authoring/modules/{module.id}/lessons/new",
        {"title_en": "Hello", "body_en": "Read *this*.", "minutes": "5"},
    )
    post_form(client, f"/authoring/modules/{module.id}/assignments/new", {**ASSIGNMENT_FORM, "due_at": ""})
    quiz = db.session.scalar(sa.select(Assignment).where(Assignment.module_id == module.id))
    assert upload(client, quiz.id, GIFT, "quiz.gift").status_code == 302

    student = factories.user(language="en")
    org.add_member(school_class, student)
    login(student)
    post_form(client, f"/courses/{course.slug}/enroll", {}, page=f"/courses/{course.slug}")
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.module_id == module.id))
    assert "<em>this</em>" in client.get(f"/lessons/{lesson.id}").get_data(as_text=True)
    items = items_of(quiz.id)
    answers = {f"item-{items[0].id}": "c1", f"item-{items[1].id}": "Astana", f"item-{items[2].id}": "2"}
    response = post_form(client, f"/assignments/{quiz.id}", answers)
    assert response.status_code == 302
    attempt = db.session.scalar(sa.select(Attempt).where(Attempt.user_id == student.id))
    assert (attempt.score, attempt.max_score) == (3, 3)


def test_an_assignment_holds_at_most_500_questions_and_a_file_past_that_adds_nothing(
    client, login, authored, monkeypatch
):
    from courses.services import authoring

    monkeypatch.setattr(authoring, "MAX_ITEMS_PER_ASSIGNMENT", 4)  # 2 there, GIFT adds 3
    login(authored["author"])
    client.set_cookie("lms_lang", "en")
    response = upload(client, authored["assignment"], GIFT, "quiz.gift")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "An assignment holds at most 4 questions: it has 2, the file adds 3." in html
    assert len(items_of(authored["assignment"])) == 2


def test_the_editor_lists_questions_a_page_at_a_time(client, login, authored, db):
    from courses.editor_assignments import ITEMS_PER_PAGE
    from courses.importers.items import ImportedItem
    from courses.models import Assignment
    from courses.services import authoring

    quiz = db.session.get(Assignment, authored["assignment"])
    spec = {"choices": [{"id": "a", "text": "A", "credit": 1}, {"id": "b", "text": "B"}]}
    authoring.add_items(
        quiz, [ImportedItem("single_choice", "?", spec, title=f"Q{n}") for n in range(ITEMS_PER_PAGE + 3)]
    )
    db.session.commit()
    login(authored["author"])
    client.set_cookie("lms_lang", "en")
    url = f"/authoring/assignments/{quiz.id}"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url + "?page=2").get_data(as_text=True)
    total = ITEMS_PER_PAGE + 5
    assert f"{total} questions" in first and "Page 1 of 2" in first
    assert first.count('<tr id="item-') == ITEMS_PER_PAGE and second.count('<tr id="item-') == 5
    assert f"<td>{total}</td>" in second  # numbered across pages


# The course's state: a teacher keeps it a draft or opens it to their classes; an administrator approves it.


def state_options(html: str) -> list[str]:
    import re

    select = re.search(r'<select[^>]*name="state".*?</select>', html, re.S)
    assert select, "no state choice on the page"
    return re.findall(r'<option[^>]*value="([^"]+)"', select.group(0))


def test_a_teacher_is_not_offered_the_catalogue_and_cannot_post_it(client, login):
    teacher = login(factories.user(Role.TEACHER))
    assert state_options(client.get("/authoring/courses/new").get_data(as_text=True)) == ["draft", "class"]
    refused = post_form(client, "/authoring/courses/new", {**COURSE_FORM, "state": "catalogue"})
    assert refused.status_code == 422 and count(Course, Course.slug == COURSE_FORM["slug"]) == 0
    course = factories.course(state="draft", author=teacher)
    url = f"/authoring/courses/{course.id}/settings"
    assert state_options(client.get(url).get_data(as_text=True)) == ["draft", "class"]
    refused = post_form(client, url, {**COURSE_FORM, "slug": course.slug, "state": "catalogue"})
    assert refused.status_code == 422
    assert db.session.get(Course, course.id).state == "draft"
    assert post_form(client, url, {**COURSE_FORM, "slug": course.slug, "state": "class"}).status_code == 302
    assert db.session.get(Course, course.id).state == "class"


def test_an_administrator_approves_a_course_into_the_catalogue(client, login):
    teacher = factories.user(Role.TEACHER)
    course = factories.course(state="class", author=teacher)
    login(factories.user(Role.ADMIN))
    url = f"/authoring/courses/{course.id}/settings"
    assert state_options(client.get(url).get_data(as_text=True)) == ["draft", "class", "catalogue"]
    assert post_form(client, url, {**COURSE_FORM, "slug": course.slug, "state": "catalogue"}).status_code == 302
    assert db.session.get(Course, course.id).state == "catalogue"


def test_an_approved_course_stays_in_the_catalogue_for_its_author(client, login):
    teacher = login(factories.user(Role.TEACHER))
    course = factories.course(state="catalogue", author=teacher)
    url = f"/authoring/courses/{course.id}/settings"
    assert state_options(client.get(url).get_data(as_text=True)) == ["catalogue"]
    assert post_form(client, url, {**COURSE_FORM, "slug": course.slug, "state": "draft"}).status_code == 422
    saved = post_form(client, url, {**COURSE_FORM, "slug": course.slug, "hours": "5", "state": "catalogue"})
    assert saved.status_code == 302
    found = db.session.get(Course, course.id)
    assert found.state == "catalogue" and found.hours == 5


def test_the_editor_lists_each_course_with_its_state(client, login):
    teacher = login(factories.user(Role.TEACHER))
    client.set_cookie("lms_lang", "en")
    for state in ("draft", "class", "catalogue"):
        factories.course(state=state, author=teacher)
    html = client.get("/authoring/courses").get_data(as_text=True)
    for label in ("Draft", "Class course", "Catalogue"):
        assert f"<td>{label}</td>" in html, label


def test_the_author_says_whom_the_course_is_for(client, login, authored):
    login(authored["author"])
    url = f"/authoring/courses/{authored['course']}/settings"
    assert post_form(client, url, {**COURSE_FORM, "audience": "teachers"}).status_code == 302
    course = db.session.get(Course, authored["course"])
    assert course is not None and course.audience.value == "teachers"
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<option (selected value="teachers"|value="teachers" selected)', page)
    assert post_form(client, url, {**COURSE_FORM, "audience": "parents"}).status_code == 422
