"""Grading past code attempts again, with the current grader, and keeping what changed for review.

When the grader changes what it accepts (verdicts decided outside the sandbox, say), past attempts were
graded by the old one. ``regrade_code_attempts`` runs every graded attempt's code items again (a cached
result for the same code, tests and grader is reused), stores the new results and score, and records each
attempt whose score or pass changed as a ``CodeRegrade`` for administrators. Nothing is revoked: a
certificate earned with a grade that no longer holds is listed, and an administrator decides. An attempt
that now passes completes its course as a first pass would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from courses.grading import code
from courses.models import Assignment, Attempt, AttemptStatus, CodeRegrade, Item
from courses.services import code_grading, learning
from lms.db import db, utcnow
from lms.models import User

BATCH = 50


@dataclass
class RegradeSummary:
    attempts: int = 0
    changed: int = 0


def unconvertible_items() -> list[tuple[Item, str]]:
    """Code items whose tests cannot be checked outside the sandbox, with the reason: they must be rewritten
    (their attempts are left as they were, and new ones are errors that do not count)."""
    refused = []
    for item in db.session.scalars(sa.select(Item).where(Item.type == "code").order_by(Item.id)):
        try:
            code.check_spec(item.spec)
        except code.InvalidCodeSpec as exc:
            refused.append((item, str(exc)))
    return refused


def code_attempt_ids() -> list[int]:
    """Graded attempts with at least one code item (of an exercise that can be graded), oldest first."""
    refused = [item.assignment_id for item, _reason in unconvertible_items()]
    with_code = sa.select(Item.assignment_id).where(Item.type == "code", Item.assignment_id.not_in(refused)).distinct()
    return list(
        db.session.scalars(
            sa.select(Attempt.id)
            .where(Attempt.status == AttemptStatus.GRADED, Attempt.assignment_id.in_(with_code))
            .order_by(Attempt.id)
        )
    )


def regrade_code_attempts(
    attempt_ids: list[int], runner: code_grading.Runner | None = None, progress: Callable[[int], None] | None = None
) -> RegradeSummary:
    """Grade these attempts' code items again and record the changes (commits every ``BATCH`` attempts).

    Raises ``code_grading.GradingUnavailable`` when the sandbox cannot run (nothing is half-written: each
    attempt is stored whole, and a later run carries on where this one stopped, reusing cached results).
    """
    summary = RegradeSummary()
    for batch in _batches(attempt_ids):
        for attempt in db.session.scalars(sa.select(Attempt).where(Attempt.id.in_(batch)).order_by(Attempt.id)):
            summary.attempts += 1
            if regrade_attempt(attempt, runner):
                summary.changed += 1
        db.session.commit()
        if progress is not None:
            progress(len(batch))
    return summary


def regrade_attempt(attempt: Attempt, runner: code_grading.Runner | None = None) -> CodeRegrade | None:
    """Grade one attempt's code items again; the CodeRegrade recorded when its score or pass changed."""
    items = {
        str(item.id): item
        for item in db.session.scalars(
            sa.select(Item).where(Item.assignment_id == attempt.assignment_id, Item.type == "code")
        )
    }
    user = db.session.get(User, attempt.user_id)
    language = user.preferred_language if user is not None else "kk"
    results = dict(attempt.results)
    for key, item in items.items():
        source = attempt.responses.get(key)
        if key in results and isinstance(source, str):
            results[key] = code_grading.result_for(item.spec, source, language, runner)
    new_score = code_grading.attempt_score(results, attempt.penalty)
    assignment = db.session.get_one(Assignment, attempt.assignment_id)
    old_passed, new_passed = (_passed(score, attempt.max_score, assignment) for score in (attempt.score, new_score))
    attempt.results = results
    if abs(new_score - attempt.score) < 1e-9 and old_passed == new_passed:
        return None
    change = CodeRegrade(
        attempt_id=attempt.id,
        grader=code.GRADER_VERSION,
        old_score=attempt.score,
        new_score=new_score,
        max_score=attempt.max_score,
        old_passed=old_passed,
        new_passed=new_passed,
        regraded_at=utcnow(),
    )
    db.session.add(change)
    attempt.score = new_score
    db.session.flush()
    if new_passed and user is not None:
        learning.check_completion(user, assignment.module.course)
    return change


def _passed(score: float, maximum: float, assignment: Assignment) -> bool:
    return maximum > 0 and score >= assignment.pass_mark * maximum - 1e-9


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def regrades() -> list[CodeRegrade]:
    """Every recorded change, newest first, with its attempt loaded."""
    return list(
        db.session.scalars(
            sa.select(CodeRegrade)
            .options(sa.orm.joinedload(CodeRegrade.attempt))
            .order_by(CodeRegrade.regraded_at.desc(), CodeRegrade.id.desc())
        )
    )
