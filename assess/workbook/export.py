"""The Excel 自评表/台账: the workbook the office and the department liaisons actually work in.

Renderers present, they never compute: every value comes from the Assessment. Cells the office may
edit carry a light fill; a hidden sheet records what each tracked cell said when the workbook was
written (and a hash of every data file), so `assess import-xlsx` can tell a real edit from a stale
copy. The sheets, columns and that record are the contract in `assess.workbook.columns`, which the
import reads too.
"""

from __future__ import annotations

import functools
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from assess.assessment.model import (
    Assessment,
    DepartmentSummary,
    Gap,
    IndicatorResult,
)
from assess.atomic import document_time, write_reproducible_zip
from assess.config.project import Project
from assess.config.records import GapStatus, Verdict
from assess.render.charts import VERDICT_COLOURS
from assess.render.text import date_text
from assess.workbook.columns import (
    C_MAX_SCORE,
    C_SCORE,
    C_STAT_CATEGORY,
    DATE_FORMAT,
    DEPARTMENT_COLUMNS,
    DEPARTMENT_GAP_COLUMNS,
    DEPARTMENT_INDICATOR_COLUMNS,
    EVIDENCE_COLUMNS,
    GAP_COLUMNS,
    INSTITUTION_COLUMNS,
    KEY_KINDS,
    NO,
    SHEET_EVIDENCE,
    SHEET_GAPS,
    SHEET_INSTITUTIONS,
    SHEET_STATE,
    SHEET_STATS,
    SHEET_SUMMARY,
    STATE_HEADERS,
    SUMMARY_COLUMNS,
    TEXT_FORMAT,
    YES,
    Column,
    WorkbookState,
    cell_text,
    data_file_hashes,
    target_lines,
)

# --- wording (user-facing Chinese, kept in one place) ---

FOOTER_PAGES = "第 &P 页，共 &N 页"
ROLE_LEAD, ROLE_SUPPORT = "牵头", "配合"
PASSED, FAILED = "达标", "未达标"
RESOLVED_NOTE = "问题已不再出现（保留供查阅）"
NO_FOLDER = "未建立"
OPEN_FOLDER = "打开文件夹"
NO_OPEN_GAPS = "无"
TOTAL = "合计"

def _titles(a: Assessment) -> dict[str, str]:
    """Title row of each fixed sheet: district, document, as-of date."""
    as_of = f"（截至 {date_text(a.report_date)}）"
    lead = f"{a.district}创建{a.title}"
    return {
        SHEET_SUMMARY: f"{lead}自评总表{as_of}",
        SHEET_EVIDENCE: f"{lead}佐证材料清单{as_of}",
        SHEET_GAPS: f"{lead}整改清单{as_of}",
        SHEET_INSTITUTIONS: f"{lead}机构达标明细{as_of}",
        SHEET_STATS: f"{lead}自评统计{as_of}",
    }


def _department_title(summary: DepartmentSummary) -> str:
    """Title row of a department sheet: who, and how much is still open."""
    return (
        f"{summary.name}（{summary.short}）任务分解：牵头 {len(summary.lead)} 项，配合 {len(summary.support)} 项；"
        f"牵头的整改事项未完成 {summary.open_gaps} 项（其中逾期 {summary.overdue_gaps} 项）"
    )


DEPARTMENT_GAPS_HEADING = "本部门牵头或配合、尚未完成的整改事项"
STATS_DEPARTMENTS_HEADING = "各责任单位整改进度"
CHART_TITLE = "各类别指标自评结论"
CHART_AXIS = "指标数（项）"

# --- look (CJK font, colours) ---

FONT_NAME = "宋体"
BODY_FONT = Font(name=FONT_NAME, size=10)
HEADER_FONT = Font(name=FONT_NAME, size=10, bold=True, color="FFFFFF")
TITLE_FONT = Font(name=FONT_NAME, size=14, bold=True)
HEADING_FONT = Font(name=FONT_NAME, size=12, bold=True)
LINK_FONT = Font(name=FONT_NAME, size=10, color="0563C1", underline="single")
HEADER_FILL = PatternFill("solid", start_color="1F4E78", end_color="1F4E78")
KEY_FILL = PatternFill("solid", start_color="EDEDED", end_color="EDEDED")
EDITABLE_FILL = PatternFill("solid", start_color="DDEBF7", end_color="DDEBF7")
ALARM_FILL = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
ALARM_FONT = Font(color="9C0006")
THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
PLAIN = Alignment(vertical="top")
MAX_CELL_TEXT = 32767

CELL_TINT = 0.7
"""How far verdict colours are lightened towards white for cell fills, so black text stays legible."""


def _hex(colour: str) -> str:
    """Colour as openpyxl wants it: six hex digits, no #."""
    return colour.lstrip("#").upper()


def _tint(colour: str) -> str:
    """The colour mixed with white, for a cell background."""
    channels = [int(_hex(colour)[i : i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{round(c + (255 - c) * CELL_TINT):02X}" for c in channels)


def _gap_lines(gaps: list[Gap], text: Callable[[Gap], str]) -> str:
    """One line per gap (numbered when there are several) for the summary sheet."""
    values = [text(g) for g in gaps]
    if len(values) <= 1:
        return values[0] if values else ""
    return "\n".join(f"{n}. {v}" for n, v in enumerate(values, 1))


# --- links that stay inside the project ---

_URI_ESCAPES = {ch: f"%{ord(ch):02X}" for ch in '%"<>[]\\^`{}#? |'} | {chr(c): f"%{c:02X}" for c in range(32)}


@dataclass(frozen=True)
class Link:
    """A cell that opens a file or folder of the project, by a path relative to the workbook."""

    text: str
    target: str


def _relative_link(project_root: Path, workbook_dir: Path, path: Path, text: str) -> Link | str:
    """A Link to `path` from the workbook's folder; plain text if it is missing or outside the project.

    The check is lexical (after folding `..`), so a symlinked evidence folder still gets links while
    a name that climbs out of the project never does, on Linux or, through backslashes, on Windows.
    All three paths are absolute.
    """
    full = Path(os.path.normpath(path))
    if not full.is_relative_to(project_root) or not full.exists() or "\\" in str(full):
        return text  # Windows reads a \ in a Linux file name as a folder separator: ..\..\ would climb out
    relative = Path(os.path.relpath(full, workbook_dir)).as_posix()
    if full.is_dir():
        relative += "/"
    return Link(text, "".join(_URI_ESCAPES.get(ch, ch) for ch in relative))


# --- writing cells and tables ---


def _put(cell: Cell, value: Any) -> None:
    """Write a value; text is always stored as text, never as a formula."""
    if isinstance(value, Link):
        _put(cell, value.text)
        cell.hyperlink = value.target
        return
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not text:
            return
        if len(text) > MAX_CELL_TEXT:
            text = text[: MAX_CELL_TEXT - 1] + "…"
        cell.value = text
        cell.data_type = "s"
        if text[:1] in ("=", "+", "-", "@"):
            cell.quotePrefix = True
        return
    cell.value = value


@dataclass
class Table:
    """A block of rows under one header row; `kind` says what the key column identifies."""

    columns: list[Column]
    rows: list[list[Any]]
    kind: str | None = None


@dataclass(frozen=True)
class Placed:
    """Where a table landed: its header row and its last row."""

    header: int
    last: int


def _write_title(ws: Worksheet, row: int, text: str, width: int, font: Font) -> None:
    """A merged title line across the table."""
    _put(ws.cell(row=row, column=1), text)
    ws.cell(row=row, column=1).font = font
    ws.cell(row=row, column=1).alignment = Alignment(vertical="center")
    if width > 1:
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    ws.row_dimensions[row].height = 24


def _write_header(ws: Worksheet, row: int, columns: list[Column]) -> None:
    """The styled header row, with a comment on key and editable columns."""
    for index, column in enumerate(columns, 1):
        cell = ws.cell(row=row, column=index)
        _put(cell, column.header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.border = GRID
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        if column.note:
            cell.comment = Comment(column.note, "assess", width=260, height=110)


def _body_style(wb: Workbook, column: Column, link: bool) -> str:
    """Name of the cell style for a column's data cells, registered once per workbook.

    One named style per look is much faster than setting font, border and fill per cell, and
    shows in Excel's style gallery.
    """
    formats = {DATE_FORMAT: "日期", TEXT_FORMAT: "文本"}
    parts = ["正文", "换行" if column.wrap else "", formats.get(column.number_format or "", ""), "链接" if link else ""]
    parts.append("可填写" if column.editable else "编号" if column.header in KEY_KINDS else "")
    name = "自评表-" + "-".join(filter(None, parts))
    if name not in wb.named_styles:
        style = NamedStyle(name=name, font=LINK_FONT if link else BODY_FONT, border=GRID, alignment=WRAP if column.wrap else PLAIN)
        style.number_format = column.number_format or "General"
        if column.editable:
            style.fill = EDITABLE_FILL
        elif column.header in KEY_KINDS:
            style.fill = KEY_FILL
        wb.add_named_style(style)
    return name


def _write_rows(ws: Worksheet, top: int, table: Table, state: WorkbookState) -> int:
    """Data rows under the header at `top`; records tracked cells; returns the last row."""
    key_index = next((i for i, c in enumerate(table.columns) if c.header in KEY_KINDS), None)
    row = top
    for row, values in enumerate(table.rows, top + 1):
        for index, (column, value) in enumerate(zip(table.columns, values, strict=True), 1):
            cell = ws.cell(row=row, column=index)
            cell.style = _body_style(ws.parent, column, isinstance(value, Link))
            _put(cell, value)
            if column.field and table.kind and key_index is not None:
                state.record(table.kind, values[key_index], column.field, value)
    return row


def _column_rules(ws: Worksheet, columns: list[Column], placed: Placed) -> None:
    """Drop-downs, verdict colours and row alarms that the columns ask for."""
    if placed.last <= placed.header:
        return
    first, last = placed.header + 1, placed.last
    width = get_column_letter(len(columns))
    for index, column in enumerate(columns, 1):
        letter = get_column_letter(index)
        cells = f"{letter}{first}:{letter}{last}"
        if column.choices:
            _list_validation(ws, column.choices, cells)
        if column.number_format == DATE_FORMAT and column.editable:
            _date_validation(ws, cells)
        if column.verdict_colours:
            for verdict, colour in VERDICT_COLOURS.items():
                fill = PatternFill("solid", start_color=_tint(colour), end_color=_tint(colour))
                ws.conditional_formatting.add(cells, FormulaRule(formula=[f'${letter}{first}="{verdict.value}"'], fill=fill))
        if column.alarm:
            ws.conditional_formatting.add(
                f"A{first}:{width}{last}",
                FormulaRule(formula=[f"${letter}{first}{column.alarm}"], fill=ALARM_FILL, font=ALARM_FONT),
            )


def _list_validation(ws: Worksheet, choices: tuple[str, ...], cells: str) -> None:
    """A drop-down of the allowed words."""
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(choices) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="取值无效",
        error="请从下拉列表中选择：" + "、".join(choices),
    )
    validation.add(cells)
    ws.add_data_validation(validation)


def _date_validation(ws: Worksheet, cells: str) -> None:
    """Dates only, with a warning (not a block) so the office can still type what it needs."""
    validation = DataValidation(
        type="date",
        operator="greaterThan",
        formula1="DATE(2000,1,1)",
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="日期格式",
        error="请填写日期，如 2024-09-30",
    )
    validation.add(cells)
    ws.add_data_validation(validation)


def _lay_out(ws: Worksheet, title: str, blocks: list[tuple[str | None, Table]], state: WorkbookState) -> list[Placed]:
    """Title line, then each table (with an optional heading line) below the previous one."""
    width = max(len(t.columns) for _, t in blocks)
    _write_title(ws, 1, title, width, TITLE_FONT)
    placed, row = [], 2
    for heading, table in blocks:
        if heading:
            _write_title(ws, row, heading, width, HEADING_FONT)
            row += 1
        _write_header(ws, row, table.columns)
        last = _write_rows(ws, row, table, state)
        placed.append(Placed(row, last))
        _column_rules(ws, table.columns, placed[-1])
        row = last + 2
    for index in range(1, width + 1):
        widths = [t.columns[index - 1].width for _, t in blocks if index <= len(t.columns)]
        ws.column_dimensions[get_column_letter(index)].width = max(widths)
    return placed


def _finish(ws: Worksheet, columns: list[Column], placed: Placed, frozen_columns: int, district: str, autofilter: bool = True) -> None:
    """Frozen header and key columns, autofilter, and A4 landscape print setup."""
    ws.freeze_panes = ws.cell(row=placed.header + 1, column=frozen_columns + 1)
    if autofilter:
        ws.auto_filter.ref = f"A{placed.header}:{get_column_letter(len(columns))}{max(placed.last, placed.header)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{placed.header}:{placed.header}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.center.text = FOOTER_PAGES
    ws.oddFooter.left.text = district.replace("&", "&&")
    ws.oddFooter.right.text = "&A"


# --- sheets ---


@dataclass(frozen=True)
class Context:
    """What every sheet needs besides the assessment: links, the record, gaps per indicator."""

    assessment: Assessment
    project: Project
    workbook_dir: Path
    state: WorkbookState
    gaps_by_indicator: dict[str, list[Gap]]

    def link(self, path: Path, text: str) -> Link | str:
        """A link inside the project, relative to the workbook."""
        return _relative_link(self.project_root, self.workbook_dir, path, text)

    @functools.cached_property
    def project_root(self) -> Path:
        """The project folder as an absolute path, computed once for every link."""
        return Path(os.path.abspath(self.project.root))

    def folder_link(self, result: IndicatorResult) -> Link | str:
        """The indicator's evidence folder, or 未建立."""
        if not result.evidence_folder:
            return NO_FOLDER
        link = self.link(self.project.root / result.evidence_folder, OPEN_FOLDER)
        return link if isinstance(link, Link) else NO_FOLDER

    def problems(self, result: IndicatorResult) -> str:
        """Open gaps of the indicator, else the verdict's reasons when it is not met."""
        gaps = [g for g in self.gaps_by_indicator.get(result.indicator.id, []) if g.status is not GapStatus.DONE]
        if gaps:
            return "\n".join(g.problem for g in gaps)
        if result.verdict in (Verdict.MET, Verdict.NOT_APPLICABLE):
            return ""
        return "\n".join(result.reasons)


def _summary_row(ctx: Context, r: IndicatorResult) -> list[Any]:
    """One 自评总表 row."""
    gaps = ctx.gaps_by_indicator.get(r.indicator.id, [])
    return [
        r.indicator.label,
        r.indicator.id,
        f"{r.category_label}{r.category_name}",
        f"{r.indicator.title}\n{r.indicator.requirement}",
        "、".join(r.lead),
        "、".join(r.support),
        target_lines(r.targets, "target_text"),
        target_lines(r.targets, "actual_text"),
        r.verdict.value,
        len(r.evidence),
        ctx.folder_link(r),
        ctx.problems(r),
        _gap_lines(gaps, lambda g: g.measure or ""),
        _gap_lines(gaps, lambda g: cell_text(g.deadline)),
        _gap_lines(gaps, lambda g: g.status.value),
        r.narrative or "",
    ]


def _evidence_rows(ctx: Context) -> list[list[Any]]:
    """One row per evidence file, with a link that opens it."""
    evidence_dir = ctx.project.path("evidence")
    rows: list[list[Any]] = []
    for r in ctx.assessment.indicators:
        for f in r.evidence:
            folder = f.path.rpartition("/")[0]
            rows.append([
                len(rows) + 1, r.indicator.label, r.indicator.id, r.indicator.title, f.department or "",
                ctx.link(evidence_dir / f.path, f.name), folder, f.kind.upper(), f.pages, f.evidence_date,
                f.sha256[:12], "；".join(flag.message for flag in f.flags),
            ])  # fmt: skip
    return rows


def _gap_row(g: Gap, title: str) -> list[Any]:
    """One 整改清单 row."""
    return [
        g.key, g.indicator_label, title, g.problem, "、".join(g.lead), "、".join(g.support), g.owner or "",
        g.measure or "", g.deadline, g.status.value, g.completed, YES if g.overdue else NO,
        RESOLVED_NOTE if g.resolved else "",
    ]  # fmt: skip


def _gap_rows(a: Assessment) -> list[list[Any]]:
    """Every gap of the 整改清单, resolved ones included, in the assessment's order."""
    titles = {r.indicator.id: r.indicator.title for r in a.indicators}
    return [_gap_row(g, titles.get(g.indicator_id, "")) for g in a.gaps]


def _institution_rows(a: Assessment) -> list[list[Any]]:
    """Each institution against each coverage target."""
    return [
        [
            r.indicator.label, r.indicator.id, r.indicator.title, f"{t.name}{t.target_text}", t.actual_text,
            check.institution, check.type, check.town or "", PASSED if check.passed else FAILED, check.detail,
        ]
        for r in a.indicators
        for t in r.targets
        for check in t.institutions
    ]


def _table_sheet(wb: Workbook, ctx: Context, name: str, table: Table, frozen_columns: int = 2) -> None:
    """A sheet holding one table under its title line."""
    ws = wb.create_sheet(name)
    [placed] = _lay_out(ws, _titles(ctx.assessment)[name], [(None, table)], ctx.state)
    _finish(ws, table.columns, placed, frozen_columns, ctx.assessment.district)


def _department_sheet(wb: Workbook, ctx: Context, summary: DepartmentSummary, sheet_name: str) -> None:
    """任务分解 for one department: its indicators (lead, then support) and its open gaps."""
    ws = wb.create_sheet(sheet_name)
    a = ctx.assessment
    results = {r.indicator.id: r for r in a.indicators}
    roles = [(i, ROLE_LEAD) for i in summary.lead] + [(i, ROLE_SUPPORT) for i in summary.support]
    indicator_rows = [_department_indicator_row(ctx, results[i], role) for i, role in roles if i in results]
    gap_rows = [
        _department_gap_row(g, ROLE_LEAD if summary.short in g.lead else ROLE_SUPPORT)
        for g in a.open_gaps
        if summary.short in g.lead or summary.short in g.support
    ]
    blocks: list[tuple[str | None, Table]] = [(None, Table(DEPARTMENT_INDICATOR_COLUMNS, indicator_rows, kind="indicator"))]
    blocks.append((DEPARTMENT_GAPS_HEADING if gap_rows else f"{DEPARTMENT_GAPS_HEADING}：{NO_OPEN_GAPS}", Table(DEPARTMENT_GAP_COLUMNS, gap_rows, kind="gap")))
    placed = _lay_out(ws, _department_title(summary), blocks, ctx.state)
    _finish(ws, DEPARTMENT_INDICATOR_COLUMNS, placed[0], 2, a.district)


def _department_indicator_row(ctx: Context, r: IndicatorResult, role: str) -> list[Any]:
    """One indicator as its department sees it."""
    return [
        r.indicator.label, r.indicator.id, r.indicator.title, role, r.verdict.value,
        target_lines(r.targets, "target_text"),
        target_lines(r.targets, "actual_text"),
        len(r.evidence), "、".join(r.missing_evidence), ctx.problems(r), r.narrative or "",
    ]  # fmt: skip


def _department_gap_row(g: Gap, role: str) -> list[Any]:
    """One open gap as its department sees it."""
    return [
        g.key, g.indicator_label, g.problem, role, g.owner or "", g.measure or "", g.deadline, g.status.value,
        g.completed, YES if g.overdue else NO,
    ]  # fmt: skip


def department_sheet_names(shorts: list[str], taken: Iterable[str]) -> list[str]:
    """Valid, unique sheet names (≤31 characters, no []:*?/\\) for the departments, in order."""
    used = {name.casefold() for name in taken}
    names = []
    for short in shorts:
        base = re.sub(r"[\[\]:*?/\\]", "", short).strip("' ")[:31] or "部门"
        name, n = base, 2
        while name.casefold() in used:
            suffix = f"（{n}）"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        used.add(name.casefold())
        names.append(name)
    return names


def _stats_sheet(wb: Workbook, ctx: Context) -> None:
    """Verdict counts per category (with a native chart) and open gaps per department."""
    ws = wb.create_sheet(SHEET_STATS)
    a = ctx.assessment
    scored = a.max_score is not None
    count_columns = [C_STAT_CATEGORY, *(Column(v.value, 9) for v in Verdict), Column(TOTAL, 8)]
    if scored:
        count_columns += [C_SCORE, C_MAX_SCORE]
    rows = []
    for c in a.categories:
        row = [f"{c.label}{c.name}", *(c.counts.get(v, 0) for v in Verdict), sum(c.counts.values())]
        rows.append(row + ([c.score, c.max_score] if scored else []))
    totals = [TOTAL, *(a.counts[v] for v in Verdict), len(a.indicators)]
    rows.append(totals + ([a.total_score, a.max_score] if scored else []))
    department_rows = [
        [d.name, len(d.lead), len(d.support), d.open_gaps, d.overdue_gaps] for d in a.departments if d.lead or d.support
    ]
    blocks = [(None, Table(count_columns, rows)), (STATS_DEPARTMENTS_HEADING, Table(DEPARTMENT_COLUMNS, department_rows))]
    placed = _lay_out(ws, _titles(a)[SHEET_STATS], blocks, ctx.state)
    _finish(ws, count_columns, placed[0], 1, a.district, autofilter=False)
    _verdict_chart(ws, placed[0], len(a.categories), len(count_columns))


def _verdict_chart(ws: Worksheet, placed: Placed, categories: int, width: int) -> None:
    """A stacked column chart of verdicts per category, coloured like the other documents."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.title = CHART_TITLE
    chart.y_axis.title = CHART_AXIS
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    first, last = placed.header + 1, placed.header + categories
    data = Reference(ws, min_col=2, max_col=1 + len(Verdict), min_row=placed.header, max_row=last)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=first, max_row=last))
    for series, verdict in zip(chart.series, Verdict, strict=True):
        series.graphicalProperties.solidFill = _hex(VERDICT_COLOURS[verdict])
        series.graphicalProperties.line.solidFill = _hex(VERDICT_COLOURS[verdict])
    chart.width, chart.height = 22, 11
    ws.add_chart(chart, f"{get_column_letter(width + 2)}{placed.header}")


def _state_sheet(wb: Workbook, state: WorkbookState) -> None:
    """The hidden record the import compares against."""
    ws = wb.create_sheet(SHEET_STATE)
    ws.sheet_state = "hidden"
    ws.append(STATE_HEADERS)
    for row in state.rows():
        ws.append([None] * 4)
        for index, value in enumerate(row, 1):
            _put(ws.cell(row=ws.max_row, column=index), value)


def render_xlsx(assessment: Assessment, project: Project, target: Path) -> Path:
    """Write the 自评表/台账 workbook to `target` atomically and return its path."""
    target = Path(target)
    state = WorkbookState(
        standard_id=assessment.standard_id,
        data_hashes=data_file_hashes(project.path("data")),
    )
    gaps_by_indicator: dict[str, list[Gap]] = {}
    for gap in assessment.gaps:
        if not gap.resolved:
            gaps_by_indicator.setdefault(gap.indicator_id, []).append(gap)
    ctx = Context(assessment, project, Path(os.path.abspath(target.parent)), state, gaps_by_indicator)
    wb = Workbook()
    wb.remove(wb.active)
    summary_rows = [_summary_row(ctx, r) for r in assessment.indicators]
    _table_sheet(wb, ctx, SHEET_SUMMARY, Table(SUMMARY_COLUMNS, summary_rows, kind="indicator"))
    _table_sheet(wb, ctx, SHEET_EVIDENCE, Table(EVIDENCE_COLUMNS, _evidence_rows(ctx)), frozen_columns=3)
    _table_sheet(wb, ctx, SHEET_GAPS, Table(GAP_COLUMNS, _gap_rows(assessment), kind="gap"))
    _table_sheet(wb, ctx, SHEET_INSTITUTIONS, Table(INSTITUTION_COLUMNS, _institution_rows(assessment)))
    departments = [d for d in assessment.departments if d.lead or d.support]
    names = department_sheet_names([d.short for d in departments], [*wb.sheetnames, SHEET_STATS, SHEET_STATE])
    for summary, name in zip(departments, names, strict=True):
        _department_sheet(wb, ctx, summary, name)
    _stats_sheet(wb, ctx)
    _state_sheet(wb, state)
    wb.properties.title = _titles(assessment)[SHEET_SUMMARY]
    wb.properties.creator = wb.properties.lastModifiedBy = assessment.office
    wb.properties.created = wb.properties.modified = document_time(assessment.report_date)
    write_reproducible_zip(target, _saved(wb))
    return target


def _saved(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes, keeping our timestamps (Workbook.save stamps the clock into them)."""
    buffer = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return buffer.getvalue()
