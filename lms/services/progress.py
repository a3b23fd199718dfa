"""Progress records of background tasks (the caller commits, so pollers see each step)."""

from __future__ import annotations

import secrets
from typing import Any

from lms.db import db
from lms.models import Role, TaskProgress, TaskStatus, User


class ProgressNotFound(Exception):
    """No progress record has this id."""


class ProgressForbidden(Exception):
    """The record belongs to someone else."""


def create_progress(kind: str, owner: User | None, total: int | None = None, message: str = "") -> TaskProgress:
    progress = TaskProgress(
        id=secrets.token_hex(16), kind=kind, owner_id=owner.id if owner else None, total=total, message=message
    )
    db.session.add(progress)
    db.session.flush()
    return progress


def advance(progress_id: str, done: int, total: int | None = None, message: str | None = None) -> TaskProgress:
    progress = _get(progress_id)
    progress.status = TaskStatus.RUNNING
    progress.done = done
    if total is not None:
        progress.total = total
    if message is not None:
        progress.message = message[:500]
    db.session.flush()
    return progress


def finish(progress_id: str, result: dict[str, Any] | None = None, message: str | None = None) -> TaskProgress:
    progress = _get(progress_id)
    progress.status = TaskStatus.DONE
    if progress.total is not None:
        progress.done = progress.total
    progress.result = result
    if message is not None:
        progress.message = message[:500]
    db.session.flush()
    return progress


def fail(progress_id: str, message: str) -> TaskProgress:
    progress = _get(progress_id)
    progress.status = TaskStatus.FAILED
    progress.message = message[:500]
    db.session.flush()
    return progress


def _get(progress_id: str) -> TaskProgress:
    progress = db.session.get(TaskProgress, progress_id)
    if progress is None:
        raise ProgressNotFound(progress_id)
    return progress


def progress_for(user: User | None, progress_id: str) -> TaskProgress:
    """The record if ``user`` may see it (its owner or an admin); ``None`` user means the CLI.

    Raises ProgressNotFound or ProgressForbidden.
    """
    progress = _get(progress_id)
    if user is not None and user.role != Role.ADMIN and progress.owner_id != user.id:
        raise ProgressForbidden(progress_id)
    return progress


def as_dict(record: TaskProgress) -> dict[str, Any]:
    """The record as pages poll it and the API returns it."""
    return {
        "id": record.id,
        "kind": record.kind,
        "status": record.status.value,
        "done": record.done,
        "total": record.total,
        "percent": record.percent,
        "message": record.message,
        "result": record.result,
    }
