"""Recording learning events (append-only, pseudonymous, with a snapshot of where the learner is)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import sqlalchemy as sa
from flask import current_app

from courses.models import LearningEvent
from lms.db import db, utcnow
from lms.models import ClassMembership, School, SchoolClass, User


def pseudonym(user_id: int) -> str:
    """A stable, keyed hash of the account id: analytics can follow a learner without knowing who."""
    key = str(current_app.config.get("PSEUDONYM_KEY") or current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"lms.learner:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def _where(user: User) -> tuple[Any, Any, Any]:
    """Where the learner is, as SQL expressions: their latest class, else their own school.

    Evaluated inside the INSERT, so recording an event is one statement.
    """
    latest = (
        sa.select(ClassMembership.class_id)
        .where(ClassMembership.user_id == user.id)
        .order_by(ClassMembership.joined_at.desc(), ClassMembership.class_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    school = sa.func.coalesce(
        sa.select(SchoolClass.school_id).where(SchoolClass.id == latest).scalar_subquery(),
        sa.literal(user.school_id, sa.Integer),
    )
    region = sa.select(School.region_id).where(School.id == school).scalar_subquery()
    return region, school, latest


def record(
    user: User,
    verb: str,
    object_type: str,
    object_id: int,
    *,
    course_id: int | None,
    registration: int | None = None,
    score: tuple[float, float] | None = None,
    success: bool | None = None,
    completion: bool | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Append one event (a plain INSERT: the table is append-only, nothing reads it back in the request)."""
    region_id, school_id, class_id = _where(user)
    db.session.execute(
        sa.insert(LearningEvent).values(
            actor=pseudonym(user.id),
            verb=verb,
            object_type=object_type,
            object_id=object_id,
            course_id=course_id,
            registration=registration,
            score_raw=score[0] if score else None,
            score_max=score[1] if score else None,
            success=success,
            completion=completion,
            region_id=region_id,
            school_id=school_id,
            class_id=class_id,
            language=user.preferred_language,
            extra=extra,
            timestamp=utcnow(),
        )
    )
