"""Shared fixtures: one migrated database per run, a rolled-back transaction per test.

SQLite by default; PostgreSQL when LMS_TEST_DATABASE_URL is set (under CI=true that
run must reach the server, or the suite fails instead of skipping).
"""

from __future__ import annotations

import contextvars
import functools
import os
import re
import tempfile
from collections.abc import Iterator
from typing import Any

import flask
import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy.orm import scoped_session, sessionmaker

from lms import create_app
from lms.db import db as _db
from lms.extensions import limiter
from lms.models import Role, User
from lms.services import accounts

TEST_DATABASE_URL = os.environ.get("LMS_TEST_DATABASE_URL")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _reset_postgres(url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
    except sa.exc.OperationalError as exc:
        message = f"LMS_TEST_DATABASE_URL is set but PostgreSQL is unreachable: {exc}"
        if IN_CI:
            pytest.exit(message, returncode=3)
        pytest.fail(message)
    finally:
        engine.dispose()


@functools.cache
def _test_keys_dir() -> str:
    """Signing keys for this test run, made on first use (never the developer's instance/keys)."""
    return tempfile.mkdtemp(prefix="lms-test-keys-")


def make_test_app(database_url: str, **overrides: Any) -> Flask:
    overrides.setdefault("SIGNING_KEY_FILE", os.path.join(_test_keys_dir(), "credentials-ed25519.pem"))
    overrides.setdefault("STORAGE_DIR", tempfile.mkdtemp(prefix="lms-test-storage-"))
    return create_app({"ENV": "testing", "DATABASE_URL": database_url, **overrides})


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if TEST_DATABASE_URL:
        _reset_postgres(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Any]:
    """Everything a test writes is rolled back, even what it commits.

    SQLAlchemy's "joining a session into an external transaction": each app context gets a plain
    ``Session`` on the test's connection, whose commits release savepoints; the connection's outer
    transaction is rolled back at the end. (Flask-SQLAlchemy's session picks its engine itself, so a
    plain one is used, as its maintainers advise: pallets-eco/flask-sqlalchemy#1167.)
    """
    with app.app_context():
        connection = _db.engine.connect()
        transaction = connection.begin()
        original = _db.session
        _db.session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False),
            # One session per app context (each request has its own), as Flask-SQLAlchemy scopes it.
            scopefunc=lambda: flask.g.setdefault("test_session_scope", object()),
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app: Flask) -> None:
    with app.app_context():
        limiter.reset()


class IsolatedClient(FlaskClient):
    """A test client whose requests each get their own app context, like in production.

    Tests hold an app context (for services and the database); Flask would
    reuse it for requests, sharing ``g`` (the signed-in user, the locale) and
    the database session between them. Each request here runs in an empty
    ``contextvars`` context, where no app context is pushed, so Flask pushes a
    fresh one; afterwards the test's session is expired so it reads what the
    request wrote.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            _db.session.expire_all()
        return response


@pytest.fixture
def client(app: Flask, db: Any) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db: Any) -> Any:
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client: FlaskClient, page: str = "/login") -> str:
    html = client.get(page).get_data(as_text=True)
    match = CSRF_INPUT.search(html)
    assert match, f"no CSRF token on {page}"
    return match.group(1) or match.group(2)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], page: str | None = None, **kwargs: Any) -> Any:
    """POST like a browser: with the CSRF token from the page that holds the form."""
    token = csrf_token(client, page or url)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


@pytest.fixture
def login(app: Flask, client: FlaskClient) -> Any:
    """Sign a user in on the test client, as the sign-in form does (``login_user``), without the form."""

    def sign_in(user: User) -> User:
        # A context of its own, so the test's ``g`` keeps no signed-in user; the client's address and
        # User-Agent, so Flask-Login's session protection sees the same browser as the requests.
        with (
            client.session_transaction() as session,
            app.app_context(),
            app.test_request_context(environ_base=client.environ_base),
        ):
            accounts.start_sign_in(user, remember=False)
            _db.session.commit()
            login_user(user)
            session.update(flask.session)
        return user

    return sign_in


@pytest.fixture
def count_queries(db: Any) -> Any:
    """Count the SQL statements a block runs: ``with count_queries() as counter: …; counter.count``."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[Any]:
        class Counter:
            count = 0

        counter = Counter()
        engine = _db.engine

        def before(*_args: Any, **_kwargs: Any) -> None:
            counter.count += 1

        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def make_user(db: Any) -> Any:
    from tests import factories

    return factories.user


__all__ = ["Role", "csrf_token", "make_test_app", "post_form"]
