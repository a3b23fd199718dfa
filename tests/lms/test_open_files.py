"""The development server (``make run``: ``flask --app wsgi run``, SQLite under instance/) keeps its open files flat.

The threaded development server starts a thread per request. Anything kept per thread (a database connection
above all) is opened again by every request and closed by no one: 2,000 requests once took the server from 10
open files to 4,010, and a day of clicking around ``make run`` ended in "too many open files".
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.conftest import CSRF_INPUT

ROOT = Path(__file__).resolve().parents[2]
STUDENT = ("student@demo.aiskills.kz", "demo-student-2026")  # README.md's demo accounts (lms/demo.py)
WARM_UP = 100
REQUESTS = 2_000
CLIENTS = 8
#: Open files the server may gain over the run: a log file, a pool connection, a late import.
MARGIN = 10

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc (Linux)"),
    # The server has its own SQLite database whatever the run's database: once per CI run is enough.
    pytest.mark.skipif(bool(os.environ.get("LMS_TEST_DATABASE_URL")), reason="runs in the SQLite run only"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A running development server: its process and a way to ask it for pages, each on a new connection."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process = process
        self.port = port

    def open_files(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def request(
        self, method: str, path: str, *, cookie: str = "", body: str | None = None
    ) -> tuple[int, dict[str, list[str]], str]:
        headers = {"Cookie": cookie} if cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            received: dict[str, list[str]] = {}
            for name, value in response.getheaders():
                received.setdefault(name.lower(), []).append(value)
            return response.status, received, text
        finally:
            connection.close()


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[Server]:
    """The development server as ``make run`` starts it (migrated, development keys, the demo), in ``tmp_path``.

    Nothing comes from the developer's environment or instance/: ``LMS_*`` and ``FLASK_*`` variables are
    replaced, and the development keys are written beside the configured signing key, in ``tmp_path``.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith(("LMS_", "FLASK_"))}
    env |= {
        "LMS_ENV": "development",
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path}/lms.sqlite",
        "LMS_QUEUE_URL": f"sqlite:///{tmp_path}/queue.sqlite",
        "LMS_STORAGE_DIR": str(tmp_path / "storage"),
        "LMS_SIGNING_KEY_FILE": str(tmp_path / "keys" / "credentials-ed25519.pem"),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["certificates", "init-keys"], ["lms", "seed-demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            flask + ["run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            server = Server(process, port)
            _wait_until_healthy(server, log_path)
            yield server
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_healthy(server: Server, log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if server.request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or server.process.poll() is not None:
            raise RuntimeError("the development server did not start:\n" + log.read_text())
        time.sleep(0.2)


def _cookies(headers: dict[str, list[str]], jar: dict[str, str]) -> dict[str, str]:
    for header in headers.get("set-cookie", []):
        jar |= {name: morsel.value for name, morsel in SimpleCookie(header).items()}
    return jar


def _sign_in(server: Server) -> str:
    """Sign the demo student in through the form, as a browser does; the Cookie header to send after."""
    status, headers, page = server.request("GET", "/login")
    assert status == 200, page
    match = CSRF_INPUT.search(page)
    assert match, "no CSRF token on /login"
    jar = _cookies(headers, {})
    form = {"email": STUDENT[0], "password": STUDENT[1], "csrf_token": match.group(1) or match.group(2)}
    cookie = "; ".join(f"{name}={value}" for name, value in jar.items())
    status, headers, page = server.request("POST", "/login", cookie=cookie, body=urllib.parse.urlencode(form))
    assert status in (302, 303), f"signing in answered {status}:\n{page}"
    return "; ".join(f"{name}={value}" for name, value in _cookies(headers, jar).items())


def _a_lesson_to_open(server: Server, cookie: str) -> str:
    """A lesson page the demo student may open: the first lesson of the demo course, from the course's page."""
    status, _headers, catalogue = server.request("GET", "/courses", cookie=cookie)
    assert status == 200, catalogue
    course = re.search(r'href="(/courses/[\w-]+)"', catalogue)
    assert course, "no course in the catalogue"
    status, _headers, outline = server.request("GET", course.group(1), cookie=cookie)
    assert status == 200, outline
    lesson = re.search(r'href="(/lessons/\d+)"', outline)
    assert lesson, f"no lesson on {course.group(1)}"
    return lesson.group(1)


def test_the_development_server_keeps_its_open_files_flat(dev_server: Server) -> None:
    cookie = _sign_in(dev_server)
    lesson = _a_lesson_to_open(dev_server, cookie)
    pages = [("/", ""), ("/login", ""), ("/healthz", ""), (lesson, cookie), ("/courses", cookie), ("/", cookie)]

    def ask(index: int) -> tuple[str, int]:
        path, sent = pages[index % len(pages)]
        return path, dev_server.request("GET", path, cookie=sent)[0]

    def run(count: int) -> None:
        with ThreadPoolExecutor(CLIENTS) as clients:
            failed = [(path, status) for path, status in clients.map(ask, range(count)) if status != 200]
        assert not failed, f"{len(failed)} of {count} requests failed, e.g. {failed[:5]}"

    run(WARM_UP)
    before = dev_server.open_files()
    run(REQUESTS)
    after = dev_server.open_files()
    assert after - before <= MARGIN, (
        f"the development server had {before} open files after {WARM_UP} requests and {after} after "
        f"{REQUESTS} more (+{after - before}): something is opened per request thread and never closed"
    )
