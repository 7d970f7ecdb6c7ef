"""`assess import-xlsx`: what the office typed into the 自评表 flows back into data/.

Rows are matched by indicator id or gap key. A cell counts as an edit only when it differs from
what the workbook said when it was written (the hidden 导回基准 sheet). Blank cells never overwrite
data; an edit that meets a newer change to the same field in data/ is reported, not applied; the
data files are backed up under data/.backup/<time>/ before anything is written.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from assess.atomic import atomic_path, write_text
from assess.config.coerce import parse_date, parse_number, plain
from assess.config.data import (
    MEASURES_FILE,
    NARRATIVES_DIR,
    PLAN_FILE,
    DistrictData,
    load_data,
)
from assess.config.project import Project
from assess.config.records import GapStatus
from assess.config.standard import Target
from assess.errors import AssessError, display_path
from assess.workbook.columns import (
    KEY_KINDS,
    SHEET_STATE,
    Column,
    WorkbookState,
    cell_text,
    data_file_hashes,
    split_target_lines,
    tracked_columns,
)

BACKUP_DIR = ".backup"

TEXT: dict[str, Any] = {
    "not_found": "{path}：找不到文件",
    "not_xlsx": "{path}：不是有效的 Excel 工作簿（.xlsx），请用 Excel 另存为 .xlsx 后重试",
    "no_state": "{path}：缺少隐藏的“{sheet}”表，不是 assess 生成的自评表，或该表被删除；请用 assess build 重新生成后再填写",
    "other_standard": "{path}：该工作簿按指标标准“{theirs}”生成，当前项目使用“{ours}”，无法导回",
    "blank": "单元格为空，不覆盖已有内容",
    "watched": "{note}",
    "unknown_row": "工作簿生成时没有这一行（{key}），可能改过编号或是新增的行；未导入",
    "unknown_indicator": "指标标准中已没有指标“{key}”；未导入",
    "unknown_target": "该指标没有名为“{name}”的目标（可用：{names}）；未导入",
    "bad_line": "“{line}”：有多个目标时每行应写成“衡量内容：实际值”；未导入",
    "no_targets": "该指标没有量化目标，不需要填写实际值；未导入",
    "coverage": "“{name}”由机构名册按机构逐一计算，请在机构名册中修改；未导入",
    "not_level": "“{value}”不是有效等级，可选：{scale}；未导入",
    "not_number": "“{value}”不是数字；未导入",
    "not_date": "“{value}”不是日期，请写成 2024-09-30 或 2024年9月30日；未导入",
    "not_status": "“{value}”不是有效状态，可选：{choices}；未导入",
    "already": "data/ 中已是该值",
    "two_places": "多处填写不一致：{places}；均未导入",
    "newer": "data/ 中的“{file}”在工作簿生成后已改为“{current}”，与工作簿中的“{value}”冲突；未导入，请核对后在其中一处修改",
    "applied": "{old} → {new}",
    "source": "自评表导入（{name}，{day}）",
    "summary": "导回 {path}：已导入 {applied} 项，跳过 {skipped} 项，冲突 {conflicts} 项，无法匹配 {unknown} 项。",
    "dry_run": "（试运行：未写入任何文件）",
    "backup": "原数据文件已备份到 {path}",
    "changed_files": "工作簿生成后 data/ 中有改动的文件：{files}",
    "section": {"applied": "已导入", "skipped": "已跳过", "conflicts": "冲突（未导入）", "unknown": "无法匹配（未导入）"},
    "empty": "未发现需要导入的修改。",
}

FIELD_NAMES = {"actual": "实际值", "narrative": "自评说明", "measure": "整改措施", "owner": "责任人", "deadline": "整改时限", "status": "整改状态", "completed": "完成日期"}


class WorkbookUnreadable(AssessError):
    """The file given to import-xlsx is missing, not an .xlsx, or not a workbook assess wrote."""


@dataclass(frozen=True)
class Place:
    """Where a cell is: sheet and row, as the office finds it in Excel."""

    sheet: str
    row: int

    def __str__(self) -> str:
        return f"“{self.sheet}”第 {self.row} 行"


@dataclass(frozen=True)
class ImportItem:
    """One outcome of the import, located in the workbook and explained in Chinese."""

    place: Place
    key: str
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        what = f"{self.key} {self.field}" if self.field else self.key
        return f"{self.place} {what}：{self.message}"


@dataclass
class ImportReport:
    """What the import did: applied, skipped, conflicting and unmatched cells, and the backup."""

    workbook: str
    applied: list[ImportItem] = field(default_factory=list)
    skipped: list[ImportItem] = field(default_factory=list)
    conflicts: list[ImportItem] = field(default_factory=list)
    unknown: list[ImportItem] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    backup: str | None = None
    dry_run: bool = False

    def lines(self) -> list[str]:
        """The Chinese summary printed by the CLI."""
        counts = {name: len(getattr(self, name)) for name in TEXT["section"]}
        lines = [TEXT["summary"].format(path=self.workbook, **counts) + (TEXT["dry_run"] if self.dry_run else "")]
        if self.changed_files:
            lines.append(TEXT["changed_files"].format(files="、".join(self.changed_files)))
        for name, heading in TEXT["section"].items():
            items = getattr(self, name)
            if items:
                lines.append(f"{heading}：")
                lines += [f"  {item}" for item in items]
        if not any(counts.values()):
            lines.append(TEXT["empty"])
        if self.backup:
            lines.append(TEXT["backup"].format(path=self.backup))
        return lines


# --- reading the workbook ---


@dataclass(frozen=True)
class Cell:
    """One tracked cell the office may have changed."""

    place: Place
    kind: str
    key: str
    column: Column
    text: str


def _open(workbook: Path, project: Project):
    """The workbook, read-only and with cached values; a clear error when it cannot be read."""
    shown = display_path(workbook, project.root)
    if not workbook.is_file():
        raise WorkbookUnreadable(TEXT["not_found"].format(path=shown))
    try:
        return load_workbook(workbook, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise WorkbookUnreadable(TEXT["not_xlsx"].format(path=shown)) from exc


def _read_state(book, shown: str, project: Project) -> WorkbookState:
    """The hidden record of what the workbook said when it was written."""
    if SHEET_STATE not in book.sheetnames:
        raise WorkbookUnreadable(TEXT["no_state"].format(path=shown, sheet=SHEET_STATE))
    state = WorkbookState.from_rows(book[SHEET_STATE].iter_rows(min_row=2, values_only=True))
    if state.standard_id != project.standard.id:
        raise WorkbookUnreadable(TEXT["other_standard"].format(path=shown, theirs=state.standard_id, ours=project.standard.id))
    return state


@dataclass
class TableRows:
    """One table of a sheet: what its key identifies, where the key and tracked columns are, its rows."""

    kind: str
    key_column: int
    headers: dict[int, str]
    rows: list[tuple[int, tuple]] = field(default_factory=list)


def _typed_value(cell) -> Any:
    """The cell's value as the office sees it: Excel turns a typed 36.1% into 0.361, turn it back."""
    value = cell.value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and "%" in (cell.number_format or ""):
        return f"{value * 100:g}%"
    return value


def _tables(sheet) -> list[TableRows]:
    """Every table of a sheet: it starts at a row holding a key header and ends at the first blank row."""
    tables: list[TableRows] = []
    current = None
    sheet.reset_dimensions()  # some writers record a wrong sheet size; read every row that is there
    for number, cells in enumerate(sheet.iter_rows(), 1):
        row = tuple(_typed_value(c) for c in cells)
        texts = [cell_text(v) for v in row]
        keys = [i for i, t in enumerate(texts) if t in KEY_KINDS]
        if keys:
            kind = KEY_KINDS[texts[keys[0]]]
            headers = {i: t for i, t in enumerate(texts) if t in tracked_columns()[kind]}
            current = TableRows(kind, keys[0], headers)
            tables.append(current)
        elif not any(texts):
            current = None
        elif current is not None:
            current.rows.append((number, row))
    return tables


def _cells(book, state: WorkbookState, report: ImportReport) -> list[Cell]:
    """Every tracked cell whose text differs from the record; blanks and read-only columns are reported."""
    cells = []
    columns = tracked_columns()
    for sheet in book.worksheets:
        if sheet.title == SHEET_STATE:
            continue
        for table in filter(lambda t: t.headers, _tables(sheet)):
            kind, headers = table.kind, table.headers
            for number, row in table.rows:
                key = cell_text(row[table.key_column]) if table.key_column < len(row) else ""
                if not key:
                    continue
                place = Place(sheet.title, number)
                if not any((kind, key, columns[kind][h].tracked) in state.base for h in headers.values()):
                    report.unknown.append(ImportItem(place, key, "", "", TEXT["unknown_row"].format(key=key)))
                    continue
                for index, header in headers.items():
                    column = columns[kind][header]
                    text = cell_text(row[index]) if index < len(row) else ""
                    base = state.base.get((kind, key, column.tracked), "")
                    if text == base:
                        continue
                    if not text:
                        report.skipped.append(ImportItem(place, key, header, "", TEXT["blank"]))
                    elif not column.editable:
                        report.skipped.append(ImportItem(place, key, header, text, TEXT["watched"].format(note=column.note)))
                    else:
                        cells.append(Cell(place, kind, key, column, text))
    return cells


def _agreeing(cells: list[Cell], report: ImportReport) -> list[Cell]:
    """One cell per (row key, field); the same field edited differently in two places is a conflict."""
    groups: dict[tuple[str, str, str], list[Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.kind, cell.key, cell.column.tracked), []).append(cell)
    chosen = []
    for group in groups.values():
        if len({c.text for c in group}) == 1:
            chosen.append(group[0])
            continue
        places = "；".join(f"{c.place}为“{c.text}”" for c in group)
        first = group[0]
        report.conflicts.append(ImportItem(first.place, first.key, first.column.header, "", TEXT["two_places"].format(places=places)))
    return chosen


# --- turning edits into data changes ---


@dataclass(frozen=True)
class Change:
    """One value to write into a data file, and where it came from."""

    file: str  # path relative to data/
    key: str  # metric, indicator id or gap key
    field: str  # value / narrative / a plan field
    value: Any
    item: ImportItem


@dataclass
class Planner:
    """Checks each edit against the standard and the current data, and collects the changes."""

    project: Project
    data: DistrictData
    state: WorkbookState
    changed_files: set[str]
    report: ImportReport
    changes: list[Change] = field(default_factory=list)

    def edit(self, cell: Cell) -> None:
        """Dispatch one edited cell to its field's handler."""
        if cell.kind == "indicator":
            indicator = next((i for i in self.project.standard.indicators if i.id == cell.key), None)
            if indicator is None:
                self.report.unknown.append(self._item(cell, cell.text, TEXT["unknown_indicator"].format(key=cell.key)))
            elif cell.column.field == "actual":
                self._actual(cell, indicator.targets)
            else:
                base = self.state.base.get(("indicator", cell.key, "narrative"), "")
                path = f"{NARRATIVES_DIR}/{cell.key}.md"
                self._decide(self._item(cell, cell.text, ""), path, cell.key, "narrative", cell.text, self.data.narratives.get(cell.key), base)
        else:
            self._plan(cell)

    def _item(self, cell: Cell, value: str, message: str, name: str | None = None) -> ImportItem:
        """An outcome for this cell; `name` tells which target of a multi-target cell it is about."""
        label = f"{cell.column.header}（{name}）" if name else cell.column.header
        return ImportItem(cell.place, cell.key, label, value, message)

    def _actual(self, cell: Cell, targets: list[Target]) -> None:
        """Measured values, one per target line that changed."""
        if not targets:
            self.report.skipped.append(self._item(cell, cell.text, TEXT["no_targets"]))
            return
        names = [t.name for t in targets]
        if len(targets) > 1:
            for line in (line.strip() for line in cell.text.splitlines()):
                if line and ":" not in line and "：" not in line:
                    self.report.skipped.append(self._item(cell, line, TEXT["bad_line"].format(line=line)))
        base = split_target_lines(self.state.base.get(("indicator", cell.key, "actual"), ""), names)
        for name, text in split_target_lines(cell.text, names).items():
            target = next((t for t in targets if t.name == name), None)
            if target is None:
                self.report.unknown.append(self._item(cell, text, TEXT["unknown_target"].format(name=name, names="、".join(names))))
            elif text != base.get(name, ""):
                self._measure(cell, target, text, base.get(name, ""), target.name if len(targets) > 1 else None)

    def _measure(self, cell: Cell, target: Target, text: str, base_text: str, label: str | None) -> None:
        """One measured value, checked like data/measures.yaml checks it."""
        if not text:
            self.report.skipped.append(self._item(cell, "", TEXT["blank"], label))
            return
        if target.condition:
            self.report.skipped.append(self._item(cell, text, TEXT["coverage"].format(name=target.name), label))
            return
        value, problem = _measured(target, text)
        if problem:
            self.report.skipped.append(self._item(cell, text, problem, label))
            return
        current = self.data.measures.get(target.metric)
        base_value, _ = _measured(target, base_text)
        item = self._item(cell, text, "", label)
        self._decide(item, MEASURES_FILE, target.metric, "value", value, current.value if current else None, base_value)

    def _plan(self, cell: Cell) -> None:
        """One field of a rectification plan entry."""
        name = cell.column.tracked
        value: Any = cell.text
        if name in ("deadline", "completed"):
            value = parse_date(cell.text)
            if value is None:
                self.report.skipped.append(self._item(cell, cell.text, TEXT["not_date"].format(value=cell.text)))
                return
        elif name == "status":
            choices = [s.value for s in GapStatus]
            if plain(cell.text) not in choices:
                self.report.skipped.append(self._item(cell, cell.text, TEXT["not_status"].format(value=cell.text, choices="、".join(choices))))
                return
            value = plain(cell.text)
        entry = self.data.plan.get(cell.key)
        current = getattr(entry, name) if entry else None
        base = self.state.base.get(("gap", cell.key, name), "")
        self._decide(self._item(cell, cell.text, ""), PLAN_FILE, cell.key, name, value, current, base)

    def _decide(self, item: ImportItem, file: str, key: str, name: str, value: Any, current: Any, base: Any) -> None:
        """Apply unless data/ already holds it, or a newer edit to the same field there disagrees."""
        if _same(current, value):
            self.report.skipped.append(_with(item, TEXT["already"]))
            return
        if file in self.changed_files and _is_set(current) and not _same(current, base):
            message = TEXT["newer"].format(file=f"data/{file}", current=cell_text(_plain_value(current)), value=item.value)
            self.report.conflicts.append(_with(item, message))
            return
        shown_old = cell_text(_plain_value(current)) or "（空）"
        self.changes.append(Change(file, key, name, value, _with(item, TEXT["applied"].format(old=shown_old, new=item.value))))


def _measured(target: Target, text: str) -> tuple[Any, str | None]:
    """A measured value for the target from what the office typed, or why it is not one."""
    if not text:
        return None, None
    if target.scale and isinstance(target.value, str):
        level = plain(text)
        return (level, None) if level in target.scale else (None, TEXT["not_level"].format(value=text, scale="、".join(target.scale)))
    number = parse_number(text, target.unit)
    if number is None:
        return None, TEXT["not_number"].format(value=text)
    return (int(number) if number == number.to_integral_value() else float(number)), None


def _plain_value(value: Any) -> Any:
    """Enum members as their Chinese word, everything else unchanged."""
    return value.value if isinstance(value, GapStatus) else value


def _is_set(value: Any) -> bool:
    """Whether data/ holds a value at all (an absent field never conflicts)."""
    return cell_text(_plain_value(value)) != ""


def _same(a: Any, b: Any) -> bool:
    """Equal as the office would judge: numbers by value, everything else by its text."""
    a, b = _plain_value(a), _plain_value(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return cell_text(a) == cell_text(b)


def _with(item: ImportItem, message: str) -> ImportItem:
    """The same outcome with its final explanation."""
    return ImportItem(item.place, item.key, item.field, item.value, message)


# --- writing data/ ---


def _yaml() -> YAML:
    """Round-trip YAML: the office's comments, order and quoting survive the import."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _load_roundtrip(path: Path) -> Any:
    """A YAML file as an editable, comment-keeping mapping (empty when absent)."""
    if not path.is_file():
        return {}
    try:
        return _yaml().load(path.read_text(encoding="utf-8")) or {}
    except YAMLError as exc:  # load_data validated it already; this is a race with another editor
        raise AssessError(f"{path}：无法读取（{exc}）") from exc


def _apply_yaml(path: Path, changes: list[Change], source: str) -> None:
    """Write the changes into one YAML file keyed by metric or gap key."""
    document = _load_roundtrip(path)
    for change in changes:
        entry = document.get(change.key)
        if change.file == MEASURES_FILE and not isinstance(entry, dict):
            document[change.key] = {"value": change.value, "source": source} if entry is None else change.value
        elif isinstance(entry, dict):
            entry[change.field] = change.value
        else:
            document[change.key] = {change.field: change.value}
    stream = io.StringIO()
    _yaml().dump(document, stream)
    write_text(path, stream.getvalue())


def _backup(data_dir: Path, files: list[str], now: datetime) -> Path:
    """Copy the data files about to change to data/.backup/<time>/, keeping their folders."""
    folder = data_dir / BACKUP_DIR / now.strftime("%Y%m%d-%H%M%S")
    for name in files:
        source = data_dir / name
        if source.is_file():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(target) as temp:
                shutil.copy2(source, temp)
    return folder


def _write(project: Project, changes: list[Change], workbook: Path, now: datetime) -> Path:
    """Back up, then write every change into its data file."""
    data_dir = project.path("data")
    by_file: dict[str, list[Change]] = {}
    for change in changes:
        by_file.setdefault(change.file, []).append(change)
    backup = _backup(data_dir, sorted(by_file), now)
    source = TEXT["source"].format(name=workbook.name, day=now.date().isoformat())
    for name, group in by_file.items():
        if name.startswith(NARRATIVES_DIR + "/"):
            write_text(data_dir / name, f"{group[-1].value}\n")
        else:
            _apply_yaml(data_dir / name, group, source)
    return backup


def import_workbook(project: Project, workbook: Path, *, dry_run: bool = False, now: datetime | None = None) -> ImportReport:
    """Read the editable columns back into data/; return what was applied, skipped, conflicting, unknown."""
    workbook = Path(workbook)
    shown = display_path(workbook, project.root)
    now = now or datetime.now()
    book = _open(workbook, project)
    try:
        state = _read_state(book, shown, project)
        report = ImportReport(workbook=shown, dry_run=dry_run)
        cells = _agreeing(_cells(book, state, report), report)
    finally:
        book.close()
    current_hashes = data_file_hashes(project.path("data"))
    changed = {name for name in set(current_hashes) | set(state.data_hashes) if current_hashes.get(name) != state.data_hashes.get(name)}
    report.changed_files = sorted(changed)
    planner = Planner(project, load_data(project), state, changed, report)
    for cell in cells:
        planner.edit(cell)
    report.applied = [c.item for c in planner.changes]
    if planner.changes and not dry_run:
        backup = _write(project, planner.changes, workbook, now)
        report.backup = display_path(backup, project.root)
    return report
