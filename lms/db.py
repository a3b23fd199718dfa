"""The SQLAlchemy base every model in the platform shares.

Typed declarative models on Flask-SQLAlchemy: aware UTC datetimes, non-native
enums stored by value, and a constraint naming convention so that Alembic
migrations name things the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import os
import re
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, registry
from sqlalchemy.orm.attributes import set_committed_value

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


#: A select of any columns (``Select`` is generic over the types of all its columns).
AnySelect: TypeAlias = "sa.Select[*tuple[Any, ...]]"
#: A select, or a Core INSERT/UPDATE/DELETE (with or without RETURNING).
AnyStatement: TypeAlias = "AnySelect | sa.Insert | sa.Update | sa.Delete"


def read_first(statement: AnySelect, parameters: dict[str, Any]) -> tuple[Any, ...] | None:
    """The first row of a read, on a pooled DBAPI connection rather than through the ORM session.

    For the busiest read-only requests, where SQLAlchemy's execution and result machinery
    cost more than the database (0.23 ms of Python against 0.05 ms for PostgreSQL to answer a
    one-row indexed read): the statement is compiled once per dialect, run on a raw pooled
    connection, and its row converted by the columns' own result processors (so types read
    back exactly as through the ORM). When the session has work of its own (a database
    transaction under way, or changes not yet flushed), or is bound to a connection (a test's),
    the read goes through the session instead, so it sees what the request wrote.
    """
    scoped = db.session
    if scoped.session_factory.kw.get("bind") is not None or (scoped.registry.has() and _session_has_work(scoped())):
        row = scoped.execute(statement, parameters).first()
        return None if row is None else tuple(row)
    engine = db.engine
    read = _compiled_statement(statement, engine.dialect)
    raw = _readers.fetch_one(engine, read.sql, read.arguments(parameters))
    return None if raw is None else read.row(raw)


def run_in_transaction(*statements: tuple[AnyStatement, dict[str, Any]]) -> list[tuple[Any, ...] | None]:
    """Run statements in order in the session's transaction; the first row each returns (else None).

    For the busiest write path (a submission): it opens its transaction by locking a row and
    then reads what that lock guards, and later writes with ``INSERT … RETURNING``. Each
    statement is one of its own, so at READ COMMITTED each takes its snapshot when it starts:
    a read after a locking read sees whatever the lock's previous holder committed.

    On PostgreSQL the statements are compiled once and sent together in psycopg's pipeline mode,
    with ``BEGIN`` first when no transaction is open yet: one round trip, and none of the ORM's
    execution machinery, which costs the app more than the statements cost the server. The
    server still runs them one after another, each once the previous one has
    finished (its lock taken). Elsewhere (SQLite) they run one by one through the session. The
    session's transaction is open afterwards, holding any locks taken, until the request commits
    or rolls back. Changes the session holds are flushed first, as the ORM's execution would; the
    session's objects do not see the rows written: this is for Core statements whose results the
    caller takes from here (``attach_row`` makes a loaded instance of one).
    """
    session = db.session()
    if session.autoflush:
        session.flush()  # as the ORM's execution would: the statements see the session's changes
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        rows = []
        for statement, parameters in statements:
            _compiled_statement(statement, dialect)  # the same checks as below, once per statement
            result = session.execute(statement, parameters)
            row = result.first() if len(statement.exported_columns) else None  # a write without RETURNING: none
            rows.append(None if row is None else tuple(row))
        return rows
    compiled = [(_compiled_statement(statement, dialect), parameters) for statement, parameters in statements]
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None  # noqa: S101 - the session's connection is open
    cursors = [dbapi_connection.cursor() for _statement in compiled]
    try:
        try:
            begin = dbapi_connection.info.transaction_status == _psycopg_idle()
            with dbapi_connection.pipeline() if begin or len(compiled) > 1 else contextlib.nullcontext():
                if begin:
                    dbapi_connection.execute("BEGIN")
                for cursor, (one, parameters) in zip(cursors, compiled, strict=True):
                    cursor.execute(one.sql, one.arguments(parameters))
            raws = [None if cursor.description is None else cursor.fetchone() for cursor in cursors]
        finally:
            for cursor in cursors:
                cursor.close()
    except dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy reports an error of a statement it runs (and drops a connection found broken).
        disconnected = dialect.is_disconnect(error, dbapi_connection, None)
        if disconnected:
            connection.invalidate(error)
        raise sa.exc.DBAPIError.instance(
            "; ".join(one.sql for one, _parameters in compiled),
            None,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=disconnected,
            dialect=dialect,
        ) from error
    return [None if raw is None else one.row(raw) for raw, (one, _parameters) in zip(raws, compiled, strict=True)]


@functools.cache
def _psycopg_idle() -> Any:
    import psycopg

    return psycopg.pq.TransactionStatus.IDLE


class _Readers(threading.local):
    """Each thread's own connection for ``read_first``, kept from one request to the next.

    A hot read needs no transaction and leaves no state behind (the connection is in autocommit,
    see ``begin_on_first_write``), so it does not need the pool's checkout and checkin either,
    which cost a verification answer about a sixth of its time. The connection is the engine's
    (made by its pool, with its connect-time settings, then detached from it); it is made again
    after a fork, for another engine, after ``engine.dispose()`` (which closes every thread's, as
    it closes the pool's), and when it is found broken: the read is then retried once on a new
    connection (a read is safe to repeat).
    """

    engine: sa.Engine | None = None
    key: tuple[int, int] = (0, 0)  # (process, the engine's generation of readers)
    connection: Any = None
    cursor: Any = None

    def fetch_one(self, engine: sa.Engine, sql: str, arguments: Any) -> Any:
        for attempt in (1, 2):
            connection = self._connection(engine)
            try:
                if self.cursor is not None:  # psycopg's: the whole result is read at once, nothing held
                    self.cursor.execute(sql, arguments)
                    return self.cursor.fetchone()
                cursor = connection.cursor()  # SQLite's: closed, or its unfinished statement would hold a lock
                try:
                    cursor.execute(sql, arguments)
                    return cursor.fetchone()
                finally:
                    cursor.close()
            except engine.dialect.loaded_dbapi.Error as error:
                if not engine.dialect.is_disconnect(error, connection, None):
                    raise  # the read's own error: the connection is as it was (autocommit, no transaction)
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, engine: sa.Engine) -> Any:
        key = (os.getpid(), _generations.get(engine, 0))
        if self.connection is not None and self.engine is engine and self.key == key:
            return self.connection
        if self.key[0] == key[0]:
            self.close()  # another engine's, or a disposed one (a forked process's is left to its owner)
        pooled = engine.raw_connection()
        pooled.detach()
        self.engine, self.key, self.connection = engine, key, pooled.dbapi_connection
        # A kept cursor saves making one per read, where that holds nothing open between reads.
        self.cursor = self.connection.cursor() if engine.dialect.driver == "psycopg" else None
        with _readers_lock:
            if engine not in _generations:
                _generations[engine] = 0
                sa.event.listen(engine, "engine_disposed", _close_readers)
            _open_readers.setdefault(engine, []).append(self.connection)
        return self.connection

    def close(self) -> None:
        connection, engine, self.connection, self.engine, self.cursor = self.connection, self.engine, None, None, None
        if connection is not None:
            with _readers_lock:
                if engine is not None and connection in _open_readers.get(engine, ()):
                    _open_readers[engine].remove(connection)
            with contextlib.suppress(Exception):
                connection.close()


_readers = _Readers()
# Every thread's reader, by engine, so that ``engine.dispose()`` closes them all (a test dropping its
# database, an app shutting down); the generation tells each thread its reader was closed.
_open_readers: weakref.WeakKeyDictionary[sa.Engine, list[Any]] = weakref.WeakKeyDictionary()
_generations: weakref.WeakKeyDictionary[sa.Engine, int] = weakref.WeakKeyDictionary()
_readers_lock = threading.Lock()


def _close_readers(engine: sa.Engine) -> None:
    with _readers_lock:
        _generations[engine] = _generations.get(engine, 0) + 1
        connections = _open_readers.pop(engine, [])
    for connection in connections:
        with contextlib.suppress(Exception):
            connection.close()


def commit_if_written() -> None:
    """Commit the request's session if it wrote anything: changes not yet flushed, or a transaction
    open on its connection (a write, a locking read). A request that only read (a lesson page seen
    before) has nothing to commit, and skips the commit's bookkeeping."""
    scoped = db.session
    if scoped.registry.has() and _session_has_work(scoped()):
        scoped.commit()


def _session_has_work(session: Session) -> bool:
    return bool(session.info.get(_CONNECTED) or session.new or session.dirty or session.deleted)


#: Set in a session's ``info`` while it holds a database connection (see ``read_first``).
_CONNECTED = "lms.connected"


@sa.event.listens_for(Session, "after_begin")
def _note_connected(session: Session, _transaction: Any, _connection: sa.Connection) -> None:
    session.info[_CONNECTED] = True


@sa.event.listens_for(Session, "after_transaction_end")
def _note_released(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTED, None)


M = TypeVar("M")


def get_quickly(model: type[M], primary_key: int) -> M | None:
    """``db.session.get(model, primary_key)`` for the busiest lookup (the signed-in user, every request).

    The row is read with ``read_first`` and the instance put together by ``attach_row``: the
    same persistent, clean instance the ORM's loader makes, at about half its cost. An instance
    the session already holds is returned as it is, without a read.
    """
    session = db.session()
    mapper = sa.inspect(model)
    existing = session.identity_map.get(mapper.identity_key_from_primary_key((primary_key,)))
    if existing is not None:
        return existing
    row = read_first(_primary_key_read(mapper), {"primary_key": primary_key})
    return None if row is None else attach_row(model, row)


def row_columns(model: type[Any]) -> list[sa.Column[Any]]:
    """The columns ``attach_row`` takes a row of, in its order: all of the model's table."""
    # Attribute instrumentation is complete only once the mappers are configured (the first
    # ORM query does it; the hot paths may run before any).
    sa.orm.configure_mappers()
    return list(sa.inspect(model).local_table.columns)


def attach_row(model: type[M], row: Sequence[Any]) -> M:
    """The session's instance for a row of ``row_columns(model)``, as if the ORM had loaded it.

    Built by ``detached_row`` (as the ORM's loader builds one) and added to the session:
    persistent, clean, its relationships loading as usual. If the session already holds that row's instance, that
    instance is returned, refreshed from the row unless it has changes not yet flushed.
    """
    session = db.session()
    mapper = sa.inspect(model)
    keys, primary_key_positions = _row_layout(mapper)
    identity = mapper.identity_key_from_primary_key(tuple(row[position] for position in primary_key_positions))
    existing = session.identity_map.get(identity)
    if existing is not None:
        if not sa.inspect(existing).modified:  # as the ORM's populate_existing: the row is the truth
            for key, value in zip(keys, row, strict=True):
                set_committed_value(existing, key, value)
        return existing
    instance = detached_row(model, row)
    session.add(instance)
    return instance


def detached_row(model: type[M], row: Sequence[Any]) -> M:
    """An instance for a row of ``row_columns(model)`` as if loaded and then detached from its session.

    Its columns read as loaded; ``db.session.add`` (or a relationship to an object in the session)
    makes it the session's again. Detached, it cannot load a relationship: for a read-only request
    that needs only the row (see ``lms.signedin``), which then creates no session at all.
    """
    mapper = sa.inspect(model)
    keys, _primary_key_positions = _row_layout(mapper)
    instance = mapper.class_manager.new_instance()
    # The values go straight into the instance's dict, as the ORM's loader puts them, and
    # ``make_transient_to_detached`` then marks them all committed (loaded), as the loader does
    # once a row is read: the same state as ``set_committed_value`` for each column, at a
    # fraction of its cost (this runs for the signed-in user on every page).
    instance.__dict__.update(zip(keys, row, strict=True))
    make_transient_to_detached(instance)
    return instance


@functools.cache
def _row_layout(mapper: Any) -> tuple[tuple[str, ...], tuple[int, ...]]:
    columns = list(mapper.local_table.columns)
    keys = tuple(mapper.get_property_by_column(column).key for column in columns)
    return keys, tuple(columns.index(column) for column in mapper.primary_key)


@functools.cache
def _primary_key_read(mapper: Any) -> AnySelect:
    (primary_key,) = mapper.primary_key
    return sa.select(*row_columns(mapper.class_)).where(primary_key == sa.bindparam("primary_key"))


@dataclass(frozen=True)
class _CompiledStatement:
    sql: str
    order: tuple[str, ...] | None  # parameter names in order (positional paramstyles), else None
    binds: dict[str, Callable[[Any], Any]]  # the parameters' bind processors, where their types have one
    literals: dict[str, Any]  # the statement's own values (a LIMIT's, say), by parameter name
    results: list[Callable[[Any], Any] | None]  # each column's result processor

    def arguments(self, parameters: dict[str, Any]) -> Any:
        """The DBAPI's arguments for these parameters: converted by their bind processors, in order."""
        binds = self.binds
        given = {**self.literals, **parameters} if self.literals else parameters
        values = {name: value if name not in binds else binds[name](value) for name, value in given.items()}
        return values if self.order is None else tuple(values[name] for name in self.order)

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        """A DBAPI row converted by the columns' result processors (as the ORM would read it)."""
        return tuple(
            value if process is None else process(value) for process, value in zip(self.results, raw, strict=True)
        )


# Keyed by the statement itself (kept alive here, so never confused with a later one): the hot
# statements are built once (functools.cache), so this holds a handful.
_compiled_statements: dict[tuple[AnyStatement, str], _CompiledStatement] = {}


def _compiled_statement(statement: AnyStatement, dialect: sa.Dialect) -> _CompiledStatement:
    """What running a statement on a raw DBAPI connection needs, worked out once per statement and dialect."""
    key = (statement, dialect.name)
    found = _compiled_statements.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect)
        if compiled.insert_prefetch or compiled.update_prefetch:
            # Defaults computed in Python are filled in by SQLAlchemy's execution, which this bypasses.
            missing = [column.key for column in (*compiled.insert_prefetch, *compiled.update_prefetch)]
            raise ValueError(f"give these columns' values in the statement, their defaults are Python's: {missing}")
        binds: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds[name] = process
        found = _compiled_statements[key] = _CompiledStatement(
            sql=compiled.string,
            order=tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None,
            binds=binds,
            literals={
                name: bind.value
                for name, bind in compiled.binds.items()
                if not bind.required and bind.value is not None
            },
            results=[
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in statement.exported_columns  # a select's columns, or what a write returns
            ],
        )
    return found


#: A pooled connection idle for longer than this is pinged before use (see ``ping_idle_connections``).
PING_AFTER_IDLE_SECONDS = 10.0


def ping_idle_connections(engine: sa.Engine, after: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection before use only when it has been idle for a while.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip on
    every request. Connections in steady use are alive; the ones that go stale
    (a database restart, a firewall's idle timeout) are those left idle. A dead one
    raises ``DisconnectionError``, and the pool replaces it and retries.
    """
    import time

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

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINTs; it is turned
    off here, and ``lms.db.begin_on_first_write`` sends BEGIN before the first write.
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


#: What opens a transaction under ``begin_on_first_write``: anything but a plain read.
_LOCKING_READ = re.compile(r"\bFOR\s+(?:UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)\b", re.IGNORECASE)


def begin_on_first_write(engine: sa.Engine) -> None:
    """Send ``BEGIN`` only before a connection's first write, as Django does by default.

    The DBAPI connection runs in autocommit mode, and this hook opens a real transaction
    just before the first statement that is not a plain read: an INSERT, UPDATE or DELETE,
    DDL, a ``SAVEPOINT``, a ``SELECT … FOR UPDATE``/``FOR SHARE``, a server-side cursor,
    any textual SQL but a plain ``SELECT``, or a statement run with the execution option
    ``lms_transaction=True`` (for a select that calls a function with side effects).
    From then on the connection stays in that transaction until SQLAlchemy commits or rolls
    back, which the DBAPI sends only when a transaction is open.

    A read-only request (a lesson page that only reads, the verification JSON) thus costs
    its reads alone: no ``BEGIN`` and ``ROLLBACK`` round trips. Reads lose nothing: at READ
    COMMITTED (PostgreSQL's default, and the platform's) every statement takes its own
    snapshot inside a transaction too. Writes keep their atomicity, and reads after the
    first write see that transaction's own changes. What a request read before its first
    write is not locked by the transaction: code that decides on a read and then writes
    must lock what it read (``with_for_update``), as it had to already at READ COMMITTED.
    On SQLite a locking read (which SQLite cannot express) opens ``BEGIN IMMEDIATE``, so the
    write lock is taken before the read rather than at the write.
    """
    sqlite = engine.dialect.name == "sqlite"

    if sqlite:

        def in_transaction(dbapi_connection: Any) -> bool:
            return bool(dbapi_connection.in_transaction)

    else:
        idle = _psycopg_idle()

        def in_transaction(dbapi_connection: Any) -> bool:
            return bool(dbapi_connection.info.transaction_status != idle)

        @sa.event.listens_for(engine, "connect")
        def autocommit(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.autocommit = True

    @sa.event.listens_for(engine, "before_cursor_execute")
    def begin_before_write(
        _connection: sa.Connection, cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool
    ) -> None:
        dbapi_connection = cursor.connection
        if in_transaction(dbapi_connection):
            return
        locking = False
        if context is not None:
            options = context.execution_options
            compiled = context.compiled
            if options.get("lms_transaction") or context.isinsert or context.isupdate or context.isdelete:
                pass
            elif compiled is not None and isinstance(compiled.statement, sa.Select):
                locking = compiled.statement._for_update_arg is not None
                if not locking and not context._is_server_side:
                    return
            elif _is_plain_read(statement):
                return
        elif _is_plain_read(statement):
            return
        dbapi_connection.execute("BEGIN IMMEDIATE" if sqlite and locking else "BEGIN")


def _is_plain_read(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    return head == "SELECT" and _LOCKING_READ.search(statement) is None
