"""Progress over time: one snapshot per as-of date in data/history.yaml, for the reports' charts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from assess.assessment.model import Assessment, Gap, IndicatorResult
from assess.atomic import write_text
from assess.config.data import HISTORY_FILE, HistoryFile, load_optional
from assess.config.project import Project
from assess.config.records import Snapshot, Verdict
from assess.errors import display_path

HEADER = """\
# 自评进度记录：每个报告日期一条（各结论的指标数、各牵头部门未完成的整改项数），供报告绘制进度图。
# 由 `assess status --record` 写入；同一日期再次记录时替换原记录。
"""


def take_snapshot(on: date, indicators: list[IndicatorResult], gaps: list[Gap]) -> Snapshot:
    """Counts per verdict and open gaps per lead department (every leading department listed, even at 0)."""
    counts = {verdict: sum(1 for r in indicators if r.verdict is verdict) for verdict in Verdict}
    leads = dict.fromkeys(short for r in indicators for short in r.lead)
    open_gaps = {short: 0 for short in leads}
    for gap in gaps:
        if gap.open:
            for short in gap.lead:
                open_gaps[short] = open_gaps.get(short, 0) + 1
    return Snapshot(date=on, counts=counts, open_gaps=open_gaps)


def up_to(history: list[Snapshot], snapshot: Snapshot) -> list[Snapshot]:
    """Recorded snapshots before this one's date, then this one: the progress as of that date."""
    return [s for s in history if s.date < snapshot.date] + [snapshot]


def record_snapshot(project: Project, assessment: Assessment) -> Path:
    """Store the assessment's own snapshot in data/history.yaml, replacing one of the same date."""
    path = project.path("data") / HISTORY_FILE
    current = next(s for s in assessment.history if s.date == assessment.report_date)
    kept = [s for s in _recorded(path, display_path(path, project.root)) if s.date != current.date]
    write_text(path, history_text(sorted([*kept, current], key=lambda s: s.date)))
    return path


def history_text(snapshots: list[Snapshot]) -> str:
    """The history file: header comment, then the snapshots in date order."""
    entries = [
        {"date": s.date, "counts": {v.value: n for v, n in s.counts.items()}, "open_gaps": dict(s.open_gaps)}
        for s in snapshots
    ]
    return HEADER + yaml.safe_dump({"snapshots": entries}, allow_unicode=True, sort_keys=False, width=10_000)


def _recorded(path: Path, source: str) -> list[Snapshot]:
    """Snapshots already in the file (validated by load_data before any assessment)."""
    loaded = load_optional(HistoryFile, path, source, [])
    return loaded.model.snapshots if loaded and loaded.model else []
