"""The certificate register: filtered by school, class, course and status; CSV and XLSX in one statement."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from flask_babel import force_locale

from certificates import register, serials
from certificates.models import CertificateStatus
from lms.services import org
from tests import factories
from tests.certificates.registers import World, build_world, certify


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def holders(rows: list[register.RegisterRow]) -> list[str]:
    return [row.holder_name for row in rows]


def test_a_class_register_holds_its_members_certificates(world: World) -> None:
    rows = register.register_rows(register.RegisterFilter(class_id=world.class_a.id))
    assert holders(rows) == ["Bob Brown", "Ерлан Қасымов", 'Әлия "Ақ" Сәрсенова/Test']
    assert {row.class_label for row in rows} == {f"9 A ({world.class_a.academic_year})"}
    assert {row.school_name for row in rows} == {world.school.name}


def test_a_school_register_holds_its_classes_and_its_teachers_certificates(world: World) -> None:
    rows = register.register_rows(register.RegisterFilter(school_id=world.school.id))
    assert sorted(holders(rows)) == sorted(
        ["Bob Brown", "Ерлан Қасымов", 'Әлия "Ақ" Сәрсенова/Test', "Dana Smith", world.teacher.full_name]
    )
    teacher_row = next(row for row in rows if row.holder_name == world.teacher.full_name)
    assert teacher_row.school_name == world.school.name and teacher_row.class_label == ""
    assert rows[-1] == teacher_row  # no class: after the classes


def test_the_whole_register_and_the_course_and_status_filters(world: World) -> None:
    assert len(register.register_rows(register.RegisterFilter())) == 6
    of_course = register.register_rows(register.RegisterFilter(course_id=world.other_course.id))
    assert holders(of_course) == ["Ерлан Қасымов"]
    revoked = register.register_rows(register.RegisterFilter(status=CertificateStatus.REVOKED))
    assert holders(revoked) == ["Bob Brown"]
    assert revoked[0].revocation_reason == "issued in error" and revoked[0].revoked_at is not None


def test_a_learner_in_two_classes_is_listed_once(world: World) -> None:
    aliya = world.certificates["aliya"]
    student = aliya.user_id
    from lms.db import db
    from lms.models import User

    org.add_member(world.class_b, db.session.get_one(User, student))
    everyone = register.register_rows(register.RegisterFilter())
    assert holders(everyone).count(aliya.holder_name) == 1
    in_b = register.register_rows(register.RegisterFilter(class_id=world.class_b.id))
    assert aliya.holder_name in holders(in_b)
    assert next(r for r in in_b if r.holder_name == aliya.holder_name).class_label.startswith("10 B")
    in_a = register.register_rows(register.RegisterFilter(class_id=world.class_a.id))
    assert next(r for r in in_a if r.holder_name == aliya.holder_name).class_label.startswith("9 A")


def test_a_page_and_its_total(world: World) -> None:
    first = register.register_page(register.RegisterFilter(), page=1, per_page=4)
    second = register.register_page(register.RegisterFilter(), page=2, per_page=4)
    assert first.total == 6 and first.pages == 2 and first.has_next and not first.has_prev
    assert len(first.items) == 4 and len(second.items) == 2 and second.has_prev and not second.has_next
    assert register.register_page(register.RegisterFilter(), page=99, per_page=4).page == 2


def test_filters_travel_as_plain_values(world: World) -> None:
    filters = register.RegisterFilter(school_id=1, class_id=2, course_id=3, status=CertificateStatus.REVOKED)
    assert register.RegisterFilter.from_dict(filters.as_dict()) == filters
    assert filters.as_dict()["status"] == "revoked"


def parse_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_has_every_column_with_headings_in_the_language(app: Any, world: World) -> None:
    rows = register.register_rows(register.RegisterFilter(class_id=world.class_a.id))
    with app.test_request_context(), force_locale("ru"):
        lines = parse_csv(register.register_csv(rows))
    assert lines[0] == [
        "Номер",
        "Владелец",
        "Курс",
        "Оценка (%)",
        "Часы",
        "Выдан",
        "Язык",
        "Статус",
        "Дата отзыва",
        "Причина отзыва",
        "Страница проверки",
        "Школа",
        "Класс",
    ]
    bob = world.certificates["bob"]
    line = next(line for line in lines[1:] if line[1] == "Bob Brown")
    display = serials.display(bob.serial)
    assert line[0] == display and line[2] == bob.course_title and line[4] == "12"
    assert line[5] == bob.issued_at.date().isoformat() and line[6] == "en"
    assert (
        line[7] == "Отозван"
        and line[8].startswith(bob.issued_at.date().isoformat()[:4])
        and line[9] == "issued in error"
    )
    assert line[10] == f"http://127.0.0.1:5000/verify/{display}"
    assert line[11] == world.school.name and line[12] == f"9 A ({world.class_a.academic_year})"


def test_a_formula_in_a_name_stays_text(app: Any, db: Any) -> None:
    teacher, school_class = factories.teacher_with_class()
    learner = factories.user(full_name="=HYPERLINK(1)")
    org.add_member(school_class, learner)
    certify(learner, factories.course())
    rows = register.register_rows(register.RegisterFilter(class_id=school_class.id))
    with app.test_request_context():
        assert parse_csv(register.register_csv(rows))[1][1] == "'=HYPERLINK(1)"


def test_the_xlsx_has_the_same_table(app: Any, world: World) -> None:
    rows = register.register_rows(register.RegisterFilter(school_id=world.school.id))
    with app.test_request_context(), force_locale("kk"):
        book = openpyxl.load_workbook(io.BytesIO(register.register_xlsx(rows)))
        csv_lines = parse_csv(register.register_csv(rows))
    sheet = book.active
    values = [[cell if cell is not None else "" for cell in line] for line in sheet.iter_rows(values_only=True)]
    assert values[0] == csv_lines[0] and values[0][0] == "Нөмірі"
    assert [line[1] for line in values[1:]] == [line[1] for line in csv_lines[1:]]
    assert len(values) == 6 and sheet["A1"].font.b


def test_the_register_is_one_statement_whatever_its_size(app: Any, db: Any, count_queries: Any) -> None:
    counts = []
    for extra in (0, 8):
        world = build_world(extra_in_class_a=extra)
        filters = register.RegisterFilter(school_id=world.school.id)
        with count_queries() as counter, app.test_request_context():
            rows = register.register_rows(filters)
            register.register_csv(rows)
            register.register_xlsx(rows)
        assert len(rows) == 5 + extra
        counts.append(counter.count)
    assert counts == [1, 1]
