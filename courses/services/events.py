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


def _where(user: User) -> tuple[int | None, int | None, int | None]:
    row = db.session.execute(
        sa.select(SchoolClass.id, SchoolClass.school_id, School.region_id)
        .join(ClassMembership, ClassMembership.class_id == SchoolClass.id)
        .join(School, School.id == SchoolClass.school_id)
        .where(ClassMembership.user_id == user.id)
        .order_by(ClassMembership.joined_at.desc())
        .limit(1)
    ).first()
    if row is not None:
        return row.region_id, row.school_id, row.id
    if user.school_id is not None:
        region_id = db.session.scalar(sa.select(School.region_id).where(School.id == user.school_id))
        return region_id, user.school_id, None
    return None, None, None


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
