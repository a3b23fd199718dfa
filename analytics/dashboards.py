"""What the officials' dashboard shows: the rollups' answers for a scope and filters, every count of people passed
through ``analytics.disclosure`` before it leaves this module.

The pages, the reports and the API all take their numbers from here, so what one shows the others show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from analytics import disclosure, queries
from analytics.disclosure import Rate, Shown
from analytics.models import UNASSIGNED, DistrictMonth, DistrictWeek, Indicator
from analytics.queries import NO_FILTERS, Filters, Period, Scope
from analytics.targets import targets as programme_targets
from courses.models import Course
from lms.db import db, utcnow
from lms.models import District, InstructionLanguage, Region, School, SchoolKind, Settlement, User
from lms.services import org

#: The overview's columns of counts, in order (each a count of people or of their acts).
COUNTS = ("enrolments", "completions", "certificates_issued", "at_risk", "teachers", "teachers_trained")
#: The weekly trend's series: learners active in the week (any course: a course filter leaves them out), enrolments
#: and completions.
TREND = ("learners_active", "enrolments", "completions")
#: Weeks the trend shows, ending with the week the chosen period ends in (or this week, if sooner).
TREND_WEEKS = 12
#: Its rates: (name, numerator, denominator).
RATES = (("completion_rate", "completions", "enrolments"), ("trained_rate", "teachers_trained", "teachers"))


@dataclass(frozen=True)
class Row:
    """A region, district or the unassigned bucket (``key`` 0) with its shown counts and rates."""

    key: int
    name: str
    counts: dict[str, Shown]
    rates: dict[str, Rate]


@dataclass
class Overview:
    scope: Scope
    period: Period
    course_id: int | None
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None


class NoSuchRegion(Exception):
    """The region asked for does not exist."""


class OutsideScope(Exception):
    """The region asked for is not the caller's to see."""


#: The school's four terms as whole months: (first month, months). June to August is no term.
TERMS = ((9, 2), (11, 2), (1, 3), (4, 2))


@dataclass(frozen=True)
class PeriodChoice:
    """A period an official may choose: a week ("2026-W45", ISO), a month ("2026-09"), a term of a school year
    ("2026-2027-t2") or a whole school year ("2026-2027"): whole weeks or whole months, as the rollups count."""

    key: str
    kind: str  # "week", "month", "term" or "year"
    period: Period
    term: int = 0  # the term's number (1 to 4)

    @property
    def first(self) -> date:
        return self.period.first

    @property
    def school_year(self) -> str:
        return _school_year(self.period.first)


def period_of(key: str) -> PeriodChoice | None:
    """The period a choice's key names (any week, month, term or school year, held or not), or None."""
    week = re.fullmatch(r"(\d{4})-W(\d{2})", key)
    if week and 1900 < int(week[1]) < 9999:
        try:
            monday = date.fromisocalendar(int(week[1]), int(week[2]), 1)
        except ValueError:
            return None
        return PeriodChoice(key, "week", Period.weeks(monday))
    month = re.fullmatch(r"(\d{4})-(\d{2})", key)
    if month and 1 <= int(month[2]) <= 12:
        return PeriodChoice(key, "month", Period.months(date(int(month[1]), int(month[2]), 1)))
    year = re.fullmatch(r"(\d{4})-(\d{4})(?:-t([1-4]))?", key)
    if not year or int(year[2]) != int(year[1]) + 1 or not 1900 < int(year[1]) < 9999:
        return None
    start = int(year[1])
    if year[3] is None:
        return PeriodChoice(key, "year", Period.months(date(start, 9, 1), 12))
    number = int(year[3])
    first, count = TERMS[number - 1]
    begins = date(start if first >= 9 else start + 1, first, 1)
    return PeriodChoice(key, "term", Period.months(begins, count), number)


def period_choices(months: list[date], weeks: list[date] | None = None) -> list[PeriodChoice]:
    """The terms, then the months, then the school years that hold data, newest first in each; then the newest
    ``WEEKS_CHOSEN`` weeks (their Mondays) that hold data."""
    terms: dict[str, PeriodChoice] = {}
    years: dict[str, PeriodChoice] = {}
    for month in months:
        year = _school_year(month)
        start = int(year[:4])
        years.setdefault(year, PeriodChoice(year, "year", Period.months(date(start, 9, 1), 12)))
        for number in range(1, len(TERMS) + 1):
            term = period_of(f"{year}-t{number}")
            if term is not None and term.period.first <= month <= term.period.last:
                terms.setdefault(term.key, term)
    in_months = [PeriodChoice(f"{m:%Y-%m}", "month", Period.months(m)) for m in months]
    newest = sorted(terms.values(), key=lambda t: t.first, reverse=True)
    in_weeks = [_week_choice(monday) for monday in (weeks or [])[:WEEKS_CHOSEN]]
    return [*newest, *in_months, *sorted(years.values(), key=lambda y: y.first, reverse=True), *in_weeks]


#: The weeks the period filter offers: the newest that hold data.
WEEKS_CHOSEN = 12


def _week_choice(monday: date) -> PeriodChoice:
    year, week, _day = monday.isocalendar()
    return PeriodChoice(f"{year}-W{week:02d}", "week", Period.weeks(monday))


@dataclass(frozen=True)
class Selection:
    """What a dashboard page, chart or API answer shows: a region (None: the nation), a period and a course (None:
    all), chosen from the fixed choices (the periods the rollups hold, the courses)."""

    region: Region | None
    period: PeriodChoice | None
    course: Course | None
    periods: list[PeriodChoice]
    courses: list[Course]
    #: A district of the region: its schools are the rows (None: the region's districts, or the nation's regions).
    district: District | None = None
    #: Which schools count (by kind, settlement, language of instruction).
    filters: Filters = NO_FILTERS

    @property
    def scope(self) -> Scope:
        return Scope(
            region_id=self.region.id if self.region else None, district_id=self.district.id if self.district else None
        )

    @property
    def course_id(self) -> int | None:
        return self.course.id if self.course else None


def home_region(user: User) -> int | None:
    """The region a regional official's dashboard is (None: the nation's). Raises OutsideScope for a user who may
    see no region."""
    allowed = org.region_ids_in_scope(user)
    if allowed is None:
        return None
    if not allowed:
        raise OutsideScope
    return allowed[0]


def select(
    user: User,
    region_id: int | None,
    period: str | None,
    course: str | None,
    district_id: int | None = None,
    filters: Filters = NO_FILTERS,
) -> Selection:
    """The selection ``user`` asked for: ``region_id`` (None: the nation for a national official, their own region
    for a regional one), ``period`` as a choice's key and ``course`` as its id, either None or unknown for the
    default (the newest month's term, or the newest month outside terms) and every course; a district of the region
    (``district_id``) and the schools' ``filters`` (see ``filters_of``). Raises NoSuchRegion (a district not of the
    region too), OutsideScope."""
    if region_id is None:
        region_id = home_region(user)
    region = None
    if region_id is not None:
        region = db.session.get(Region, region_id)
        if region is None:
            raise NoSuchRegion
        if not org.can_view_region(user, region.id):
            raise OutsideScope
    months = months_with_data()
    periods = period_choices(months, weeks_with_data())
    found = courses()
    chosen = {choice.key: choice for choice in periods}.get(period or "") or _default(periods, months)
    chosen_course = {str(c.id): c for c in found}.get(course or "")
    district = None
    if district_id is not None:
        district = db.session.get(District, district_id)
        if region is None or district is None or district.region_id != region.id:
            raise NoSuchRegion
    return Selection(region, chosen, chosen_course, periods, found, district, filters)


#: The filters' choices: school kinds, settlements and languages of instruction.
FILTER_CHOICES = {
    "kind": tuple(kind.value for kind in SchoolKind),
    "settlement": tuple(settlement.value for settlement in Settlement),
    "instruction": tuple(language.value for language in InstructionLanguage),
}


def filters_of(values: Any) -> Filters:
    """The schools' filters from query values (``kind``, ``settlement``, ``instruction``); an unknown value is no
    filter (see ``unknown_filters`` for the API, which refuses one)."""
    chosen = {name: values.get(name) for name in FILTER_CHOICES}
    return Filters(**{name: value if value in FILTER_CHOICES[name] else None for name, value in chosen.items()})


def unknown_filters(values: Any) -> list[str]:
    """The filters given with a value that is not one of their choices."""
    return [name for name in FILTER_CHOICES if values.get(name) not in (None, "", *FILTER_CHOICES[name])]


def _default(periods: list[PeriodChoice], months: list[date]) -> PeriodChoice | None:
    """The term the newest month falls in, else that month."""
    if not months:
        return None
    newest = months[0]
    for choice in periods:
        if choice.kind == "term" and choice.period.first <= newest <= choice.period.last:
            return choice
    return next(choice for choice in periods if choice.kind == "month" and choice.first == newest)


def months_with_data() -> list[date]:
    """The months the rollups hold, newest first (what the period filter's choices are made of)."""
    found = db.session.scalars(sa.select(DistrictMonth.month).distinct().order_by(DistrictMonth.month.desc()))
    return list(found)


def weeks_with_data() -> list[date]:
    """The weeks (Mondays) the weekly rollups hold, newest first."""
    found = db.session.scalars(
        sa.select(DistrictWeek.week).distinct().order_by(DistrictWeek.week.desc()).limit(WEEKS_CHOSEN)
    )
    return list(found)


def courses() -> list[Course]:
    return list(db.session.scalars(sa.select(Course).order_by(Course.id)))


def _names(scope: Scope, language: str, filters: Filters = NO_FILTERS) -> dict[int, str]:
    """The rows' names: the nation's regions, a region's districts, or a district's schools (those the filters
    keep)."""
    if scope.region_id is None:
        return {r.id: r.name(language) for r in db.session.scalars(sa.select(Region))}
    if scope.district_id is None:
        districts = db.session.scalars(sa.select(District).where(District.region_id == scope.region_id))
        return {d.id: d.name(language) for d in districts}
    schools = sa.select(School).where(School.district_id == scope.district_id, *filters.where_school())
    return {school.id: school.name for school in db.session.scalars(schools)}


def _row(key: int, name: str, cells: list[dict[str, queries.Measure]]) -> Row:
    counts = {measure: _summed(cells, measure) for measure in COUNTS}
    rates = {rate: disclosure.rate(counts[top], counts[bottom]) for rate, top, bottom in RATES}
    return Row(key, name, counts, rates)


def _summed(cells: list[dict[str, queries.Measure]], measure: str) -> Shown:
    """A number as shown: the true count of its parts (of the sources that count ``measure``) perturbed by their
    cell key (``analytics.disclosure``)."""
    total = sum((cell[measure] for cell in cells if measure in cell), queries.Measure())
    return disclosure.shown(total.count, total.key)


def overview(
    scope: Scope,
    period: Period,
    course_id: int | None,
    language: str,
    unassigned: str,
    filters: Filters = NO_FILTERS,
) -> Overview:
    """Per region of the nation (or district of a region) for whole months: enrolments, completions and
    certificates of the period; learners at risk and teachers trained now. ``unassigned`` names the bucket of key
    0. Every row and the total is its true count perturbed by its own cell key: the total is not the sum of the
    rows as shown, and the nation's row of a region is that region's total."""
    cells = counted(scope, period, course_id, filters)
    names = _names(scope, language, filters)
    keys = sorted(set(names) | set(cells), key=lambda k: (k == UNASSIGNED, names.get(k, "")))
    result = Overview(scope, period, course_id)
    for key in keys:
        result.rows.append(_row(key, names.get(key, unassigned), cells.get(key, [])))
    result.total = _row(-1, "", [cell for parts in cells.values() for cell in parts])
    return result


def counted(scope: Scope, period: Period, course_id: int | None, filters: Filters = NO_FILTERS) -> queries.Cells:
    """The overview's parts per region or district, with their true counts and cell keys (never shown as they are:
    ``overview`` perturbs each row's and the total's)."""
    cells: queries.Cells = {}
    for key, parts in queries.activity(scope, period, course_id, filters).items():
        cells.setdefault(key, []).extend(parts)
    for key, parts in queries.at_risk(scope, course_id, filters).items():
        cells.setdefault(key, []).extend({"at_risk": part["learners"]} for part in parts)
    for key, parts in queries.people(scope, _school_year(period.last), filters).items():
        cells.setdefault(key, []).extend(
            {k: part[k] for k in ("teachers", "teachers_trained")} for part in parts if "teachers" in part
        )
    return cells


def _school_year(month: date) -> str:
    """The school year a month falls in (September to August): "2025-2026"."""
    first = month.year if month.month >= 9 else month.year - 1
    return f"{first}-{first + 1}"


@dataclass(frozen=True)
class Trend:
    """Shown counts per week (each week's Monday), per series."""

    weeks: list[date]
    series: dict[str, list[Shown]]


def trend(
    region_id: int | None,
    course_id: int | None,
    period: Period,
    weeks: int = TREND_WEEKS,
    filters: Filters = NO_FILTERS,
    district_id: int | None = None,
) -> Trend:
    """The weeks up to the end of ``period`` in the nation, a region or a district (of one course, or all)."""
    last = min(period.last, utcnow().date())
    monday = last - timedelta(days=last.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    found = queries.weekly_trend(Period.weeks(first, weeks), region_id, course_id, filters, district_id)
    mondays = [first + timedelta(weeks=n) for n in range(weeks)]
    names = [name for name in TREND if not (course_id is not None and name == "learners_active")]
    series = {name: [_summed(found.get(week, []), name) for week in mondays] for name in names}
    return Trend(mondays, series)


def trend_of(selection: Selection, chosen: PeriodChoice) -> Trend:
    """The weekly trend of a selection's place, course and schools, up to the end of ``chosen``."""
    scope = selection.scope
    return trend(
        scope.region_id,
        selection.course_id,
        chosen.period,
        filters=selection.filters,
        district_id=scope.district_id,
    )


@dataclass(frozen=True)
class Step:
    """A module of a course and the learners who opened one of its lessons, as shown."""

    title: str
    learners: Shown
    module_id: int = 0


def funnel(scope: Scope, course: Course, language: str, filters: Filters = NO_FILTERS) -> list[Step]:
    """The course's modules in order with the learners who reached each, since the start: where they drop off."""
    reached = queries.funnel(course.id, scope, filters)
    modules = sorted(course.modules, key=lambda module: module.position)
    return [Step(m.title_in(language), _summed(reached.get(m.id, []), "learners"), m.id) for m in modules]


def grades(scope: Scope, course_id: int | None, filters: Filters = NO_FILTERS) -> list[Shown]:
    """Certificates issued since the start per grade decile (0–9% … 90–100%), as shown."""
    found = queries.grade_distribution(scope, course_id, filters)
    return [_summed(found.get(bucket, []), "certificates") for bucket in range(10)]


@dataclass(frozen=True)
class Progress:
    """A programme indicator in a year: its shown value (None: not counted by the platform yet) against its target
    (None: none set), and the share of the target reached."""

    indicator: Indicator
    value: Shown | None
    target: int | None

    @property
    def percent(self) -> int | None:
        if self.value is None or not self.target:
            return None
        return round(100 * (self.value.value or 0) / self.target)


def indicators(scope: Scope, year: int, trained: Shown, filters: Filters = NO_FILTERS) -> list[Progress]:
    """Every programme indicator of ``year`` in the nation or a region against its target (the regions' sum for
    the nation): certificates issued in the calendar year (its months' counts, perturbed as one) and the teachers
    ``trained`` now (``Coverage.teachers_trained``); advanced learners and projects are not counted yet (the
    programme's second phase). Targets are the nation's and regions': a district or filtered schools have none."""
    targets = programme_targets(year)
    issued = queries.activity(scope, Period.months(date(year, 1, 1), 12), None, filters)
    values: dict[Indicator, Shown | None] = {
        Indicator.CERTIFICATES_ISSUED: _summed([c for parts in issued.values() for c in parts], "certificates_issued"),
        Indicator.TEACHERS_TRAINED: trained,
        Indicator.ADVANCED_LEARNERS: None,
        Indicator.PROJECTS: None,
    }
    result = []
    for indicator, value in values.items():
        if scope.district_id is not None or filters.active:
            target = None
        elif scope.region_id is None:
            target = targets.national.get(indicator)
        else:
            target = targets.value(indicator, scope.region_id)
        result.append(Progress(indicator, value, target))
    return result


@dataclass(frozen=True)
class Coverage:
    """Accounts against the official headcounts of a school year: students enrolled in a course of all students,
    teachers trained of all teachers (shown counts against published headcounts; None: no headcount)."""

    students_enrolled: Shown
    headcount_students: int | None
    teachers_trained: Shown
    headcount_teachers: int | None

    @staticmethod
    def _rate(part: Shown, whole: int | None) -> Rate:
        return disclosure.rate(part, Shown(whole)) if whole else Rate(None, None)

    @property
    def students_rate(self) -> Rate:
        return self._rate(self.students_enrolled, self.headcount_students)

    @property
    def teachers_rate(self) -> Rate:
        return self._rate(self.teachers_trained, self.headcount_teachers)


def coverage(scope: Scope, school_year: str, filters: Filters = NO_FILTERS) -> Coverage:
    """The coverage of the nation, a region or a district in ``school_year``, from the same parts as the overview's
    columns."""
    cells = [c for parts in queries.people(scope, school_year, filters).values() for c in parts]
    headcounts = [c for c in cells if "headcount_students" in c]
    return Coverage(
        _summed(cells, "students_enrolled"),
        sum(c["headcount_students"].count for c in headcounts) or None,
        _summed(cells, "teachers_trained"),
        sum(c["headcount_teachers"].count for c in headcounts) or None,
    )


#: What the overview's rows may be ranked by: its counts and rates (a rate by its shown percent or coded bound).
RANKINGS = (*COUNTS, *(name for name, _top, _bottom in RATES))


def ranked(rows: list[Row], by: str | None) -> list[Row]:
    """The rows from the highest ``by`` down ("<5" and rates not shown last, the unassigned bucket at the end);
    in their own order for ``by`` None or unknown."""
    if by not in RANKINGS:
        return rows

    def value(row: Row) -> float:
        if by in row.counts:
            count = row.counts[by].value
            return float(count) if count is not None else -1.0
        rate = row.rates[by]
        if rate.percent is not None:
            return float(rate.percent)
        return float(rate.bound) - 0.5 if rate.bound is not None else -1.0

    return sorted(rows, key=lambda row: (row.key == UNASSIGNED, -value(row)))


@dataclass(frozen=True)
class Board:
    """Everything the dashboard shows for a selection: the page, its charts and the reports are made of this."""

    overview: Overview
    trend: Trend
    coverage: Coverage
    indicators: list[Progress]
    #: The calendar year of the indicators (the period's, or this year while the period runs).
    year: int
    #: The chosen course's modules as learners reached them (None: no course chosen).
    funnel: list[Step] | None
    grades: list[Shown]


def board(selection: Selection, language: str, unassigned: str, sort: str | None = None) -> Board | None:
    """The dashboard of ``selection`` (None: no period holds data yet), its rows ranked by ``sort``."""
    chosen = selection.period
    if chosen is None:
        return None
    year = min(chosen.period.last, utcnow().date()).year
    scope, filters = selection.scope, selection.filters
    covered = coverage(scope, chosen.school_year, filters)
    table = overview(scope, chosen.period, selection.course_id, language, unassigned, filters)
    table.rows = ranked(table.rows, sort)
    return Board(
        overview=table,
        trend=trend_of(selection, chosen),
        coverage=covered,
        indicators=indicators(scope, year, covered.teachers_trained, filters),
        year=year,
        funnel=funnel(scope, selection.course, language, filters) if selection.course else None,
        grades=grades(scope, selection.course_id, filters),
    )
