"""API: the officials' dashboard measures (/api/v1/analytics), with the pages' scope and disclosure rule.

A count is a whole number of at least 5, adjusted slightly by the disclosure rule (``analytics.disclosure``), or
null for fewer than 5 (0 included); the rule travels with every answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import request
from flask_babel import gettext as _
from webargs.flaskparser import abort

from analytics import dashboards, disclosure, texts
from analytics.dashboards import FILTER_CHOICES, PeriodChoice, Row, Selection
from analytics.disclosure import Rate
from analytics.labels import indicator_label
from analytics.models import Indicator
from analytics.services import data_as_of
from lms.api.base import ApiBlueprint, ErrorSchema, current_api_user, token_required
from lms.models import Role

blp = ApiBlueprint("api_analytics", __name__, url_prefix="/api/v1/analytics", description="Programme analytics")

RULE = (
    f"So that no child can be singled out, a count under {disclosure.THRESHOLD} (0 included) is null; every other "
    f"count is adjusted by a small amount (at most {disclosure.MAX_NOISE} up or down, never below "
    f"{disclosure.THRESHOLD}, nothing on average), the same for the same people whichever way they are asked for. "
    "A total is adjusted on its own, so it may differ slightly from the sum of its rows. Rates come from the "
    f"adjusted counts, only where the denominator is at least {disclosure.THRESHOLD}, coded '<' "
    f"{disclosure.RATE_CODE} or '>' {100 - disclosure.RATE_CODE} at the ends."
)


#: The largest id a table's integer key holds.
ID_MAX = 2**31 - 1


class FiltersSchema(ma.Schema):
    region = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=ID_MAX),
        metadata={"description": "A region's id; default: the nation, or a regional official's region"},
    )
    period = ma.fields.String(
        metadata={
            "description": "A week (YYYY-Www, ISO), a month (YYYY-MM), a term (YYYY-YYYY-tN) or a school year "
            "(YYYY-YYYY), one of `periods`; "
            "default: the term of the newest month"
        }
    )
    course = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=ID_MAX), metadata={"description": "A course's id; default: every course"}
    )
    district = ma.fields.Integer(
        validate=ma.validate.Range(min=1, max=ID_MAX),
        metadata={"description": "A district of `region` (required with it): its schools are the rows"},
    )
    kind = ma.fields.String(
        validate=ma.validate.OneOf(FILTER_CHOICES["kind"]), metadata={"description": "Only schools of this kind"}
    )
    settlement = ma.fields.String(
        validate=ma.validate.OneOf(FILTER_CHOICES["settlement"]),
        metadata={"description": "Only urban or only rural schools"},
    )
    instruction = ma.fields.String(
        validate=ma.validate.OneOf(FILTER_CHOICES["instruction"]),
        metadata={"description": "Only schools teaching in this language"},
    )


class RateSchema(ma.Schema):
    percent = ma.fields.Integer(allow_none=True, metadata={"description": "Whole percent, when not coded"})
    code = ma.fields.String(
        allow_none=True,
        metadata={"description": "'' exact; '<' under `bound`; '>' over `bound`; null: not shown (denominator < 5)"},
    )
    bound = ma.fields.Integer(allow_none=True)


class RowSchema(ma.Schema):
    key = ma.fields.Integer(
        required=True, metadata={"description": "A region's, district's or school's id; 0 unassigned; -1 the total"}
    )
    name = ma.fields.String(required=True)
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(allow_none=True), required=True)
    rates = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(RateSchema), required=True)


class PeriodSchema(ma.Schema):
    key = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"enum": ["term", "month", "year", "week"]})
    first = ma.fields.Date(required=True, metadata={"description": "Its first day"})
    last = ma.fields.Date(required=True, metadata={"description": "Its last day"})
    label = ma.fields.String(required=True, metadata={"description": "Its name in the answer's language"})


class AnswerSchema(ma.Schema):
    region = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "null: the nation"})
    district = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "null: no district"})
    filters = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), required=True, metadata={"description": "Schools' filters"}
    )
    period = ma.fields.Nested(PeriodSchema, allow_none=True, required=True)
    course = ma.fields.Integer(allow_none=True, required=True)
    periods = ma.fields.List(
        ma.fields.Nested(PeriodSchema), required=True, metadata={"description": "The periods that hold data"}
    )
    data_as_of = ma.fields.AwareDateTime(allow_none=True, required=True)
    rule = ma.fields.String(required=True)


class OverviewSchema(AnswerSchema):
    level = ma.fields.String(required=True, metadata={"enum": ["region", "district", "school"]})
    rows = ma.fields.List(ma.fields.Nested(RowSchema), required=True)
    total = ma.fields.Nested(RowSchema, required=True)


class WeekSchema(ma.Schema):
    week = ma.fields.Date(required=True, metadata={"description": "The week's Monday"})
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(allow_none=True), required=True)


class TrendSchema(AnswerSchema):
    weeks = ma.fields.List(ma.fields.Nested(WeekSchema), required=True)


class IndicatorProgressSchema(ma.Schema):
    indicator = ma.fields.String(required=True, metadata={"enum": [i.value for i in Indicator]})
    label = ma.fields.String(required=True, metadata={"description": "Its name in the answer's language"})
    counted = ma.fields.Boolean(
        required=True, metadata={"description": "false: not counted by the platform yet (the second phase)"}
    )
    value = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "null: under 5 or not counted"})
    target = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "null: no target set"})
    percent = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "Of the target"})


class HeadcountCoverageSchema(ma.Schema):
    students_enrolled = ma.fields.Integer(allow_none=True, required=True)
    headcount_students = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "Published"})
    students_rate = ma.fields.Nested(RateSchema, required=True)
    teachers_trained = ma.fields.Integer(allow_none=True, required=True)
    headcount_teachers = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "Published"})
    teachers_rate = ma.fields.Nested(RateSchema, required=True)


class IndicatorsSchema(AnswerSchema):
    year = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "The indicators' calendar year"})
    indicators = ma.fields.List(ma.fields.Nested(IndicatorProgressSchema), required=True)
    coverage = ma.fields.Nested(
        HeadcountCoverageSchema, allow_none=True, required=True, metadata={"description": "Of the period's school year"}
    )


class ModuleReachedSchema(ma.Schema):
    module = ma.fields.Integer(required=True, metadata={"description": "The module's id"})
    title = ma.fields.String(required=True)
    learners = ma.fields.Integer(allow_none=True, required=True, metadata={"description": "Who opened a lesson of it"})


class FunnelSchema(AnswerSchema):
    modules = ma.fields.List(ma.fields.Nested(ModuleReachedSchema), required=True, metadata={"description": "In order"})


class GradeBucketSchema(ma.Schema):
    bucket = ma.fields.Integer(required=True, metadata={"description": "0: 0–9%, …, 9: 90–100%"})
    label = ma.fields.String(required=True)
    certificates = ma.fields.Integer(allow_none=True, required=True)


class GradesSchema(AnswerSchema):
    buckets = ma.fields.List(ma.fields.Nested(GradeBucketSchema), required=True)


def _selection(filters: dict[str, Any]) -> Selection:
    period = filters.get("period")
    course = filters.get("course")
    try:
        district = filters.get("district")
        if district is not None and filters.get("region") is None:
            abort(422, message=_("Give the district's region too."))
        selection = dashboards.select(
            current_api_user(),
            filters.get("region"),
            period,
            None if course is None else str(course),
            district,
            dashboards.filters_of(filters),
        )
    except dashboards.NoSuchRegion:
        abort(404, message=_("No such region."))
    except dashboards.OutsideScope:
        abort(403, message=_("This region is outside your scope."))
    if period is not None and (selection.period is None or selection.period.key != period):
        abort(422, message=_("Choose a period the analytics hold: see periods."))
    if course is not None and selection.course is None:
        abort(422, message=_("No such course."))
    return selection


def _answer(selection: Selection) -> dict[str, Any]:
    return {
        "region": selection.region.id if selection.region else None,
        "district": selection.district.id if selection.district else None,
        "filters": {name: value for name, value in vars(selection.filters).items() if value},
        "period": _period(selection.period) if selection.period else None,
        "course": selection.course_id,
        "periods": [_period(choice) for choice in selection.periods],
        "data_as_of": data_as_of(),
        "rule": RULE,
    }


def _period(choice: PeriodChoice) -> dict[str, Any]:
    return {
        "key": choice.key,
        "kind": choice.kind,
        "first": choice.period.first,
        "last": choice.period.last,
        "label": texts.period_label(choice),
    }


def _rate(rate: Rate) -> dict[str, Any]:
    return {"percent": rate.percent, "code": rate.code, "bound": rate.bound}


def _row(row: Row) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.name,
        "counts": {name: shown.value for name, shown in row.counts.items()},
        "rates": {name: _rate(rate) for name, rate in row.rates.items()},
    }


def measure(path: str, schema: type[ma.Schema]) -> Callable[[Callable[..., Any]], Any]:
    """An analytics route: a GET for an official's or administrator's token, the filters in the query, the answer
    ``schema`` and the errors every measure may answer, as the OpenAPI document shows them."""
    decorators = [
        blp.route(path, methods=["GET"]),
        token_required(Role.OFFICIAL, Role.ADMIN),
        blp.arguments(FiltersSchema, location="query"),
        blp.response(200, schema),
        blp.alt_response(403, schema=ErrorSchema, description="The region is outside the caller's scope"),
        blp.alt_response(404, schema=ErrorSchema, description="No such region"),
        blp.alt_response(422, schema=ErrorSchema, description="A period the analytics do not hold, or no such course"),
    ]

    def decorate(view: Callable[..., Any]) -> Any:
        for decorator in reversed(decorators):
            view = decorator(view)
        return view

    return decorate


def _language() -> str:
    return request.accept_languages.best_match(("kk", "ru", "en")) or current_api_user().preferred_language


@measure("/overview", OverviewSchema)
def overview(filters: dict[str, Any]) -> dict[str, Any]:
    """The nation by region (or a region by district) for a period: the dashboard's table."""
    selection = _selection(filters)
    level = "region" if selection.region is None else "district" if selection.district is None else "school"
    answer = _answer(selection) | {"level": level, "rows": [], "total": None}
    if selection.period is None:
        answer["total"] = _row(Row(-1, "", {}, {}))
        return answer
    unassigned = texts.unassigned(selection)
    table = dashboards.overview(
        selection.scope, selection.period.period, selection.course_id, _language(), unassigned, selection.filters
    )
    answer["rows"] = [_row(row) for row in table.rows]
    answer["total"] = _row(table.total) if table.total else None
    return answer


@measure("/trend", TrendSchema)
def trend(filters: dict[str, Any]) -> dict[str, Any]:
    """The weeks up to the end of the period, as the dashboard's chart and its table show them."""
    selection = _selection(filters)
    answer = _answer(selection) | {"weeks": []}
    if selection.period is not None:
        found = dashboards.trend_of(selection, selection.period)
        answer["weeks"] = [
            {"week": week, "counts": {name: values[i].value for name, values in found.series.items()}}
            for i, week in enumerate(found.weeks)
        ]
    return answer


@measure("/indicators", IndicatorsSchema)
def indicators(filters: dict[str, Any]) -> dict[str, Any]:
    """The programme indicators against their targets and coverage against headcounts, as the dashboard shows them."""
    selection = _selection(filters)
    answer = _answer(selection) | {"year": None, "indicators": [], "coverage": None}
    board = dashboards.board(selection, _language(), texts.unassigned(selection))
    if board is None:
        return answer
    covered = board.coverage
    answer["year"] = board.year
    answer["indicators"] = [
        {
            "indicator": item.indicator.value,
            "label": indicator_label(item.indicator),
            "counted": item.value is not None,
            "value": item.value.value if item.value is not None else None,
            "target": item.target,
            "percent": item.percent,
        }
        for item in board.indicators
    ]
    answer["coverage"] = {
        "students_enrolled": covered.students_enrolled.value,
        "headcount_students": covered.headcount_students,
        "students_rate": _rate(covered.students_rate),
        "teachers_trained": covered.teachers_trained.value,
        "headcount_teachers": covered.headcount_teachers,
        "teachers_rate": _rate(covered.teachers_rate),
    }
    return answer


@measure("/funnel", FunnelSchema)
def funnel(filters: dict[str, Any]) -> dict[str, Any]:
    """A course's modules in order with the learners who reached each, since the start (``course`` required)."""
    selection = _selection(filters)
    if selection.course is None:
        abort(422, message=_("Choose a course: the drop-off funnel is a course's."))
    steps = dashboards.funnel(selection.scope, selection.course, _language(), selection.filters)
    modules = [{"module": s.module_id, "title": s.title, "learners": s.learners.value} for s in steps]
    return _answer(selection) | {"modules": modules}


@measure("/grades", GradesSchema)
def grades(filters: dict[str, Any]) -> dict[str, Any]:
    """Certificates issued since the start per grade decile, as the dashboard's chart and table show them."""
    selection = _selection(filters)
    counts = dashboards.grades(selection.scope, selection.course_id, selection.filters)
    labels = texts.grade_labels()
    buckets = [{"bucket": n, "label": labels[n], "certificates": c.value} for n, c in enumerate(counts)]
    return _answer(selection) | {"buckets": buckets}
