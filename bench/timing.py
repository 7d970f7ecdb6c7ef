"""Timing primitives: result rows with targets, interleaved runs, and a CLI runner that reports peak RSS."""

from __future__ import annotations

import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PEAK_HELPER = Path(__file__).with_name("peak.py")
STATUS_TEXT = {"ok": "", "unavailable": "未就绪", "failed": "失败"}


class Unavailable(Exception):
    """The code this measurement needs has not landed yet."""


@dataclass
class Row:
    """One line of the results: the tool's runs, the anchor's runs, and the target on their ratio."""

    id: str
    name: str
    unit: str = "s"
    runs: list[float] = field(default_factory=list)
    anchor: str | None = None
    anchor_runs: list[float] = field(default_factory=list)
    limit: float | None = None
    strict: bool = False
    status: str = "ok"
    note: str = ""

    @property
    def median(self) -> float | None:
        """Median of the tool's runs."""
        return statistics.median(self.runs) if self.runs else None

    @property
    def anchor_median(self) -> float | None:
        """Median of the anchor's runs."""
        return statistics.median(self.anchor_runs) if self.anchor_runs else None

    @property
    def ratio(self) -> float | None:
        """Tool median over anchor median: the number the target is about when there is an anchor."""
        if self.median is None or not self.anchor_median:
            return None
        return self.median / self.anchor_median

    @property
    def score(self) -> float | None:
        """What the limit applies to: the ratio when there is an anchor, else the median itself."""
        return self.ratio if self.anchor else self.median

    @property
    def passed(self) -> bool | None:
        """Whether the target is met; None when there is no target or nothing was measured."""
        if self.limit is None or self.status != "ok" or self.score is None:
            return None
        return self.score < self.limit if self.strict else self.score <= self.limit

    def unavailable(self, reason: str) -> Row:
        """Mark the row as waiting for code that has not landed."""
        self.status, self.note = "unavailable", reason
        return self

    def failed(self, exc: BaseException) -> Row:
        """Mark the row as failed, keeping the reason."""
        self.status, self.note = "failed", f"{type(exc).__name__}: {exc}"[:500]
        return self

    def as_json(self) -> dict:
        """The row as results.json records it."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "unit": self.unit,
            "runs": self.runs,
            "median": self.median,
            "anchor": self.anchor,
            "anchor_runs": self.anchor_runs,
            "anchor_median": self.anchor_median,
            "ratio": self.ratio,
            "target": None if self.limit is None else {"op": "<" if self.strict else "<=", "value": self.limit, "of": "ratio" if self.anchor else "median"},
            "passed": self.passed,
            "note": self.note,
        }


def entry(module: str, name: str) -> Callable:
    """A public function of `assess`, or Unavailable when its module or name has not landed yet.

    Any other import error (a module that exists but is broken) is a failure, not a missing feature.
    """
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        raise Unavailable(f"{module}.{name} 尚未实现") from exc
    if not hasattr(loaded, name):
        raise Unavailable(f"{module}.{name} 尚未实现")
    return getattr(loaded, name)


def seconds(action: Callable[[], object]) -> float:
    """Wall time of one call."""
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def interleave(runs: int, steps: dict[str, Callable[[], float]]) -> dict[str, list[float] | BaseException]:
    """Run each step once per round, in turn, so tool and anchor see the same machine load.

    A step that raises is recorded once and left out of later rounds; the others go on.
    """
    results: dict[str, list[float] | BaseException] = {name: [] for name in steps}
    for _ in range(runs):
        for name, step in steps.items():
            if isinstance(results[name], BaseException):
                continue
            try:
                results[name].append(step())
            except Exception as exc:  # a benchmark keeps measuring the rest
                results[name] = exc
    return results


def fill(row: Row, outcome: list[float] | BaseException) -> Row:
    """Put an interleaved outcome into a row: its runs, or the reason it has none."""
    if isinstance(outcome, Unavailable):
        return row.unavailable(str(outcome))
    if isinstance(outcome, BaseException):
        return row.failed(outcome)
    row.runs = outcome
    return row


@dataclass(frozen=True)
class CliRun:
    """One `assess` subprocess: wall time, peak RSS of its largest process, and of its whole tree (sampled)."""

    seconds: float
    peak_rss: int
    peak_tree_rss: int


class CliFailed(Exception):
    """An `assess` command exited with an error."""


def assess_command() -> str:
    """The `assess` console script installed beside this interpreter."""
    return str(Path(sys.executable).with_name("assess"))


def run_cli(project: Path | None, command: str, *args: str) -> CliRun:
    """Run `assess COMMAND --project DIR ARGS` as a user would, through bench/peak.py for wall time and peak memory."""
    where = ["--project", str(project)] if project is not None else []
    with tempfile.TemporaryDirectory() as folder, tempfile.TemporaryFile() as err:
        report = Path(folder) / "peak.json"
        helper = [sys.executable, str(PEAK_HELPER), str(report)]
        process = subprocess.run([*helper, assess_command(), command, *where, *args], stdout=subprocess.DEVNULL, stderr=err)
        if process.returncode != 0:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace")[-400:]
            raise CliFailed(f"assess {command} {' '.join(args)} 退出码 {process.returncode}：{tail}")
        measured = json.loads(report.read_text(encoding="utf-8"))
    return CliRun(**measured)
