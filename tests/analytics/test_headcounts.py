import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from analytics import headcounts
from analytics.models import UNASSIGNED, Headcount
from lms.csvfiles import CsvFileError
from lms.db import db
from lms.services import org
from lms.services.imports import ImportRejected
from tests import factories


def _headcount(school, year="2026-2027"):
    return db.session.get(Headcount, (school.id, year))


def test_a_good_file_is_imported_with_students_the_sum_of_grades(db):
    school = factories.school(code="S-1")
    university = factories.school(code="U-1")
    report = headcounts.import_headcounts(
        b"school_code;school_year;teachers;grade_1;grade_2;grade_11\n"
        b"S-1;2026-2027;48;52;48;30\n"
        b"U-1;2026-2027;120;900;;\n"
    )
    assert (report.added, report.replaced, len(report.lines)) == (2, 0, 2)
    first = _headcount(school)
    assert first.students_by_grade == {"1": 52, "2": 48, "11": 30}
    assert (first.students, first.teachers) == (130, 48)
    # An empty grade cell: the university has no such year of study.
    assert _headcount(university).students_by_grade == {"1": 900}
    assert report.lines[0].students == 130


def test_reimporting_a_school_and_year_replaces_it(db):
    school = factories.school(code="S-1")
    headcounts.import_headcounts(b"school_code,school_year,teachers,grade_1,grade_2\nS-1,2026-2027,40,10,20\n")
    headcounts.import_headcounts(b"school_code,school_year,teachers,grade_1\nS-1,2025-2026,39,11\n")
    report = headcounts.import_headcounts(b"school_code,school_year,teachers,grade_5\nS-1,2026-2027,41,7\n")
    assert (report.added, report.replaced) == (0, 1)
    replaced = _headcount(school)
    assert (replaced.students_by_grade, replaced.students, replaced.teachers) == ({"5": 7}, 7, 41)
    assert _headcount(school, "2025-2026").teachers == 39  # another year is kept
    count = db.session.scalar(sa.select(sa.func.count()).select_from(Headcount).where(Headcount.school_id == school.id))
    assert count == 2


def test_every_bad_line_is_named_and_nothing_is_written(db):
    school = factories.school(code="S-1")
    factories.school(code="S-2")
    headcounts.import_headcounts(b"school_code,school_year,teachers,grade_1\nS-1,2026-2027,40,10\n")
    data = (
        b"school_code,school_year,teachers,grade_1,grade_2\n"
        b"S-2,2026-2027,10,5,5\n"  # 2: good, but nothing is written
        b"NOPE,2026-2027,10,5,5\n"  # 3: unknown school
        b"S-1,2026-2028,10,5,5\n"  # 4: not consecutive years
        b"S-1,2026/2027,10,5,5\n"  # 5: not a school year
        b"S-1,2026-2027,-3,5,5\n"  # 6: negative teachers
        b"S-1,2026-2027,10,5.5,5\n"  # 7: not whole
        b"S-1,2026-2027,10,5,abc\n"  # 8: not a number
        b"S-2,2026-2027,10,5,5\n"  # 9: same school and year as line 2
        b",2026-2027,10,5,5\n"  # 10: no school code
        b"S-1,2026-2027,,5,5\n"  # 11: no teachers
        b"S-1,2026-2027,10,5,99999999\n"  # 12: too large
    )
    with pytest.raises(ImportRejected) as rejected, force_locale("en"):
        headcounts.import_headcounts(data)
    with force_locale("en"):
        reasons = {error.line: str(error.reason) for error in rejected.value.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert reasons[3] == "unknown school code NOPE"
    assert "two consecutive years" in reasons[4] and "two consecutive years" in reasons[5]
    assert reasons[6] == "teachers is negative: -3"
    assert reasons[7] == "grade_1 is not a whole number: 5.5"
    assert reasons[8] == "grade_2 is not a whole number: abc"
    assert reasons[9] == "the same school and year are on line 2"
    assert reasons[10] == "the column school_code is empty"
    assert reasons[11] == "the column teachers is empty"
    assert "too large" in reasons[12]
    assert _headcount(school).teachers == 40
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Headcount)) == 1


def test_reasons_are_in_the_language_of_whoever_reads_them(db):
    with pytest.raises(ImportRejected) as rejected:
        headcounts.import_headcounts(b"school_code,school_year,teachers\nNOPE,2026-2027,1\n")
    reason = rejected.value.errors[0].reason
    with force_locale("ru"):
        assert str(reason) != "unknown school code NOPE" and "NOPE" in str(reason)


def test_the_header_must_name_the_columns(db):
    with pytest.raises(CsvFileError):
        headcounts.import_headcounts(b"school_code,school_year\nS-1,2026-2027\n")
    with pytest.raises(CsvFileError):
        headcounts.import_headcounts(b"school_code,school_year,teachers,grade_13\nS-1,2026-2027,1,1\n")


def test_the_encoding_can_be_named_or_recognised(db):
    factories.school(code="МЕКТЕП-1")
    data = "school_code,school_year,teachers\nМЕКТЕП-1,2026-2027,5\n".encode("cp1251")
    assert headcounts.import_headcounts(data).added == 1
    assert headcounts.import_headcounts(data, encoding="cp1251").replaced == 1
    with pytest.raises(CsvFileError):
        headcounts.import_headcounts(data, encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "valid"),
    [("2026-2027", True), ("2026-2026", False), ("2027-2026", False), ("1899-1900", False), ("26-27", False)],
)
def test_school_years_are_two_consecutive_years(text, valid):
    assert headcounts.is_school_year(text) is valid


def test_totals_are_summed_per_district_region_and_nation_in_one_query(db, count_queries):
    turkistan, astana = factories.region("KZ-61"), factories.region("KZ-71")
    district = org.create_district(turkistan.id, "D-T", "Т", "Т", "T")
    in_district = factories.school("KZ-61", code="A", district_id=district.id)
    factories.school("KZ-61", code="B")  # no district
    factories.school("KZ-71", code="C")
    headcounts.import_headcounts(
        b"school_code,school_year,teachers,grade_1,grade_2\n"
        b"A,2026-2027,10,100,50\n"
        b"B,2026-2027,5,20,\n"
        b"C,2026-2027,7,70,\n"
        b"C,2025-2026,99,999,\n"
    )
    with count_queries() as counter:
        totals = headcounts.headcount_totals("2026-2027")
    assert counter.count == 1
    assert totals.total == headcounts.Totals(schools=3, students=240, teachers=22)
    assert totals.by_region[turkistan.id] == headcounts.Totals(2, 170, 15)
    assert totals.by_region[astana.id] == headcounts.Totals(1, 70, 7)
    assert totals.by_district[(turkistan.id, district.id)] == headcounts.Totals(1, 150, 10)
    assert totals.by_district[(turkistan.id, UNASSIGNED)] == headcounts.Totals(1, 20, 5)

    in_region = headcounts.headcount_totals("2026-2027", region_id=turkistan.id)
    assert in_region.total == headcounts.Totals(2, 170, 15) and set(in_region.by_region) == {turkistan.id}
    in_district_only = headcounts.headcount_totals("2026-2027", district_id=district.id)
    assert in_district_only.total == headcounts.Totals(1, 150, 10)
    unassigned = headcounts.headcount_totals("2026-2027", region_id=turkistan.id, district_id=UNASSIGNED)
    assert unassigned.total == headcounts.Totals(1, 20, 5)
    assert headcounts.headcount_totals("2030-2031").total == headcounts.Totals()
    assert in_district.id in {h.school_id for h in db.session.scalars(headcounts.list_headcounts("2026-2027"))}
