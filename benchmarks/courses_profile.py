"""Where a lesson page's and a quiz submission's time goes: requests run in-process under cProfile.

    PROFILE=1 benchmarks/courses_load.sh      (runs this after the load measurement, on the same database)

Reads the files ``benchmarks/courses_setup.py`` wrote (PAIRS_FILE, TOKENS_FILE, BODY_FILE, ASSIGNMENT_ID in
the environment) and, for each of the two requests, prints the CPU milliseconds per request without the
profiler, then a share of the profiled time for each part of the request cycle (the parts overlap where
one calls another: the view includes its queries and its template), then cProfile's top functions.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import time
from collections.abc import Callable
from typing import Any

from wsgi import app

UA = os.environ.get("UA", "Mozilla/5.0 (lms-benchmark)")
COUNT = int(os.environ.get("PROFILE_REQUESTS", "1000"))
#: Parts of a request, by the function (``file:line(name)`` as cProfile names it) that does each.
PARTS = {
    "the whole request (Flask's wsgi_app)": ("flask/app.py", "wsgi_app"),
    "the view": ("courses/", "lesson"),
    "the API view": ("courses/api.py", "submit"),
    "the signed-in user (Flask-Login's user loader)": ("flask_login/login_manager.py", "_load_user"),
    "the bearer token (token_required)": ("lms/api/base.py", "token_from_header"),
    "SQL statements (ORM session.execute)": ("sqlalchemy/orm/session.py", "execute"),
    "ORM flush (the attempt's INSERT)": ("sqlalchemy/orm/session.py", "flush"),
    "commit": ("sqlalchemy/orm/session.py", "commit"),
    "template (render_template)": ("flask/templating.py", "render_template"),
    "texts (gettext in templates)": ("jinja2/ext.py", "gettext"),
    "session cookie (open and save)": ("flask/sessions.py", "open_session"),
    "rate limits (Flask-Limiter's hook)": ("flask_limiter/_extension.py", "_check_request_limit"),
}


def lesson_requests(client: Any) -> Callable[[int], None]:
    pairs = [line.rstrip("\n").split("\t") for line in open(os.environ["PAIRS_FILE"])]

    def run(count: int) -> None:
        for number in range(count):
            lesson, cookie = pairs[number % len(pairs)]
            answer = client.get(
                f"/lessons/{lesson}",
                headers={"Cookie": cookie, "User-Agent": UA},
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
            )
            assert answer.status_code == 200, answer.status_code  # noqa: S101

    return run


def submissions(client: Any) -> Callable[[int], None]:
    tokens = [line.strip() for line in open(os.environ["TOKENS_FILE"])]
    body = open(os.environ["BODY_FILE"]).read()
    url = f"/api/v1/assignments/{os.environ['ASSIGNMENT_ID']}/attempts"

    def run(count: int) -> None:
        for number in range(count):
            headers = {"Authorization": f"Bearer {tokens[number % len(tokens)]}", "Content-Type": "application/json"}
            answer = client.post(url, data=body, headers=headers)
            assert answer.status_code == 201, answer.status_code  # noqa: S101

    return run


def report(title: str, run: Callable[[int], None]) -> None:
    run(200)  # warm: outlines, prepared statements, compiled templates
    started = time.process_time()
    run(COUNT)
    cpu = (time.process_time() - started) * 1000 / COUNT
    profiler = cProfile.Profile()
    profiler.enable()
    run(COUNT)
    profiler.disable()
    stats = pstats.Stats(profiler)
    cumulative = {(path, name): entry[3] for (path, _line, name), entry in stats.stats.items()}  # type: ignore[attr-defined]
    total = max(seconds for (path, name), seconds in cumulative.items() if name == "wsgi_app" and "flask" in path)
    print(f"\n## {title}: {cpu:.2f} ms of CPU per request (in-process, {COUNT} requests, no profiler)\n")
    print("| part | share of the profiled request |\n|---|---:|")
    for label, (where, name) in PARTS.items():
        seconds = sum(value for (path, function), value in cumulative.items() if function == name and where in path)
        if seconds >= total / 100:
            print(f"| {label} | {seconds / total:.0%} |")
    print()
    stats.sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    test_client = app.test_client(use_cookies=False)
    report("Lesson page", lesson_requests(test_client))
    report("Quiz submission", submissions(test_client))
