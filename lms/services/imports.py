"""Bulk imports from CSV: a teacher's class roster, an admin's user list.

Both are all-or-nothing: every row is checked first, and one bad row
rejects the file with a report of every bad row and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.characters import has_control_characters
from lms.csvfiles import CsvRow, read_rows
from lms.db import db
from lms.models import ClassMembership, InstructionLanguage, Role, School, SchoolClass, User
from lms.services import org
from lms.services.accounts import InvalidEmail, normalize_email

MAX_NAME_LENGTH = 200
LANGUAGES = ("kk", "ru", "en")


@dataclass(frozen=True)
class RowError:
    line: int
    value: str
    reason: object  # a lazy, translatable message


class ImportRejected(Exception):
    """The file has bad rows; nothing was imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors


@dataclass
class ImportReport:
    created: list[User] = field(default_factory=list)
    added: list[User] = field(default_factory=list)
    already_members: int = 0
    #: The file's rows as read (a preview shows the first ones).
    rows: list[CsvRow] = field(default_factory=list)


@dataclass(frozen=True)
class _Person:
    line: int
    email: str
    full_name: str
    row: CsvRow


def _people(rows: list[CsvRow], errors: list[RowError]) -> list[_Person]:
    """Check each row's e-mail and name; report duplicates within the file."""
    people: list[_Person] = []
    first_line: dict[str, int] = {}
    for row in rows:
        raw_email, name = row.get("email"), row.get("full_name")
        try:
            email = normalize_email(raw_email)
        except InvalidEmail:
            errors.append(RowError(row.line, raw_email, _l("not a valid e-mail address")))
            continue
        if not name:
            errors.append(RowError(row.line, raw_email, _l("the full name is empty")))
            continue
        if has_control_characters(name):
            errors.append(RowError(row.line, raw_email, _l("the full name holds control characters (such as NUL)")))
            continue
        if len(name) > MAX_NAME_LENGTH:
            errors.append(RowError(row.line, raw_email, _l("the full name is longer than 200 characters")))
            continue
        if email in first_line:
            errors.append(
                RowError(row.line, raw_email, _l("the same e-mail is on line %(line)d", line=first_line[email]))
            )
            continue
        first_line[email] = row.line
        people.append(_Person(row.line, email, name, row))
    return people


def _existing_users(emails: Iterable[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    emails = list(emails)
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        for user in db.session.scalars(sa.select(User).where(User.email.in_(chunk))):
            found[user.email] = user
    return found


def _insert_users(rows: list[dict[str, object]]) -> list[User]:
    """Insert accounts in one batched statement and load them back, in the rows' order.

    A batched INSERT without RETURNING: SQLite cannot return the ids of a
    multi-row INSERT in order, so the ORM would fall back to one INSERT per row.
    """
    if not rows:
        return []
    db.session.execute(sa.insert(User), rows)
    by_email = _existing_users(str(row["email"]) for row in rows)
    return [by_email[str(row["email"])] for row in rows]


#: Why an existing account was not added to a class by import (the same for every cause).
NOT_ADDED = _l(
    "not added: this account cannot be added to this class by a file; the student can join with the class code"
)


def may_import_into(school_class: SchoolClass, user: User) -> bool:
    """Whether a roster file may put this existing account in the class: an active student of the class's
    own school. Anyone else joins by the class code (their own consent) or through an administrator."""
    return user.role == Role.STUDENT and user.active and user.school_id == school_class.school_id


def import_roster(
    school_class: SchoolClass, data: bytes, max_rows: int = 20_000, encoding: str | None = None
) -> ImportReport:
    """Add the students of a CSV file (columns email, full_name) to a class.

    New addresses get student accounts without a password (an invitation
    sets it); existing students of the class's school are added (``may_import_into``).
    Raises CsvFileError for an unreadable file and ImportRejected listing every bad row.
    """
    rows = read_rows(data, required=("email", "full_name"), max_rows=max_rows, encoding=encoding)
    errors: list[RowError] = []
    people = _people(rows, errors)
    existing = _existing_users(p.email for p in people)
    for person in people:
        user = existing.get(person.email)
        if user is not None and not may_import_into(school_class, user):
            # One neutral reason whatever the cause (a staff or disabled account, a student of another
            # school): the file must not tell a teacher anything about someone else's account.
            errors.append(RowError(person.line, person.email, NOT_ADDED))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))

    school_language = school_class.school.language
    language = school_language.value if school_language != InstructionLanguage.MIXED else "kk"
    report = ImportReport(rows=rows)
    report.created = _insert_users(
        [
            {
                "email": p.email,
                "full_name": p.full_name,
                "role": Role.STUDENT,
                "preferred_language": language,
                "school_id": school_class.school_id,
            }
            for p in people
            if p.email not in existing
        ]
    )
    members = set(
        db.session.scalars(sa.select(ClassMembership.user_id).where(ClassMembership.class_id == school_class.id))
    )
    for user in [existing[p.email] for p in people if p.email in existing]:
        if user.id in members:
            report.already_members += 1
        else:
            report.added.append(user)
    new_members = [{"class_id": school_class.id, "user_id": user.id} for user in report.created + report.added]
    if new_members:
        db.session.execute(sa.insert(ClassMembership), new_members)
    return report


def import_users(data: bytes, max_rows: int = 20_000, encoding: str | None = None) -> ImportReport:
    """Create accounts from a CSV file (admin).

    Columns: email, full_name, and optionally role (default student),
    language (kk/ru/en, default kk), region (ISO code, an official's scope;
    empty for national), school (school code). Raises CsvFileError or
    ImportRejected; nothing is created unless every row is good.
    """
    rows = read_rows(
        data,
        required=("email", "full_name"),
        optional=("role", "language", "region", "school"),
        max_rows=max_rows,
        encoding=encoding,
    )
    errors: list[RowError] = []
    people = _people(rows, errors)
    existing = _existing_users(p.email for p in people)
    regions = {r.code: r.id for r in org.regions()}
    school_codes = {p.row.get("school") for p in people if p.row.get("school")}
    schools: dict[str, int] = {}
    if school_codes:
        schools = dict(db.session.execute(sa.select(School.code, School.id).where(School.code.in_(school_codes))).all())
    new_users: list[dict[str, object]] = []
    for person in people:
        row = person.row
        role_text = (row.get("role") or "student").lower()
        language = (row.get("language") or "kk").lower()
        region_code = row.get("region").upper()
        school_code = row.get("school")
        reason: object | None = None
        if person.email in existing:
            reason = _l("an account with this e-mail already exists")
        elif role_text not in {r.value for r in Role}:
            reason = _l("unknown role %(role)s", role=role_text)
        elif language not in LANGUAGES:
            reason = _l("unknown language %(language)s", language=language)
        elif region_code and region_code not in regions:
            reason = _l("unknown region %(region)s", region=region_code)
        elif region_code and role_text != Role.OFFICIAL:
            reason = _l("only officials have a region scope")
        elif school_code and school_code not in schools:
            reason = _l("unknown school %(school)s", school=school_code)
        if reason is not None:
            errors.append(RowError(person.line, person.email, reason))
            continue
        new_users.append(
            {
                "email": person.email,
                "full_name": person.full_name,
                "role": Role(role_text),
                "preferred_language": language,
                "scope_region_id": regions.get(region_code) if region_code else None,
                "school_id": schools.get(school_code) if school_code else None,
            }
        )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    return ImportReport(created=_insert_users(new_users), rows=rows)
