"""Pooled connections: pinged only after being idle, and a dead one is replaced."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from lms.db import ping_idle_connections


@pytest.fixture
def engine(database_url: str) -> Any:
    engine = sa.create_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _kill_the_pooled_connection(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None
    dbapi_connection.close()  # behind the pool's back, as a database restart would


def test_an_idle_dead_connection_is_replaced_before_use(engine):
    ping_idle_connections(engine, after=0.0)
    _kill_the_pooled_connection(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1


def test_without_the_ping_the_dead_connection_fails(engine):
    ping_idle_connections(engine, after=3600.0)
    _kill_the_pooled_connection(engine)
    with pytest.raises(sa.exc.DBAPIError), engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")


def test_a_connection_in_steady_use_is_not_pinged(engine, monkeypatch):
    pings = []
    original = engine.dialect.do_ping
    monkeypatch.setattr(
        engine.dialect, "do_ping", lambda dbapi_connection: pings.append(1) or original(dbapi_connection)
    )
    ping_idle_connections(engine, after=3600.0)
    for _ in range(5):
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    assert pings == []
