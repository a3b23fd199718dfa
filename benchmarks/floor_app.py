"""The floor: the least a lesson page or a verification answer can cost, without Flask or SQLAlchemy.

    gunicorn --workers 2 --chdir benchmarks floor_app:app     (LMS_DATABASE_URL, LMS_SECRET_KEY set)

Not part of the platform. ``benchmarks/floor.sh`` serves it beside the bare Flask app and the platform
to measure how far below each load target the work itself lies, whatever the framework: a plain WSGI
callable, one psycopg connection per worker, no ORM, no request context, no hooks. Each route does
only what its platform counterpart cannot skip:

- ``GET /api/v1/certificates/<serial>``: normalise the serial, read the certificate's public
  columns by its unique index, write the JSON (the stored credential spliced in);
- ``GET /lessons/<id>``: check the signed session cookie, read the user's account with the lesson's
  enrolment and progress in one query, put a newly signed CSRF token into a page rendered once.

The answers are not the platform's in every detail (no language negotiation, no error pages); they
are what the measurement needs: the same reads, the same signatures, the same bytes on the wire.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import UTC
from typing import Any

import psycopg
from itsdangerous import URLSafeTimedSerializer

SECRET = os.environ["LMS_SECRET_KEY"]
SESSIONS = URLSafeTimedSerializer(
    SECRET, salt="cookie-session", signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1}
)
CSRF = URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token", signer_kwargs={"digest_method": hashlib.sha1})
HEADERS = [
    ("Content-Security-Policy", "default-src 'self'"),
    ("X-Frame-Options", "DENY"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
]
VERIFY = (
    "SELECT serial, status, holder_name, course_title, grade, issued_at, revoked_at, revocation_reason,"
    " credential::text FROM certificates WHERE serial = %s"
)
VISIT = (
    "SELECT users.active, users.auth_version, modules.course_id, courses.published, enrolments.id,"
    " enrolments.last_activity_at, lesson_progress.completed_at"
    " FROM users LEFT JOIN lessons ON lessons.id = %(lesson)s"
    " LEFT JOIN modules ON modules.id = lessons.module_id LEFT JOIN courses ON courses.id = modules.course_id"
    " LEFT JOIN enrolments ON enrolments.course_id = courses.id AND enrolments.user_id = users.id"
    " LEFT JOIN lesson_progress ON lesson_progress.lesson_id = lessons.id AND lesson_progress.user_id = users.id"
    " WHERE users.id = %(user)s"
)
PAGE = ("<!doctype html><html><body>" + "x" * 7000 + '<input name="csrf_token" value="{}"></body></html>').split("{}")

_connection: psycopg.Connection[Any] | None = None


def _database() -> psycopg.Connection[Any]:
    global _connection
    if _connection is None:  # after gunicorn's fork
        url = os.environ["LMS_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
        _connection = psycopg.connect(url, autocommit=True)
    return _connection


def _answer(start_response: Any, status: str, body: bytes, content_type: str) -> list[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body))), *HEADERS])
    return [body]


def _verify(serial: str, start_response: Any) -> list[bytes]:
    row = _database().execute(VERIFY, (serial.replace("-", "").upper(),), prepare=True).fetchone()
    if row is None:
        return _answer(start_response, "404 NOT FOUND", b'{"message":"not found"}', "application/json")
    serial, status, holder, course, grade, issued, revoked, reason, credential = row
    head = json.dumps(
        {
            "serial": "-".join(serial[i : i + 4] for i in range(0, len(serial), 4)),
            "status": status.lower(),
            "holder": holder,
            "course": course,
            "grade": grade,
            "issued_at": issued.replace(tzinfo=issued.tzinfo or UTC).isoformat(),
            "revoked_at": revoked and revoked.isoformat(),
            "revocation_reason": reason,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    body = head[:-1] + ',"credential":' + credential + "}"
    return _answer(start_response, "200 OK", body.encode(), "application/json")


def _lesson(lesson_id: str, environ: dict[str, Any], start_response: Any) -> list[bytes]:
    cookie = environ.get("HTTP_COOKIE", "")
    value = cookie.partition("lms_session=")[2].partition(";")[0]
    session = SESSIONS.loads(value) if value else {}
    user_id, _sep, version = str(session.get("_user_id", "")).partition(":")
    if not user_id.isdigit():
        return _answer(start_response, "302 FOUND", b"", "text/plain")
    row = _database().execute(VISIT, {"lesson": int(lesson_id), "user": int(user_id)}, prepare=True).fetchone()
    if row is None or not row[0] or str(row[1]) != version or row[4] is None:
        return _answer(start_response, "403 FORBIDDEN", b"", "text/plain")
    token = CSRF.dumps(session.get("csrf_token") or secrets.token_hex(20))
    return _answer(start_response, "200 OK", (PAGE[0] + token + PAGE[1]).encode(), "text/html; charset=utf-8")


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    path = environ["PATH_INFO"]
    if path.startswith("/api/v1/certificates/"):
        return _verify(path.rpartition("/")[2], start_response)
    if path.startswith("/lessons/"):
        return _lesson(path.rpartition("/")[2], environ, start_response)
    return _answer(start_response, "200 OK", b"ok", "text/plain")
