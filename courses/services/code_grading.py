"""Grading code items in the sandbox, on the task queue.

An attempt with code items is stored at once as ``pending`` with ``machine_pending`` set;
``grade_attempt`` (a Huey task) runs each code item in the sandbox and completes it. A run
that cannot happen (no sandbox at the required level, a worker that died) is tried again,
at most ``MAX_TRIES`` times; then the attempt is marked ``error`` with a reason the student
sees, and it does not count against their attempts. ``sweep`` (periodic) re-queues attempts
whose grading was lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from huey import crontab

from courses import sandbox
from courses.grading import code
from courses.grading import messages as msg
from courses.models import Attempt, AttemptStatus, CodeRun, Item
from lms.db import db, utcnow
from lms.models import User
from lms.queue import huey, periodic_task, task

log = logging.getLogger(__name__)

MAX_TRIES = 3
#: A grading started this long ago and not finished is taken to be lost (its worker died).
LOST_AFTER = timedelta(minutes=2)
#: Code submissions a learner may make per minute (all code assignments together).
SUBMISSIONS_PER_MINUTE = 6


class SubmittingTooFast(Exception):
    """The learner sent code too often; ``retry_after`` is in seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class GradingUnavailable(RuntimeError):
    """The sandbox could not run (not the student's fault): try again later."""


def check_rate(user: User, now: datetime) -> None:
    limit = int(current_app.config.get("CODE_SUBMISSIONS_PER_MINUTE", SUBMISSIONS_PER_MINUTE))
    since = now - timedelta(minutes=1)
    recent = list(
        db.session.scalars(
            sa.select(Attempt.submitted_at)
            .where(
                Attempt.user_id == user.id,
                Attempt.submitted_at > since,
                sa.or_(Attempt.machine_pending.is_(True), Attempt.grading_tries > 0),
            )
            .order_by(Attempt.submitted_at)
        )
    )
    if len(recent) >= limit:
        oldest = recent[len(recent) - limit]
        raise SubmittingTooFast(max(1, int((oldest + timedelta(minutes=1) - now).total_seconds()) + 1))


def enqueue(attempt_id: int) -> None:
    """Grade the attempt on the queue once the current transaction commits (at once in immediate mode)."""
    if huey.immediate:
        grade_code_attempt(attempt_id)
        return
    session = db.session()
    sa.event.listen(session, "after_commit", lambda _session: grade_code_attempt(attempt_id), once=True)


Runner = Callable[..., Any]


def _sandbox() -> Any:
    """The sandbox module (a seam for tests of the attempt's life cycle)."""
    return sandbox


def grade_attempt(attempt_id: int, runner: Runner | None = None, now: datetime | None = None) -> Attempt | None:
    """Run an attempt's code items in the sandbox and complete its grading (commits).

    Raises GradingUnavailable when the sandbox cannot run, so that the task is retried.
    """
    now = now or utcnow()
    attempt = _locked(attempt_id)
    if attempt is None or not attempt.machine_pending:
        db.session.rollback()
        return attempt
    if attempt.grading_tries >= MAX_TRIES:
        _give_up(attempt, now)
        db.session.commit()
        return attempt
    attempt.grading_tries += 1
    attempt.grading_started_at = now
    db.session.commit()  # a try is counted even if this worker dies now

    user = db.session.get(User, attempt.user_id)
    language = user.preferred_language if user is not None else "kk"
    items = {
        str(item.id): item
        for item in db.session.scalars(
            sa.select(Item).where(Item.assignment_id == attempt.assignment_id, Item.type == "code")
        )
    }
    finished: dict[str, dict[str, Any]] = {}
    for key, result in attempt.results.items():
        item = items.get(key)
        if not result.get("queued") or item is None:
            continue
        source = attempt.responses.get(key)
        if not isinstance(source, str):
            continue
        try:
            finished[key] = result_for(item.spec, source, language, runner)
        except code.InvalidCodeSpec as exc:
            # The exercise's tests cannot be checked outside the sandbox (written before that rule): an
            # authoring fault, not the student's, so the attempt is an error that does not count.
            log.error("attempt %s: item %s cannot be graded: %s", attempt.id, key, exc)
            attempt = _locked(attempt_id)
            if attempt is not None and attempt.machine_pending:
                _give_up(attempt, now)
                db.session.commit()
            return attempt

    attempt = _locked(attempt_id)
    if attempt is None or not attempt.machine_pending:
        db.session.rollback()
        return attempt
    _complete(attempt, finished, now)
    db.session.commit()
    return attempt


def _locked(attempt_id: int) -> Attempt | None:
    return db.session.scalars(
        sa.select(Attempt).where(Attempt.id == attempt_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()


def result_for(spec: dict[str, Any], source: str, language: str, runner: Runner | None) -> dict[str, Any]:
    """A code item's result for this source: a cached one, else a sandbox run scored by ``code.score``."""
    key = code.cache_key(spec, source + "\0" + language)[:64]
    cached = db.session.get(CodeRun, key)
    if cached is not None:
        return dict(cached.result)
    code.check_spec(spec)  # raises InvalidCodeSpec for tests that cannot be checked outside the sandbox
    box = _sandbox()
    job = code.job(spec, source)
    limits = box.Limits(
        cpu_seconds=job.limits["cpu_seconds"],
        wall_seconds=job.limits["wall_seconds"],
        memory_mb=int(job.limits["memory_mb"]),
        output_bytes=int(job.limits["output_bytes"]),
    )
    try:
        run = (runner or box.run)(
            job.files,
            ["harness.py"],
            stdin=job.stdin,
            limits=limits,
            profile=job.profile,
            minimum=box.required_level(current_app.config),
        )
    except sandbox.SandboxUnavailable as exc:
        raise GradingUnavailable(str(exc)) from exc
    if str(run.outcome) == "failed":
        raise GradingUnavailable(run.detail or "the sandbox could not run")
    with force_locale(language):
        result = {**code.score(spec, run.stdout, job.nonce, str(run.outcome)).as_dict(), "sandbox": str(run.level)}
    # Identical code may have been graded meanwhile by another worker.
    if db.session.execute(sa.select(CodeRun.key).where(CodeRun.key == key)).scalar_one_or_none() is None:
        db.session.add(CodeRun(key=key, result=result, level=str(run.level)))
        try:
            db.session.commit()
        except sa.exc.IntegrityError:
            db.session.rollback()
    return result


def _complete(attempt: Attempt, finished: dict[str, dict[str, Any]], now: datetime) -> None:
    from courses.services import events, learning

    results = {**attempt.results, **finished}
    attempt.results = results
    attempt.score = attempt_score(results, attempt.penalty)
    attempt.machine_pending = any(result.get("queued") for result in results.values())
    waiting = any(result.get("pending") or result.get("queued") for result in results.values())
    if not waiting:
        attempt.status = AttemptStatus.GRADED
        attempt.graded_at = now
    db.session.flush()
    user = db.session.get(User, attempt.user_id)
    if user is None or waiting:
        return
    assignment = attempt.assignment
    passed = attempt.max_score > 0 and attempt.score >= assignment.pass_mark * attempt.max_score - 1e-9
    events.record(
        user,
        "scored",
        "assignment",
        attempt.assignment_id,
        course_id=assignment.module.course_id,
        score=(attempt.score, attempt.max_score),
        success=passed,
        completion=True,
        extra={"attempt": attempt.number},
    )
    if passed:
        learning.check_completion(user, assignment.module.course)


def attempt_score(results: dict[str, Any], penalty: float) -> float:
    """An attempt's score: its items' scores, less its penalty (the rule ``attempts.submit`` applies)."""
    raw = sum(float(result.get("score", 0.0)) for result in results.values())
    return round(raw * (1 - penalty), 6)


def _give_up(attempt: Attempt, now: datetime) -> None:
    """Too many tries: the attempt is an error the student sees, and does not count."""
    user = db.session.get(User, attempt.user_id)
    with force_locale(user.preferred_language if user is not None else "kk"):
        reason = str(msg.GRADING_FAILED)
    results = dict(attempt.results)
    for key, result in results.items():
        if result.get("queued"):
            results[key] = {**result, "queued": False, "feedback": [reason], "error": True}
    attempt.results = results
    attempt.machine_pending = False
    attempt.status = AttemptStatus.ERROR
    attempt.graded_at = now
    log.error("attempt %s: code grading failed %s times; marked as an error", attempt.id, attempt.grading_tries)


def lost_attempt_ids(now: datetime | None = None) -> list[int]:
    """Attempts whose grading never started or stopped without finishing."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            sa.select(Attempt.id).where(
                Attempt.machine_pending.is_(True),
                sa.or_(
                    sa.and_(Attempt.grading_started_at.is_(None), Attempt.submitted_at < now - LOST_AFTER),
                    Attempt.grading_started_at < now - LOST_AFTER,
                ),
            )
        )
    )


@task(retries=MAX_TRIES - 1, retry_delay=10)
def grade_code_attempt(attempt_id: int) -> None:
    grade_attempt(attempt_id)


@periodic_task(crontab(minute="*"))
def sweep_lost_gradings() -> None:
    """Re-queue gradings lost with their worker (runs every minute in the consumer)."""
    for attempt_id in lost_attempt_ids():
        grade_code_attempt(attempt_id)
