#!/usr/bin/env python3
"""Instructions per request, counted by valgrind (deterministic, unlike wall time on a shared VM).

    benchmarks/request_instructions.py            # runs itself under callgrind for each case

Each case runs N and 3N requests in-process (no server); the difference / 2N is the cost of
one request. Cases: the bare Flask hello app, a plain route inside the platform, the sign-in
page for a new visitor, /healthz.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ("hello", "plain", "login", "healthz")


def run_case(case: str, count: int) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
    from werkzeug.test import EnvironBuilder

    if case == "hello":
        from hello_app import app
    else:
        from wsgi import app

        @app.get("/_plain")
        def plain() -> str:
            return "Hello"

    path = {"hello": "/", "plain": "/_plain", "login": "/login", "healthz": "/healthz"}[case]
    environ = EnvironBuilder(path=path).get_environ()

    def call() -> None:
        body = app(dict(environ), lambda status, headers, exc_info=None: None)
        b"".join(body)
        getattr(body, "close", lambda: None)()

    for _ in range(50 + count):
        call()


def instructions(case: str, count: int, env: dict[str, str]) -> int:
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, case, str(count)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))  # type: ignore[union-attr]


def main() -> None:
    folder = tempfile.mkdtemp()
    env = {
        **os.environ,
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": "benchmark-" + "x" * 40,
        "LMS_DATABASE_URL": f"sqlite:///{folder}/lms.sqlite",
        "LMS_QUEUE_URL": f"sqlite:///{folder}/queue.sqlite",
    }
    # Keys of its own, made like production keys: production refuses a developer's instance/keys.
    made = subprocess.run(
        [sys.executable, "-P", str(ROOT / "benchmarks" / "signing_keys.py"), f"{folder}/keys"],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    for line in made.stdout.splitlines():
        name, _sep, value = line.removeprefix("export ").partition("=")
        env[name] = value
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    print("| request | instructions per request |\n|---|---:|")
    for case in CASES:
        per_request = (instructions(case, 300, env) - instructions(case, 100, env)) // 200
        print(f"| {case} | {per_request / 1000:,.0f} k |")


if __name__ == "__main__":
    if len(sys.argv) == 3:
        run_case(sys.argv[1], int(sys.argv[2]))
    else:
        main()
