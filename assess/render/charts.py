"""Charts shared by every renderer: the same assessment always gives byte-identical PNG/SVG files.

matplotlib draws without pyplot (no global figure state) on the Agg/SVG canvases, with the CJK
font found by assess.render.fonts registered by file, so Chinese labels never print as boxes.
SVG text is drawn as paths, so the PDF needs no font for it.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Literal

import matplotlib
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.dates import AutoDateLocator, DateFormatter
from matplotlib.figure import Figure

from assess.assessment.model import Assessment
from assess.config.records import Verdict
from assess.render.fonts import cjk_font_file

ChartFormat = Literal["png", "svg"]

VERDICT_COLOURS: dict[Verdict, str] = {
    Verdict.MET: "#2E7D32",
    Verdict.PARTIAL: "#F9A825",
    Verdict.NOT_MET: "#C62828",
    Verdict.INSUFFICIENT: "#7B1FA2",
    Verdict.NOT_ASSESSED: "#9E9E9E",
    Verdict.NOT_APPLICABLE: "#CFD8DC",
}
"""One colour per verdict (#RRGGBB), used by the charts, the workbook and the PDF alike."""

OVERDUE_COLOUR = VERDICT_COLOURS[Verdict.NOT_MET]
"""Colour of overdue rectification items."""
OPEN_COLOUR = VERDICT_COLOURS[Verdict.PARTIAL]
"""Colour of rectification items still within their deadline."""
OPEN_GAPS_COLOUR = "#37474F"
"""Colour of the open-gap line in the progress chart."""

WIDTH_INCHES = 6.3
"""Chart width: about 160 mm, the width of the Word/PDF text block."""
DPI = 200
"""Fixed PNG resolution, so PNG bytes never depend on the machine's defaults."""

TEXT = {
    "count_axis": "指标数（项）",
    "gap_axis": "未完成整改项（项）",
    "overdue": "已逾期",
    "open": "未逾期",
    "no_gaps": "暂无未完成的整改项",
    "progress_axis": "项数",
    "open_gaps": "未完成整改项",
}
"""Chinese wording of the charts, in one place."""


@functools.cache
def cjk_family() -> str:
    """Register the CJK font file with matplotlib once and return its family (the SC face if any)."""
    path = cjk_font_file()
    font_manager.fontManager.addfont(str(path))
    names = [entry.name for entry in font_manager.fontManager.ttflist if entry.fname == str(path)]
    return next((name for name in names if name.endswith(" SC")), names[0])


@contextmanager
def _chart_style() -> Iterator[None]:
    """Fixed rc settings: CJK font, stable SVG ids, no timestamps, names never read as $math$."""
    settings = {
        "font.family": [cjk_family()],
        "font.size": 9,
        "axes.unicode_minus": False,
        "text.parse_math": False,
        "svg.hashsalt": "assess",
        "svg.fonttype": "path",
        "savefig.dpi": DPI,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
    with matplotlib.rc_context(settings):  # type: ignore[arg-type]  # the stubs list rc keys as literals
        yield


def _render(draw: Callable[[Axes], None], height_inches: float, fmt: ChartFormat) -> bytes:
    """Draw on a fresh figure and save it without any date or version-dependent metadata."""
    with _chart_style():
        figure = Figure(figsize=(WIDTH_INCHES, height_inches), layout="constrained")
        draw(figure.add_subplot())
        buffer = io.BytesIO()
        metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
        figure.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _ink(colour: str) -> str:
    """Black or white text, whichever reads better on `colour`."""
    red, green, blue = to_rgb(colour)
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.55 else "white"


def _stacked_bars(axes: Axes, labels: list[str], series: list[tuple[str, str, list[int]]]) -> None:
    """Horizontal stacked bars, first label on top, each segment labelled with its count."""
    left = [0] * len(labels)
    for name, colour, values in series:
        bars = axes.barh(labels, values, left=left, color=colour, label=name, height=0.6)
        axes.bar_label(bars, labels=[str(v) if v else "" for v in values], label_type="center", color=_ink(colour))
        left = [a + b for a, b in zip(left, values)]
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]  # a MaxNLocator: whole counts
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=len(series), frameon=False)


def verdicts_by_category(assessment: Assessment, fmt: ChartFormat) -> bytes:
    """Stacked bars of verdict counts per category; verdicts no indicator received are left out."""
    labels = [category.name for category in assessment.categories]
    series = [
        (verdict.value, VERDICT_COLOURS[verdict], [category.counts.get(verdict, 0) for category in assessment.categories])
        for verdict in Verdict
    ]
    series = [entry for entry in series if any(entry[2])]

    def draw(axes: Axes) -> None:
        _stacked_bars(axes, labels, series)
        axes.set_xlabel(TEXT["count_axis"])

    return _render(draw, 0.36 * len(labels) + 1.1, fmt)


def open_gaps_by_department(assessment: Assessment, fmt: ChartFormat) -> bytes:
    """Stacked bars of each lead department's open gaps, overdue first, most open on top."""
    departments = sorted((d for d in assessment.departments if d.open_gaps), key=lambda d: -d.open_gaps)
    labels = [d.short for d in departments]
    series = [
        (TEXT["overdue"], OVERDUE_COLOUR, [d.overdue_gaps for d in departments]),
        (TEXT["open"], OPEN_COLOUR, [d.open_gaps - d.overdue_gaps for d in departments]),
    ]

    def draw(axes: Axes) -> None:
        if not departments:
            axes.set_axis_off()
            axes.text(0.5, 0.5, TEXT["no_gaps"], ha="center", va="center", fontsize=12)
            return
        _stacked_bars(axes, labels, series)
        axes.set_xlabel(TEXT["gap_axis"])

    return _render(draw, 0.4 * max(len(labels), 2) + 1.2, fmt)


def progress_over_time(assessment: Assessment, fmt: ChartFormat) -> bytes | None:
    """Lines of verdict counts and open gaps per recorded run; None with fewer than two runs."""
    history = sorted(assessment.history, key=lambda snapshot: snapshot.date)
    if len(history) < 2:
        return None
    dates = [snapshot.date for snapshot in history]  # matplotlib plots dates; its stubs only admit numbers

    def draw(axes: Axes) -> None:
        for verdict in Verdict:
            values = [snapshot.counts.get(verdict, 0) for snapshot in history]
            if any(values):
                axes.plot(dates, values, marker="o", color=VERDICT_COLOURS[verdict], label=verdict.value)  # type: ignore[arg-type]
        open_gaps = [sum(snapshot.open_gaps.values()) for snapshot in history]
        axes.plot(dates, open_gaps, marker="s", linestyle="--", color=OPEN_GAPS_COLOUR, label=TEXT["open_gaps"])  # type: ignore[arg-type]
        if len(dates) <= 8:
            axes.set_xticks(dates)  # type: ignore[arg-type]
        else:
            axes.xaxis.set_major_locator(AutoDateLocator())
        axes.xaxis.set_major_formatter(DateFormatter("%Y-%m-%d"))
        axes.set_ylabel(TEXT["progress_axis"], rotation=0, horizontalalignment="right")
        axes.margins(x=0.06)
        axes.set_ylim(bottom=0)
        axes.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]  # a MaxNLocator: whole counts
        axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=4, frameon=False)

    return _render(draw, 3.2, fmt)
