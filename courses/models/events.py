"""The append-only learning-event record, in the shape of an xAPI statement.

The actor is pseudonymous (a keyed hash of the account id), so the table can
feed analytics and an external LRS without naming anyone; the snapshot of
region, school, class and language is taken when the event happens.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Model, utcnow


class LearningEvent(Model):
    __tablename__ = "learning_events"
    __table_args__ = (
        sa.Index("ix_learning_events_verb_timestamp", "verb", "timestamp"),
        # Analytics reads new events by time window, and a learner's earlier events of the same week.
        sa.Index("ix_learning_events_timestamp", "timestamp"),
        sa.Index("ix_learning_events_actor_timestamp", "actor", "timestamp"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    actor: Mapped[str] = mapped_column(sa.String(64))
    # xAPI verb id's last segment: registered, experienced, completed, attempted, passed, failed.
    verb: Mapped[str] = mapped_column(sa.String(32))
    object_type: Mapped[str] = mapped_column(sa.String(16))  # course, lesson, assignment
    object_id: Mapped[int]
    course_id: Mapped[int | None] = mapped_column(index=True)
    score_raw: Mapped[float | None]
    score_max: Mapped[float | None]
    success: Mapped[bool | None]
    completion: Mapped[bool | None]
    duration_seconds: Mapped[int | None]
    # The enrolment id: xAPI's "registration" groups one learner's statements in one course.
    registration: Mapped[int | None]
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    region_id: Mapped[int | None]
    school_id: Mapped[int | None]
    class_id: Mapped[int | None]
    language: Mapped[str | None] = mapped_column(sa.String(2))
    extra: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
