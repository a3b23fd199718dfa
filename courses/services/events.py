"""Recording learning events (append-only, pseudonymous, with a snapshot of where the learner is)."""

from __future__ import annotations

import functools
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


@functools.cache
def insert() -> sa.Insert:
    """The event INSERT with its parameters named as in ``values``, built once (a caller may run it
    as a CTE of another statement); where the learner is comes from subqueries inside it.

    Their latest class, else their own school; the region is the school's.
    """
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    latest = (
        sa.select(ClassMembership.class_id)
        .where(ClassMembership.user_id == user_id)
        .order_by(ClassMembership.joined_at.desc(), ClassMembership.class_id.desc())
        .limit(1)
        .scalar_subquery()
    )
    school = sa.func.coalesce(
        sa.select(SchoolClass.school_id).where(SchoolClass.id == latest).scalar_subquery(),
        sa.bindparam("own_school_id", type_=sa.Integer),
    )
    region = sa.select(School.region_id).where(School.id == school).scalar_subquery()
    columns = (
        "actor verb object_type object_id course_id registration score_raw score_max success completion "
        "language extra timestamp"
    ).split()
    # A Core insert on the table: the ORM's bulk-insert machinery costs more than the statement.
    table: sa.Table = LearningEvent.__table__  # type: ignore[assignment]
    return sa.insert(table).values(
        {
            **{name: sa.bindparam(name, type_=table.c[name].type) for name in columns},
            "region_id": region,
            "school_id": school,
            "class_id": latest,
        }
    )


def record(user: User, verb: str, object_type: str, object_id: int, **details: Any) -> None:
    """Append one event: one INSERT (the table is append-only, nothing reads it back in the request).

    ``details`` are those ``values`` takes: ``course_id``, ``registration``, ``score``, ``success``,
    ``completion``, ``extra``.
    """
    db.session.execute(insert(), values(user, verb, object_type, object_id, **details))


def values(
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
) -> dict[str, Any]:
    """The parameters of ``insert()`` for one event (``record`` runs it; a caller may run it with more)."""
    return {
        "user_id": user.id,
        "own_school_id": user.school_id,
        "actor": pseudonym(user.id),
        "verb": verb,
        "object_type": object_type,
        "object_id": object_id,
        "course_id": course_id,
        "registration": registration,
        "score_raw": score[0] if score else None,
        "score_max": score[1] if score else None,
        "success": success,
        "completion": completion,
        "language": user.preferred_language,
        "extra": extra,
        "timestamp": utcnow(),
    }
