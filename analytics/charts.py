"""Charts of the dashboards as SVG files (pygal), drawn from shown counts only: what a chart shows, its data table
beside it shows too. The same SVG is served to the page (as an ``<img>``) and put in the PDF reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pygal
from lxml import etree
from pygal.style import Style

from analytics.disclosure import Shown

WIDTH, HEIGHT = 800, 360
#: Colours that keep apart for the common colour blindnesses (Okabe and Ito), and the pages' own font.
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#1f2328",
    foreground_strong="#1f2328",
    foreground_subtle="#57606a",
    colors=("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"),
    font_family='"Noto Sans", "DejaVu Sans", sans-serif',
    title_font_size=18,
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=14,
    value_font_size=12,
    guide_stroke_color="#d0d7de",
    major_guide_stroke_color="#d0d7de",
    guide_stroke_dasharray="0",
    major_guide_stroke_dasharray="0",
)


#: Steps of a chart's value axis: marks at multiples of 5 (a mark of 2 or 4 would look like a count under 5).
STEPS = tuple(base * 10**power for power in range(7) for base in (5, 10, 25))
#: At most this many steps up the value axis.
MARKS = 6


def scale(values: Sequence[Shown]) -> list[int]:
    """The value axis' marks: from 0 by a step of 5, 10, 25, 50, … to the largest value or above, at most six
    steps."""
    top = max((value.value or 0 for value in values), default=0)
    step = next(step for step in STEPS if top <= step * MARKS)
    return list(range(0, max(step, -(-top // step) * step) + 1, step))


def line(title: str, labels: Sequence[str], series: dict[str, Sequence[Shown]]) -> bytes:
    """A line chart of shown counts per label (weeks, months); a count shown as "<5" is a gap in its line."""
    chart = pygal.Line(
        style=STYLE,
        width=WIDTH,
        height=HEIGHT,
        js=(),  # an image runs no script: nothing to fetch
        legend_at_bottom=True,
        show_minor_x_labels=len(labels) <= 6,  # more would overlap: every other one is labelled
        x_labels_major_every=max(1, (len(labels) + 5) // 6),
        truncate_label=-1,
        include_x_axis=True,
        allow_interruptions=True,  # "<5" is a gap, not a line drawn through a guess
        stroke_style={"width": 3},
        dots_size=4,
    )
    chart.title = title
    chart.x_labels = list(labels)
    chart.y_labels = scale([value for values in series.values() for value in values])
    for name, values in series.items():
        chart.add(name, [value.value for value in values])
    return _written(chart)


def bars(title: str, labels: Sequence[str], name: str, values: Sequence[Shown]) -> bytes:
    """A horizontal bar chart of shown counts per label (a course's modules, grade deciles); a count shown as "<5"
    has no bar (its table says "<5")."""
    chart = pygal.HorizontalBar(
        style=STYLE,
        width=WIDTH,
        height=max(HEIGHT // 2, 60 + 36 * len(labels)),
        js=(),
        show_legend=False,
        truncate_label=-1,
        include_x_axis=True,
        print_values=False,
    )
    chart.title = title
    # pygal draws the first label at the bottom: reversed, the bars read from the top as the table beside them.
    chart.x_labels = list(reversed(labels))
    chart.y_labels = scale(values)
    chart.add(name, [value.value for value in reversed(values)])
    return _written(chart)


def _written(chart: Any) -> bytes:
    """The chart's SVG without the script pygal always puts in it (its interactive tooltips' settings): an image
    runs no script, and a file with none is plainly an image wherever it is opened."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="utf-8"))
