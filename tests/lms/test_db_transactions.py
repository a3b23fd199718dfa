"""``begin_on_first_write``: reads run in autocommit, a transaction opens before the first write."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from lms.db import begin_on_first_write, configure_sqlite


@pytest.fixture
def engine(database_url: str, tmp_path: Any) -> Iterator[sa.Engine]:
    """An engine configured as the app configures its own, on a table of its own."""
    if database_url.startswith("sqlite"):
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'transactions.sqlite'}")
        configure_sqlite(engine)
    else:
        engine = sa.create_engine(database_url)
    begin_on_first_write(engine)
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


def _in_transaction(connection: sa.Connection) -> bool:
    dbapi_connection: Any = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite":
        return bool(dbapi_connection.in_transaction)
    return str(dbapi_connection.info.transaction_status.name) != "IDLE"


def _values(engine: sa.Engine, table: sa.Table) -> list[str]:
    with engine.connect() as other:
        return list(other.scalars(sa.select(table.c.value).order_by(table.c.id)))


def test_reads_open_no_transaction(engine, table):
    with engine.connect() as connection:
        assert connection.scalar(sa.select(table.c.value)) == "first"
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1
        assert not _in_transaction(connection)


def test_the_first_write_opens_a_transaction_that_a_rollback_undoes(engine, table):
    with engine.connect() as connection:
        connection.scalar(sa.select(table.c.value))
        connection.execute(table.insert().values(id=2, value="second"))
        assert _in_transaction(connection)
        connection.execute(table.update().where(table.c.id == 1).values(value="changed"))
        assert connection.scalars(sa.select(table.c.value).order_by(table.c.id)).all() == ["changed", "second"]
        connection.rollback()
        assert not _in_transaction(connection)
    assert _values(engine, table) == ["first"]


def test_a_commit_keeps_every_write(engine, table):
    with engine.connect() as connection:
        connection.execute(table.insert().values(id=2, value="second"))
        connection.execute(table.delete().where(table.c.id == 1))
        connection.commit()
    assert _values(engine, table) == ["second"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE {table} SET value = 'text' WHERE id = 1",
        "SELECT value FROM {table} WHERE id = 1 FOR UPDATE",
        "select value from {table} for share",
    ],
)
def test_textual_writes_and_locking_reads_open_a_transaction(engine, table, statement):
    if engine.dialect.name == "sqlite" and "for" in statement.lower():
        pytest.skip("SQLite has no locking reads")
    with engine.connect() as connection:
        connection.exec_driver_sql(statement.format(table=table.name))
        assert _in_transaction(connection)
        connection.rollback()
    assert _values(engine, table) == ["first"]


def test_a_locking_select_opens_a_transaction(engine, table):
    with engine.connect() as connection:
        connection.execute(sa.select(table.c.value).with_for_update())
        assert _in_transaction(connection)


def test_a_select_marked_as_needing_a_transaction_opens_one(engine, table):
    with engine.connect() as connection:
        connection.execute(sa.select(table.c.value).execution_options(lms_transaction=True))
        assert _in_transaction(connection)


def test_a_savepoint_first_opens_the_outer_transaction(engine, table):
    with engine.connect() as connection:
        with connection.begin_nested() as savepoint:
            connection.execute(table.insert().values(id=3, value="third"))
            savepoint.rollback()
        connection.execute(table.insert().values(id=4, value="fourth"))
        connection.commit()
    assert _values(engine, table) == ["first", "fourth"]


def test_ddl_opens_a_transaction(engine):
    name = f"probe_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.exec_driver_sql(f"CREATE TABLE {name} (id INTEGER)")
        assert _in_transaction(connection)
        connection.rollback()
    assert name not in sa.inspect(engine).get_table_names()


def test_an_orm_session_reads_outside_and_writes_inside_a_transaction(engine, table):
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        assert session.scalar(sa.select(table.c.value)) == "first"
        assert not _in_transaction(session.connection())
        session.execute(table.insert().values(id=5, value="fifth"))
        assert _in_transaction(session.connection())
    assert _values(engine, table) == ["first"]  # closed without a commit


def test_a_failed_statement_rolls_back_the_whole_transaction(engine, table):
    from sqlalchemy.orm import Session

    with Session(engine) as session, pytest.raises(sa.exc.IntegrityError):
        session.execute(table.insert().values(id=5, value="fifth"))
        session.execute(table.insert().values(id=1, value="duplicate"))
    assert _values(engine, table) == ["first"]


def test_read_first_outside_a_transaction_reads_typed_values_on_a_raw_connection(app, monkeypatch):
    from datetime import UTC, datetime

    from lms.db import db, read_first
    from lms.models import Region, School
    from lms.models.org import SchoolKind

    code = f"R{uuid.uuid4().hex[:6]}"
    created = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    statement = sa.select(School.name, School.kind, School.created_at).where(
        School.code == sa.bindparam("code"), School.created_at == sa.bindparam("created", type_=School.created_at.type)
    )
    with app.app_context():
        region = Region(code=code, name_kk="R", name_ru="R", name_en="R")
        db.session.add(region)
        db.session.flush()
        db.session.add(
            School(region_id=region.id, code=code, name="Мектеп", kind=SchoolKind.COLLEGE, created_at=created)
        )
        db.session.commit()
        db.session.remove()

        def through_the_session(*_args: Any, **_kwargs: Any) -> Any:
            raise AssertionError("read through the session")

        monkeypatch.setattr(sa.orm.Session, "execute", through_the_session)
        try:
            row = read_first(statement, {"code": code, "created": created})
            assert row == ("Мектеп", SchoolKind.COLLEGE, created)  # the enum and the aware time, as the ORM gives
            assert read_first(statement, {"code": code, "created": created.replace(second=8)}) is None
        finally:
            monkeypatch.undo()
            db.session.execute(sa.delete(School).where(School.code == code))
            db.session.execute(sa.delete(Region).where(Region.code == code))
            db.session.commit()
            db.session.remove()


def test_read_first_inside_a_transaction_sees_its_writes(app):
    from lms.db import db, read_first
    from lms.models import Region

    code = f"R{uuid.uuid4().hex[:6]}"
    statement = sa.select(Region.name_en).where(Region.code == sa.bindparam("code"))
    with app.app_context():
        db.session.add(Region(code=code, name_kk="U", name_ru="U", name_en="Uncommitted"))
        db.session.flush()
        try:
            assert read_first(statement, {"code": code}) == ("Uncommitted",)
        finally:
            db.session.rollback()
            db.session.remove()
        assert read_first(statement, {"code": code}) is None


def test_get_quickly_gives_the_instance_the_orm_would(app):
    from lms.db import db, detached_row, get_quickly
    from lms.models import Role, User

    email = f"quick-{uuid.uuid4().hex[:8]}@example.org"
    with app.app_context():
        made = User(email=email, full_name="Әлихан Өмірзақұлы", role=Role.TEACHER, preferred_language="ru")
        db.session.add(made)
        db.session.commit()
        user_id = made.id
        expected = {key: getattr(made, key) for key in sa.inspect(User).column_attrs.keys()}
        db.session.remove()
        try:
            user = get_quickly(User, user_id)
            assert user is not None
            state = sa.inspect(user)
            assert state.persistent and not state.modified and not state.expired_attributes
            assert not state.committed_state and not db.session.dirty  # loaded: nothing to write
            assert {key: getattr(user, key) for key in expected} == expected
            assert set(state.unloaded) == set(sa.inspect(User).relationships.keys())  # only they load later
            with pytest.raises(ValueError):  # a row of another shape is refused, not half-applied
                detached_row(User, tuple(expected.values())[:-1])
            assert user.school is None  # relationships load as usual
            assert get_quickly(User, user_id) is user  # the session's own instance, once there
            assert get_quickly(User, user_id + 10_000_000) is None
            user.full_name = "Renamed"
            db.session.commit()  # a change to it is written like any other
            db.session.remove()
            assert db.session.get(User, user_id).full_name == "Renamed"
        finally:
            db.session.rollback()
            db.session.execute(sa.delete(User).where(User.id == user_id))
            db.session.commit()
            db.session.remove()


def test_read_first_sees_changes_the_session_has_not_flushed(app):
    from lms.db import db, read_first
    from lms.models import Region

    code = f"R{uuid.uuid4().hex[:6]}"
    with app.app_context():
        db.session.add(Region(code=code, name_kk="P", name_ru="P", name_en="Pending"))
        try:
            statement = sa.select(Region.name_en).where(Region.code == sa.bindparam("code"))
            assert read_first(statement, {"code": code}) == ("Pending",)  # autoflushed by the session
        finally:
            db.session.rollback()
            db.session.remove()


def test_get_quickly_works_as_a_fresh_process_first_query(database_url, tmp_path):
    """In a new app server the signed-in user is its first ORM lookup, before mappers are configured."""
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    email = f"fresh-{uuid.uuid4().hex[:8]}@example.org"
    script = textwrap.dedent(
        f"""
        import sqlalchemy as sa
        from lms import create_app
        from lms.db import db, get_quickly
        from lms.models import User
        app = create_app({{"ENV": "testing", "DATABASE_URL": {database_url!r}, "STORAGE_DIR": {str(tmp_path)!r}}})
        table = User.__table__
        with app.app_context():
            with db.engine.begin() as connection:  # Core only: the mappers stay unconfigured
                user_id = connection.execute(
                    table.insert().values(email={email!r}, full_name="Fresh", preferred_language="kk",
                                          role="student", active=True, auth_version=1,
                                          created_at=sa.func.current_timestamp()).returning(table.c.id)
                ).scalar_one()
            try:
                print(get_quickly(User, user_id).full_name)
            finally:
                db.session.remove()
                with db.engine.begin() as connection:
                    connection.execute(table.delete().where(table.c.id == user_id))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("Fresh")


def test_read_first_keeps_a_connection_per_thread_and_replaces_a_broken_or_disposed_one(app):
    """The raw reads skip the pool: each thread keeps its own connection, made again when needed."""
    import threading

    from lms import db as lms_db
    from lms.db import db, read_first
    from lms.models import Region

    code = f"R{uuid.uuid4().hex[:6]}"
    statement = sa.select(Region.name_en).where(Region.code == sa.bindparam("code"))
    with app.app_context():
        db.session.add(Region(code=code, name_kk="K", name_ru="K", name_en="Kept"))
        db.session.commit()
        db.session.remove()
        engine = db.engine
        try:
            assert read_first(statement, {"code": code}) == ("Kept",)
            first = lms_db._readers.connection
            checked_out = engine.pool.checkedout()
            assert read_first(statement, {"code": code}) == ("Kept",)
            assert lms_db._readers.connection is first and engine.pool.checkedout() == checked_out

            others: list[Any] = []

            def other_thread() -> None:
                with app.app_context():
                    others.append(read_first(statement, {"code": code}))
                    others.append(lms_db._readers.connection)

            thread = threading.Thread(target=other_thread)
            thread.start()
            thread.join()
            assert others[0] == ("Kept",) and others[1] is not first

            # Broken behind its back (a database restart, an idle timeout): the read is retried once.
            if engine.dialect.name == "postgresql":
                with engine.connect() as killer:
                    killer.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": first.info.backend_pid})
            else:
                first.close()
            assert read_first(statement, {"code": code}) == ("Kept",)
            second = lms_db._readers.connection
            assert second is not first

            engine.dispose()  # closes every thread's reader, as it closes the pool's connections
            assert read_first(statement, {"code": code}) == ("Kept",)
            assert lms_db._readers.connection is not second

            if engine.dialect.name == "postgresql":  # an error that is not a lost connection is not retried
                third = lms_db._readers.connection
                failing = sa.select(sa.cast(sa.bindparam("text", type_=sa.String), sa.Integer))
                with pytest.raises(engine.dialect.loaded_dbapi.Error, match="invalid input syntax"):
                    read_first(failing, {"text": "not a number"})
                assert read_first(statement, {"code": code}) == ("Kept",)
                assert lms_db._readers.connection is third  # still good: kept
        finally:
            db.session.execute(sa.delete(Region).where(Region.code == code))
            db.session.commit()
            db.session.remove()


def _region_statements() -> tuple[Any, Any, Any]:
    from lms.models import Region, School

    lock = sa.select(Region.id, Region.name_en).where(Region.code == sa.bindparam("code")).with_for_update()
    schools = (
        sa.select(sa.func.count(School.id), sa.func.max(School.created_at))
        .join(Region, Region.id == School.region_id)
        .where(Region.code == sa.bindparam("code"))
    )
    newest = sa.select(School.name).order_by(School.id.desc()).limit(1)  # a literal parameter (the LIMIT)
    return lock, schools, newest


def _drop_region(code: str) -> None:
    from lms.db import db
    from lms.models import Region, School

    db.session.rollback()
    region_ids = sa.select(Region.id).where(Region.code == code).scalar_subquery()
    db.session.execute(sa.delete(School).where(School.region_id == region_ids))
    db.session.execute(sa.delete(Region).where(Region.code == code))
    db.session.commit()
    db.session.remove()


def test_run_in_transaction_runs_reads_and_writes_in_order_in_one_transaction(app, monkeypatch):
    from datetime import UTC, datetime

    from lms.db import db, run_in_transaction
    from lms.models import Region, School
    from lms.models.org import InstructionLanguage, SchoolKind, Settlement

    code = f"T{uuid.uuid4().hex[:6]}"
    lock, schools, newest = _region_statements()
    created = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
    with app.app_context():
        db.session.add(Region(code=code, name_kk="Т", name_ru="Т", name_en="Turkistan"))
        db.session.commit()
        db.session.remove()
        region_id = db.session.scalar(sa.select(Region.id).where(Region.code == code))
        db.session.remove()
        insert = (
            sa.insert(School)
            .values(
                region_id=sa.bindparam("region_id"),
                code=sa.bindparam("school_code"),
                name=sa.bindparam("name"),
                created_at=sa.bindparam("created", type_=School.created_at.type),
                kind=SchoolKind.COLLEGE,
                language=InstructionLanguage.KK,
                settlement=Settlement.RURAL,
            )
            .returning(School.id, School.created_at)
        )
        db.session.get(Region, region_id).name_en = "Türkistan"  # not flushed yet: it is, first
        if db.engine.dialect.name == "postgresql":  # there, no statement goes through the ORM's execution
            monkeypatch.setattr(sa.orm.Session, "execute", lambda *_a, **_k: pytest.fail("ran through the session"))
        try:
            locked, counted = run_in_transaction((lock, {"code": code}), (schools, {"code": code}))
            assert locked == (region_id, "Türkistan")
            assert counted == (0, None)
            assert _in_transaction(db.session.connection())  # the lock is held until the request ends
            parameters = {"region_id": region_id, "school_code": code, "name": "Мектеп №1", "created": created}
            (inserted, counted, last) = run_in_transaction(
                (insert, parameters), (schools, {"code": code}), (newest, {})
            )
            assert inserted is not None and inserted[1] == created  # RETURNING, typed as the ORM reads it
            assert counted == (1, created)  # a later statement sees the earlier one's write
            assert last == ("Мектеп №1",)
            assert run_in_transaction((sa.delete(School).where(School.id == -1), {})) == [None]  # returns no rows
            with pytest.raises(ValueError, match="kind"):  # a default made in Python would be skipped
                run_in_transaction((sa.insert(School).values(region_id=region_id, code="x", name="x"), {}))
        finally:
            monkeypatch.undo()
        db.session.rollback()  # the writes were in the session's transaction: they go with it
        db.session.remove()
        assert db.session.scalar(sa.select(sa.func.count(School.id)).where(School.code == code)) == 0
        _drop_region(code)


def test_run_in_transaction_reports_a_failed_statement_as_sqlalchemy_does(app):
    from lms.db import db, run_in_transaction
    from lms.models import Region

    code = f"F{uuid.uuid4().hex[:6]}"
    lock, _schools, _newest = _region_statements()
    duplicate = sa.insert(Region).values(code=sa.bindparam("code"), name_kk="D", name_ru="D", name_en="D")
    with app.app_context():
        db.session.add(Region(code=code, name_kk="Д", name_ru="Д", name_en="Duplicate"))
        db.session.commit()
        db.session.remove()
        try:
            with pytest.raises(sa.exc.IntegrityError):
                run_in_transaction((lock, {"code": code}), (duplicate, {"code": code}))
            db.session.rollback()
            locked = run_in_transaction((lock, {"code": code}))  # the connection works again
            assert locked[0] is not None and locked[0][1] == "Duplicate"
        finally:
            _drop_region(code)


def test_run_in_transaction_reads_after_a_lock_see_what_its_last_holder_committed(app):
    """The submission path's guarantee: a read sent with a locking read, in the same round trip, runs
    once the lock is granted, and sees what the transaction that held it committed."""
    import threading

    from lms.db import db, run_in_transaction
    from lms.models import Region, School

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers: no row locks to wait for")
    code = f"L{uuid.uuid4().hex[:6]}"
    lock, schools, _newest = _region_statements()
    locked, release, errors = threading.Event(), threading.Event(), []

    def first_holder() -> None:
        with app.app_context():
            try:
                (row,) = run_in_transaction((lock, {"code": code}))
                assert row is not None
                db.session.add(School(region_id=row[0], code=code, name="Written under the lock"))
                db.session.flush()
                locked.set()
                release.wait(10)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported to the test below
                errors.append(exc)
                locked.set()
            finally:
                db.session.remove()

    with app.app_context():
        db.session.add(Region(code=code, name_kk="Л", name_ru="Л", name_en="Locked"))
        db.session.commit()
        db.session.remove()
        holder = threading.Thread(target=first_holder)
        holder.start()
        try:
            assert locked.wait(10) and not errors
            threading.Timer(0.3, release.set).start()  # the holder commits while this request waits
            row, counted = run_in_transaction((lock, {"code": code}), (schools, {"code": code}))
            assert release.is_set()  # it did wait for the lock
            assert row is not None and counted is not None and counted[0] == 1
            db.session.rollback()
        finally:
            release.set()
            holder.join(10)
            _drop_region(code)
        assert not errors


def test_commit_if_written_commits_writes_and_skips_a_request_that_only_read(app, monkeypatch):
    from sqlalchemy.orm import Session

    from lms.db import commit_if_written, db, get_quickly, read_first
    from lms.models import Region

    code = f"C{uuid.uuid4().hex[:6]}"
    commits: list[int] = []
    commit = Session.commit

    def counted(session: Session) -> None:
        commits.append(1)
        commit(session)

    monkeypatch.setattr(Session, "commit", counted)
    with app.app_context():
        try:
            commit_if_written()  # no session yet: nothing made, nothing committed
            db.session.add(Region(code=code, name_kk="К", name_ru="К", name_en="Kept"))
            commit_if_written()  # a change not yet flushed
            assert commits == [1]
            db.session.remove()
            region_id = read_first(sa.select(Region.id).where(Region.code == sa.bindparam("code")), {"code": code})
            assert region_id is not None
            region = get_quickly(Region, region_id[0])  # read, and attached to the session
            assert region is not None and region.name_en == "Kept"
            commit_if_written()
            assert commits == [1]  # it only read
            db.session.execute(sa.update(Region).where(Region.code == code).values(name_en="Flushed"))
            commit_if_written()  # a write sent already: the transaction is open
            assert commits == [1, 1]
            db.session.remove()
            assert db.session.scalar(sa.select(Region.name_en).where(Region.code == code)) == "Flushed"
        finally:
            monkeypatch.undo()
            _drop_region(code)
