"""Demo data for a laptop or a training room: schools, classes, one account per role.

Idempotent: running it again finds what exists and adds only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from blinker import Namespace

from lms.db import db
from lms.models import InstructionLanguage, Region, Role, SchoolClass, SchoolKind, Settlement, User
from lms.services import accounts, org


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    full_name: str
    role: Role
    language: str
    school_code: str | None = None
    scope_region: str | None = None


# Documented in README.md. These accounts exist only where seed-demo was run.
DEMO_ACCOUNTS = (
    DemoAccount("admin@demo.aiskills.kz", "demo-admin-2026", "Әлия Сейітова", Role.ADMIN, "kk"),
    DemoAccount(
        "teacher@demo.aiskills.kz",
        "demo-teacher-2026",
        "Қанат Оразбаев",
        Role.TEACHER,
        "kk",
        school_code="DEMO-AST-001",
    ),
    DemoAccount(
        "student@demo.aiskills.kz",
        "demo-student-2026",
        "Айгерім Нұрланқызы",
        Role.STUDENT,
        "kk",
        school_code="DEMO-AST-001",
    ),
    DemoAccount("mentor@demo.aiskills.kz", "demo-mentor-2026", "Дмитрий Ким", Role.MENTOR, "ru"),
    DemoAccount("official@demo.aiskills.kz", "demo-official-2026", "Гүлнар Әбенова", Role.OFFICIAL, "kk"),
    DemoAccount(
        "official.astana@demo.aiskills.kz",
        "demo-official-2026",
        "Ерлан Жақыпов",
        Role.OFFICIAL,
        "ru",
        scope_region="KZ-71",
    ),
)

DEMO_SCHOOLS = (
    ("KZ-71", "DEMO-AST-001", "№ 54 мектеп-лицей, Астана", SchoolKind.SCHOOL, InstructionLanguage.KK, Settlement.URBAN),
    ("KZ-75", "DEMO-ALA-001", "Гимназия № 12, Алматы", SchoolKind.SCHOOL, InstructionLanguage.RU, Settlement.URBAN),
    (
        "KZ-35",
        "DEMO-KAR-001",
        "Қарағанды техникалық университеті",
        SchoolKind.UNIVERSITY,
        InstructionLanguage.MIXED,
        Settlement.URBAN,
    ),
    (
        "KZ-61",
        "DEMO-TUR-001",
        "Шардара ауылының № 3 мектебі",
        SchoolKind.SCHOOL,
        InstructionLanguage.KK,
        Settlement.RURAL,
    ),
)

# (region, code, name in kk, ru, en) and the demo school in each.
DEMO_DISTRICTS = (
    ("KZ-71", "DEMO-AST-ESL", "Есіл ауданы", "район Есиль", "Yesil district", "DEMO-AST-001"),
    ("KZ-75", "DEMO-ALA-BOS", "Бостандық ауданы", "Бостандыкский район", "Bostandyk district", "DEMO-ALA-001"),
    ("KZ-35", "DEMO-KAR-KAR", "Қарағанды қаласы", "город Караганда", "Karaganda city", "DEMO-KAR-001"),
    ("KZ-61", "DEMO-TUR-SHA", "Шардара ауданы", "Шардаринский район", "Shardara district", "DEMO-TUR-001"),
)

# Classmates for the demo class, so aggregates are above the suppression threshold.
CLASSMATES = (
    "Нұрсұлтан Бекұлы",
    "Аружан Серікқызы",
    "Данияр Төлеуов",
    "Мадина Ғалымжанқызы",
    "Ілияс Өмірзақов",
    "Томирис Құрманова",
)


signals = Namespace()
#: Sent after the core demo data exists, with ``report``; feature packages add their demo content.
demo_seeded = signals.signal("demo-seeded")


@dataclass
class SeedReport:
    created: list[str]
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS


def seed_demo() -> SeedReport:
    """Create what is missing of the demo; flushes, the caller commits."""
    created: list[str] = []
    regions = {r.code: r for r in db.session.scalars(sa.select(Region))}
    if len(regions) < 20:
        raise RuntimeError("The regions are missing: run `flask --app wsgi db upgrade` first.")
    schools = {}
    for region_code, code, name, kind, language, settlement in DEMO_SCHOOLS:
        school = org.school_by_code(code)
        if school is None:
            school = org.create_school(regions[region_code].id, code, name, kind, language, settlement)
            created.append(f"school {code}")
        schools[code] = school
    for region_code, code, name_kk, name_ru, name_en, school_code in DEMO_DISTRICTS:
        district = org.district_by_code(code)
        if district is None:
            district = org.create_district(regions[region_code].id, code, name_kk, name_ru, name_en)
            created.append(f"district {code}")
        if schools[school_code].district_id is None:
            schools[school_code].district_id = district.id
    users = {}
    for account in DEMO_ACCOUNTS:
        user = accounts.get_user_by_email(account.email)
        if user is None:
            user = accounts.create_user(
                account.email,
                account.full_name,
                role=account.role,
                password=account.password,
                language=account.language,
                scope_region_id=regions[account.scope_region].id if account.scope_region else None,
                school_id=schools[account.school_code].id if account.school_code else None,
            )
            created.append(f"account {account.email}")
        users[account.role, account.scope_region] = user
    teacher, student = users[Role.TEACHER, None], users[Role.STUDENT, None]
    demo_class = db.session.scalar(
        sa.select(SchoolClass).where(SchoolClass.teacher_id == teacher.id, SchoolClass.name == "9 А")
    )
    if demo_class is None:
        demo_class = org.create_class(teacher, "9 А")
        created.append("class 9 А")
    org.add_member(demo_class, student)
    for index, name in enumerate(CLASSMATES, start=1):
        email = f"student{index}@demo.aiskills.kz"
        classmate = accounts.get_user_by_email(email) or accounts.create_user(
            email, name, role=Role.STUDENT, language="kk", school_id=schools["DEMO-AST-001"].id
        )
        org.add_member(demo_class, classmate)
    db.session.flush()
    report = SeedReport(created=created)
    demo_seeded.send(None, report=report)
    return report


def demo_users() -> list[User]:
    emails = [a.email for a in DEMO_ACCOUNTS]
    return list(db.session.scalars(sa.select(User).where(User.email.in_(emails))))
