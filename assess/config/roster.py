"""The institution roster (机构名册): one row per institution, read from the office's .xlsx or .csv."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import openpyxl
from pydantic import Field

from assess.config.coerce import parse_count, parse_mark, plain, suggestion
from assess.config.models import Strict, Text
from assess.errors import Finding

ROSTER_NAMES = ("institutions.xlsx", "institutions.csv")
HEADER_SEARCH_ROWS = 10
TOTAL_ROWS = frozenset({"合计", "小计", "总计"})

# Column headers the office writes, per field; the English field name is always accepted too.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("机构名称", "机构", "名称", "单位名称"),
    "type": ("机构类型", "类型", "类别"),
    "town": ("街道/镇", "街道", "街道/乡镇", "所属街道", "所属街道/镇", "街镇", "乡镇/街道"),
    "has_tcm_department": ("中医科",),
    "has_pharmacy": ("中药房",),
    "has_tcm_hall": ("中医馆",),
    "has_tcm_pavilion": ("中医阁",),
    "has_tcm_facility": ("中医药服务场所设备", "中医药服务场所和设施设备", "中医药服务场所"),
    "platform_connected": ("接入中医馆健康信息平台", "接入健康信息平台", "接入平台"),
    "hall_quality_built": ("中医馆服务内涵建设", "服务内涵建设"),
    "tech_categories": ("适宜技术类数",),
    "tech_items": ("适宜技术项数",),
    "tcm_physicians": ("中医类别医师数", "中医类别医师"),
    "physicians": ("医师总数", "医师数"),
    "tcm_staff": ("中医药人员数", "中医药专业技术人员数", "中医药人员"),
}
MARK_FIELDS = ("has_tcm_department", "has_pharmacy", "has_tcm_hall", "has_tcm_pavilion", "has_tcm_facility", "platform_connected", "hall_quality_built")
COUNT_FIELDS = ("tech_categories", "tech_items", "tcm_physicians", "physicians", "tcm_staff")

# Institution types every roster may use, and the other spellings offices write for them.
BASE_TYPES = ("中医医院", "综合医院", "妇幼保健院", "社区卫生服务中心", "乡镇卫生院", "社区卫生服务站", "村卫生室", "中医诊所", "门诊部")
TYPE_ALIASES = {
    "区级中医医院": "中医医院",
    "县级中医医院": "中医医院",
    "中医院": "中医医院",
    "卫生院": "乡镇卫生院",
    "镇卫生院": "乡镇卫生院",
    "社区卫生服务站点": "社区卫生服务站",
    "卫生室": "村卫生室",
}


class Institution(Strict):
    """One row of the roster: what an institution has, for the coverage targets."""

    name: Text = Field(description="机构名称")
    type: Text = Field(description="机构类型，如 社区卫生服务中心")
    town: str | None = Field(default=None, description="所属街道/镇")
    has_tcm_department: bool | None = Field(default=None, description="设置中医科")
    has_pharmacy: bool | None = Field(default=None, description="设置中药房")
    has_tcm_hall: bool | None = Field(default=None, description="设置中医馆")
    has_tcm_pavilion: bool | None = Field(default=None, description="设置中医阁")
    has_tcm_facility: bool | None = Field(default=None, description="具备中医药服务场所和设施设备")
    platform_connected: bool | None = Field(default=None, description="接入中医馆健康信息平台")
    hall_quality_built: bool | None = Field(default=None, description="开展中医馆服务内涵建设")
    tech_categories: int | None = Field(default=None, description="能开展的中医药适宜技术类数")
    tech_items: int | None = Field(default=None, description="能开展的中医药适宜技术项数")
    tcm_physicians: int | None = Field(default=None, description="中医类别医师数")
    physicians: int | None = Field(default=None, description="医师总数")
    tcm_staff: int | None = Field(default=None, description="中医药专业技术人员数")


TEXT = {
    "no_header": "找不到表头行：前 {rows} 行中没有“机构名称”列。请在第一行写列名（机构名称、机构类型、街道/镇……）",
    "missing_column": "缺少“{column}”列{hint}",
    "duplicate_column": "“{column}”列出现了两次（第 {first} 列和第 {second} 列），请删除其中一列",
    "no_name": "第{row}行：缺少机构名称",
    "duplicate_name": "第{row}行：机构“{name}”重复（第{first}行已出现）",
    "no_type": "第{row}行“机构类型”列：{name} 缺少机构类型",
    "bad_type": "第{row}行“机构类型”列：未知类型“{value}”{hint}",
    "bad_mark": "第{row}行“{column}”列：应填 是/否（或 有/无、√/×），实际为“{value}”",
    "bad_count": "第{row}行“{column}”列：应为不小于 0 的整数，实际为“{value}”",
    "not_utf8": "无法识别文件编码，请用 Excel“另存为 CSV UTF-8”后重试",
    "unreadable": "无法打开表格文件：{error}",
    "both": "同时存在 institutions.xlsx 和 institutions.csv，请只保留一个",
}


def roster_path(data_dir: Path) -> tuple[Path | None, list[str]]:
    """The roster file in data/, plus the names of any roster files present (to detect two)."""
    present = [name for name in ROSTER_NAMES if (data_dir / name).is_file()]
    return (data_dir / present[0] if present else None), present


def read_roster(path: Path, source: str, required: Iterable[str], known_types: Iterable[str]) -> tuple[list[Institution], list[Finding]]:
    """Every institution in the roster, and a finding per bad cell (row and column named)."""
    try:
        rows = list(_xlsx_rows(path) if path.suffix.lower() == ".xlsx" else _csv_rows(path))
    except UnicodeDecodeError:
        return [], [Finding(path=source, message=TEXT["not_utf8"])]
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        return [], [Finding(path=source, message=TEXT["unreadable"].format(error=exc))]
    header_at = _header_row(rows)
    if header_at is None:
        return [], [Finding(path=source, message=TEXT["no_header"].format(rows=HEADER_SEARCH_ROWS))]
    row_number, header = rows[header_at]
    columns, messages = _map_columns(header, ["name", "type", *required])
    if messages:
        return [], [Finding(path=source, message=m) for m in messages]
    reader = _RowReader(columns, {*BASE_TYPES, *known_types})
    institutions = [inst for number, cells in rows[header_at + 1 :] if (inst := reader.read(number, cells))]
    return institutions, [Finding(path=source, message=m) for m in reader.messages]


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    """(Excel row number, cell values) of the first sheet, merged cells filled from their top-left."""
    book = openpyxl.load_workbook(path, data_only=True)
    try:
        sheet = book.worksheets[0]
        merged = {}
        for block in sheet.merged_cells.ranges:
            value = sheet.cell(block.min_row, block.min_col).value
            merged.update({(r, c): value for r in range(block.min_row, block.max_row + 1) for c in range(block.min_col, block.max_col + 1)})
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [merged.get((number, col), value) for col, value in enumerate(row, start=1)]
    finally:
        book.close()


def _csv_rows(path: Path) -> Iterator[tuple[int, list[object]]]:
    """(line number, cells) of a CSV saved by Excel: UTF-8 (with or without BOM) or GB18030."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    yield from enumerate(csv.reader(text.splitlines()), start=1)


def _header_key(value: object) -> str:
    """A header cell as compared: full-width folded, spaces and bracketed hints removed."""
    text = plain(str(value or ""))
    return re.sub(r"\s+", "", re.sub(r"\(.*?\)", "", text))


def _header_row(rows: list[tuple[int, list[object]]]) -> int | None:
    """Index of the first row (among the first few) that has a 机构名称 column."""
    names = {_header_key(h) for h in (*COLUMNS["name"], "name")}
    for index, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(_header_key(cell) in names for cell in cells):
            return index
    return None


def _map_columns(header: list[object], required: list[str]) -> tuple[dict[str, int], list[str]]:
    """Field → column index, plus messages for duplicate or missing required columns."""
    spelling = {_header_key(h): field for field, headers in COLUMNS.items() for h in (*headers, field)}
    columns: dict[str, int] = {}
    messages = []
    for index, cell in enumerate(header):
        field = spelling.get(_header_key(cell))
        if field is None:
            continue
        if field in columns:
            messages.append(TEXT["duplicate_column"].format(column=COLUMNS[field][0], first=columns[field] + 1, second=index + 1))
            continue
        columns[field] = index
    unknown = [_header_key(cell) for cell in header if cell is not None and _header_key(cell) not in spelling]
    for field in dict.fromkeys(required):
        if field not in columns:
            column = COLUMNS[field][0]
            messages.append(TEXT["missing_column"].format(column=column, hint=suggestion(column, unknown)))
    return columns, messages


class _RowReader:
    """Turns roster rows into institutions, collecting a message for every bad cell."""

    def __init__(self, columns: dict[str, int], known_types: set[str]):
        self.columns = columns
        self.known_types = known_types
        self.messages: list[str] = []
        self.seen: dict[str, int] = {}

    def cell(self, cells: list[object], field: str) -> object:
        """The raw value of one field in a row (None when blank or the column is absent)."""
        index = self.columns.get(field)
        value = cells[index] if index is not None and index < len(cells) else None
        return None if isinstance(value, str) and not value.strip() else value

    def read(self, row: int, cells: list[object]) -> Institution | None:
        """The institution of one row; None for blank and total rows or rows with errors."""
        if all(value is None or not str(value).strip() for value in cells):
            return None
        name = plain(str(self.cell(cells, "name") or ""))
        if name in TOTAL_ROWS:
            return None
        before = len(self.messages)
        if not name:
            self.messages.append(TEXT["no_name"].format(row=row))
        elif name in self.seen:
            self.messages.append(TEXT["duplicate_name"].format(row=row, name=name, first=self.seen[name]))
        self.seen.setdefault(name, row)
        values: dict[str, object] = {"name": name, "type": self.type(row, name, cells), "town": self.text(cells, "town")}
        values |= {field: self.mark(row, cells, field) for field in MARK_FIELDS if field in self.columns}
        values |= {field: self.count(row, cells, field) for field in COUNT_FIELDS if field in self.columns}
        return Institution(**values) if len(self.messages) == before else None

    def text(self, cells: list[object], field: str) -> str | None:
        """A free-text cell, stripped."""
        value = self.cell(cells, field)
        return plain(str(value)) if value is not None else None

    def type(self, row: int, name: str, cells: list[object]) -> str:
        """The institution type, with common spellings folded (区级中医医院 → 中医医院)."""
        value = self.text(cells, "type")
        if not value:
            self.messages.append(TEXT["no_type"].format(row=row, name=name or "该机构"))
            return "?"
        value = TYPE_ALIASES.get(value, value)
        if value not in self.known_types:
            hint = suggestion(value, sorted(self.known_types), f"，可用类型：{'、'.join(sorted(self.known_types))}")
            self.messages.append(TEXT["bad_type"].format(row=row, value=value, hint=hint))
        return value

    def mark(self, row: int, cells: list[object], field: str) -> bool | None:
        """A 是/否 cell; blank means not reported."""
        value = self.cell(cells, field)
        if value is None:
            return None
        try:
            return parse_mark(value)
        except ValueError:
            self.messages.append(TEXT["bad_mark"].format(row=row, column=COLUMNS[field][0], value=value))
            return None

    def count(self, row: int, cells: list[object], field: str) -> int | None:
        """A whole-number cell (numbers stored as text accepted); blank means not reported."""
        value = self.cell(cells, field)
        if value is None:
            return None
        number = parse_count(value)
        if number is None:
            self.messages.append(TEXT["bad_count"].format(row=row, column=COLUMNS[field][0], value=value))
        return number
