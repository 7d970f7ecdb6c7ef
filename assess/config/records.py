"""The words a run records under data/ and reads back: verdicts, plan statuses, progress snapshots.

data/rectification.yaml holds statuses and data/history.yaml holds snapshots; the assessment uses the
same vocabulary for its results, so it lives here, upstream of both.
"""

from __future__ import annotations

from datetime import date
from enum import Enum

from pydantic import BaseModel, Field


class Verdict(str, Enum):
    """The six verdicts an indicator can receive, in the words of the assessment forms."""

    MET = "达标"
    PARTIAL = "部分达标"
    NOT_MET = "未达标"
    INSUFFICIENT = "佐证不足"
    NOT_ASSESSED = "未评估"
    NOT_APPLICABLE = "不适用"


class GapStatus(str, Enum):
    """Progress of one rectification item."""

    OPEN = "未整改"
    IN_PROGRESS = "整改中"
    DONE = "已整改"


class Snapshot(BaseModel):
    """One recorded assessment run, for showing progress over time."""

    date: date
    counts: dict[Verdict, int]
    open_gaps: dict[str, int] = Field(description="各部门（牵头）未完成整改项数")
