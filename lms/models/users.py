"""Accounts, roles and API tokens."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Model, utcnow

if TYPE_CHECKING:
    from lms.models.org import Region, School


class Role(enum.StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    MENTOR = "mentor"
    OFFICIAL = "official"
    ADMIN = "admin"


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (trimmed, lower case); unique.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    # None until the person sets a password (accounts created by import or invitation).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    preferred_language: Mapped[str] = mapped_column(sa.String(2), default="kk")
    role: Mapped[Role] = mapped_column(default=Role.STUDENT, index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # An official's scope: one region, or None for the whole nation. Unused for other roles.
    scope_region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    # The school or university a teacher works at (classes are created there).
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("schools.id"), index=True)
    # Bumped when the password or the account's rights change: password links made before stop working.
    auth_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]

    scope_region: Mapped[Region | None] = relationship(foreign_keys=[scope_region_id])
    school: Mapped[School | None] = relationship(foreign_keys=[school_id])

    # The sign-in (``SignIn``) this instance was loaded for, or is being signed in with: not a column.
    if TYPE_CHECKING:
        sign_in_id: str | None
    else:
        sign_in_id = None

    def get_id(self) -> str:
        """Flask-Login's session id: the sign-in's, so that ending the sign-in ends the session (and its
        remember-me cookie) on the device that holds it, and only there."""
        if not self.sign_in_id:
            raise RuntimeError("sign in through accounts.start_sign_in before login_user")
        return self.sign_in_id

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class SignIn(Model):
    """One signed-in device: what a session cookie (and a remember-me cookie) stands for.

    Checked on every request by the user loader; ended by signing out on that device, by "sign out
    everywhere", by a password change and by an administrator changing the account's rights.
    """

    __tablename__ = "sign_ins"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # a random token, in the signed session
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(64), default="")

    user: Mapped[User] = relationship()


class ApiToken(Model):
    """A bearer token for the JSON API. Only a SHA-256 digest of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
