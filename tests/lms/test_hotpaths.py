"""``lms.hotpaths``: quick answers before Flask, and every case they leave to Flask."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, current_app

from lms.hotpaths import HotPaths, install_hot_paths, request_body, writing


@pytest.fixture
def small_app() -> tuple[Flask, HotPaths, list[str]]:
    app = Flask(__name__)
    app.config["FORCE_HTTPS"] = False
    seen: list[str] = []

    @app.route("/things/<name>", methods=["GET", "HEAD", "POST"])
    def thing(name: str) -> str:
        return f"flask {name}"

    hot = install_hot_paths(app)

    def quick(environ: dict[str, Any], rest: str) -> Any:
        seen.append(rest)
        assert current_app.name == app.name  # in an app context
        if rest == "missing":
            return None
        if rest == "broken":
            raise RuntimeError("the database is down")
        return "200 OK", [("Content-Type", "text/plain")], f"quick {rest}".encode()

    hot.add("/things/", quick)
    return app, hot, seen


def test_a_registered_path_is_answered_before_flask(small_app: Any) -> None:
    app, _hot, seen = small_app
    answer = app.test_client().get("/things/first")
    assert answer.get_data(as_text=True) == "quick first" and answer.headers["Content-Length"] == "11"
    assert seen == ["first"]


@pytest.mark.parametrize(
    ("method", "path", "query"),
    [("POST", "/things/a", ""), ("HEAD", "/things/a", ""), ("GET", "/things/a", "x=1"), ("GET", "/things/", "")],
)
def test_other_methods_query_strings_and_other_shapes_go_to_flask(
    small_app: Any, method: str, path: str, query: str
) -> None:
    app, _hot, seen = small_app
    answer = app.test_client().open(path, method=method, query_string=query)
    assert seen == []
    if method != "HEAD" and path != "/things/":
        assert answer.get_data(as_text=True) == "flask a"


def test_a_declined_or_failed_quick_answer_leaves_the_request_to_flask(small_app: Any, caplog: Any) -> None:
    app, _hot, seen = small_app
    client = app.test_client()
    assert client.get("/things/missing").get_data(as_text=True) == "flask missing"
    assert client.get("/things/broken").get_data(as_text=True) == "flask broken"
    assert seen == ["missing", "broken"]
    assert "Flask answers instead" in caplog.text and "the database is down" in caplog.text


def test_plain_http_goes_to_flask_when_https_is_forced(small_app: Any) -> None:
    app, hot, seen = small_app
    app.config["FORCE_HTTPS"] = True
    client = app.test_client()
    assert client.get("/things/a").get_data(as_text=True) == "flask a" and seen == []
    assert client.get("/things/a", base_url="https://localhost").get_data(as_text=True) == "quick a"
    hot.enabled = False
    assert client.get("/things/b", base_url="https://localhost").get_data(as_text=True) == "flask b"


@pytest.fixture
def writing_app() -> tuple[Flask, list[str]]:
    """A POST route whose quick answer reads the body and "writes" (appends to ``written``) as told by it."""
    app = Flask(__name__)
    app.config.update(FORCE_HTTPS=False, MAX_CONTENT_LENGTH=64, PROPAGATE_EXCEPTIONS=False)
    written: list[str] = []

    @app.post("/things/<name>/notes")
    def note(name: str) -> str:
        from flask import request

        written.append(f"flask {request.get_data(as_text=True)}")
        return "flask wrote"

    def quick(environ: dict[str, Any], rest: str) -> Any:
        body = request_body(environ)
        if body is None or body == b"decline":
            return None
        writing(environ)
        written.append(f"quick {body.decode()}")
        if body == b"fail after":
            raise RuntimeError("the commit failed")
        if body == b"decline after":
            return None
        return "201 CREATED", [("Content-Type", "text/plain")], b"quick wrote"

    install_hot_paths(app).add("/things/", quick, method="POST", suffix="/notes")
    return app, written


def test_a_post_route_is_answered_quickly_only_for_its_method_and_suffix(writing_app: Any) -> None:
    app, written = writing_app
    client = app.test_client()
    answer = client.post("/things/a/notes", data=b"hello")
    assert (answer.status_code, answer.get_data()) == (201, b"quick wrote")
    assert client.get("/things/a/notes").status_code == 405  # GET is Flask's
    assert client.post("/things/a/other", data=b"x").status_code == 404
    assert written == ["quick hello"]


def test_a_declined_post_reaches_flask_with_its_body(writing_app: Any) -> None:
    app, written = writing_app
    answer = app.test_client().post("/things/a/notes", data=b"decline")
    assert answer.get_data() == b"flask wrote" and written == ["flask decline"]


@pytest.mark.parametrize("body", [b"fail after", b"decline after"])
def test_after_writing_a_failure_is_answered_never_passed_to_the_view(writing_app: Any, body: bytes) -> None:
    app, written = writing_app
    answer = app.test_client().post("/things/a/notes", data=body)
    assert answer.status_code == 500
    assert written == [f"quick {body.decode()}"]  # once: the view did not write it again


def _environ(body: bytes, length: str | None, **extra: str) -> dict[str, Any]:
    import io

    environ: dict[str, Any] = {"wsgi.input": io.BytesIO(body), **extra}
    if length is not None:
        environ["CONTENT_LENGTH"] = length
    return environ


@pytest.mark.parametrize(
    ("body", "length", "extra", "expected"),
    [
        (b"hello", "5", {}, b"hello"),
        (b"", "0", {}, b""),
        (b"hello", None, {}, None),  # no length: Flask decides
        (b"hello", "five", {}, None),
        (b"hello", "-5", {}, None),
        (b"hello", "5", {"HTTP_TRANSFER_ENCODING": "chunked"}, None),
        (b"x" * 65, "65", {}, None),  # over MAX_CONTENT_LENGTH: Flask's 413
        (b"hel", "5", {}, None),  # cut short: Flask's 400
    ],
)
def test_request_body_is_read_once_and_put_back(
    writing_app: Any, body: bytes, length: str | None, extra: dict[str, str], expected: bytes | None
) -> None:
    app, _written = writing_app
    environ = _environ(body, length, **extra)
    with app.app_context():
        assert request_body(environ) == expected
        assert request_body(environ) == expected  # the same, without reading again
    read_back = environ["wsgi.input"].read()
    assert read_back == body  # what Flask reads: all of it, read or not
