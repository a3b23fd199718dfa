"""What the officials' dashboard shows: the rollups' answers for a scope and filters, every count of people passed
through ``analytics.disclosure`` before it leaves this module.

The pages, the reports and the API all take their numbers from here, so what one shows the others show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from analytics import disclosure, queries
from analytics.disclosure import Rate, Shown
from analytics.models import UNASSIGNED, DistrictMonth, Indicator
from analytics.queries import Period, Scope
from analytics.targets import targets as programme_targets
from courses.models import Course
from lms.db import db, utcnow
from lms.models import District, Region, User
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
    """A period an official may choose: a month ("2026-09"), a term of a school year ("2026-2027-t2") or a whole
    school year ("2026-2027"), always whole months (the months the rollups count by)."""

    key: str
    kind: str  # "month", "term" or "year"
    period: Period
    term: int = 0  # the term's number (1 to 4)

    @property
    def first(self) -> date:
        return self.period.first

    @property
    def school_year(self) -> str:
        return _school_year(self.period.first)


def period_of(key: str) -> PeriodChoice | None:
    """The period a choice's key names (any month, term or school year, held or not), or None."""
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


def period_choices(months: list[date]) -> list[PeriodChoice]:
    """The terms, then the months, then the school years that hold data, newest first in each."""
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
    return [*newest, *in_months, *sorted(years.values(), key=lambda y: y.first, reverse=True)]


@dataclass(frozen=True)
class Selection:
    """What a dashboard page, chart or API answer shows: a region (None: the nation), a period and a course (None:
    all), chosen from the fixed choices (the periods the rollups hold, the courses)."""

    region: Region | None
    period: PeriodChoice | None
    course: Course | None
    periods: list[PeriodChoice]
    courses: list[Course]

    @property
    def scope(self) -> Scope:
        return Scope(region_id=self.region.id if self.region else None)

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


def select(user: User, region_id: int | None, period: str | None, course: str | None) -> Selection:
    """The selection ``user`` asked for: ``region_id`` (None: the nation for a national official, their own region
    for a regional one), ``period`` as a choice's key and ``course`` as its id, either None or unknown for the
    default (the newest month's term, or the newest month outside terms) and every course. Raises NoSuchRegion,
    OutsideScope."""
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
    periods = period_choices(months)
    found = courses()
    chosen = {choice.key: choice for choice in periods}.get(period or "") or _default(periods, months)
    chosen_course = {str(c.id): c for c in found}.get(course or "")
    return Selection(region, chosen, chosen_course, periods, found)


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


def courses() -> list[Course]:
    return list(db.session.scalars(sa.select(Course).order_by(Course.id)))


def _names(scope: Scope, language: str) -> dict[int, str]:
    if scope.region_id is None:
        return {r.id: r.name(language) for r in db.session.scalars(sa.select(Region))}
    districts = db.session.scalars(sa.select(District).where(District.region_id == scope.region_id))
    return {d.id: d.name(language) for d in districts}


def _row(key: int, name: str, cells: list[dict[str, queries.Measure]]) -> Row:
    counts = {measure: _summed(cells, measure) for measure in COUNTS}
    rates = {rate: disclosure.rate(counts[top], counts[bottom]) for rate, top, bottom in RATES}
    return Row(key, name, counts, rates)


def _summed(cells: list[dict[str, queries.Measure]], measure: str) -> Shown:
    """A number as shown: the true count of its parts (of the sources that count ``measure``) perturbed by their
    cell key (``analytics.disclosure``)."""
    total = sum((cell[measure] for cell in cells if measure in cell), queries.Measure())
    return disclosure.shown(total.count, total.key)


def overview(scope: Scope, period: Period, course_id: int | None, language: str, unassigned: str) -> Overview:
    """Per region of the nation (or district of a region) for whole months: enrolments, completions and
    certificates of the period; learners at risk and teachers trained now. ``unassigned`` names the bucket of key
    0. Every row and the total is its true count perturbed by its own cell key: the total is not the sum of the
    rows as shown, and the nation's row of a region is that region's total."""
    cells = counted(scope, period, course_id)
    names = _names(scope, language)
    keys = sorted(set(names) | set(cells), key=lambda k: (k == UNASSIGNED, names.get(k, "")))
    result = Overview(scope, period, course_id)
    for key in keys:
        result.rows.append(_row(key, names.get(key, unassigned), cells.get(key, [])))
    result.total = _row(-1, "", [cell for parts in cells.values() for cell in parts])
    return result


def counted(scope: Scope, period: Period, course_id: int | None) -> queries.Cells:
    """The overview's parts per region or district, with their true counts and cell keys (never shown as they are:
    ``overview`` perturbs each row's and the total's)."""
    cells: queries.Cells = {}
    for key, parts in queries.activity(scope, period, course_id).items():
        cells.setdefault(key, []).extend(parts)
    for key, parts in queries.at_risk(scope, course_id).items():
        cells.setdefault(key, []).extend({"at_risk": part["learners"]} for part in parts)
    for key, parts in queries.people(scope, _school_year(period.last)).items():
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


def trend(region_id: int | None, course_id: int | None, period: Period, weeks: int = TREND_WEEKS) -> Trend:
    """The weeks up to the end of ``period`` in the nation or a region (of one course, or all)."""
    last = min(period.last, utcnow().date())
    monday = last - timedelta(days=last.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    found = queries.weekly_trend(Period.weeks(first, weeks), region_id, course_id)
    mondays = [first + timedelta(weeks=n) for n in range(weeks)]
    names = [name for name in TREND if not (course_id is not None and name == "learners_active")]
    series = {name: [_summed(found.get(week, []), name) for week in mondays] for name in names}
    return Trend(mondays, series)


@dataclass(frozen=True)
class Step:
    """A module of a course and the learners who opened one of its lessons, as shown."""

    title: str
    learners: Shown
    module_id: int = 0


def funnel(scope: Scope, course: Course, language: str) -> list[Step]:
    """The course's modules in order with the learners who reached each, since the start: where they drop off."""
    reached = queries.funnel(course.id, scope)
    modules = sorted(course.modules, key=lambda module: module.position)
    return [Step(m.title_in(language), _summed(reached.get(m.id, []), "learners"), m.id) for m in modules]


def grades(scope: Scope, course_id: int | None) -> list[Shown]:
    """Certificates issued since the start per grade decile (0–9% … 90–100%), as shown."""
    found = queries.grade_distribution(scope, course_id)
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


def indicators(scope: Scope, year: int, trained: Shown) -> list[Progress]:
    """Every programme indicator of ``year`` in the nation or a region against its target (the regions' sum for
    the nation): certificates issued in the calendar year (its months' counts, perturbed as one) and the teachers
    ``trained`` now (``Coverage.teachers_trained``); advanced learners and projects are not counted yet (the
    programme's second phase)."""
    targets = programme_targets(year)
    issued = queries.activity(scope, Period.months(date(year, 1, 1), 12))
    values: dict[Indicator, Shown | None] = {
        Indicator.CERTIFICATES_ISSUED: _summed([c for parts in issued.values() for c in parts], "certificates_issued"),
        Indicator.TEACHERS_TRAINED: trained,
        Indicator.ADVANCED_LEARNERS: None,
        Indicator.PROJECTS: None,
    }
    result = []
    for indicator, value in values.items():
        if scope.region_id is None:
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


def coverage(scope: Scope, school_year: str) -> Coverage:
    """The nation's or a region's coverage in ``school_year``, from the same cells as the overview's columns."""
    cells = [c for parts in queries.people(scope, school_year).values() for c in parts]
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
    covered = coverage(selection.scope, chosen.school_year)
    table = overview(selection.scope, chosen.period, selection.course_id, language, unassigned)
    table.rows = ranked(table.rows, sort)
    return Board(
        overview=table,
        trend=trend(selection.scope.region_id, selection.course_id, chosen.period),
        coverage=covered,
        indicators=indicators(selection.scope, year, covered.teachers_trained),
        year=year,
        funnel=funnel(selection.scope, selection.course, language) if selection.course else None,
        grades=grades(selection.scope, selection.course_id),
    )
