"""The workbook's contract with the office: sheets, columns and the record that makes the round trip safe.

Both directions use it: the export writes these sheets and columns and records, on a hidden sheet,
what each tracked cell said (and a hash of every data file); the import reads the same columns and
compares against that record, so it can tell a real edit from a stale copy.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from assess.assessment.model import TargetResult
from assess.config.records import GapStatus, Verdict

SHEET_SUMMARY = "自评总表"
SHEET_EVIDENCE = "佐证材料清单"
SHEET_GAPS = "整改清单"
SHEET_INSTITUTIONS = "机构达标明细"
SHEET_STATS = "统计"
SHEET_STATE = "导回基准"
INDICATOR_KEY = "指标ID（勿改）"
GAP_KEY = "整改编号（勿改）"
KEY_NOTE = "导回（assess import-xlsx）时按此列匹配行，请勿修改。"
EDITABLE_NOTE = "可填写（浅蓝色）。填好后运行 assess import-xlsx 本文件，即导回 data/；空白单元格不会覆盖已有内容。"
MULTI_TARGET_NOTE = "有多个目标时每行一项，格式为“衡量内容：实际值”。覆盖率类目标由机构名册计算，请在名册中修改。"
SUMMARY_GAP_NOTE = "此列为汇总显示，在此修改不会导回；请在“整改清单”表或本部门工作表中修改。"
VERDICT_NOTE = "自评结论由程序根据实测值和佐证材料判定，在此修改不会导回。"
YES, NO = "是", "否"
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"  # typed 36.1% stays text instead of becoming 0.361


# --- columns: one definition per header, shared by every sheet that shows it ---


@dataclass(frozen=True)
class Column:
    """One column of a table: its header, look, and what the import reads from it."""

    header: str
    width: float
    wrap: bool = False
    number_format: str | None = None
    field: str | None = None  # tracked for the round trip under this name
    editable: bool = False  # applied on import (otherwise a change is only reported)
    note: str | None = None  # header comment
    choices: tuple[str, ...] = ()  # drop-down list
    verdict_colours: bool = False  # conditional fill by verdict word
    alarm: str | None = None  # a condition on this cell (e.g. ="是") that marks the whole row

    @property
    def tracked(self) -> str:
        """The field a tracked column is read back into (the import reads tracked columns only)."""
        assert self.field is not None, "only tracked columns are read back"
        return self.field


VERDICT_CHOICES = tuple(v.value for v in Verdict)
STATUS_CHOICES = tuple(s.value for s in GapStatus)

C_LABEL = Column("序号", 9)
C_INDICATOR_ID = Column(INDICATOR_KEY, 11, note=KEY_NOTE)
C_GAP_KEY = Column(GAP_KEY, 20, wrap=True, note=KEY_NOTE)
C_CATEGORY = Column("类别", 11, wrap=True)
C_CONTENT = Column("指标内容", 48, wrap=True)
C_TITLE = Column("指标", 22, wrap=True)
C_LEAD = Column("牵头单位", 12, wrap=True)
C_SUPPORT = Column("配合单位", 14, wrap=True)
C_TARGET = Column("目标值", 24, wrap=True)
C_ACTUAL = Column("实际值", 24, wrap=True, number_format=TEXT_FORMAT, field="actual", editable=True, note=f"{EDITABLE_NOTE}{MULTI_TARGET_NOTE}")
C_VERDICT = Column("自评结论", 10, field="verdict", note=VERDICT_NOTE, choices=VERDICT_CHOICES, verdict_colours=True)
C_EVIDENCE_COUNT = Column("佐证材料数", 8)
C_FOLDER = Column("佐证文件夹", 11)
C_PROBLEMS = Column("存在问题", 32, wrap=True)
C_MEASURES = Column("整改措施", 28, wrap=True, field="measures", note=SUMMARY_GAP_NOTE)
C_DEADLINES = Column("整改时限", 12, wrap=True, field="deadlines", note=SUMMARY_GAP_NOTE)
C_STATUSES = Column("整改状态", 10, wrap=True, field="statuses", note=SUMMARY_GAP_NOTE)
C_NARRATIVE = Column("自评说明/备注", 40, wrap=True, field="narrative", editable=True, note=EDITABLE_NOTE)
C_ROLE = Column("职责", 7)
C_MISSING = Column("尚缺佐证材料", 24, wrap=True)

C_ROW = Column("编号", 7)
C_DEPARTMENT = Column("提供部门", 12)
C_FILE = Column("文件名（点击打开）", 40, wrap=True)
C_FILE_FOLDER = Column("所在文件夹", 28, wrap=True)
C_KIND = Column("类型", 7)
C_PAGES = Column("页数", 6)
C_EVIDENCE_DATE = Column("材料日期", 11, number_format=DATE_FORMAT)
C_HASH = Column("内容哈希（前12位）", 15)
C_FLAGS = Column("发现的问题", 32, wrap=True, alarm='<>""')

C_PROBLEM = Column("存在问题", 36, wrap=True)
C_OWNER = Column("责任人", 12, wrap=True, field="owner", editable=True, note=EDITABLE_NOTE)
C_MEASURE = Column("整改措施", 32, wrap=True, field="measure", editable=True, note=EDITABLE_NOTE)
C_DEADLINE = Column("整改时限", 12, number_format=DATE_FORMAT, field="deadline", editable=True, note=EDITABLE_NOTE)
C_STATUS = Column("整改状态", 10, field="status", editable=True, note=EDITABLE_NOTE, choices=STATUS_CHOICES)
C_COMPLETED = Column("完成日期", 12, number_format=DATE_FORMAT, field="completed", editable=True, note=EDITABLE_NOTE)
C_OVERDUE = Column("是否逾期", 8, alarm=f'="{YES}"')
C_GAP_REMARK = Column("说明", 20, wrap=True)

C_COVERAGE_TARGET = Column("覆盖率目标", 30, wrap=True)
C_COVERAGE_ACTUAL = Column("全区实际", 14, wrap=True)
C_INSTITUTION = Column("机构", 24, wrap=True)
C_INSTITUTION_TYPE = Column("机构类型", 14)
C_TOWN = Column("所属街道/镇", 12)
C_PASSED = Column("是否达标", 9, verdict_colours=True)
C_DETAIL = Column("实际情况", 30, wrap=True)

C_STAT_CATEGORY = Column("类别", 16)
C_SCORE = Column("得分", 8)
C_MAX_SCORE = Column("满分", 8)
C_STAT_DEPARTMENT = Column("责任单位", 16)
C_LEAD_COUNT = Column("牵头指标数", 10)
C_SUPPORT_COUNT = Column("配合指标数", 10)
C_OPEN_GAPS = Column("牵头未完成整改", 10, wrap=True)
C_OVERDUE_GAPS = Column("牵头逾期整改", 10, wrap=True, alarm=">0")

SUMMARY_COLUMNS = [
    C_LABEL, C_INDICATOR_ID, C_CATEGORY, C_CONTENT, C_LEAD, C_SUPPORT, C_TARGET, C_ACTUAL, C_VERDICT,
    C_EVIDENCE_COUNT, C_FOLDER, C_PROBLEMS, C_MEASURES, C_DEADLINES, C_STATUSES, C_NARRATIVE,
]  # fmt: skip
EVIDENCE_COLUMNS = [
    C_ROW, C_LABEL, C_INDICATOR_ID, C_TITLE, C_DEPARTMENT, C_FILE, C_FILE_FOLDER, C_KIND, C_PAGES,
    C_EVIDENCE_DATE, C_HASH, C_FLAGS,
]  # fmt: skip
GAP_COLUMNS = [
    C_GAP_KEY, C_LABEL, C_TITLE, C_PROBLEM, C_LEAD, C_SUPPORT, C_OWNER, C_MEASURE, C_DEADLINE, C_STATUS,
    C_COMPLETED, C_OVERDUE, C_GAP_REMARK,
]  # fmt: skip
INSTITUTION_COLUMNS = [
    C_LABEL, C_INDICATOR_ID, C_TITLE, C_COVERAGE_TARGET, C_COVERAGE_ACTUAL, C_INSTITUTION, C_INSTITUTION_TYPE,
    C_TOWN, C_PASSED, C_DETAIL,
]  # fmt: skip
DEPARTMENT_INDICATOR_COLUMNS = [
    C_LABEL, C_INDICATOR_ID, C_TITLE, C_ROLE, C_VERDICT, C_TARGET, C_ACTUAL, C_EVIDENCE_COUNT, C_MISSING,
    C_PROBLEMS, C_NARRATIVE,
]  # fmt: skip
DEPARTMENT_GAP_COLUMNS = [
    C_GAP_KEY, C_LABEL, C_PROBLEM, C_ROLE, C_OWNER, C_MEASURE, C_DEADLINE, C_STATUS, C_COMPLETED, C_OVERDUE,
]  # fmt: skip
DEPARTMENT_COLUMNS = [C_STAT_DEPARTMENT, C_LEAD_COUNT, C_SUPPORT_COUNT, C_OPEN_GAPS, C_OVERDUE_GAPS]

KEY_KINDS = {INDICATOR_KEY: "indicator", GAP_KEY: "gap"}
"""Header of a key column → what its rows identify, for the import."""


@functools.cache
def tracked_columns() -> dict[str, dict[str, Column]]:
    """Per row kind, header → tracked column, as the import reads them."""
    tables = {
        "indicator": [*SUMMARY_COLUMNS, *DEPARTMENT_INDICATOR_COLUMNS],
        "gap": [*GAP_COLUMNS, *DEPARTMENT_GAP_COLUMNS],
    }
    return {kind: {c.header: c for c in columns if c.field} for kind, columns in tables.items()}


# --- cell text shared by writer and reader ---


def cell_text(value: Any) -> str:
    """Canonical text of a cell value, so a written cell and a read-back cell compare equal."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).strip()


def target_lines(targets: list[TargetResult], attribute: str) -> str:
    """Targets in one cell: the bare value for one target, `衡量内容：值` lines for several."""
    if not targets:
        return ""
    if len(targets) == 1:
        return getattr(targets[0], attribute)
    return "\n".join(f"{t.name}：{getattr(t, attribute)}" for t in targets)


def split_target_lines(text: str, names: list[str]) -> dict[str, str]:
    """Inverse of target_lines: target name → text (a single target takes the whole cell)."""
    if len(names) == 1:
        return {names[0]: text.strip()}
    values = {}
    for line in text.splitlines():
        parts = re.split(r"[:：]", line, maxsplit=1)
        if len(parts) == 2:
            values[parts[0].strip()] = parts[1].strip()
    return values


# --- the round-trip record (hidden sheet) ---

STATE_HEADERS = ("类型", "键", "字段", "生成时的内容")
META = "meta"
META_STANDARD = "standard_id"
META_DATA_FILE = "data:"


def data_file_hashes(data_dir: Path) -> dict[str, str]:
    """SHA-256 of every file under data/ (backups and hidden files excluded), by relative path."""
    hashes: dict[str, str] = {}
    if not data_dir.is_dir():
        return hashes
    for path in sorted(data_dir.rglob("*")):
        relative = path.relative_to(data_dir)
        if path.is_file() and not any(part.startswith(".") for part in relative.parts):
            with path.open("rb") as handle:
                hashes[relative.as_posix()] = hashlib.file_digest(handle, "sha256").hexdigest()
    return hashes


@dataclass
class WorkbookState:
    """What the workbook said when written: tracked cell texts and data file hashes."""

    standard_id: str = ""
    data_hashes: dict[str, str] = field(default_factory=dict)
    base: dict[tuple[str, str, str], str] = field(default_factory=dict)

    def record(self, kind: str, key: str, field_name: str, value: Any) -> None:
        """Remember the text of one tracked cell."""
        self.base[(kind, key, field_name)] = cell_text(value)

    def rows(self) -> Iterator[tuple[str, str, str, str]]:
        """The hidden sheet's rows: metadata first, then one row per tracked cell."""
        yield META, META_STANDARD, "", self.standard_id
        for name, digest in self.data_hashes.items():
            yield META, META_DATA_FILE + name, "", digest
        for (kind, key, field_name), text in self.base.items():
            yield kind, key, field_name, text

    @classmethod
    def from_rows(cls, rows: Iterable[tuple]) -> WorkbookState:
        """Rebuild the record from the hidden sheet's rows (header excluded)."""
        state = cls()
        for kind, key, field_name, text in (tuple(cell_text(v) for v in row[:4]) for row in rows):
            if kind == META and key == META_STANDARD:
                state.standard_id = text
            elif kind == META and key.startswith(META_DATA_FILE):
                state.data_hashes[key.removeprefix(META_DATA_FILE)] = text
            elif kind:
                state.base[(kind, key, field_name)] = text
        return state
