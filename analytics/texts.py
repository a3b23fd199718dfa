"""What the dashboard's pages, charts and reports say, in the reader's language (``flask_babel``'s locale): the
rule, the names of the weekly series, the place, and the weekly chart drawn with them."""

from __future__ import annotations

from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from analytics import charts, dashboards
from analytics.disclosure import Shown
from lms.labels import INSTRUCTION_LABELS, KIND_LABELS, SETTLEMENT_LABELS


def language() -> str:
    return str(get_locale() or "kk")


def rule_text() -> str:
    """The disclosure rule in the reader's language, as every page and file states it."""
    return (
        _(
            "So that no child can be singled out, a count of fewer than 5 people is shown as “<5”, and every other "
            "number is adjusted by a small amount (at most 3 up or down, never below 5, nothing on average), the same "
            "for the same people wherever they appear; so a total may differ slightly from the sum of its rows. "
            "Rates are computed from the adjusted counts, only where the denominator is at least 5, and shown as "
            "“<5%%” or “>95%%” at the ends."
        )
        % {}
    )


def period_label(choice: dashboards.PeriodChoice) -> str:
    """A period as the filter and the reports name it: "September 2026", "Term 2, 2026–2027", "School year
    2026–2027"."""
    years = choice.school_year.replace("-", "–")
    if choice.kind == "term":
        return _("Term %(number)s, %(years)s", number=choice.term, years=years)
    if choice.kind == "year":
        return _("School year %(years)s", years=years)
    if choice.kind == "week":
        return _("Week of %(date)s", date=format_date(choice.first, "d MMM y"))
    return format_date(choice.first, "LLLL y")


def period_key_label(key: str) -> str:
    """A stored period key as ``period_label`` names it (the key itself if it names none)."""
    choice = dashboards.period_of(key)
    return period_label(choice) if choice else key


def ranking_labels() -> dict[str, str]:
    """What the overview may be ranked by, as the filter names it."""
    return {
        "enrolments": _("Enrolments"),
        "completions": _("Completions"),
        "completion_rate": _("Completed, %% of enrolments") % {},
        "certificates_issued": _("Certificates issued"),
        "at_risk": _("At risk now"),
        "teachers_trained": _("Teachers trained"),
        "trained_rate": _("Trained, %% of teachers") % {},
    }


def trend_labels() -> dict[str, str]:
    return {
        "learners_active": _("Learners active"),
        "enrolments": _("Enrolments"),
        "completions": _("Completions"),
    }


def place(selection: dashboards.Selection) -> str:
    """The place a selection shows: the nation, a region, or a district with its region; with its schools' filters."""
    if selection.region is None:
        named = _("The whole country")
    elif selection.district is None:
        named = selection.region.name(language())
    else:
        named = f"{selection.district.name(language())}, {selection.region.name(language())}"
    chosen = filters_text(selection)
    return f"{named} ({chosen})" if chosen else named


def level(selection: dashboards.Selection) -> str:
    """The rows' kind, as the overview's first column is headed."""
    if selection.region is None:
        return _("Region")
    return _("District") if selection.district is None else _("School")


def filter_labels() -> dict[str, tuple[str, dict[str, str]]]:
    """Each schools' filter: its label and its choices' labels."""
    return {
        "kind": (_("School kind"), {value: str(label) for value, label in KIND_LABELS.items()}),
        "settlement": (_("Settlement"), {value: str(label) for value, label in SETTLEMENT_LABELS.items()}),
        "instruction": (
            _("Language of instruction"),
            {value: str(label) for value, label in INSTRUCTION_LABELS.items()},
        ),
    }


def filters_text(selection: dashboards.Selection) -> str:
    """The schools' filters chosen, as a report and a page's title state them ("" for none)."""
    labels = filter_labels()
    chosen = vars(selection.filters)
    return ", ".join(labels[name][1][value] for name, value in chosen.items() if value)


def unassigned(selection: dashboards.Selection) -> str:
    """The name of the rows of key 0: learners with no school (the nation's), schools with no district (a region's)."""
    return _("Learners with no school") if selection.region is None else _("Schools with no district")


def learners_label() -> str:
    return _("Learners")


def certificates_label() -> str:
    return _("Certificates")


def grade_labels() -> list[str]:
    """The deciles' names: "0–9%" … "90–100%"."""
    return [f"{10 * n}–{100 if n == 9 else 10 * n + 9}%" for n in range(10)]


def funnel_title(selection: dashboards.Selection) -> str:
    course = selection.course.title_in(language()) if selection.course else ""
    return _("Where learners drop off: %(place)s", place=place(selection)) + (f" · {course}" if course else "")


def grades_title(selection: dashboards.Selection) -> str:
    return _("Grades of the certificates: %(place)s", place=place(selection))


def trend_alt(trend: dashboards.Trend) -> str:
    """The chart's text alternative: what it draws, and that the table beside it holds its numbers."""
    labels = trend_labels()
    return _("A line chart of the table below: %(series)s per week.", series=", ".join(labels[n] for n in trend.series))


def trend_svg(selection: dashboards.Selection, trend: dashboards.Trend) -> bytes:
    """The weekly chart of a selection, as the page and the PDF report show it."""
    labels = trend_labels()
    return charts.line(
        _("Week by week: %(place)s", place=place(selection)),
        [format_date(week, "d MMM") for week in trend.weeks],
        {labels[name]: values for name, values in trend.series.items()},
    )


def funnel_svg(selection: dashboards.Selection, steps: list[dashboards.Step]) -> bytes:
    """A course's learners by module reached, as the page and the PDF report show it."""
    return charts.bars(funnel_title(selection), [s.title for s in steps], learners_label(), [s.learners for s in steps])


def funnel_alt() -> str:
    return _("A bar chart of the table below: learners who reached each module.")


def grades_svg(selection: dashboards.Selection, counts: list[Shown]) -> bytes:
    """Certificates by grade decile, as the page and the PDF report show them."""
    return charts.bars(grades_title(selection), grade_labels(), certificates_label(), counts)


def grades_alt() -> str:
    return _("A bar chart of the table below: certificates by grade.")
