"""School headcounts: the official number of students (by grade) and teachers of each school, per school year.

They come from a CSV file an administrator imports (``flask analytics import-headcounts`` or
``/admin/analytics/headcounts``), read like every CSV of the platform (``lms.csvfiles``: UTF-8 with or
without BOM, UTF-16, Windows-1251; comma, semicolon or tab)::

    school_code,school_year,teachers,grade_1,grade_2,…,grade_11
    990140000123,2026-2027,48,52,48,…,30

``school_code`` is a school's code (BIN), ``school_year`` two consecutive years (``2026-2027``),
``teachers`` the number of teachers. The grade columns are optional: any of ``grade_0`` (pre-school) to
``grade_12``; universities and colleges use ``grade_1`` to ``grade_4`` for the year of study. An empty
grade cell means the school has no such grade. Numbers are whole and not negative.

All or nothing: one bad line (an unknown school code, a bad year, a number that is negative or not whole,
the same school and year twice in the file) rejects the file, with every bad line and its reason.
Importing a school and year again replaces its headcount; its students are the sum of its grades.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from analytics.models import UNASSIGNED, Headcount
from lms.csvfiles import CsvRow, read_rows
from lms.db import db, utcnow
from lms.models import School
from lms.services.imports import ImportRejected, RowError

REQUIRED = ("school_code", "school_year", "teachers")
GRADES = tuple(range(13))
GRADE_COLUMNS = tuple(f"grade_{grade}" for grade in GRADES)
#: More students in one grade, or teachers in one school, than any school has: a typing mistake.
MAX_COUNT = 1_000_000
FIRST_YEAR, LAST_YEAR = 2000, 2100
_SCHOOL_YEAR = re.compile(r"(\d{4})-(\d{4})")
_WHOLE = re.compile(r"[0-9]+")
_CHUNK = 500


@dataclass(frozen=True)
class HeadcountLine:
    """A line of the file as it will be imported."""

    line: int
    school_code: str
    school_year: str
    teachers: int
    students_by_grade: dict[str, int]

    @property
    def students(self) -> int:
        return sum(self.students_by_grade.values())


@dataclass
class HeadcountImportReport:
    added: int = 0
    replaced: int = 0
    #: The file's lines as read (a preview shows the first ones).
    lines: list[HeadcountLine] = field(default_factory=list)


def is_school_year(text: str) -> bool:
    """Whether ``text`` names a school year: two consecutive years such as ``2026-2027``."""
    match = _SCHOOL_YEAR.fullmatch(text)
    if match is None:
        return False
    start, end = int(match[1]), int(match[2])
    return FIRST_YEAR <= start <= LAST_YEAR and end == start + 1


def _count_problem(column: str, value: str) -> object | None:
    if value.startswith("-") and _WHOLE.fullmatch(value[1:]):
        return _l("%(column)s is negative: %(value)s", column=column, value=value)
    if not _WHOLE.fullmatch(value):
        return _l("%(column)s is not a whole number: %(value)s", column=column, value=value[:20])
    if int(value) > MAX_COUNT:
        return _l("%(column)s is too large: %(value)s", column=column, value=value[:20])
    return None


def _line_problem(row: CsvRow, schools: dict[str, int], first_line: dict[tuple[str, str], int]) -> object | None:
    code, year = row.get("school_code"), row.get("school_year")
    if not code:
        return _l("the column %(column)s is empty", column="school_code")
    if code not in schools:
        return _l("unknown school code %(code)s", code=code[:40])
    if not is_school_year(year):
        return _l("the school year must be two consecutive years, such as 2026-2027: %(value)s", value=year[:20])
    if not row.get("teachers"):
        return _l("the column %(column)s is empty", column="teachers")
    for column in ("teachers", *GRADE_COLUMNS):
        value = row.get(column)
        if value:
            problem = _count_problem(column, value)
            if problem is not None:
                return problem
    if (code, year) in first_line:
        return _l("the same school and year are on line %(line)d", line=first_line[(code, year)])
    return None


def _school_ids(codes: Iterable[str]) -> dict[str, int]:
    codes = sorted(set(codes))
    found: dict[str, int] = {}
    for start in range(0, len(codes), _CHUNK):
        chunk = codes[start : start + _CHUNK]
        for code, school_id in db.session.execute(sa.select(School.code, School.id).where(School.code.in_(chunk))):
            found[code] = school_id
    return found


def _existing(keys: set[tuple[int, str]]) -> dict[tuple[int, str], Headcount]:
    school_ids = sorted({school_id for school_id, _year in keys})
    years = {year for _school_id, year in keys}
    found: dict[tuple[int, str], Headcount] = {}
    for start in range(0, len(school_ids), _CHUNK):
        query = sa.select(Headcount).where(
            Headcount.school_id.in_(school_ids[start : start + _CHUNK]), Headcount.school_year.in_(years)
        )
        for headcount in db.session.scalars(query):
            found[(headcount.school_id, headcount.school_year)] = headcount
    return found


def import_headcounts(data: bytes, max_rows: int = 20_000, encoding: str | None = None) -> HeadcountImportReport:
    """Add or replace the headcounts of a CSV file (flushed; the format is in this module's docstring).

    Raises CsvFileError for an unreadable file and ImportRejected listing every bad line; then nothing is
    written.
    """
    rows = read_rows(data, required=REQUIRED, optional=GRADE_COLUMNS, max_rows=max_rows, encoding=encoding)
    schools = _school_ids(row.get("school_code") for row in rows)
    errors: list[RowError] = []
    first_line: dict[tuple[str, str], int] = {}
    report = HeadcountImportReport()
    for row in rows:
        problem = _line_problem(row, schools, first_line)
        if problem is not None:
            errors.append(RowError(row.line, row.get("school_code")[:40], problem))
            continue
        first_line[(row.get("school_code"), row.get("school_year"))] = row.line
        grades = {str(grade): int(row.get(f"grade_{grade}")) for grade in GRADES if row.get(f"grade_{grade}")}
        report.lines.append(
            HeadcountLine(row.line, row.get("school_code"), row.get("school_year"), int(row.get("teachers")), grades)
        )
    if errors:
        raise ImportRejected(errors)
    existing = _existing({(schools[line.school_code], line.school_year) for line in report.lines})
    now = utcnow()
    for line in report.lines:
        school_id = schools[line.school_code]
        headcount = existing.get((school_id, line.school_year))
        if headcount is None:
            headcount = Headcount(school_id=school_id, school_year=line.school_year)
            db.session.add(headcount)
            report.added += 1
        else:
            report.replaced += 1
        headcount.students_by_grade = line.students_by_grade
        headcount.students = line.students
        headcount.teachers = line.teachers
        headcount.imported_at = now
    db.session.flush()
    return report


def school_years() -> list[str]:
    """The school years that have headcounts, latest first."""
    query = sa.select(Headcount.school_year).distinct().order_by(Headcount.school_year.desc())
    return list(db.session.scalars(query))


def list_headcounts(school_year: str | None = None) -> sa.Select[Headcount]:
    """Headcounts, latest year first, then by school name (for paging; ``schools_of`` gives their schools)."""
    query = (
        sa.select(Headcount)
        .join(School, School.id == Headcount.school_id)
        .order_by(Headcount.school_year.desc(), School.name, School.id)
    )
    if school_year:
        query = query.where(Headcount.school_year == school_year)
    return query


def schools_of(headcounts: Iterable[Headcount]) -> dict[int, School]:
    """The schools of some headcounts (a page of them), by id, in one query."""
    ids = {headcount.school_id for headcount in headcounts}
    if not ids:
        return {}
    return {school.id: school for school in db.session.scalars(sa.select(School).where(School.id.in_(ids)))}


@dataclass(frozen=True)
class Totals:
    schools: int = 0
    students: int = 0
    teachers: int = 0

    def __add__(self, other: Totals) -> Totals:
        return Totals(self.schools + other.schools, self.students + other.students, self.teachers + other.teachers)


@dataclass
class HeadcountTotals:
    """Headcounts of a school year summed: over everything asked for, per region, per district.

    Districts are keyed ``(region_id, district_id)``; schools without a district count under district
    ``UNASSIGNED`` (0) of their region, as in the rollups.
    """

    total: Totals = field(default_factory=Totals)
    by_region: dict[int, Totals] = field(default_factory=dict)
    by_district: dict[tuple[int, int], Totals] = field(default_factory=dict)


def headcount_totals(school_year: str, region_id: int | None = None, district_id: int | None = None) -> HeadcountTotals:
    """Students and teachers of a school year summed nationally, per region and per district (one query).

    ``region_id`` and ``district_id`` narrow it to a region or a district (``UNASSIGNED``: the schools of
    the region without a district).
    """
    district = sa.func.coalesce(School.district_id, UNASSIGNED)
    query = (
        sa.select(
            School.region_id,
            district,
            sa.func.count(),
            sa.func.sum(Headcount.students),
            sa.func.sum(Headcount.teachers),
        )
        .join(School, School.id == Headcount.school_id)
        .where(Headcount.school_year == school_year)
        .group_by(School.region_id, district)
    )
    if region_id is not None:
        query = query.where(School.region_id == region_id)
    if district_id is not None:
        query = query.where(district == district_id)
    result = HeadcountTotals()
    for region, district_key, schools, students, teachers in db.session.execute(query):
        totals = Totals(int(schools), int(students or 0), int(teachers or 0))
        result.by_district[(region, district_key)] = totals
        result.by_region[region] = result.by_region.get(region, Totals()) + totals
        result.total += totals
    return result
