"""Districts and schools from CSV files (the ministry's lists), all or nothing.

Districts: ``code, region, name_kk, name_ru, name_en`` (region as its ISO code, ``KZ-61``).
Schools: ``code, name, region`` and optionally ``district`` (a district's code, in that region),
``kind`` (school, college, university), ``language`` (kk, ru, en, mixed) and ``settlement`` (urban,
rural). A school whose code exists is updated; a new one is added. One bad line rejects the file, with
every bad line and its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.characters import has_control_characters
from lms.csvfiles import CsvRow, read_rows
from lms.db import db
from lms.models import District, InstructionLanguage, School, SchoolKind, Settlement
from lms.services import org
from lms.services.imports import ImportRejected, RowError


@dataclass
class SchoolImportReport:
    created: int = 0
    updated: int = 0
    districts: list[District] = field(default_factory=list)
    #: The file's rows as read (a preview shows the first ones).
    rows: list[CsvRow] = field(default_factory=list)


def _text_problem(row: CsvRow, columns: tuple[str, ...]) -> object | None:
    for column in columns:
        value = row.get(column)
        if not value:
            return _l("the column %(column)s is empty", column=column)
        if has_control_characters(value):
            return _l("the column %(column)s holds control characters (such as NUL)", column=column)
        if len(value) > (300 if column == "name" else 100):
            return _l("the column %(column)s is too long", column=column)
    return None


def import_districts(data: bytes, max_rows: int = 20_000, encoding: str | None = None) -> SchoolImportReport:
    """Add the districts of a CSV file (flushed); raises CsvFileError or ImportRejected."""
    columns = ("code", "region", "name_kk", "name_ru", "name_en")
    rows = read_rows(data, required=columns, max_rows=max_rows, encoding=encoding)
    regions = {region.code: region.id for region in org.regions()}
    existing = set(db.session.scalars(sa.select(District.code)))
    errors: list[RowError] = []
    seen: set[str] = set()
    for row in rows:
        code, region = row.get("code"), row.get("region").upper()
        problem = _text_problem(row, columns)
        if problem is None and region not in regions:
            problem = _l("unknown region %(region)s", region=region)
        elif problem is None and (code in existing or code in seen):
            problem = _l("a district with this code exists already")
        if problem is not None:
            errors.append(RowError(row.line, code, problem))
        seen.add(code)
    if errors:
        raise ImportRejected(errors)
    report = SchoolImportReport(rows=rows)
    for row in rows:
        report.districts.append(
            org.create_district(
                regions[row.get("region").upper()],
                row.get("code"),
                row.get("name_kk"),
                row.get("name_ru"),
                row.get("name_en"),
            )
        )
    return report


def import_schools(data: bytes, max_rows: int = 20_000, encoding: str | None = None) -> SchoolImportReport:
    """Add or update the schools of a CSV file (flushed); raises CsvFileError or ImportRejected."""
    rows = read_rows(
        data,
        required=("code", "name", "region"),
        optional=("district", "kind", "language", "settlement"),
        max_rows=max_rows,
        encoding=encoding,
    )
    regions = {region.code: region.id for region in org.regions()}
    districts = {district.code: district for district in org.districts()}
    errors: list[RowError] = []
    seen: set[str] = set()
    for row in rows:
        problem = _school_problem(row, regions, districts, seen)
        if problem is not None:
            errors.append(RowError(row.line, row.get("code"), problem))
        seen.add(row.get("code"))
    if errors:
        raise ImportRejected(errors)
    report = SchoolImportReport(rows=rows)
    existing = {school.code: school for school in db.session.scalars(sa.select(School).where(School.code.in_(seen)))}
    for row in rows:
        region_id = regions[row.get("region").upper()]
        district_id = districts[row.get("district")].id if row.get("district") else None
        kind = SchoolKind(row.get("kind").lower() or SchoolKind.SCHOOL)
        language = InstructionLanguage(row.get("language").lower() or InstructionLanguage.KK)
        settlement = Settlement(row.get("settlement").lower() or Settlement.URBAN)
        school = existing.get(row.get("code"))
        if school is None:
            org.create_school(region_id, row.get("code"), row.get("name"), kind, language, settlement, district_id)
            report.created += 1
        else:
            org.update_school(
                school,
                region_id=region_id,
                code=row.get("code"),
                name=row.get("name"),
                kind=kind,
                language=language,
                settlement=settlement,
                district_id=district_id,
            )
            report.updated += 1
    return report


def _school_problem(
    row: CsvRow, regions: dict[str, int], districts: dict[str, District], seen: set[str]
) -> object | None:
    problem = _text_problem(row, ("code", "name", "region"))
    if problem is not None:
        return problem
    region, district = row.get("region").upper(), row.get("district")
    if region not in regions:
        return _l("unknown region %(region)s", region=region)
    if district and district not in districts:
        return _l("unknown district %(district)s", district=district)
    if district and districts[district].region_id != regions[region]:
        return _l("the district %(district)s lies in another region", district=district)
    for column, kind in (("kind", SchoolKind), ("language", InstructionLanguage), ("settlement", Settlement)):
        value = row.get(column).lower()
        if value and value not in {member.value for member in kind}:
            return _l("unknown %(column)s %(value)s", column=column, value=value)
    if row.get("code") in seen:
        return _l("the same code is on an earlier line")
    return None
