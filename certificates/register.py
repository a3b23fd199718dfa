"""The certificate register: certificates with their holders' school and class, as a page or a file.

A holder's school and class come from their class membership (the latest class, of the
school or class filtered by, when a learner has several); a holder in no class (a teacher
taking a course) appears under the school of their account. One statement reads the
register whatever its size (a test pins it), and only the columns it shows: never the
signed credentials.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from certificates import serials
from certificates.models import Certificate, CertificateStatus
from courses.models import Course
from lms.db import db
from lms.mail import external_url
from lms.models import ClassMembership, School, SchoolClass, User
from lms.spreadsheets import safe_cell

HEADINGS = (
    _l("Number"),
    _l("Holder"),
    _l("Course"),
    _l("Grade (%)"),
    _l("Hours"),
    _l("Issued"),
    _l("Language"),
    _l("Status"),
    _l("Revoked at"),
    _l("Reason for revoking"),
    _l("Verification page"),
    _l("School"),
    _l("Class"),
)
STATUS_LABELS = {CertificateStatus.VALID: _l("Valid"), CertificateStatus.REVOKED: _l("Revoked")}


@dataclass(frozen=True)
class RegisterFilter:
    """Which certificates: of a school's or a class's learners, of a course, valid or revoked."""

    school_id: int | None = None
    class_id: int | None = None
    course_id: int | None = None
    status: CertificateStatus | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for a task's arguments and URLs."""
        values = asdict(self)
        values["status"] = self.status.value if self.status else None
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RegisterFilter:
        status = values.get("status")
        return cls(
            school_id=values.get("school_id"),
            class_id=values.get("class_id"),
            course_id=values.get("course_id"),
            status=CertificateStatus(status) if status else None,
        )


@dataclass(frozen=True)
class RegisterRow:
    id: int
    serial: str
    holder_name: str
    course_title: str
    grade: int | None
    hours: int
    issued_at: datetime
    language: str
    status: CertificateStatus
    revoked_at: datetime | None
    revocation_reason: str | None
    school_name: str | None
    class_name: str | None
    academic_year: str | None

    @property
    def display_serial(self) -> str:
        return serials.display(self.serial)

    @property
    def class_label(self) -> str:
        return class_label(self.class_name, self.academic_year)

    @property
    def verification_url(self) -> str:
        # The public address printed on the certificate and signed into its credential
        # (EXTERNAL_URL), not the host the administrator happens to use; also built in workers.
        return external_url("certificates.verify", serial=self.display_serial)


def class_label(name: str | None, academic_year: str | None) -> str:
    """``9 A (2026-2027)``: a class's name is reused every year."""
    if not name:
        return ""
    return f"{name} ({academic_year})" if academic_year else name


@dataclass(frozen=True)
class RegisterPage:
    """One page of the register, shaped like Flask-SQLAlchemy's pagination for the template macro."""

    items: list[RegisterRow]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _query(filters: RegisterFilter) -> sa.Select[*tuple[Any, ...]]:
    membership = sa.select(ClassMembership.user_id, sa.func.max(ClassMembership.class_id).label("class_id")).join(
        SchoolClass, SchoolClass.id == ClassMembership.class_id
    )
    if filters.class_id is not None:
        membership = membership.where(SchoolClass.id == filters.class_id)
    if filters.school_id is not None:
        membership = membership.where(SchoolClass.school_id == filters.school_id)
    member = membership.group_by(ClassMembership.user_id).subquery("member")
    query: sa.Select[*tuple[Any, ...]] = (
        sa.select(
            Certificate.id,
            Certificate.serial,
            Certificate.holder_name,
            Certificate.course_title,
            Certificate.grade,
            Certificate.hours,
            Certificate.issued_at,
            Certificate.language,
            Certificate.status,
            Certificate.revoked_at,
            Certificate.revocation_reason,
            School.name,
            SchoolClass.name,
            SchoolClass.academic_year,
        )
        .join(User, User.id == Certificate.user_id)
        .outerjoin(member, member.c.user_id == Certificate.user_id)
        .outerjoin(SchoolClass, SchoolClass.id == member.c.class_id)
        .outerjoin(School, School.id == sa.func.coalesce(SchoolClass.school_id, User.school_id))
    )
    if filters.class_id is not None:
        query = query.where(member.c.class_id.is_not(None))
    elif filters.school_id is not None:
        query = query.where(sa.or_(member.c.class_id.is_not(None), User.school_id == filters.school_id))
    if filters.course_id is not None:
        query = query.where(Certificate.course_id == filters.course_id)
    if filters.status is not None:
        query = query.where(Certificate.status == filters.status)
    return query


def _ordered(query: sa.Select[*tuple[Any, ...]]) -> sa.Select[*tuple[Any, ...]]:
    return query.order_by(
        sa.nulls_last(School.name.asc()),
        sa.nulls_last(SchoolClass.name.asc()),
        Certificate.holder_name,
        Certificate.id,
    )


def _rows(query: sa.Select[*tuple[Any, ...]]) -> list[RegisterRow]:
    return [RegisterRow(*values) for values in db.session.execute(query)]


def register_rows(filters: RegisterFilter) -> list[RegisterRow]:
    """The whole filtered register, ordered by school, class and holder (one statement)."""
    return _rows(_ordered(_query(filters)))


def register_page(filters: RegisterFilter, page: int = 1, per_page: int = 50) -> RegisterPage:
    """One page of the filtered register and the total count (two statements)."""
    query = _query(filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    items = _rows(_ordered(query).limit(per_page).offset((page - 1) * per_page))
    return RegisterPage(items=items, page=page, per_page=per_page, total=total)


def courses_with_certificates() -> list[Course]:
    """The courses the register can be filtered by."""
    return list(
        db.session.scalars(
            sa.select(Course).where(Course.id.in_(sa.select(Certificate.course_id).distinct())).order_by(Course.slug)
        )
    )


def _table(rows: list[RegisterRow]) -> Iterator[list[object]]:
    """Headings in the current language, then one line per certificate."""
    yield [str(heading) for heading in HEADINGS]
    for row in rows:
        yield [
            row.display_serial,
            row.holder_name,
            row.course_title,
            row.grade,
            row.hours,
            row.issued_at.date(),
            row.language,
            str(STATUS_LABELS[row.status]),
            _naive(row.revoked_at),
            row.revocation_reason or "",
            row.verification_url,
            row.school_name or "",
            row.class_label,
        ]


def _naive(moment: datetime | None) -> datetime | None:
    # Spreadsheets have no time zones: the time in UTC, to the second.
    return moment.replace(tzinfo=None, microsecond=0) if moment else None


def _text(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def register_csv(rows: list[RegisterRow]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens Kazakh and Russian names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in _table(rows):
        writer.writerow([_text(value) for value in line])
    return buffer.getvalue().encode("utf-8-sig")


def register_xlsx(rows: list[RegisterRow]) -> bytes:
    """A workbook written row by row (openpyxl's write-only mode keeps big registers small)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_l("Certificates"))[:31])
    sheet.freeze_panes = "C2"
    lines = _table(rows)
    bold = Font(bold=True)
    header = []
    for heading in next(lines):
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for line in lines:
        sheet.append([safe_cell(value) for value in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class RegradedRow:
    """An attempt whose grade changed when its code was graded again, and the holder's certificate, if any."""

    attempt_id: int
    regraded_at: datetime
    holder_name: str
    email: str
    course: Course
    assignment_title: dict[str, Any]
    old_score: float
    new_score: float
    max_score: float
    old_passed: bool
    new_passed: bool
    certificate_serial: str | None
    certificate_status: CertificateStatus | None


def regraded_rows() -> list[RegradedRow]:
    """Every recorded change (``courses.services.regrading``), newest first, in one query."""
    from courses.models import Assignment, Attempt, CodeRegrade, Module

    rows = db.session.execute(
        sa.select(
            CodeRegrade, User.full_name, User.email, Course, Assignment.title, Certificate.serial, Certificate.status
        )
        .join(Attempt, Attempt.id == CodeRegrade.attempt_id)
        .join(User, User.id == Attempt.user_id)
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .join(Module, Module.id == Assignment.module_id)
        .join(Course, Course.id == Module.course_id)
        .outerjoin(Certificate, sa.and_(Certificate.user_id == User.id, Certificate.course_id == Course.id))
        .order_by(CodeRegrade.regraded_at.desc(), CodeRegrade.id.desc())
    )
    return [
        RegradedRow(
            attempt_id=change.attempt_id,
            regraded_at=change.regraded_at,
            holder_name=name,
            email=email,
            course=course,
            assignment_title=title,
            old_score=change.old_score,
            new_score=change.new_score,
            max_score=change.max_score,
            old_passed=change.old_passed,
            new_passed=change.new_passed,
            certificate_serial=serials.display(serial) if serial else None,
            certificate_status=status,
        )
        for change, name, email, course, title, serial, status in rows
    ]
