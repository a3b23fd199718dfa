import pytest
import sqlalchemy as sa

from courses.sandbox import detect_level
from lms import queue
from lms.db import db


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok", "queue": "ok", "sandbox": detect_level().value}
    assert response.headers["Cache-Control"] == "no-store"


def test_queue_down_is_503_naming_the_queue(client, monkeypatch):
    def broken():
        raise ConnectionError("redis is gone")

    monkeypatch.setattr("lms.health.check_queue", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert {key: body[key] for key in ("status", "db", "queue")} == {
        "status": "unavailable",
        "db": "ok",
        "queue": "unavailable",
    }


def test_database_down_is_503_naming_the_database(client, monkeypatch):
    class Unreachable:
        def raw_connection(self):
            raise sa.exc.OperationalError("connect", {}, Exception("connection refused"))

    monkeypatch.setattr(type(db), "engine", property(lambda self: Unreachable()))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["db"] == "unavailable" and response.get_json()["queue"] == "ok"


def test_queue_kind_in_tests_is_immediate(app):
    assert queue.queue_kind() == "immediate"


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_queue_backends(app, tmp_path, backend):
    """The real backends: SqliteHuey (the default, a file) and RedisHuey for redis:// URLs."""
    from tests.conftest import IN_CI, make_test_app

    url = f"sqlite:///{tmp_path}/queue.sqlite" if backend == "sqlite" else "redis://127.0.0.1:6379/15"
    other = make_test_app(f"sqlite:///{tmp_path}/x.sqlite", QUEUE_IMMEDIATE=False, QUEUE_URL=url)
    try:
        assert queue.queue_kind() == backend
        try:
            queue.check_queue()
        except Exception as exc:
            if backend == "redis" and not IN_CI:
                pytest.skip(f"no Redis here: {exc}")
            raise
        with other.test_client() as client:
            response = client.get("/healthz")
        assert response.get_json()["queue"] == "ok"
    finally:
        queue.init_queue(app)
    assert queue.queue_kind() == "immediate"


def test_a_failing_sandbox_probe_does_not_fail_health(client, monkeypatch):
    def broken():
        raise OSError("no /proc")

    monkeypatch.setattr("courses.sandbox.levels._probe", broken)
    monkeypatch.setattr("courses.sandbox.levels._detected", None)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["sandbox"] == "unknown"
