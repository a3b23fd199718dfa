"""``lms.hotpaths``: quick answers before Flask, and every case they leave to Flask."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, current_app

from lms.hotpaths import HotPaths, install_hot_paths


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
