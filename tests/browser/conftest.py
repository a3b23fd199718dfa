"""A live server (its own process and SQLite database, seeded with the demo) and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import IN_CI, TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def live_server_keys(folder: Path) -> dict[str, str]:
    """Signing keys of the live server's own, as production keys are (no development mark), and their settings.

    The server runs with production settings, which refuse development keys: it must never find the
    developer's ``instance/keys`` (made by ``make run``).
    """
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from certificates import keys

    pdf_key = ec.generate_private_key(ec.SECP256R1())
    files = {
        "LMS_SIGNING_KEY_FILE": (folder / "credentials.pem", keys._pem(Ed25519PrivateKey.generate())),
        "LMS_PDF_SIGNING_KEY_FILE": (folder / "pdf-key.pem", keys._pem(pdf_key)),
        "LMS_PDF_SIGNING_CHAIN_FILE": (folder / "pdf-chain.pem", keys._self_signed_chain(pdf_key)),
    }
    for path, data in files.values():
        path.write_bytes(data)
    return {name: str(path) for name, (path, _data) in files.items()} | {"LMS_STORAGE_DIR": str(folder / "storage")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(folder: Path) -> Iterator[str]:
    """A seeded server of its own (database, queue, keys and storage in ``folder``) with a queue consumer; its URL.

    The port is chosen before seeding so that ``EXTERNAL_URL`` (links in certificates' QR codes,
    credentials and e-mails) names this server.
    """
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **live_server_keys(folder),
        **os.environ,
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": "browser-tests-" + "x" * 40,
        "LMS_DATABASE_URL": f"sqlite:///{folder}/lms.sqlite",
        "LMS_QUEUE_URL": f"sqlite:///{folder}/queue.sqlite",
        "LMS_SESSION_COOKIE_SECURE": "false",
        "LMS_REMEMBER_COOKIE_SECURE": "false",
        "LMS_EXTERNAL_URL": url,
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for command in (["db", "upgrade"], ["lms", "seed-demo"]):
        subprocess.run(flask + command, cwd=ROOT, env=env, check=True, capture_output=True)
    with open(folder / "server.log", "w") as log:
        server = subprocess.Popen(
            flask + ["run", "--host", "127.0.0.1", "--port", str(port), "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        # A queue consumer beside the server, as `make run` starts one: code attempts are graded by it.
        consumer = subprocess.Popen(
            [sys.executable, "-m", "huey.bin.huey_consumer", "wsgi.huey", "--workers", "2", "--worker-type", "thread"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_healthy(url, server, folder / "server.log")
            yield url
        finally:
            for process in (server, consumer):
                process.terminate()
            for process in (server, consumer):
                process.wait(timeout=10)


def _wait_until_healthy(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(log.read_text()) from None
            time.sleep(0.2)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The journeys run against a server of their own on SQLite, whatever the run's database: once per CI
    run (in its SQLite run) is enough."""
    if not TEST_DATABASE_URL:
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(reason="browser journeys run in the SQLite run only (their server has its own database)")
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server most browser tests share; a test that changes the demo for good starts its own."""
    with running_server(tmp_path_factory.mktemp("live")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        message = "chromium is not installed (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, locale="kk-KZ")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
