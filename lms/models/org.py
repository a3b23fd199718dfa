"""Organisations: regions, schools and universities, classes and their members."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.db import Model, utcnow

if TYPE_CHECKING:
    from lms.models.users import User


class Region(Model):
    """One of the 17 oblasts or the 3 cities of republican significance."""

    __tablename__ = "regions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # ISO 3166-2:KZ code, e.g. "KZ-71" for Astana.
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name_kk: Mapped[str] = mapped_column(sa.String(100))
    name_ru: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))

    def name(self, language: str) -> str:
        return {"kk": self.name_kk, "ru": self.name_ru}.get(language, self.name_en)


class District(Model):
    """A district (аудан / район) or a city of regional significance within a region: how regional
    officials divide their work. Optional for a school."""

    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    # A national identifier (e.g. the KATO code), used by CSV imports.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_kk: Mapped[str] = mapped_column(sa.String(100))
    name_ru: Mapped[str] = mapped_column(sa.String(100))
    name_en: Mapped[str] = mapped_column(sa.String(100))

    region: Mapped[Region] = relationship()

    def name(self, language: str) -> str:
        return {"kk": self.name_kk, "ru": self.name_ru}.get(language, self.name_en)


class SchoolKind(enum.StrEnum):
    SCHOOL = "school"
    COLLEGE = "college"
    UNIVERSITY = "university"


class Settlement(enum.StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class InstructionLanguage(enum.StrEnum):
    KK = "kk"
    RU = "ru"
    EN = "en"
    MIXED = "mixed"


class School(Model):
    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    # Within the region; None where the district is not known (a city school, say).
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id"), index=True)
    # A national identifier (e.g. the organisation's BIN), used by CSV imports.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[SchoolKind] = mapped_column(default=SchoolKind.SCHOOL)
    language: Mapped[InstructionLanguage] = mapped_column(default=InstructionLanguage.KK)
    settlement: Mapped[Settlement] = mapped_column(default=Settlement.URBAN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()
    district: Mapped[District | None] = relationship()


class SchoolClass(Model):
    """A teacher's class (or university group) that students join."""

    __tablename__ = "classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("schools.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # "2026-2027"
    academic_year: Mapped[str] = mapped_column(sa.String(9))
    join_code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    school: Mapped[School] = relationship()
    teacher: Mapped[User] = relationship()


class ClassMembership(Model):
    __tablename__ = "class_memberships"

    class_id: Mapped[int] = mapped_column(sa.ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    school_class: Mapped[SchoolClass] = relationship()
    user: Mapped[User] = relationship()
