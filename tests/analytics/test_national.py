"""``flask analytics seed-national``: a small country seeded into a database of its own on PostgreSQL, whose
tables agree with each other and with the events they imply; one seed gives one data set."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from analytics.national import BULK, NationalSeedError, target_url
from tests.conftest import TEST_DATABASE_URL


def test_target_url_refuses_other_databases_and_the_apps_own():
    with pytest.raises(NationalSeedError, match="PostgreSQL"):
        target_url("sqlite:///national.sqlite", None)
    with pytest.raises(NationalSeedError, match="PostgreSQL"):
        target_url("postgresql://postgres@127.0.0.1:5432", None)
    with pytest.raises(NationalSeedError, match="Not a database URL"):
        target_url("not a url", None)
    own = "postgresql+psycopg://postgres@127.0.0.1:5432/lms"
    with pytest.raises(NationalSeedError, match="own database"):
        target_url("postgresql://postgres@127.0.0.1/lms", own)
    url = target_url("postgres://postgres@127.0.0.1:5432/national", own)
    assert (url.drivername, url.database) == ("postgresql+psycopg", "national")


def test_the_command_refuses_a_sqlite_database(runner):
    result = runner.invoke(args=["analytics", "seed-national", "--database", "sqlite:///x.sqlite"])
    assert result.exit_code != 0
    assert "PostgreSQL" in result.output


needs_postgres = pytest.mark.skipif(not TEST_DATABASE_URL, reason="COPY and the seed's SQL need PostgreSQL")


@pytest.fixture(scope="module")
def national_url() -> Iterator[str]:
    assert TEST_DATABASE_URL
    url = sa.make_url(TEST_DATABASE_URL).set(database=f"{sa.make_url(TEST_DATABASE_URL).database}_national")
    yield url.render_as_string(hide_password=False)
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    server.dispose()


def _seed(runner: Any, url: str, *more: str) -> Any:
    arguments = ["--students", "1500", "--schools", "30", "--days", "60", "--start", "2025-09-01", "--seed", "7"]
    return runner.invoke(args=["analytics", "seed-national", "--database", url, *arguments, *more])


def _scalars(url: str, queries: dict[str, str]) -> dict[str, Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(sa.text(sql)).scalar() for name, sql in queries.items()}
    finally:
        engine.dispose()


FINGERPRINT = {
    "events": "SELECT md5(string_agg(concat_ws('|', actor, verb, object_id, registration, timestamp, school_id), ',' "
    "ORDER BY id)) FROM learning_events",
    "users": "SELECT md5(string_agg(concat_ws('|', id, full_name, school_id, created_at), ',' ORDER BY id)) FROM users",
    "headcounts": "SELECT md5(string_agg(concat_ws('|', school_id, students, teachers), ',' ORDER BY school_id)) "
    "FROM headcounts",
}


@needs_postgres
def test_a_seeded_country_agrees_with_itself(runner, db, national_url):
    result = _seed(runner, national_url, "--replace")
    assert result.exit_code == 0, result.output
    assert "learning_events:" in result.output
    facts = _scalars(
        national_url,
        {
            "regions": "SELECT count(*) FROM regions",
            "districts": "SELECT count(*) FROM districts",
            "schools": "SELECT count(*) FROM schools",
            "headcounts": "SELECT count(*) FROM headcounts WHERE students > 0",
            "students": "SELECT count(*) FROM users WHERE role = 'student'",
            "unassigned": "SELECT count(*) FROM users WHERE role = 'student' AND school_id IS NULL",
            "teachers": "SELECT count(*) FROM users WHERE role = 'teacher' AND school_id IS NOT NULL",
            "courses": "SELECT count(*) FROM courses WHERE state = 'catalogue'",
            "lessons": "SELECT count(*) FROM lessons",
            # Headcounts are at least the accounts, and the grades add up.
            "short headcounts": "SELECT count(*) FROM headcounts h WHERE h.students < (SELECT count(*) FROM users u "
            "WHERE u.school_id = h.school_id AND u.role = 'student')",
            "grades off": "SELECT count(*) FROM headcounts h WHERE h.students <> (SELECT sum(value::int) "
            "FROM json_each_text(h.students_by_grade))",
            # The events the tables imply, one each.
            "enrolments": "SELECT count(*) FROM enrolments",
            "registered": "SELECT count(*) FROM learning_events WHERE verb = 'registered'",
            "lessons opened": "SELECT count(*) FROM lesson_progress",
            "experienced": "SELECT count(*) FROM learning_events WHERE verb = 'experienced'",
            "lessons completed": "SELECT count(*) FROM lesson_progress WHERE completed_at IS NOT NULL",
            "completed lessons": "SELECT count(*) FROM learning_events WHERE verb = 'completed' "
            "AND object_type = 'lesson'",
            "attempts": "SELECT count(*) FROM attempts",
            "attempted": "SELECT count(*) FROM learning_events WHERE verb = 'attempted'",
            "completions": "SELECT count(*) FROM enrolments WHERE completed_at IS NOT NULL",
            "certificates": "SELECT count(*) FROM certificates",
            "completed courses": "SELECT count(*) FROM learning_events WHERE verb = 'completed' "
            "AND object_type = 'course'",
            # A module's lessons open only after the previous module's assignment was passed.
            "locked lessons opened": """SELECT count(*) FROM lesson_progress lp JOIN lessons l ON l.id = lp.lesson_id
                JOIN modules m ON m.id = l.module_id JOIN assignments a ON a.module_id = m.prerequisite_id
                WHERE NOT EXISTS (SELECT 1 FROM attempts t WHERE t.assignment_id = a.id AND t.user_id = lp.user_id
                                  AND t.score >= 6 AND t.submitted_at <= lp.opened_at)""",
            "outside the year": "SELECT count(*) FROM learning_events WHERE timestamp < '2025-09-01' "
            "OR timestamp >= timestamptz '2025-09-01 03:00+00' + interval '60 days'",
            "out of order": "SELECT count(*) FROM (SELECT timestamp < lag(timestamp) OVER (ORDER BY id) AS back "
            "FROM learning_events) x WHERE back",
            "stale activity": "SELECT count(*) FROM enrolments e WHERE e.last_activity_at < (SELECT max(timestamp) "
            "FROM learning_events v WHERE v.registration = e.id)",
            "trained": "SELECT count(DISTINCT e.user_id) FROM enrolments e JOIN courses c ON c.id = e.course_id "
            "JOIN users u ON u.id = e.user_id WHERE u.role = 'teacher' AND c.audience <> 'students' "
            "AND e.completed_at IS NOT NULL",
        },
    )
    assert (facts["regions"], facts["districts"], facts["schools"], facts["headcounts"]) == (20, 200, 30, 30)
    assert (facts["students"], facts["unassigned"], facts["teachers"]) == (1500, 75, 125)
    assert (facts["courses"], facts["lessons"]) == (20, 20 * 10 * 5)
    assert facts["short headcounts"] == facts["grades off"] == 0
    assert 3 * 1500 < facts["enrolments"] == facts["registered"]
    assert facts["lessons opened"] == facts["experienced"] > facts["enrolments"]
    assert facts["lessons completed"] == facts["completed lessons"] > 0
    assert facts["attempts"] == facts["attempted"] > 0
    assert facts["completions"] == facts["certificates"] == facts["completed courses"] > 0
    assert facts["locked lessons opened"] == facts["outside the year"] == facts["out of order"] == 0
    assert facts["stale activity"] == 0
    assert 0 < facts["trained"] < facts["teachers"]
    _indexes_are_those_of_a_migrated_database(national_url, db)
    _rollups_count_every_certificate(national_url)

    # One seed, one data set; a database that holds accounts is emptied only when asked.
    before = _scalars(national_url, FINGERPRINT)
    refused = _seed(runner, national_url)
    assert refused.exit_code != 0
    assert "--replace" in refused.output
    assert _seed(runner, national_url, "--replace").exit_code == 0
    assert _scalars(national_url, FINGERPRINT) == before


def _indexes_are_those_of_a_migrated_database(url: str, db: Any) -> None:
    """The indexes and constraints dropped for the load are all back."""
    sql = sa.text(
        "SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = ANY(CAST(:t AS regclass[])) UNION ALL SELECT indexdef FROM pg_indexes "
        "WHERE tablename = ANY(:n) ORDER BY 1"
    )
    params = {"t": list(BULK), "n": list(BULK)}
    expected = db.session.execute(sql, params).scalars().all()
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        assert connection.execute(sql, params).scalars().all() == expected
    engine.dispose()


def _rollups_count_every_certificate(url: str) -> None:
    """A rebuild on the seeded database counts every certificate, the unassigned learners' included."""
    import flask
    from flask import current_app
    from sqlalchemy.orm import scoped_session, sessionmaker

    from analytics import services
    from lms.app import create_app
    from lms.db import db

    app = create_app({"ENV": "testing", "SECRET_KEY": current_app.config["SECRET_KEY"], "DATABASE_URL": url})
    engine = sa.create_engine(url)
    # The test's own session (conftest's db fixture) stands in db.session: one on the national database
    # stands in for it here.
    saved = db.session
    with app.app_context(), engine.connect() as connection:
        db.session = scoped_session(sessionmaker(bind=connection), scopefunc=lambda: flask.g.setdefault("n", object()))
        try:
            services.rebuild()
            db.session.commit()
            issued, unassigned, certificates = db.session.execute(
                sa.text(
                    "SELECT (SELECT sum(certificates_issued) FROM analytics_district_months), "
                    "(SELECT sum(certificates_issued) FROM analytics_district_months WHERE region_id = 0), "
                    "(SELECT count(*) FROM certificates)"
                )
            ).one()
        finally:
            db.session.remove()
            db.session = saved
    engine.dispose()
    assert issued == certificates > 0
    assert unassigned > 0
