"""Charts: Chinese labels, the shared verdict colours, and byte-identical output for the same input."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from PIL import Image

from assess.config.records import Snapshot, Verdict
from assess.render.charts import (
    DPI,
    VERDICT_COLOURS,
    WIDTH_INCHES,
    open_gaps_by_department,
    progress_over_time,
    verdicts_by_category,
)


def svg_labels(svg: bytes) -> list[str]:
    """Texts of an SVG chart (matplotlib draws text as paths and names each in a comment)."""
    return re.findall(r"<!-- (.*?) -->", svg.decode("utf-8"))


def snapshot(day: date, met: int, open_gaps: int) -> Snapshot:
    return Snapshot(date=day, counts={Verdict.MET: met, Verdict.NOT_MET: 42 - met}, open_gaps={"区卫健委": open_gaps})


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_same_assessment_gives_identical_chart_bytes(sample_assessment, fmt):
    assert verdicts_by_category(sample_assessment, fmt) == verdicts_by_category(sample_assessment, fmt)


def test_verdict_chart_labels_categories_in_chinese(sample_assessment):
    labels = svg_labels(verdicts_by_category(sample_assessment, "svg"))
    assert [c.name for c in sample_assessment.categories] == [label for label in labels if label in {c.name for c in sample_assessment.categories}]
    assert "达标" in labels and "部分达标" in labels and "指标数（项）" in labels


def test_verdict_chart_uses_the_shared_colour_of_each_verdict_received(sample_assessment):
    svg = verdicts_by_category(sample_assessment, "svg").decode("utf-8").lower()
    received = {v for v, n in sample_assessment.counts.items() if n}
    for verdict, colour in VERDICT_COLOURS.items():
        assert (f"fill: {colour.lower()}" in svg) == (verdict in received), verdict


def test_svg_has_no_date_and_no_font_dependency(sample_assessment):
    svg = verdicts_by_category(sample_assessment, "svg").decode("utf-8")
    assert "<dc:date>" not in svg
    assert "<text" not in svg


def test_png_has_fixed_size_and_no_software_stamp(sample_assessment):
    image = Image.open(io.BytesIO(verdicts_by_category(sample_assessment, "png")))
    assert image.format == "PNG"
    assert image.width == round(WIDTH_INCHES * DPI)
    assert "Software" not in image.info


def test_open_gaps_chart_lists_departments_with_open_gaps(sample_assessment):
    labels = svg_labels(open_gaps_by_department(sample_assessment, "svg"))
    with_gaps = [d.short for d in sample_assessment.departments if d.open_gaps]
    without = [d.short for d in sample_assessment.departments if not d.open_gaps]
    assert set(with_gaps) <= set(labels)
    assert not set(without) & set(labels)
    assert "已逾期" in labels


def test_open_gaps_chart_says_so_when_nothing_is_open(sample_assessment):
    cleared = sample_assessment.model_copy(
        update={"departments": [d.model_copy(update={"open_gaps": 0, "overdue_gaps": 0}) for d in sample_assessment.departments]}
    )
    assert "暂无未完成的整改项" in svg_labels(open_gaps_by_department(cleared, "svg"))


def test_progress_needs_two_snapshots(sample_assessment):
    one = sample_assessment.model_copy(update={"history": [snapshot(date(2024, 3, 31), 10, 12)]})
    assert progress_over_time(sample_assessment, "png") is None
    assert progress_over_time(one, "png") is None


def test_progress_plots_each_snapshot_date(sample_assessment):
    history = [snapshot(date(2024, 6, 30), 18, 6), snapshot(date(2024, 3, 31), 10, 12)]
    chart = progress_over_time(sample_assessment.model_copy(update={"history": history}), "svg")
    labels = svg_labels(chart)
    assert "2024-03-31" in labels and "2024-06-30" in labels
    assert "达标" in labels and "未完成整改项" in labels


def test_dollar_signs_in_names_are_plain_text(sample_assessment):
    odd = [c.model_copy(update={"name": "费用$^{x$类"}) if n == 0 else c for n, c in enumerate(sample_assessment.categories)]
    labels = svg_labels(verdicts_by_category(sample_assessment.model_copy(update={"categories": odd}), "svg"))
    assert "费用$^{x$类" in labels
