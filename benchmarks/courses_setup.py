"""Prepare a benchmark database: learners with tokens, enrolled in the demo course, unlimited attempts.

One learner (bench@example.org) signs in for the lesson page; LEARNERS learners (default 64) submit
quizzes, each with their own token: 32 concurrent clients are 32 students, not one student
submitting 32 times at once (a learner's submissions are serialised by design).

Prints shell assignments (LESSON_ID, ASSIGNMENT_ID, TOKEN, TOKENS_FILE, BODY_FILE, ITEMS) for
benchmarks/courses_load.sh.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile

import sqlalchemy as sa

from courses.models import Course
from courses.services import learning
from lms.db import db
from lms.models import Role
from lms.services import accounts
from wsgi import app

with app.app_context():
    course = db.session.scalar(sa.select(Course).where(Course.slug == "ai-fundamentals"))
    if course is None:
        sys.exit("run `flask --app wsgi lms seed-demo` first")
    user = accounts.get_user_by_email("bench@example.org") or accounts.create_user(
        "bench@example.org", "Benchmark Learner", role=Role.STUDENT, password="benchmark-password", language="kk"
    )
    learning.enroll(user, course)
    lesson = course.modules[0].lessons[0]
    assignment = course.modules[0].assignments[0]
    assignment.max_attempts = None
    answers = {}
    for item in assignment.items:
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
    token = accounts.issue_api_token(user).secret
    tokens = []
    for number in range(int(os.environ.get("LEARNERS", "64"))):
        email = f"bench{number}@example.org"
        learner = accounts.get_user_by_email(email) or accounts.create_user(
            email, f"Benchmark Learner {number}", role=Role.STUDENT, password=None, language="kk"
        )
        learning.enroll(learner, course)
        tokens.append(accounts.issue_api_token(learner).secret)
    db.session.commit()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(tokens) + "\n")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as body:
        json.dump({"responses": answers}, body)
    print(
        f"LESSON_ID={lesson.id} ASSIGNMENT_ID={assignment.id} TOKEN={token} TOKENS_FILE={listing.name} "
        f"BODY_FILE={body.name} ITEMS={len(answers)}"
    )
