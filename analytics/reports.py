"""Progress reports for officials' meetings: the dashboard's shown numbers (``analytics.dashboards``, already passed
through the disclosure rule) shaped with pandas into CSV (UTF-8 with a BOM, so spreadsheets read Kazakh and Russian
letters), XLSX (a sheet per table, typed numbers, frozen headers, text cells escaped by ``lms.spreadsheets``) and
PDF (WeasyPrint, with the page's chart, in the reader's language; the certificates' shipped fonts).

Every file states its scope, filters, the time of its data and the rule. Only small tables reach memory: a region's
districts or the nation's regions, and twelve weeks.
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

from analytics.dashboards import COUNTS, RATES, Overview, Row, Trend
from analytics.disclosure import Rate, Shown
from certificates.pdf import FONTS_DIR
from lms.spreadsheets import safe_cell

#: How a count under the threshold is written in a file (as on the page).
SUPPRESSED = "<5"


@dataclass(frozen=True)
class Report:
    """A report's tables and what it states about them, in the reader's language."""

    title: str
    about: list[tuple[str, str]]  # (label, value): scope, month, course, data as of
    rule: tuple[str, str]  # (label, text): the disclosure rule, which every file states
    level: str  # the first column's header: "Region" or "District"
    total: str  # the total row's label
    headers: dict[str, str]  # a count's or rate's name → its column header
    week: str  # the weeks table's first header
    overview: Overview
    trend: Trend
    sheet_names: tuple[str, str, str]  # the overview's, the weeks', the about sheet's


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


def overview_frame(report: Report) -> pd.DataFrame:
    """One row per region or district, then the total; counts as whole numbers or "<5", rates as shares."""
    columns = [report.level, *(report.headers[name] for name in COUNTS), *(report.headers[n] for n, *_ in RATES)]
    rows = [[row.name, *_values(row)] for row in report.overview.rows]
    if report.overview.total is not None:
        rows.append([report.total, *_values(report.overview.total)])
    return pd.DataFrame(rows, columns=columns)


def trend_frame(report: Report) -> pd.DataFrame:
    """One row per week (its Monday), a column per series."""
    names = list(report.trend.series)
    rows: list[list[date | int | str]] = [
        [week, *(_count(report.trend.series[name][i]) for name in names)] for i, week in enumerate(report.trend.weeks)
    ]
    return pd.DataFrame(rows, columns=[report.week, *(report.headers[name] for name in names)])


def _escaped(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(safe_cell)


def _percent_text(value: object) -> object:
    return f"{round(value * 100)}%" if isinstance(value, float) else value


def csv_bytes(report: Report) -> bytes:
    """The report as one CSV file: what it states, a blank line, the overview, a blank line, the weeks."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(report.title)])
    for label, value in [*report.about, report.rule]:
        writer.writerow([safe_cell(label), safe_cell(value)])
    writer.writerow([])
    overview = _escaped(overview_frame(report)).map(_percent_text)
    overview.to_csv(out, index=False, lineterminator="\r\n")
    out.write("\r\n")
    _escaped(trend_frame(report)).to_csv(out, index=False, lineterminator="\r\n")
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(report: Report) -> bytes:
    """The report as a workbook: the overview, the weeks and what it states, each on its own sheet."""
    out = io.BytesIO()
    overview_name, weeks_name, about_name = report.sheet_names
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        overview = _escaped(overview_frame(report))
        overview.to_excel(writer, sheet_name=overview_name, index=False)
        _escaped(trend_frame(report)).to_excel(writer, sheet_name=weeks_name, index=False)
        about = pd.DataFrame([[report.title, ""], *report.about, report.rule]).map(safe_cell)
        about.to_excel(writer, sheet_name=about_name, index=False, header=False)
        rates = {report.headers[name] for name, *_ in RATES}
        for name in (overview_name, weeks_name):
            sheet = writer.sheets[name]
            sheet.freeze_panes = "B2"
            for column in sheet.iter_cols(min_row=1, max_row=sheet.max_row):
                width = max(len(str(cell.value or "")) for cell in column)
                sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 10), 40)
                if column[0].value in rates:
                    for cell in column[1:]:
                        if isinstance(cell.value, float):
                            cell.number_format = "0%"
        writer.sheets[weeks_name].column_dimensions["A"].width = 12
        for row in writer.sheets[weeks_name].iter_rows(min_row=2, max_col=1):
            row[0].number_format = "yyyy-mm-dd"
        writer.sheets[about_name].column_dimensions["A"].width = 24
        writer.sheets[about_name].column_dimensions["B"].width = 100
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


def pdf_bytes(report: Report, chart: bytes, chart_alt: str, language: str) -> bytes:
    """The report as a tagged PDF: what it states, the overview, the weekly chart (the page's SVG) and its table."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    overview = _escaped(overview_frame(report)).map(_percent_text)
    weeks = trend_frame(report)
    weeks[report.week] = [format(week, "%Y-%m-%d") for week in weeks[report.week]]
    html = render_template(
        "analytics/report_pdf.html",
        report=report,
        overview=overview,
        weeks=weeks,
        chart="data:image/svg+xml;base64," + base64.b64encode(chart).decode(),
        chart_alt=chart_alt,
        language=language,
    )
    document = HTML(string=html, base_url=str(FONTS_DIR) + "/", url_fetcher=_fonts_and_chart_fetcher())
    data: bytes = document.write_pdf(font_config=FontConfiguration(), pdf_tags=True)
    return data
