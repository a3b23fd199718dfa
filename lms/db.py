"""The SQLAlchemy base every model in the platform shares.

Typed declarative models on Flask-SQLAlchemy: aware UTC datetimes, non-native
enums stored by value, and a constraint naming convention so that Alembic
migrations name things the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import enum
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always aware and in UTC when read back.

    SQLite has no time zones; PostgreSQL has ``timestamptz``. Both hand the
    application an aware UTC datetime, and naive values are refused on write.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


mapper_registry = registry(
    metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
    type_annotation_map={
        datetime: UTCDateTime(),
        enum.Enum: sa.Enum(
            enum.Enum,
            native_enum=False,
            length=32,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        str: sa.String(),
        dict[str, Any]: sa.JSON(),
    },
)


class Base(DeclarativeBase):
    registry = mapper_registry
    metadata = mapper_registry.metadata


# Objects stay readable after the request commits (templates render after the commit),
# instead of each attribute read after it costing a new SELECT.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})

if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


#: A pooled connection idle for longer than this is pinged before use (see ``ping_idle_connections``).
PING_AFTER_IDLE_SECONDS = 10.0


def ping_idle_connections(engine: sa.Engine, after: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection before use only when it has been idle for a while.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip on
    every request. Connections in steady use are alive; the ones that go stale
    (a database restart, a firewall's idle timeout) are those left idle. A dead one
    raises ``DisconnectionError``, and the pool replaces it and retries.
    """

    @sa.event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["lms_idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("lms_idle_since")
        if idle_since is None or time.monotonic() - idle_since < after:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # noqa: BLE001 - any failure means a connection to replace
            raise sa.exc.DisconnectionError(str(exc)) from exc
        if not alive:
            raise sa.exc.DisconnectionError("the database connection did not answer a ping")


def configure_sqlite(engine: sa.Engine) -> None:
    """WAL, foreign keys, a busy timeout, Unicode-aware lower(), and real transactions.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs; it is turned off and
    SQLAlchemy's ``begin`` event sends BEGIN instead (the recipe in SQLAlchemy's SQLite dialect
    documentation, "Serializable isolation / Savepoints / Transactional DDL").
    """

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's lower() only folds ASCII; Kazakh and Russian names need Python's.
        dbapi_connection.create_function(
            "lower", 1, lambda text: text.lower() if isinstance(text, str) else text, deterministic=True
        )

    @sa.event.listens_for(engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        connection.exec_driver_sql("BEGIN")
