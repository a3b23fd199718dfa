"""A national data set to measure analytics on (``flask --app wsgi analytics seed-national``).

It fills a PostgreSQL database of its own, never the one the app runs on: migrated, then the country made in
Python (``country.py``: districts, schools, headcounts, accounts and courses; the accounts COPYed), then
the year's activity grown on the server (``national_sql.py``). Indexes and constraints of the bulk tables
are dropped before the load and built after it, and the database is vacuumed and analysed at the end, so
it is measured as a long-running one would be.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import flask_migrate
import sqlalchemy as sa
from flask import current_app

from analytics import country, national_sql
from courses.services.events import pseudonym
from lms.db import db

#: Tables loaded in bulk: their indexes and constraints are built after the load.
BULK = ("users", "enrolments", "lesson_progress", "attempts", "certificates", "learning_events")
#: How long each step takes, roughly, per million students (seconds): the progress bar's weights.
STEPS = {
    "migrate": 5, "country": 10, "accounts": 40, "courses": 2, "plan": 60, "enrolments": 40,
    "lesson progress": 120, "attempts": 60, "certificates": 10, "learning events": 420, "indexes": 300,
    "vacuum": 120,
}  # fmt: skip


class NationalSeedError(Exception):
    """The data set cannot be made where asked (the message says why)."""


@dataclass(frozen=True)
class Options:
    database: str
    students: int = 1_000_000
    schools: int = 7_000
    days: int = 180
    start: date = date(2025, 9, 1)
    seed: int = 1
    replace: bool = False


@dataclass
class Summary:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)  # seconds each step took
    database: str = ""


Progress = Callable[[str, int], None]


def target_url(database: str, own: str | None) -> sa.URL:
    """The PostgreSQL URL to fill; refuses another kind of database and the app's own."""
    try:
        url = sa.make_url(database)
    except sa.exc.ArgumentError as exc:
        raise NationalSeedError(f"Not a database URL: {database}") from exc
    if url.get_backend_name() not in ("postgres", "postgresql") or not url.database:
        raise NationalSeedError("The national data set needs a PostgreSQL database named in the URL (COPY).")
    url = url.set(drivername="postgresql+psycopg")
    if own:
        mine = sa.make_url(own)
        same = (mine.host or "localhost", mine.port or 5432, mine.database)
        if mine.get_backend_name() == "postgresql" and same == (
            url.host or "localhost",
            url.port or 5432,
            url.database,
        ):
            raise NationalSeedError("That is the app's own database: the national data set needs one of its own.")
    return url


def create_database(url: sa.URL, replace: bool) -> None:
    """Create the database; one that exists is refused when it holds accounts, unless ``replace``."""
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = url.database
    try:
        with server.connect() as connection:
            exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists and not replace and _holds_accounts(url):
                raise NationalSeedError(f"The database {name} holds accounts already; --replace empties it.")
            quoted = connection.dialect.identifier_preparer.quote(str(name))
            if exists:
                connection.execute(sa.text(f"DROP DATABASE {quoted} WITH (FORCE)"))
            connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
    except sa.exc.OperationalError as exc:
        raise NationalSeedError(f"PostgreSQL is unreachable: {exc.orig}") from exc
    finally:
        server.dispose()


def _holds_accounts(url: sa.URL) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if connection.execute(sa.text("SELECT to_regclass('users')")).scalar() is None:
                return False
            return connection.execute(sa.text("SELECT EXISTS (SELECT 1 FROM users)")).scalar_one()
    finally:
        engine.dispose()


def seed(options: Options, progress: Progress = lambda _step, _weight: None) -> Summary:
    """Make the data set; ``progress(step, weight)`` after each step (weights from ``STEPS``)."""
    from lms.app import create_app

    started = time.perf_counter()
    steps: dict[str, float] = {}
    clock = [started]

    def step(name: str, weight: int) -> None:
        now = time.perf_counter()
        steps[name] = steps.get(name, 0.0) + now - clock[0]
        clock[0] = now
        progress(name, weight)

    url = target_url(options.database, current_app.config.get("SQLALCHEMY_DATABASE_URI"))
    create_database(url, options.replace)
    # The same kind of configuration and keys (so the pseudonyms are this app's), on the other database.
    env = "testing" if current_app.testing else os.environ.get("LMS_ENV", "production")
    keys = {name: current_app.config[name] for name in ("SECRET_KEY", "PSEUDONYM_KEY") if current_app.config.get(name)}
    app = create_app({"ENV": env, **keys, "DATABASE_URL": url.render_as_string(hide_password=False)})
    with app.app_context():
        flask_migrate.upgrade()
        step("migrate", STEPS["migrate"])
        engine = sa.create_engine(url)
        try:
            with engine.connect() as connection:
                _tune(connection)
                _load(connection, options, step)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(sa.text("VACUUM (ANALYZE)"))
                step("vacuum", STEPS["vacuum"])
                rows = {
                    table: connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
                    for table in ("regions", "districts", "schools", "headcounts", "courses", *BULK)
                }
        finally:
            engine.dispose()
            db.session.remove()
            db.engine.dispose()
    return Summary(rows, time.perf_counter() - started, steps, url.render_as_string(hide_password=True))


def _tune(connection: sa.Connection) -> None:
    for setting in (
        "SET work_mem = '512MB'",
        "SET maintenance_work_mem = '1GB'",
        "SET max_parallel_maintenance_workers = 2",
        "SET synchronous_commit = off",
    ):
        connection.execute(sa.text(setting))


def _load(connection: sa.Connection, options: Options, progress: Progress) -> None:
    rng = random.Random(options.seed)  # noqa: S311 - a reproducible data set, not a secret
    start = datetime(options.start.year, options.start.month, options.start.day, 3, tzinfo=UTC)  # 08:00 local
    end = start + timedelta(days=options.days)
    restore = _detach(connection, BULK)
    for statement in (*national_sql.functions(options.seed), *national_sql.STAGING_TABLES):
        connection.execute(sa.text(statement))
    schools = _country(connection, rng, options)
    progress("country", STEPS["country"])
    _accounts(connection, rng, options, schools, start)
    progress("accounts", STEPS["accounts"])
    _courses(connection, rng)
    progress("courses", STEPS["courses"])
    window = {"start": start, "end": end}
    for step, statement in (
        ("plan", national_sql.PLAN),
        ("enrolments", national_sql.ENROLMENTS),
        ("lesson progress", national_sql.LESSON_PROGRESS),
        ("attempts", national_sql.ATTEMPTS),
        ("certificates", national_sql.CERTIFICATES),
        ("learning events", national_sql.EVENTS),
    ):
        connection.execute(sa.text(statement), window if ":end" in statement else {})
        connection.commit()
        progress(step, STEPS[step])
    for table in ("users", "districts", "schools", "enrolments"):
        connection.execute(
            sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # noqa: S608
        )
    for name in national_sql.STAGING:
        connection.execute(sa.text(f"DROP TABLE {name}"))
    for function in national_sql.FUNCTIONS:
        connection.execute(sa.text(f"DROP FUNCTION {function}"))
    connection.commit()
    for statement in restore:
        connection.execute(sa.text(statement))
        connection.commit()
        progress("indexes", STEPS["indexes"] // max(1, len(restore)))


def _detach(connection: sa.Connection, tables: tuple[str, ...]) -> list[str]:
    """Drop the indexes and constraints of ``tables`` (and foreign keys that refer to them); return the
    statements that build them again, keys and indexes before the foreign keys that need them."""
    oids = [connection.execute(sa.text("SELECT CAST(:t AS regclass)::oid"), {"t": t}).scalar_one() for t in tables]
    constraint = "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
    foreign = connection.execute(
        sa.text(constraint + "WHERE contype = 'f' AND (conrelid = ANY(:o) OR confrelid = ANY(:o))"), {"o": oids}
    ).all()
    keys = connection.execute(
        sa.text(constraint + "WHERE contype IN ('p', 'u') AND conrelid = ANY(:o)"), {"o": oids}
    ).all()
    plain = connection.execute(
        sa.text(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i WHERE indrelid = ANY(:o) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u'))"
        ),
        {"o": oids},
    ).all()
    for table, name, _definition in (*foreign, *keys):
        connection.execute(sa.text(f"ALTER TABLE {table} DROP CONSTRAINT {name}"))
    for name, _definition in plain:
        connection.execute(sa.text(f"DROP INDEX {name}"))
    connection.commit()
    return [
        *(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in keys),
        *(definition for _name, definition in plain),
        *(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in foreign),
    ]


def _insert(connection: sa.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        connection.execute(sa.table(table, *(sa.column(name) for name in rows[0])).insert(), rows)


def _country(connection: sa.Connection, rng: random.Random, options: Options) -> list[country.School]:
    regions: dict[str, int] = dict(connection.execute(sa.text("SELECT code, id FROM regions")).all())
    districts = country.districts(rng, regions)
    _insert(
        connection,
        "districts",
        [
            {"id": d.id, "region_id": d.region_id, "code": d.code, "name_kk": d.names[0], "name_ru": d.names[1],
             "name_en": d.names[2]}
            for d in districts
        ],
    )  # fmt: skip
    schools = country.schools(rng, options.schools, regions, districts)
    created = datetime(options.start.year - 1, 6, 1, tzinfo=UTC)
    _insert(
        connection,
        "schools",
        [
            {"id": s.id, "region_id": s.region_id, "district_id": s.district_id, "code": s.code, "name": s.name,
             "kind": s.kind, "language": s.language, "settlement": s.settlement, "created_at": created}
            for s in schools
        ],
    )  # fmt: skip
    return schools


def _accounts(
    connection: sa.Connection, rng: random.Random, options: Options, schools: list[country.School], start: datetime
) -> None:
    """Students (5% self-registered, with no school) and teachers (one for 12 students), COPYed with their
    pseudonyms into ``seed_people``; then each school's headcount."""
    teachers = max(1, round(options.students / 12))
    weights = [school.weight for school in schools]
    assigned = round(options.students * 0.95)
    placed: list[country.School | None] = [
        *rng.choices(schools, weights, k=assigned),
        *([None] * (options.students - assigned)),
        *rng.choices(schools, weights, k=teachers),
    ]
    roles = ["student"] * options.students + ["teacher"] * teachers
    now = datetime.now(UTC)
    accounts, people = [], []
    for user_id, (role, school) in enumerate(zip(roles, placed, strict=True), start=1):
        language = _language(rng, school)
        name = country.full_name(rng)
        joined = min(country.joined(rng, start, options.days), now)
        school_id = school.id if school else None
        email = f"{role}{user_id}@national.invalid"
        accounts.append((user_id, email, name, language, role, True, school_id, 1, joined))
        region = school.region_id if school else None
        people.append((user_id, role, school_id, region, language, joined, pseudonym(user_id), name))
    _copy(connection, "users (id, email, full_name, preferred_language, role, active, school_id, auth_version, "
          "created_at)", accounts)  # fmt: skip
    _copy(connection, "seed_people (user_id, role, school_id, region_id, language, created_at, actor, full_name)",
          people)  # fmt: skip
    counts = Counter((role, school.id) for role, school in zip(roles, placed, strict=True) if school)
    year = options.start.year if options.start.month >= 8 else options.start.year - 1
    rows = []
    for school in schools:
        by_grade, students, staff = country.headcount(
            rng, school, counts[("student", school.id)], counts[("teacher", school.id)]
        )
        rows.append(
            {"school_id": school.id, "school_year": f"{year}-{year + 1}", "students_by_grade": by_grade,
             "students": students, "teachers": staff, "imported_at": start}
        )  # fmt: skip
    connection.execute(
        sa.table(
            "headcounts", *(sa.column(n) for n in ("school_id", "school_year", "students", "teachers", "imported_at")),
            sa.column("students_by_grade", sa.JSON),
        ).insert(),
        rows,
    )  # fmt: skip
    connection.commit()


def _copy(connection: sa.Connection, target: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY ``rows`` into ``target`` (a table and its columns) through psycopg's public COPY API."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _language(rng: random.Random, school: country.School | None) -> str:
    if school is None:
        return rng.choices(("kk", "ru", "en"), (55, 40, 5))[0]
    if school.language == "mixed":
        return rng.choice(("kk", "ru"))
    return school.language


def _courses(connection: sa.Connection, rng: random.Random) -> None:
    """Twenty courses in the catalogue, ten modules of five lessons and one assignment each."""
    for ordinal, (kk, ru, en, level, audience) in enumerate(country.COURSES):
        hours = rng.choice((24, 36, 48, 72))
        course = connection.execute(
            sa.text(
                "INSERT INTO courses (slug, title, summary, language, level, state, audience, hours, created_at, "
                "updated_at) VALUES (:slug, CAST(:title AS json), '{}', 'kk', :level, 'catalogue', :audience, :hours, "
                "now(), now()) RETURNING id"
            ),
            {"slug": f"national-{ordinal + 1:02d}", "title": _json({"kk": kk, "ru": ru, "en": en}), "level": level,
             "audience": audience, "hours": hours},
        ).scalar_one()  # fmt: skip
        connection.execute(
            sa.text("INSERT INTO seed_courses VALUES (:o, :c, :level, :audience, :title, :hours)"),
            {"o": ordinal, "c": course, "level": level, "audience": audience, "title": kk, "hours": hours},
        )
        previous = None
        for m in range(country.MODULES):
            module = connection.execute(
                sa.text(
                    "INSERT INTO modules (course_id, position, title, prerequisite_id) "
                    "VALUES (:c, :p, CAST(:t AS json), :prev) RETURNING id"
                ),
                {"c": course, "p": m + 1, "t": _json({"kk": f"{m + 1}-модуль", "ru": f"Модуль {m + 1}",
                                                        "en": f"Module {m + 1}"}), "prev": previous},
            ).scalar_one()  # fmt: skip
            previous = module
            for p in range(country.LESSONS_PER_MODULE):
                lesson = connection.execute(
                    sa.text(
                        "INSERT INTO lessons (module_id, position, title, body, minutes) "
                        "VALUES (:m, :p, CAST(:t AS json), '{}', :minutes) RETURNING id"
                    ),
                    {"m": module, "p": p + 1, "t": _json({"kk": f"{p + 1}-сабақ", "ru": f"Урок {p + 1}",
                                                          "en": f"Lesson {p + 1}"}), "minutes": rng.randint(10, 25)},
                ).scalar_one()  # fmt: skip
                connection.execute(
                    sa.text("INSERT INTO seed_lessons VALUES (:c, :j, :l)"),
                    {"c": course, "j": m * country.LESSONS_PER_MODULE + p, "l": lesson},
                )
            _assignment(connection, course, module, m)
    connection.commit()


def _assignment(connection: sa.Connection, course: int, module: int, m: int) -> None:
    assignment = connection.execute(
        sa.text(
            "INSERT INTO assignments (module_id, position, title, late_penalty, attempt_penalty, pass_mark, required, "
            "show_answers) VALUES (:m, 1, CAST(:t AS json), 0, 0, 0.6, true, 'after_due') RETURNING id"
        ),
        {"m": module, "t": _json({"kk": "Тест", "ru": "Тест", "en": "Quiz"})},
    ).scalar_one()
    spec = {"points": 10, "choices": [{"id": "a", "text": "✓", "credit": 1.0}, {"id": "b", "text": "✗"}]}
    item = connection.execute(
        sa.text(
            "INSERT INTO items (assignment_id, position, type, title, prompt, prompt_format, spec, general_feedback) "
            "VALUES (:a, 1, 'single_choice', '', '?', 'markdown', CAST(:spec AS json), '') RETURNING id"
        ),
        {"a": assignment, "spec": _json(spec)},
    ).scalar_one()
    connection.execute(
        sa.text("INSERT INTO seed_assignments VALUES (:c, :m, :a, :i)"),
        {"c": course, "m": m, "a": assignment, "i": item},
    )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
