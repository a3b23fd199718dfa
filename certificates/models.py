"""Certificates: one per learner and course, with the signed credential as issued."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Model, utcnow


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


class Certificate(Model):
    __tablename__ = "certificates"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id"),
        sa.UniqueConstraint("status_list", "status_index"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # 13 Crockford base32 characters, stored without hyphens (certificates.serials).
    serial: Mapped[str] = mapped_column(sa.String(13), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    # As at issue: later changes to the account or the course do not alter a certificate.
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    course_title: Mapped[str] = mapped_column(sa.String(300))
    grade: Mapped[int | None]  # percent, 0..100
    hours: Mapped[int] = mapped_column(default=0)
    language: Mapped[str] = mapped_column(sa.String(2))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[CertificateStatus] = mapped_column(default=CertificateStatus.VALID)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Its bit in the revocation Bitstring Status List (certificates.statuslist); set from the id
    # right after the insert (NULL until then, so concurrent inserts never collide on it).
    status_list: Mapped[int | None]
    status_index: Mapped[int | None]
    credential: Mapped[dict[str, Any]] = mapped_column(default=dict)
