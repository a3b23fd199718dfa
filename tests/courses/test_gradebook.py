import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from courses.models import Item
from courses.services import attempts, gradebook, learning
from lms.db import db, utcnow
from lms.models import Role
from lms.services import org
from tests import factories
from tests.conftest import post_form


def class_with_students(count=3):
    teacher, school_class = factories.teacher_with_class()
    students = [factories.user(full_name=f"Student {n:02d}") for n in range(count)]
    for student in students:
        org.add_member(school_class, student)
    return teacher, school_class, students


def test_gradebook_best_scores_attempts_late_and_behind(db):
    _teacher, school_class, (good, weak, idle) = class_with_students()
    course = factories.course()
    quiz = course.modules[0].assignments[0]
    for student in (good, weak, idle):
        learning.enroll(student, course)
    attempts.submit_attempt(good, quiz, {})
    attempts.submit_attempt(good, quiz, factories.right_answers(quiz))
    quiz.due_at = utcnow() - timedelta(days=1)
    attempts.submit_attempt(weak, quiz, {str(quiz.items[0].id): "a"})
    idle_registration = learning.enrolment(idle, course)
    idle_registration.last_activity_at = utcnow() - timedelta(days=10)
    book = gradebook.class_gradebook(school_class, course)
    rows = {row.student.id: row for row in book.rows}
    assert rows[good.id].cells[quiz.id].percent == 100 and rows[good.id].cells[quiz.id].attempts == 2
    assert rows[good.id].cells[quiz.id].passed and rows[good.id].behind == []
    weak_cell = rows[weak.id].cells[quiz.id]
    assert (weak_cell.percent, weak_cell.late, weak_cell.passed) == (50, True, False)
    assert rows[weak.id].behind == ["below_pass_mark"]
    assert rows[idle.id].behind == ["inactive"]
    assert rows[good.id].modules[course.modules[0].id] == 33


def test_attempts_the_platform_failed_to_grade_are_left_out(db):
    from courses.models import AttemptStatus

    _teacher, school_class, (student, *_others) = class_with_students()
    course = factories.course()
    quiz = course.modules[0].assignments[0]
    learning.enroll(student, course)
    failed = attempts.submit_attempt(student, quiz, factories.right_answers(quiz))
    failed.status = AttemptStatus.ERROR
    db.session.flush()
    cell = {row.student.id: row for row in gradebook.class_gradebook(school_class, course).rows}[student.id].cells[
        quiz.id
    ]
    assert (cell.attempts, cell.percent, cell.passed) == (0, None, False)


def test_gradebook_query_count_does_not_grow_with_students(db, count_queries):
    course = factories.course()
    counts = []
    for size in (2, 12):
        _teacher, school_class, students = class_with_students(size)
        for student in students:
            learning.enroll(student, course)
            attempts.submit_attempt(student, course.modules[0].assignments[0], {})
        db.session.expire_all()
        with count_queries() as counter:
            gradebook.class_gradebook(school_class, course)
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_exports_are_readable_and_formula_safe(db):
    _teacher, school_class, students = class_with_students(2)
    students[0].full_name = '=HYPERLINK("http://evil")'
    course = factories.course()
    learning.enroll(students[1], course)
    book = gradebook.class_gradebook(school_class, course)
    text = gradebook.gradebook_csv(book, "en").decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][:3] == ["Full name", "E-mail", "Enrolled"] and len(table) == 3
    assert table[1][0].startswith("'=")
    sheet = load_workbook(io.BytesIO(gradebook.gradebook_xlsx(book, "en"))).active
    assert sheet["A1"].value == "Full name" and sheet.max_row == 3
    assert str(sheet["A2"].value).startswith("'=")


def test_teacher_sees_the_class_progress_and_downloads(client, login):
    teacher, school_class, students = class_with_students(2)
    course = factories.course()
    learning.enroll(students[0], course)
    attempts.submit_attempt(students[0], course.modules[0].assignments[0], {})
    login(teacher)
    class_page = client.get(f"/classes/{school_class.id}").get_data(as_text=True)
    assert f"/classes/{school_class.id}/courses/{course.slug}" in class_page
    page = client.get(f"/classes/{school_class.id}/courses/{course.slug}")
    assert page.status_code == 200 and "Student 00" in page.get_data(as_text=True)
    assert "The class in this course" in page.get_data(as_text=True)  # its measures, as the dashboard counts
    xlsx = client.get(f"/classes/{school_class.id}/courses/{course.slug}/gradebook.xlsx")
    assert xlsx.status_code == 200 and xlsx.data[:2] == b"PK"
    csv_response = client.get(f"/classes/{school_class.id}/courses/{course.slug}/gradebook.csv")
    assert csv_response.data.startswith(b"\xef\xbb\xbf") and "attachment" in csv_response.headers["Content-Disposition"]
    assert client.get(f"/classes/{school_class.id}/courses/{course.slug}/gradebook.pdf").status_code == 404


def test_other_teachers_and_students_are_refused(client, login):
    _teacher, school_class, _students = class_with_students(1)
    course = factories.course()
    login(factories.teacher_with_class()[0])
    assert client.get(f"/classes/{school_class.id}/courses/{course.slug}").status_code == 403
    assert client.get(f"/classes/{school_class.id}/courses/{course.slug}/gradebook.csv").status_code == 403
    login(factories.user())
    assert client.get(f"/classes/{school_class.id}/courses/{course.slug}").status_code == 403


def test_teacher_marks_an_essay(client, login):
    teacher, school_class, (student,) = class_with_students(1)
    course = factories.course()
    quiz = course.modules[0].assignments[0]
    essay = Item(assignment_id=quiz.id, position=3, type="essay", prompt="Why?", spec={"points": 2})
    db.session.add(essay)
    db.session.flush()
    learning.enroll(student, course)
    attempt = attempts.submit_attempt(student, quiz, {str(essay.id): "Because <b>data</b>."})
    login(teacher)
    page = client.get(f"/attempts/{attempt.id}/mark").get_data(as_text=True)
    assert "Because &lt;b&gt;data&lt;/b&gt;." in page
    bad = post_form(client, f"/attempts/{attempt.id}/mark", {f"score-{essay.id}": "5"})
    assert bad.status_code == 200 and attempt.status.value == "pending"
    post_form(client, f"/attempts/{attempt.id}/mark", {f"score-{essay.id}": "1,5", f"feedback-{essay.id}": "Good"})
    assert attempt.status.value == "graded" and attempt.score == 1.5
    login(factories.teacher_with_class()[0])
    assert client.get(f"/attempts/{attempt.id}/mark").status_code == 403


def test_students_cannot_mark(client, login):
    course, student = factories.course(), factories.user(Role.STUDENT)
    learning.enroll(student, course)
    attempt = attempts.submit_attempt(student, course.modules[0].assignments[0], {})
    login(factories.user(Role.STUDENT))
    assert client.get(f"/attempts/{attempt.id}/mark").status_code == 403
    assert client.get(f"/attempts/{attempt.id + 1}/mark").status_code == 404


def test_the_class_measures_count_as_the_officials_dashboard_does(db):
    _teacher, school_class, (good, weak, idle) = class_with_students()
    course = factories.course()
    for student in (good, weak, idle):
        learning.enroll(student, course)
    learning.enrolment(idle, course).last_activity_at = utcnow() - learning.AT_RISK_AFTER - timedelta(hours=1)
    weak_registration = learning.enrolment(weak, course)
    weak_registration.last_activity_at = utcnow() - timedelta(days=30)
    weak_registration.completed_at = utcnow() - timedelta(days=30)  # completed: never at risk
    measures = gradebook.class_gradebook(school_class, course).measures
    assert (measures.students, measures.enrolled, measures.completed, measures.at_risk) == (3, 3, 1, 1)
    assert measures.completion_percent == 33
