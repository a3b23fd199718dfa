"""Assignments, their items, and learners' attempts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Model, utcnow

if TYPE_CHECKING:
    from courses.models.catalog import Module


class ShowAnswers(enum.StrEnum):
    AFTER_DUE = "after_due"
    NEVER = "never"


class Assignment(Model):
    __tablename__ = "assignments"
    __table_args__ = (sa.UniqueConstraint("module_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # None is unlimited. No column default: the ORM would take an explicit None as "not given".
    max_attempts: Mapped[int | None] = mapped_column()
    due_at: Mapped[datetime | None]
    # Fractions of the score: taken off a late attempt, and off each attempt after the first.
    late_penalty: Mapped[float] = mapped_column(default=0.0)
    attempt_penalty: Mapped[float] = mapped_column(default=0.0)
    # The fraction of the maximum score that passes.
    pass_mark: Mapped[float] = mapped_column(default=0.6)
    # Required assignments decide course completion.
    required: Mapped[bool] = mapped_column(default=True)
    show_answers: Mapped[ShowAnswers] = mapped_column(default=ShowAnswers.AFTER_DUE)

    module: Mapped[Module] = relationship(back_populates="assignments")
    items: Mapped[list[Item]] = relationship(
        back_populates="assignment", order_by="Item.position", cascade="all, delete-orphan"
    )


class Item(Model):
    """One question. ``spec`` is the grader's (courses/grading); it holds the answers."""

    __tablename__ = "items"
    __table_args__ = (sa.UniqueConstraint("assignment_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    type: Mapped[str] = mapped_column(sa.String(32))
    title: Mapped[str] = mapped_column(sa.String(255), default="")
    prompt: Mapped[str] = mapped_column(sa.Text, default="")
    prompt_format: Mapped[str] = mapped_column(sa.String(16), default="markdown")
    spec: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    general_feedback: Mapped[str] = mapped_column(sa.Text, default="")

    assignment: Mapped[Assignment] = relationship(back_populates="items")


class AttemptStatus(enum.StrEnum):
    GRADED = "graded"
    PENDING = "pending"  # waits for a teacher (essays) or a grading job (code)
    ERROR = "error"


class Attempt(Model):
    """Everything a learner sent for an assignment once, and how it was graded."""

    __tablename__ = "attempts"
    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "user_id", "number"),
        sa.Index("ix_attempts_user_assignment", "user_id", "assignment_id"),
        sa.Index("ix_attempts_machine_pending", "machine_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(sa.ForeignKey("assignments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[AttemptStatus] = mapped_column(default=AttemptStatus.GRADED)
    # {"<item id>": response} exactly as sent.
    responses: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # {"<item id>": {"score", "max_score", "feedback", "pending"}}
    results: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    score: Mapped[float] = mapped_column(default=0.0)
    max_score: Mapped[float] = mapped_column(default=0.0)
    late: Mapped[bool] = mapped_column(default=False)
    # The fraction taken off for lateness and repeated attempts.
    penalty: Mapped[float] = mapped_column(default=0.0)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    graded_at: Mapped[datetime | None]
    # Code items wait for the sandbox: set while any does; how many times grading started, and when.
    machine_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    grading_tries: Mapped[int] = mapped_column(default=0, server_default="0")
    grading_started_at: Mapped[datetime | None]

    assignment: Mapped[Assignment] = relationship()

    @property
    def fraction(self) -> float:
        return self.score / self.max_score if self.max_score else 0.0


class CodeRun(Model):
    """A code item's result for one source and one version of its tests, in one language.

    Identical code sent again for the same tests reuses it instead of running again.
    """

    __tablename__ = "code_runs"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    result: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    level: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CodeRegrade(Model):
    """An attempt whose grade changed when its code was graded again by a newer grader.

    Kept for administrators to review (``flask courses regrade-code`` writes them): the attempt's score
    and whether it passed, before and after. Nothing is revoked because of one.
    """

    __tablename__ = "code_regrades"
    __table_args__ = (sa.Index("ix_code_regrades_attempt_id", "attempt_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"))
    grader: Mapped[str] = mapped_column(sa.String(64))
    old_score: Mapped[float]
    new_score: Mapped[float]
    max_score: Mapped[float]
    old_passed: Mapped[bool]
    new_passed: Mapped[bool]
    regraded_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[Attempt] = relationship()
