"""Progress reports for officials' meetings: the dashboard's shown numbers (``analytics.dashboards``, already passed
through the disclosure rule) shaped with pandas into CSV (UTF-8 with a BOM, so spreadsheets read Kazakh and Russian
letters), XLSX (a sheet per table, typed numbers, frozen headers, text cells escaped by ``lms.spreadsheets``) and
PDF (WeasyPrint, with the page's charts, in the reader's language; the certificates' shipped fonts).

A report holds the dashboard's sections (``dashboards.Board``): the programme indicators and coverage, the regions or
districts, the weeks, the chosen course's modules and the certificates' grades. Every file states its scope, filters,
the time of its data and the rule. Only small tables reach memory: a region's districts or the nation's regions,
twelve weeks, a course's modules, ten grades.
"""

from __future__ import annotations

import base64
import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from flask import render_template

from analytics.dashboards import COUNTS, RATES, Board, Row
from analytics.disclosure import Rate, Shown
from certificates.pdf import FONTS_DIR
from lms.spreadsheets import safe_cell

#: How a count under the threshold is written in a file (as on the page).
SUPPRESSED = "<5"


@dataclass(frozen=True)
class Section:
    """One table of a report — a sheet of the workbook, a block of the CSV, a table of the PDF (with its chart)."""

    title: str
    #: Its sheet's name in a workbook (short: Excel allows 31 characters).
    sheet: str
    #: The first column names the rows; counts are whole numbers or "<5", rates shares (0–1) or coded texts.
    frame: pd.DataFrame
    #: The columns holding shares, formatted as percentages.
    rates: frozenset[str] = frozenset()
    #: Whether the last row is the total (set apart in the PDF).
    total: bool = False
    #: Whether the first column holds dates (the weeks' Mondays).
    dates: bool = False
    chart: bytes | None = None
    chart_alt: str = ""


@dataclass(frozen=True)
class Report:
    """A report's tables and what it states about them, in the reader's language."""

    title: str
    about: list[tuple[str, str]]  # (label, value): scope, period, course, data as of
    rule: tuple[str, str]  # (label, text): the disclosure rule, which every file states
    sections: list[Section]
    about_name: str  # the about sheet's name


@dataclass(frozen=True)
class Labels:
    """The headers and titles a report's sections are written with, in the reader's language."""

    level: str  # the overview's first column: "Region" or "District"
    total: str  # the total row's label
    headers: dict[str, str]  # a count's or rate's name → its column header
    titles: dict[str, str]  # a section's name → its title (overview, trend, indicators, coverage, funnel, grades)
    sheets: dict[str, str]  # a section's name → its sheet's name
    week: str  # the weeks' first header
    indicator: tuple[str, str, str, str]  # indicator, so far, target, of the target
    not_counted: str
    indicator_names: dict[str, str]
    coverage: tuple[str, str, str, str]  # who, on the platform, headcount, coverage
    coverage_rows: tuple[str, str]  # students enrolled, teachers trained
    module: tuple[str, str]  # module, learners
    grade: tuple[str, str]  # grade, certificates
    grade_names: list[str]


def _count(shown: Shown) -> int | str:
    return SUPPRESSED if shown.value is None else shown.value


def _rate(rate: Rate) -> float | str:
    """A share (0–1) for a spreadsheet's percent format, or the coded text ("<5%", ">95%", "—")."""
    if not rate.shown:
        return "—"
    if rate.code:
        return f"{rate.code}{rate.bound}%"
    return (rate.percent or 0) / 100


def _values(row: Row) -> list[int | float | str]:
    return [*(_count(row.counts[name]) for name in COUNTS), *(_rate(row.rates[name]) for name, _top, _bottom in RATES)]


def overview_section(board: Board, labels: Labels) -> Section:
    """One row per region or district, then the total; counts as whole numbers or "<5", rates as shares."""
    columns = [labels.level, *(labels.headers[name] for name in COUNTS), *(labels.headers[n] for n, *_ in RATES)]
    rows = [[row.name, *_values(row)] for row in board.overview.rows]
    if board.overview.total is not None:
        rows.append([labels.total, *_values(board.overview.total)])
    rates = frozenset(labels.headers[name] for name, *_ in RATES)
    return Section(
        labels.titles["overview"], labels.sheets["overview"], pd.DataFrame(rows, columns=columns), rates, total=True
    )


def trend_section(board: Board, labels: Labels, chart: bytes | None = None, alt: str = "") -> Section:
    """One row per week (its Monday), a column per series."""
    trend = board.trend
    names = list(trend.series)
    rows: list[list[date | int | str]] = [
        [week, *(_count(trend.series[name][i]) for name in names)] for i, week in enumerate(trend.weeks)
    ]
    frame = pd.DataFrame(rows, columns=[labels.week, *(labels.headers[name] for name in names)])
    return Section(labels.titles["trend"], labels.sheets["trend"], frame, dates=True, chart=chart, chart_alt=alt)


def indicators_section(board: Board, labels: Labels) -> Section:
    """Each programme indicator of the year against its target (a share of the target reached)."""
    rows = []
    for item in board.indicators:
        value: int | str = labels.not_counted if item.value is None else _count(item.value)
        share: float | str = item.percent / 100 if item.percent is not None else "—"
        rows.append([labels.indicator_names[item.indicator], value, item.target or "—", share])
    frame = pd.DataFrame(rows, columns=list(labels.indicator))
    return Section(labels.titles["indicators"], labels.sheets["indicators"], frame, frozenset({labels.indicator[3]}))


def coverage_section(board: Board, labels: Labels) -> Section:
    """Students enrolled and teachers trained against the school year's headcounts."""
    covered = board.coverage
    rows = [
        [
            labels.coverage_rows[0],
            _count(covered.students_enrolled),
            covered.headcount_students or "—",
            _rate(covered.students_rate),
        ],
        [
            labels.coverage_rows[1],
            _count(covered.teachers_trained),
            covered.headcount_teachers or "—",
            _rate(covered.teachers_rate),
        ],
    ]
    return Section(
        labels.titles["coverage"],
        labels.sheets["coverage"],
        pd.DataFrame(rows, columns=list(labels.coverage)),
        frozenset({labels.coverage[3]}),
    )


def funnel_section(board: Board, labels: Labels, chart: bytes | None = None, alt: str = "") -> Section | None:
    """The chosen course's modules in order with the learners who reached each (None: no course chosen)."""
    if board.funnel is None:
        return None
    rows = [[f"{n}. {step.title}", _count(step.learners)] for n, step in enumerate(board.funnel, start=1)]
    frame = pd.DataFrame(rows, columns=list(labels.module))
    return Section(labels.titles["funnel"], labels.sheets["funnel"], frame, chart=chart, chart_alt=alt)


def grades_section(board: Board, labels: Labels, chart: bytes | None = None, alt: str = "") -> Section:
    """Certificates per grade decile."""
    rows = [[name, _count(count)] for name, count in zip(labels.grade_names, board.grades, strict=True)]
    frame = pd.DataFrame(rows, columns=list(labels.grade))
    return Section(labels.titles["grades"], labels.sheets["grades"], frame, chart=chart, chart_alt=alt)


def _escaped(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(safe_cell)


def _percent_text(value: object) -> object:
    return f"{round(value * 100)}%" if isinstance(value, float) else value


def _as_text(section: Section) -> pd.DataFrame:
    """A section's table as text is written (CSV, PDF): shares as percentages, dates as ISO dates."""
    frame = _escaped(section.frame)
    first = frame.columns[0]
    for column in section.rates:
        frame[column] = frame[column].map(_percent_text)
    if section.dates:
        frame[first] = [format(value, "%Y-%m-%d") for value in frame[first]]
    return frame


def csv_bytes(report: Report) -> bytes:
    """The report as one CSV file: what it states, then each section's title and table, a blank line between."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(report.title)])
    for label, value in [*report.about, report.rule]:
        writer.writerow([safe_cell(label), safe_cell(value)])
    for section in report.sections:
        writer.writerow([])
        writer.writerow([safe_cell(section.title)])
        _as_text(section).to_csv(out, index=False, lineterminator="\r\n")
    return out.getvalue().encode("utf-8-sig")


#: What a sheet's name may not hold (Excel's rule), and its length.
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})
_SHEET_LENGTH = 31


def sheet_names(report: Report) -> list[str]:
    """A sheet name per section, then the about sheet's: Excel's characters and length, each unique."""
    names: list[str] = []
    for title in [*(section.sheet for section in report.sections), report.about_name]:
        name = title.translate(_SHEET_FORBIDDEN).strip()[:_SHEET_LENGTH].strip() or "-"
        number = 2
        while name in names:
            suffix = f" ({number})"
            name = name[: _SHEET_LENGTH - len(suffix)] + suffix
            number += 1
        names.append(name)
    return names


def xlsx_bytes(report: Report) -> bytes:
    """The report as a workbook: a sheet per section (typed numbers, frozen headers) and one of what it states."""
    out = io.BytesIO()
    names = sheet_names(report)
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for section, name in zip(report.sections, names, strict=False):
            _escaped(section.frame).to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            sheet.freeze_panes = "B2"
            for column in sheet.iter_cols(min_row=1, max_row=sheet.max_row):
                width = max(len(str(cell.value or "")) for cell in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 40)
                if column[0].value in section.rates:
                    for cell in column[1:]:
                        if isinstance(cell.value, float):
                            cell.number_format = "0%"
            if section.dates:
                sheet.column_dimensions["A"].width = 12
                for row in sheet.iter_rows(min_row=2, max_col=1):
                    row[0].number_format = "yyyy-mm-dd"
        about = pd.DataFrame([[report.title, ""], *report.about, report.rule]).map(safe_cell)
        about.to_excel(writer, sheet_name=names[-1], index=False, header=False)
        writer.sheets[names[-1]].column_dimensions["A"].width = 24
        writer.sheets[names[-1]].column_dimensions["B"].width = 100
    return out.getvalue()


def _fonts_and_chart_fetcher() -> Any:
    """A WeasyPrint URL fetcher for the shipped fonts and the chart's data: URL only: nothing from the network,
    no other file."""
    from weasyprint.urls import URLFetcher

    class FontsAndChart(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:image/svg+xml;base64,"):
                return super().fetch(url, headers)
            path = Path(url.removeprefix("file://")).resolve() if url.startswith("file://") else None
            if path is None or path.parent != FONTS_DIR:
                raise ValueError(f"a report fetches nothing but its fonts and chart: {url}")
            return super().fetch(url, headers)

    return FontsAndChart(allowed_protocols=("file", "data"), allow_redirects=False, fail_on_errors=True)


def pdf_bytes(report: Report, language: str) -> bytes:
    """The report as a tagged PDF: what it states, then each section's table with its chart (the page's SVG)."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    sections = [
        (
            section,
            _as_text(section),
            "data:image/svg+xml;base64," + base64.b64encode(section.chart).decode() if section.chart else None,
        )
        for section in report.sections
    ]
    html = render_template("analytics/report_pdf.html", report=report, sections=sections, language=language)
    document = HTML(string=html, base_url=str(FONTS_DIR) + "/", url_fetcher=_fonts_and_chart_fetcher())
    data: bytes = document.write_pdf(font_config=FontConfiguration(), pdf_tags=True)
    return data
