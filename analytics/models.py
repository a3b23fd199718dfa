"""The facts officials count that accounts cannot give (headcounts, targets) and the rollup tables.

Rollups are plain tables, the same on SQLite and PostgreSQL, kept by ``analytics.rollups``. Their key
columns never hold NULL: a learner with no school counts under school, district and region ``UNASSIGNED``
(0), and a school without a district under district 0 of its region. Every row carries ``as_of``: the
time up to which the data it holds was counted.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.models import Course
from lms.db import Model, utcnow

#: The key of "no school" (self-registered learners), "no district" and "no region" in rollups.
UNASSIGNED = 0


class Indicator(enum.StrEnum):
    """A programme indicator an administrator sets targets for."""

    CERTIFICATES_ISSUED = "certificates_issued"
    TEACHERS_TRAINED = "teachers_trained"
    ADVANCED_LEARNERS = "advanced_learners"
    PROJECTS = "projects"


class Headcount(Model):
    """The official number of students (by grade) and teachers of a school in a school year."""

    __tablename__ = "headcounts"

    school_id: Mapped[int] = mapped_column(sa.ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    school_year: Mapped[str] = mapped_column(sa.String(9), primary_key=True)  # "2026-2027"
    #: {"1": 52, "2": 48, …}: grade (or year of study) → students.
    students_by_grade: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    students: Mapped[int] = mapped_column(default=0)
    teachers: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)


class Target(Model):
    """A programme target: the value an indicator should reach in a region by the end of a year.

    The national target is the sum of the regions'.
    """

    __tablename__ = "programme_targets"
    __table_args__ = (sa.UniqueConstraint("indicator", "region_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[Indicator]
    region_id: Mapped[int] = mapped_column(sa.ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    value: Mapped[int]
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Refresh(Model):
    """When a rollup was last brought up to date, and up to which time its data goes."""

    __tablename__ = "analytics_refreshes"

    rollup: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: Events and rows stamped before this time are counted (the end of the last window applied).
    data_as_of: Mapped[datetime]
    refreshed_at: Mapped[datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int] = mapped_column(default=0)
    rows_written: Mapped[int] = mapped_column(default=0)
    full: Mapped[bool] = mapped_column(default=False)  # a rebuild, not an incremental refresh


def _key(**kwargs: Any) -> Mapped[int]:
    return mapped_column(sa.Integer, primary_key=True, autoincrement=False, **kwargs)


def _stratum() -> Mapped[str]:
    return mapped_column(sa.String(16), primary_key=True)


def _count() -> Mapped[int]:
    return mapped_column(sa.BigInteger, default=0)


class CourseWeek(Model):
    """Activity per ISO week (its Monday), school and course."""

    __tablename__ = "analytics_course_weeks"
    __table_args__ = (
        sa.Index("ix_analytics_course_weeks_district", "district_id", "week"),
        sa.Index("ix_analytics_course_weeks_course", "course_id", "week"),
    )

    week: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    school_id: Mapped[int] = _key()
    course_id: Mapped[int] = _key()
    region_id: Mapped[int]
    district_id: Mapped[int]
    enrolments: Mapped[int] = _count()
    #: Distinct learners with any event in this course, school and week: never summed across weeks.
    learners_active: Mapped[int] = _count()
    lessons_completed: Mapped[int] = _count()
    attempts: Mapped[int] = _count()
    passes: Mapped[int] = _count()
    completions: Mapped[int] = _count()
    completion_seconds: Mapped[int] = _count()  # enrolment to completion, summed over ``completions``
    certificates_issued: Mapped[int] = _count()  # at the holder's school
    certificates_revoked: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    enrolments_key: Mapped[int] = _count()
    learners_active_key: Mapped[int] = _count()
    lessons_completed_key: Mapped[int] = _count()
    attempts_key: Mapped[int] = _count()
    passes_key: Mapped[int] = _count()
    completions_key: Mapped[int] = _count()
    certificates_issued_key: Mapped[int] = _count()
    certificates_revoked_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class SchoolWeek(Model):
    """Distinct learners active per school and ISO week, across all courses (never summed across weeks)."""

    __tablename__ = "analytics_school_weeks"
    __table_args__ = (sa.Index("ix_analytics_school_weeks_district", "district_id", "week"),)

    week: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    school_id: Mapped[int] = _key()
    region_id: Mapped[int] = mapped_column(index=True)
    district_id: Mapped[int]
    learners_active: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    learners_active_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class DistrictWeek(Model):
    """The additive measures of ``CourseWeek`` per district, course and week: the nation's and regions' weekly trends
    and week periods at a glance (a district's schools and filtered schools are counted from ``CourseWeek``)."""

    __tablename__ = "analytics_district_weeks"

    week: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    region_id: Mapped[int] = _key()
    district_id: Mapped[int] = _key()
    course_id: Mapped[int] = _key()
    enrolments: Mapped[int] = _count()
    lessons_completed: Mapped[int] = _count()
    attempts: Mapped[int] = _count()
    passes: Mapped[int] = _count()
    completions: Mapped[int] = _count()
    completion_seconds: Mapped[int] = _count()
    certificates_issued: Mapped[int] = _count()  # at the holder's school
    certificates_revoked: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    enrolments_key: Mapped[int] = _count()
    lessons_completed_key: Mapped[int] = _count()
    attempts_key: Mapped[int] = _count()
    passes_key: Mapped[int] = _count()
    completions_key: Mapped[int] = _count()
    certificates_issued_key: Mapped[int] = _count()
    certificates_revoked_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class SchoolMonth(Model):
    """Per calendar month, school and course: the additive measures and certificates (a certificate at its holder's
    school) — what a district's schools and the filters by school kind, settlement and language are counted from.
    ``DistrictMonth`` holds the same per district, for the nation's and regions' pages."""

    __tablename__ = "analytics_school_months"
    __table_args__ = (sa.Index("ix_analytics_school_months_district", "region_id", "district_id", "month"),)

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # its first day
    school_id: Mapped[int] = _key()
    course_id: Mapped[int] = _key()
    region_id: Mapped[int]
    district_id: Mapped[int]
    enrolments: Mapped[int] = _count()
    lessons_completed: Mapped[int] = _count()
    attempts: Mapped[int] = _count()
    passes: Mapped[int] = _count()
    completions: Mapped[int] = _count()
    completion_seconds: Mapped[int] = _count()
    certificates_issued: Mapped[int] = _count()
    certificates_revoked: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    enrolments_key: Mapped[int] = _count()
    lessons_completed_key: Mapped[int] = _count()
    attempts_key: Mapped[int] = _count()
    passes_key: Mapped[int] = _count()
    completions_key: Mapped[int] = _count()
    certificates_issued_key: Mapped[int] = _count()
    certificates_revoked_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class DistrictMonth(Model):
    """Per calendar month, district and course: the additive measures and certificates."""

    __tablename__ = "analytics_district_months"
    __table_args__ = (sa.Index("ix_analytics_district_months_region", "region_id", "month"),)

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # its first day
    region_id: Mapped[int] = _key()
    district_id: Mapped[int] = _key()
    course_id: Mapped[int] = _key()
    enrolments: Mapped[int] = _count()
    lessons_completed: Mapped[int] = _count()
    attempts: Mapped[int] = _count()
    passes: Mapped[int] = _count()
    completions: Mapped[int] = _count()
    completion_seconds: Mapped[int] = _count()
    certificates_issued: Mapped[int] = _count()
    certificates_revoked: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    enrolments_key: Mapped[int] = _count()
    lessons_completed_key: Mapped[int] = _count()
    attempts_key: Mapped[int] = _count()
    passes_key: Mapped[int] = _count()
    completions_key: Mapped[int] = _count()
    certificates_issued_key: Mapped[int] = _count()
    certificates_revoked_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class AssignmentDistrict(Model):
    """Attempts and passing attempts per assignment and district, since the start."""

    __tablename__ = "analytics_assignments"

    assignment_id: Mapped[int] = _key()
    region_id: Mapped[int] = _key()
    district_id: Mapped[int] = _key()
    course_id: Mapped[int] = mapped_column(index=True)
    attempts: Mapped[int] = _count()
    passes: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    attempts_key: Mapped[int] = _count()
    passes_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class ModuleReach(Model):
    """Distinct learners who opened a lesson of a module, per district and kind of school: the drop-off funnel of a
    course."""

    __tablename__ = "analytics_module_reach"

    course_id: Mapped[int] = _key()
    module_id: Mapped[int] = _key()
    region_id: Mapped[int] = _key()
    district_id: Mapped[int] = _key()
    #: The kind of school, settlement and language of instruction ("" for no school): what the schools' filters
    #: choose from.
    kind: Mapped[str] = _stratum()
    settlement: Mapped[str] = _stratum()
    instruction: Mapped[str] = _stratum()
    learners: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    learners_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class GradeBucket(Model):
    """Certificates issued per course, district, kind of school and grade decile (bucket 0 is 0–9%, bucket 9 is
    90–100%)."""

    __tablename__ = "analytics_grades"

    course_id: Mapped[int] = _key()
    region_id: Mapped[int] = _key()
    district_id: Mapped[int] = _key()
    #: The kind of school, settlement and language of instruction ("" for no school): what the schools' filters
    #: choose from.
    kind: Mapped[str] = _stratum()
    settlement: Mapped[str] = _stratum()
    instruction: Mapped[str] = _stratum()
    bucket: Mapped[int] = _key()
    certificates: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    certificates_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class AtRisk(Model):
    """Learners enrolled, not completed, with no activity for 14 days, per course and school (a snapshot,
    counted again at every refresh)."""

    __tablename__ = "analytics_at_risk"
    __table_args__ = (sa.Index("ix_analytics_at_risk_district", "region_id", "district_id"),)

    course_id: Mapped[int] = _key()
    school_id: Mapped[int] = _key()
    region_id: Mapped[int]
    district_id: Mapped[int]
    learners: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    learners_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class SchoolPeople(Model):
    """Accounts per school: students, those enrolled in a course, teachers, and teachers trained (who completed
    a course for teachers) — a snapshot, counted again at every refresh. Against headcounts these give
    coverage: the share of students enrolled, of teachers trained."""

    __tablename__ = "analytics_school_people"
    __table_args__ = (sa.Index("ix_analytics_school_people_district", "region_id", "district_id"),)

    school_id: Mapped[int] = _key()
    region_id: Mapped[int]
    district_id: Mapped[int]
    students: Mapped[int] = _count()
    students_enrolled: Mapped[int] = _count()
    teachers: Mapped[int] = _count()
    teachers_trained: Mapped[int] = _count()
    #: Each count's record keys summed (``analytics.disclosure``): the key of the cell it counts.
    students_key: Mapped[int] = _count()
    students_enrolled_key: Mapped[int] = _count()
    teachers_key: Mapped[int] = _count()
    teachers_trained_key: Mapped[int] = _count()
    as_of: Mapped[datetime]


class ReportFile(Model):
    """A progress report an official asked for: made by a queue task (``progress``), stored, and listed for its
    owner until they delete it. What it holds is fixed when it is made (scope, period, course, language, data time)."""

    __tablename__ = "analytics_report_files"
    __table_args__ = (sa.Index("ix_analytics_report_files_owner", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    progress_id: Mapped[str] = mapped_column(sa.ForeignKey("task_progress.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(4))  # csv, xlsx, pdf
    #: None: the nation.
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id", ondelete="CASCADE"))
    #: The period's key ("2026-09", "2026-2027-t2", "2026-2027": ``dashboards.PeriodChoice``).
    period: Mapped[str] = mapped_column(sa.String(16))
    #: None: every course.
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    #: A district of the region (None: the region's districts, or the nation's regions).
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("districts.id", ondelete="CASCADE"))
    #: The schools' filters (None: any): ``queries.Filters``.
    school_kind: Mapped[str | None] = mapped_column(sa.String(16))
    settlement: Mapped[str | None] = mapped_column(sa.String(16))
    instruction_language: Mapped[str | None] = mapped_column(sa.String(8))
    course: Mapped[Course | None] = relationship()
    language: Mapped[str] = mapped_column(sa.String(5))
    filename: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Where the file is stored, once made.
    storage_key: Mapped[str | None] = mapped_column(sa.String(200))
    size: Mapped[int] = mapped_column(default=0)
    data_as_of: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
