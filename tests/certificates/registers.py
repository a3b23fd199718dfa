"""A small world of schools, classes and certificates for the register and ZIP tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from certificates import services
from certificates.models import Certificate
from courses.models import Enrolment
from courses.services import learning
from lms.db import db, utcnow
from lms.models import Role, School, SchoolClass, User
from lms.services import org
from tests import factories


def certify(learner: User, course: Any) -> Certificate:
    """The learner completes the course (recorded directly) and gets the certificate."""
    learning.enroll(learner, course)
    db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.user_id == learner.id, Enrolment.course_id == course.id)
        .values(completed_at=utcnow())
    )
    return services.issue_certificate(learner.id, course.id)


@dataclass
class World:
    course: Any
    other_course: Any
    school: School
    other_school: School
    class_a: SchoolClass
    class_b: SchoolClass
    other_class: SchoolClass
    teacher: User
    admin: User
    certificates: dict[str, Certificate]


def build_world(extra_in_class_a: int = 0) -> World:
    """School 1: class A (Әлия, Bob revoked, Ерлан in another course), class B (Dana), the teacher's own
    certificate (no class). School 2: one class (Zhan). ``extra_in_class_a`` more learners in class A."""
    course, other_course = factories.course(), factories.course()
    teacher, class_a = factories.teacher_with_class("9 A")
    school = db.session.get_one(School, class_a.school_id)
    class_b = org.create_class(teacher, "10 B")
    other_teacher, other_class = factories.teacher_with_class("11 C", region_code="KZ-75")
    admin = factories.user(Role.ADMIN)
    names = {
        "aliya": ('Әлия "Ақ" Сәрсенова/Test', class_a, course),
        "bob": ("Bob Brown", class_a, course),
        "erlan": ("Ерлан Қасымов", class_a, other_course),
        "dana": ("Dana Smith", class_b, course),
        "zhan": ("Жан Омаров", other_class, course),
    }
    names.update({f"extra{n}": (f"Extra Learner {n}", class_a, course) for n in range(extra_in_class_a)})
    certificates = {}
    for key, (full_name, school_class, which_course) in names.items():
        learner = factories.user(full_name=full_name)
        org.add_member(school_class, learner)
        certificates[key] = certify(learner, which_course)
    certificates["teacher"] = certify(teacher, course)
    services.revoke_certificate(certificates["bob"], admin, "issued in error")
    return World(
        course=course,
        other_course=other_course,
        school=school,
        other_school=db.session.get_one(School, other_class.school_id),
        class_a=class_a,
        class_b=class_b,
        other_class=other_class,
        teacher=teacher,
        admin=admin,
        certificates=certificates,
    )


def fake_pdf(certificate: Certificate) -> bytes:
    return f"%PDF-1.7 fake {certificate.serial}".encode()
