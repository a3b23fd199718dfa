"""Migrations: one head; upgrade → check → downgrade on a fresh database, on each engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from lms import queue
from lms.db import db
from tests.conftest import TEST_DATABASE_URL, make_test_app

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def test_single_head():
    from alembic.config import Config

    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_revision_files_are_date_prefixed():
    for path in (MIGRATIONS / "versions").glob("*.py"):
        assert path.name[:8].isdigit() and path.name[8] == "_", path.name


@pytest.fixture
def fresh_database_url(tmp_path) -> Iterator[str]:
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{tmp_path}/fresh.sqlite"
        return
    name = f"lms_migrations_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(TEST_DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with server.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def test_upgrade_check_downgrade_on_a_fresh_database(app, fresh_database_url):
    fresh = make_test_app(fresh_database_url)
    try:
        with fresh.app_context():
            flask_migrate.upgrade()
            inspector = sa.inspect(db.engine)
            assert {
                "users",
                "regions",
                "schools",
                "classes",
                "class_memberships",
                "api_tokens",
                "task_progress",
            } <= set(inspector.get_table_names())
            with db.engine.connect() as connection:
                assert connection.execute(sa.text("SELECT count(*) FROM regions")).scalar() == 20
            flask_migrate.check()  # the models and the migrations agree
            flask_migrate.downgrade(revision="base")
            assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            db.engine.dispose()
    finally:
        queue.init_queue(app)


def test_course_states_replace_the_published_flag_and_back(app, fresh_database_url):
    """Published courses go to the catalogue, the others become drafts; downgrading keeps the catalogue published."""
    from datetime import UTC, datetime

    before, states = "7d2e3f4a5b6c", "9e4b6c2d1a7f"
    now = datetime(2026, 12, 1, tzinfo=UTC)
    courses = sa.table(
        "courses",
        sa.column("slug", sa.String),
        sa.column("title", sa.JSON),
        sa.column("summary", sa.JSON),
        sa.column("language", sa.String),
        sa.column("level", sa.String),
        sa.column("published", sa.Boolean),
        sa.column("state", sa.String),
        sa.column("hours", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    fresh = make_test_app(fresh_database_url)
    try:
        with fresh.app_context():
            flask_migrate.upgrade(revision=before)
            with db.engine.begin() as connection:
                connection.execute(
                    courses.insert(),
                    [
                        {"slug": slug, "title": {"en": slug}, "summary": {}, "language": "kk", "level": "beginner"}
                        | {"published": published, "hours": 1, "created_at": now, "updated_at": now}
                        for slug, published in (("open", True), ("hidden", False), ("to-class", False))
                    ],
                )
            flask_migrate.upgrade(revision=states)
            with db.engine.begin() as connection:
                found = dict(connection.execute(sa.select(courses.c.slug, courses.c.state)).all())
                assert found == {"open": "catalogue", "hidden": "draft", "to-class": "draft"}
                connection.execute(courses.update().where(courses.c.slug == "to-class").values(state="class"))
            flask_migrate.downgrade(revision=before)
            with db.engine.connect() as connection:
                found = dict(connection.execute(sa.select(courses.c.slug, courses.c.published)).all())
            assert found == {"open": True, "hidden": False, "to-class": False}
            flask_migrate.downgrade(revision="base")
            db.engine.dispose()
    finally:
        queue.init_queue(app)
