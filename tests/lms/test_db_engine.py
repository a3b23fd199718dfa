"""The engine as the app configures it: real transactions on SQLite too (SQLAlchemy's pysqlite recipe)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from lms.db import configure_sqlite


@pytest.fixture
def engine(database_url: str, tmp_path: Any) -> Iterator[sa.Engine]:
    """An engine configured as the app configures its own, on a table of its own."""
    if database_url.startswith("sqlite"):
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'transactions.sqlite'}")
        configure_sqlite(engine)
    else:
        engine = sa.create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def table(engine: sa.Engine) -> Iterator[sa.Table]:
    table = sa.Table(
        f"probe_{uuid.uuid4().hex[:8]}",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("value", sa.String(20)),
    )
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(table.insert(), [{"id": 1, "value": "first"}])
    yield table
    table.drop(engine)


def _values(engine: sa.Engine, table: sa.Table) -> list[str]:
    with engine.connect() as other:
        return list(other.scalars(sa.select(table.c.value).order_by(table.c.id)))


def test_a_rollback_undoes_every_write(engine, table):
    with engine.connect() as connection:
        connection.execute(table.insert().values(id=2, value="second"))
        connection.execute(table.update().where(table.c.id == 1).values(value="changed"))
        assert connection.scalars(sa.select(table.c.value).order_by(table.c.id)).all() == ["changed", "second"]
        connection.rollback()
    assert _values(engine, table) == ["first"]


def test_a_commit_keeps_every_write(engine, table):
    with engine.connect() as connection:
        connection.execute(table.insert().values(id=2, value="second"))
        connection.execute(table.delete().where(table.c.id == 1))
        connection.commit()
    assert _values(engine, table) == ["second"]


def test_a_savepoint_rolls_back_alone(engine, table):
    with engine.connect() as connection:
        with connection.begin_nested() as savepoint:
            connection.execute(table.insert().values(id=3, value="third"))
            savepoint.rollback()
        connection.execute(table.insert().values(id=4, value="fourth"))
        connection.commit()
    assert _values(engine, table) == ["first", "fourth"]


def test_ddl_is_transactional(engine):
    name = f"probe_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE TABLE {name} (id INTEGER)")
        connection.rollback()
    assert name not in sa.inspect(engine).get_table_names()


def test_uncommitted_writes_are_invisible_to_other_connections(engine, table):
    with Session(engine) as session:
        session.execute(table.insert().values(id=5, value="fifth"))
        assert _values(engine, table) == ["first"]
    assert _values(engine, table) == ["first"]  # closed without a commit


def test_a_failed_statement_rolls_back_the_whole_transaction(engine, table):
    with Session(engine) as session, pytest.raises(sa.exc.IntegrityError):
        session.execute(table.insert().values(id=5, value="fifth"))
        session.execute(table.insert().values(id=1, value="duplicate"))
    assert _values(engine, table) == ["first"]


def test_sqlite_folds_kazakh_and_russian_case_and_enforces_foreign_keys(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own settings")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT lower('ҚАЗАҚША Ғылым ӘЛЕМ')").scalar() == "қазақша ғылым әлем"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
