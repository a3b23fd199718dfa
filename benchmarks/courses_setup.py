"""Prepare a benchmark database: many learners, signed in and with tokens, over many lessons.

LEARNERS learners (default 200, at least 64), in turn Kazakh, Russian and English speakers, are
enrolled in every catalogue course of the demo seed. Each one has passed the required assignments of
every module that another module waits for (right answers, through the attempts service), so every
lesson of those courses is open to every learner.

Each learner has a session cookie made here rather than by signing in through /login (which limits
sign-ins per address): Flask-Login's ``login_user`` in a request context from 127.0.0.1 with the
benchmark's User-Agent (the session is bound to both), a CSRF token in the session as a browser's
first page would leave it, and the session signed as the app signs its cookie. Each learner has an
API token too: 32 concurrent quiz submissions are 32 learners, not one learner submitting 32 times at
once (a learner's submissions are serialised by design).

Every (learner, lesson) pair is then opened once through the app (its test client, like wrk's
requests: same address, User-Agent and cookie): each must answer 200 without setting a cookie, and
the first visits are recorded before the measurement, which sees the common case of a returning
learner.

Writes its files into the folder named by its argument (else a new temporary one) and prints shell
assignments for benchmarks/courses_load.sh: PAIRS_FILE (one "lesson id, tab, session
cookie" line per pair, ordered so that consecutive lines are different learners on different
lessons), LESSON_IDS, LESSONS, LEARNERS, ASSIGNMENT_ID, TOKENS_FILE, BODY_FILE, ITEMS.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Any

import flask
import flask_login
import flask_wtf.csrf
import sqlalchemy as sa

from courses.models import AttemptStatus, Course, CourseState
from courses.services import attempts, learning
from lms.db import db
from lms.models import Role
from lms.services import accounts
from wsgi import app

UA = os.environ.get("UA", "Mozilla/5.0 (lms-benchmark)")
ADDRESS = "127.0.0.1"
LANGUAGES = ("kk", "ru", "en")
MIN_LESSONS = 5


def any_answers(items: list[Any]) -> dict[str, object]:
    """Valid answers, not necessarily right ones: what the measured submissions send."""
    answers: dict[str, object] = {}
    for item in items:
        spec = item.spec
        if item.type == "single_choice":
            answers[str(item.id)] = spec["choices"][0]["id"]
        elif item.type == "multiple_choice":
            answers[str(item.id)] = [spec["choices"][0]["id"]]
        elif item.type == "numeric":
            answers[str(item.id)] = "42"
        elif item.type in ("short_text", "essay"):
            answers[str(item.id)] = "жасанды интеллект"
        elif item.type == "ordering":
            answers[str(item.id)] = [entry["id"] for entry in spec["items"]][::-1]
        elif item.type == "matching":
            answers[str(item.id)] = {pair["id"]: pair["right"] for pair in spec["pairs"]}
    return answers


def credit(entry: dict[str, Any]) -> float:
    value = entry.get("credit", 1.0)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def right_answer(item: Any) -> object | None:
    """The best answer to an item, read from its spec (None: none can be given here)."""
    spec = item.spec
    if item.type == "single_choice":
        return max(spec["choices"], key=lambda choice: choice.get("credit", 0))["id"]
    if item.type == "multiple_choice":
        return [choice["id"] for choice in spec["choices"] if choice.get("credit", 0) > 0]
    if item.type == "ordering":
        return [entry["id"] for entry in spec["items"]]
    if item.type == "matching":
        return {pair["id"]: pair["right"] for pair in spec["pairs"]}
    if item.type == "short_text":
        texts = [a for a in spec.get("answers", []) if isinstance(a.get("text"), str) and "*" not in a["text"]]
        return max(texts, key=credit)["text"] if texts else None
    if item.type == "numeric":
        best = max(spec.get("answers", []), key=credit, default=None)
        if best is None or best.get("any"):
            return None
        if "value" in best:
            return str(best["value"])
        low, high = best.get("min"), best.get("max")
        return str(low if high is None else high if low is None else (low + high) / 2)
    return None  # essays wait for a teacher, code runs in the sandbox: not needed for the demo's prerequisites


def session_cookie(email: str) -> str:
    """The learner's signed session cookie value, as the app would set it after signing in.

    Outside any other context: a request context of its own has an application context of its own,
    and so a ``g`` of its own (Flask-WTF keeps the request's CSRF token there, and would not put it in
    a second learner's session made in the same application context).
    """
    with app.test_request_context(environ_base={"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": UA}):
        user = accounts.get_user_by_email(email)
        if user is None:
            sys.exit(f"no account {email}")
        # As the sign-in page does: a sign-in record for this browser, which the session names.
        accounts.start_sign_in(user, remember=False, user_agent=UA, address=ADDRESS)
        db.session.commit()
        if not flask_login.login_user(user):
            sys.exit(f"could not sign {email} in")
        flask_wtf.csrf.generate_csrf()
        return app.session_interface.get_signing_serializer(app).dumps(dict(flask.session))


learners = int(os.environ.get("LEARNERS", "200"))
if learners < 64:
    sys.exit("LEARNERS must be at least 64 (32 concurrent submissions from as many learners, with room to rotate)")

with app.app_context():
    courses = list(
        db.session.scalars(sa.select(Course).where(Course.state == CourseState.CATALOGUE).order_by(Course.id))
    )
    demo = next((course for course in courses if course.slug == "ai-fundamentals"), None)
    if demo is None:
        sys.exit("run `flask --app wsgi lms seed-demo` first")
    # The modules another module waits for: their required assignments are passed by every learner.
    prerequisites = {module.prerequisite_id for course in courses for module in course.modules} - {None}
    to_pass = [
        (assignment, {str(item.id): right_answer(item) for item in assignment.items})
        for course in courses
        for module in course.modules
        if module.id in prerequisites
        for assignment in module.assignments
        if assignment.required
    ]
    to_pass = [(assignment, {k: v for k, v in answers.items() if v is not None}) for assignment, answers in to_pass]
    submitted = demo.modules[0].assignments[0]
    submitted.max_attempts = None  # the measured submissions: as many as wrk sends
    body = {"responses": any_answers(submitted.items)}
    db.session.commit()

    failed: set[int] = set()  # assignments some learner did not pass
    tokens: list[str] = []
    for number in range(learners):
        email = f"bench{number}@example.org"
        learner = accounts.get_user_by_email(email) or accounts.create_user(
            email, f"Benchmark Learner {number}", role=Role.STUDENT, password=None, language=LANGUAGES[number % 3]
        )
        for course in courses:
            learning.enroll(learner, course)
        for assignment, answers in to_pass:
            try:
                attempt = attempts.submit(learner, assignment.id, answers)
            except learning.ModuleLocked:  # an earlier prerequisite was not passed
                failed.add(assignment.id)
                continue
            if attempt.status != AttemptStatus.GRADED or attempt.score < assignment.pass_mark * attempt.max_score:
                failed.add(assignment.id)
        tokens.append(accounts.issue_api_token(learner).secret)
        db.session.commit()
    if failed:
        print(f"assignments not passed with the answers read from their items: {sorted(failed)}", file=sys.stderr)

    # The lessons open to every learner: modules without a prerequisite, or whose prerequisite's
    # required assignments every learner passed above.
    modules = {module.id: module for course in courses for module in course.modules}
    lesson_ids = [
        lesson.id
        for module in modules.values()
        if module.prerequisite_id is None
        or not {a.id for a in modules[module.prerequisite_id].assignments if a.required} & failed
        for lesson in module.lessons
    ]
    assignment_id = submitted.id
    cookie_name = app.config["SESSION_COOKIE_NAME"]

cookies = [session_cookie(f"bench{number}@example.org") for number in range(learners)]
if len(lesson_ids) < MIN_LESSONS:
    sys.exit(f"only {len(lesson_ids)} lessons are open to the learners: {lesson_ids}")

# Every pair opened once, as wrk will: 200, the lesson page, and no cookie set.
client = app.test_client(use_cookies=False)
problems = []
for cookie in cookies:
    for lesson_id in lesson_ids:
        answer = client.get(
            f"/lessons/{lesson_id}",
            headers={"User-Agent": UA, "Cookie": f"{cookie_name}={cookie}"},
            environ_base={"REMOTE_ADDR": ADDRESS},
        )
        page = answer.status_code == 200 and f"/lessons/{lesson_id}/complete" in answer.text
        if not page or answer.headers.get("Set-Cookie"):
            problems.append(f"lesson {lesson_id}: {answer.status} {answer.headers.get('Set-Cookie', '')[:60]}")
if problems:
    sys.exit(f"{len(problems)} of {len(cookies) * len(lesson_ids)} lesson requests failed, e.g. {problems[:3]}")

# Request k: learner k mod L on lesson (k mod L + step × (k div L)) mod N, for L learners and N lessons.
# With a step prime to N, L×N requests visit every pair once; consecutive requests (also from the last
# to the first) are different learners on different lessons, the step chosen so that the last learner
# of a pass and the first of the next are on different lessons too (1, or N - 1 when L - 2 is a
# multiple of N; both only fail for N <= 2).
count = len(lesson_ids)
step = 1 if (learners - 2) % count else count - 1
folder = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
pairs, listing, request_body = folder / "pairs.txt", folder / "tokens.txt", folder / "body.json"
pairs.write_text(
    "".join(
        f"{lesson_ids[(k % learners + step * (k // learners)) % count]}\t{cookie_name}={cookies[k % learners]}\n"
        for k in range(learners * count)
    )
)
listing.write_text("\n".join(tokens) + "\n")
request_body.write_text(json.dumps(body))
settings = {
    "PAIRS_FILE": pairs,
    "LESSON_IDS": " ".join(map(str, lesson_ids)),
    "LESSONS": count,
    "LEARNERS": learners,
    "ASSIGNMENT_ID": assignment_id,
    "TOKENS_FILE": listing,
    "BODY_FILE": request_body,
    "ITEMS": len(body["responses"]),
}
print(" ".join(f"{name}={shlex.quote(str(value))}" for name, value in settings.items()))
