"""The demo's learners, so that the officials' dashboard has numbers to show: four districts of Astana and the
other demo schools, each with a few dozen learners of the demo course who did its lessons and quizzes over the
last ten weeks — some finished with a certificate, some stopped along the way, some are at risk.

Everything a learner does goes through the services (enrolment, lessons, quizzes answered with answers derived
from the items, the certificate issued on completion); then their records are moved back by a number of days
of their own, so the weeks and months of the dashboard hold history. Certificates keep the time they were signed.
The rollups are rebuilt at the end. Safe to run again: learners that exist are left as they are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from analytics import services
from analytics.models import Headcount
from courses.grading.model import model_response
from courses.models import Assignment, Attempt, Course, Enrolment, LearningEvent, LessonProgress
from courses.services import attempts, events, learning
from lms.db import db, utcnow
from lms.models import InstructionLanguage, Region, Role, School, SchoolKind, Settlement, User
from lms.services import accounts, org

#: Astana's other districts and a school in each: (code, kk, ru, en, school code, school name, language).
ASTANA = (
    ("DEMO-AST-ALM", "Алматы ауданы", "Алматинский район", "Almaty district", "DEMO-AST-002",
     "№ 21 мектеп-гимназия, Астана", InstructionLanguage.RU),
    ("DEMO-AST-SAR", "Сарыарқа ауданы", "район Сарыарка", "Saryarka district", "DEMO-AST-003",
     "№ 7 мектеп, Астана", InstructionLanguage.KK),
    ("DEMO-AST-BAI", "Байқоңыр ауданы", "район Байконур", "Baikonur district", "DEMO-AST-004",
     "№ 65 мектеп-лицей, Астана", InstructionLanguage.MIXED),
)  # fmt: skip
#: Learners per demo school.
LEARNERS = {
    "DEMO-AST-001": 36,
    "DEMO-AST-002": 31,
    "DEMO-AST-003": 27,
    "DEMO-AST-004": 22,
    "DEMO-ALA-001": 28,
    "DEMO-KAR-001": 24,
    "DEMO-TUR-001": 19,
}
FIRST_NAMES = (
    "Әлихан", "Аяулым", "Бекзат", "Дана", "Ерасыл", "Жансая", "Ислам", "Камила", "Мирас", "Назерке",
    "Олжас", "Сабина", "Тимур", "Ұлжан", "Алексей", "Мария", "Артём", "Елизавета", "Руслан", "Виктория",
)  # fmt: skip
SURNAMES = (
    "Ахметов", "Бекова", "Жұмабаев", "Қасымова", "Нұрланов", "Оспанова", "Сейітов", "Тұрсынова", "Иванов",
    "Ким", "Омаров", "Сәрсенова",
)  # fmt: skip
#: Who marks the demo learners' essays.
MARKER = "teacher@demo.aiskills.kz"
#: How far back a learner's work lies, in days.
HISTORY_DAYS = 70
SCHOOL_YEAR_STUDENTS = 4  # a school's headcount: this many times its demo learners


@dataclass(frozen=True)
class Plan:
    """What a demo learner does: how many modules they reach, whether they pass each quiz, and when."""

    modules: int  # modules opened (0: enrolled only)
    passes: bool  # answers the quizzes of the modules they finish well enough to pass
    days_ago: int
    wrong: float  # the share of items answered wrongly


def _plan(rng: random.Random, module_count: int) -> Plan:
    roll = rng.random()
    if roll < 0.12:
        modules = 0
    elif roll < 0.45:
        modules = rng.randint(1, module_count)
    else:
        modules = module_count
    passes = modules == module_count and rng.random() < 0.85
    return Plan(modules, passes, rng.randint(1, HISTORY_DAYS), rng.choice((0.0, 0.0, 0.2, 0.2, 0.4)))


#: What a demo learner writes in an essay (the demo teacher marks it).
ESSAY = "Бет-әлпетті тану жүйесі бір топтың суреттерінен ғана үйренсе, басқаларды жиі қате таниды."


def _responses(assignment: Assignment, rng: random.Random, wrong: float) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in assignment.items:
        response = ESSAY if item.type == "essay" else model_response(item.type, item.spec)
        if response is not None and rng.random() >= wrong:
            answers[str(item.id)] = response
    return answers


def _take(user: User, assignment: Assignment, plan: Plan, rng: random.Random, marker: User | None) -> None:
    """Answer a quiz (never a code task: the demo runs no sandbox); the demo teacher marks any essay."""
    attempt = attempts.submit(user, assignment.id, _responses(assignment, rng, plan.wrong if plan.passes else 0.7))
    if marker is None:
        return
    for item in assignment.items:
        result = attempt.results.get(str(item.id)) or {}
        if result.get("pending"):
            fraction = rng.choice((0.6, 0.8, 1.0))
            attempts.grade_pending_item(attempt, item, fraction * float(result.get("max_score", 0)), "", marker)


def _learn(user: User, course: Course, plan: Plan, rng: random.Random, marker: User | None) -> None:
    learning.enroll(user, course)
    modules = sorted(course.modules, key=lambda module: module.position)
    for index, module in enumerate(modules[: plan.modules]):
        if not learning.module_unlocked(user, module):
            return
        lessons = sorted(module.lessons, key=lambda lesson: lesson.position)
        last = index == plan.modules - 1
        for lesson in lessons:
            if last and not plan.passes and rng.random() < 0.5:
                learning.open_lesson(user, lesson)
                return
            learning.complete_lesson(user, lesson)
        for assignment in module.assignments:
            if not any(item.type == "code" for item in assignment.items):
                _take(user, assignment, plan, rng, marker)


def _back(user: User, days: int) -> None:
    """Move the learner's records (not their certificates, signed with the time they were issued) back."""
    shift = timedelta(days=days, minutes=user.id % 600)
    rows: list[tuple[Any, Any, tuple[str, ...]]] = [
        (Enrolment, Enrolment.user_id == user.id, ("enrolled_at", "completed_at", "last_activity_at")),
        (LessonProgress, LessonProgress.user_id == user.id, ("opened_at", "completed_at")),
        (Attempt, Attempt.user_id == user.id, ("submitted_at", "graded_at", "grading_started_at")),
        (LearningEvent, LearningEvent.actor == events.pseudonym(user.id), ("timestamp",)),
    ]
    for model, mine, columns in rows:
        for row in db.session.scalars(sa.select(model).where(mine)):
            for column in columns:
                value = getattr(row, column)
                if value is not None:
                    setattr(row, column, value - shift)


def _schools() -> dict[str, School]:
    astana = db.session.scalar(sa.select(Region).where(Region.code == "KZ-71"))
    if astana is None:
        raise RuntimeError("The regions are missing: run `flask --app wsgi db upgrade` first.")
    for code, kk, ru, en, school_code, school_name, language in ASTANA:
        district = org.district_by_code(code) or org.create_district(astana.id, code, kk, ru, en)
        if org.school_by_code(school_code) is None:
            org.create_school(
                astana.id, school_code, school_name, SchoolKind.SCHOOL, language, Settlement.URBAN, district.id
            )
    found = {code: org.school_by_code(code) for code in LEARNERS}
    return {code: school for code, school in found.items() if school is not None}


def _school_year() -> str:
    today = utcnow()
    first = today.year if today.month >= 9 else today.year - 1
    return f"{first}-{first + 1}"


def seed_demo_learners(course: Course) -> int:
    """Add the demo's learners of ``course`` with their history and rebuild the rollups; return how many were
    added (0 when they exist). Flushes; the caller commits."""
    schools = _schools()
    rng = random.Random(2026)  # noqa: S311 - the demo's made-up learners, the same at every run
    module_count = len(course.modules)
    marker = accounts.get_user_by_email(MARKER)
    added = 0
    for code, count in LEARNERS.items():
        school = schools.get(code)
        if school is None:
            continue
        year = _school_year()
        if db.session.get(Headcount, (school.id, year)) is None:
            db.session.add(
                Headcount(school_id=school.id, school_year=year, students=SCHOOL_YEAR_STUDENTS * count, teachers=12)
            )
        for n in range(1, count + 1):
            email = f"learner{n:02d}.{code.lower()}@demo.aiskills.kz"
            plan = _plan(rng, module_count)
            if accounts.get_user_by_email(email) is not None:
                continue
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            language = "ru" if school.language is InstructionLanguage.RU else "kk"
            user = accounts.create_user(email, name, role=Role.STUDENT, language=language, school_id=school.id)
            _learn(user, course, plan, rng, marker)
            db.session.flush()
            _back(user, plan.days_ago)
            added += 1
    db.session.flush()
    if added:
        # Up to now (not a minute ago, a refresh's margin for transactions still open): the certificates issued
        # a moment ago in this transaction count too.
        services.rebuild(utcnow())
    return added


def on_demo_seeded(sender: Any, **data: Any) -> None:
    """``demo_seeded`` receiver (connected after the courses' demo, whose course the learners take)."""
    course = db.session.scalar(sa.select(Course).where(Course.slug == "ai-fundamentals"))
    if course is None:
        return
    added = seed_demo_learners(course)
    if added:
        data["report"].created.append(f"{added} demo learners with their history")
