"""`assess status` and `assess gaps`: the verdict table and the gap list in the terminal.

Also resolves the department and category names the user typed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from assess.assessment.engine import run_assessment
from assess.assessment.history import record_snapshot
from assess.assessment.model import ASSESSMENT_FILE, Assessment, Gap, IndicatorResult
from assess.assessment.rectification import PlanSync, sync_plan
from assess.atomic import write_json
from assess.cli.common import as_of_option, parse_as_of, project_options
from assess.config.coerce import suggestion
from assess.config.data import load_data
from assess.config.project import Project, load_project
from assess.config.records import GapStatus, Verdict
from assess.config.standard import Category, Department
from assess.errors import AssessError, ExitCode, display_path
from assess.evidence.index import build_index
from assess.lock import project_lock

VERDICT_STYLES = {
    Verdict.MET: "green",
    Verdict.PARTIAL: "yellow",
    Verdict.NOT_MET: "red",
    Verdict.INSUFFICIENT: "magenta",
    Verdict.NOT_ASSESSED: "dim",
    Verdict.NOT_APPLICABLE: "dim",
}
STATUS_STYLES = {GapStatus.OPEN: "red", GapStatus.IN_PROGRESS: "yellow", GapStatus.DONE: "green"}

TEXT: dict[str, Any] = {
    "status_title": "{district} 自评结论（截至 {day}）",
    "status_columns": ("编号", "指标", "牵头", "结论", "主要理由"),
    "more_reasons": "（另 {count} 条）",
    "filtered": "筛选：{what}",
    "counts": "共 {total} 项：{counts}",
    "score": "得分 {score:g} / {max_score:g}",
    "gaps_title": "{district} 整改清单（截至 {day}）",
    "gaps_columns": ("编号", "问题", "牵头", "整改时限", "状态"),
    "overdue": "（逾期）",
    "gap_counts": "共 {total} 项问题：{counts}；其中逾期 {overdue} 项",
    "resolved": "另有 {count} 项问题已不再出现（保留在整改方案中，标记为已解决）",
    "no_gaps": "没有符合条件的问题。",
    "written": "已写入 {path}",
    "recorded": "已记录 {day} 的进度：{path}",
    "plan_written": "已更新整改方案 {path}：新增 {added} 项，新标记已解决 {resolved} 项",
    "plan_backup": "原文件已备份为 {path}",
    "plan_unchanged": "整改方案 {path} 无需改动",
    "unknown_department": "未知部门“{name}”{hint}",
    "department_fallback": "，可用的部门：{names}",
    "unknown_category": "未知类别“{name}”{hint}",
    "category_fallback": "，可用的类别：{names}",
}


def assessment_filters(command):
    """Options shared by status and gaps: department filter and as-of date."""
    command = as_of_option("按此日期评估（如 2024-09-30 或 2024年9月30日），默认为 assess.yaml 的 report_date。")(command)
    return click.option("--dept", default=None, help="只显示某部门牵头或配合的内容；简称、全称或别名均可，如 区医保局。")(command)


def assess_now(project: Project, as_of: str | None) -> Assessment:
    """Load the district's data, index the evidence (unchanged files come from the cache) and assess."""
    day = parse_as_of(as_of)
    data = load_data(project)
    return run_assessment(project, build_index(project), data, as_of=day)


@click.command()
@project_options
@assessment_filters
@click.option("--category", default=None, help="只显示一个类别：类别 id、名称或编号，如 服务体系 或 system。")
@click.option("--record", is_flag=True, help="把本次结论记入 data/history.yaml（同一日期替换原记录），供报告绘制进度。")
def status(project_dir: Path, dept: str | None, as_of: str | None, category: str | None, record: bool) -> None:
    """显示各项指标的自评结论和主要理由，并写出 output/assessment.json（完整评估结果）。"""
    project = load_project(project_dir)
    department = find_department(project, dept) if dept else None
    group = find_category(project, category) if category else None
    assessment = assess_now(project, as_of)
    target = project.path("output") / ASSESSMENT_FILE
    write_json(target, assessment.model_dump(mode="json"))
    console = Console(highlight=False)
    filters = ([f"部门 {department.short}"] if department else []) + ([f"类别 {group.name}"] if group else [])
    results = assessment.indicators_for(department.short if department else None, group.id if group else None)
    show_status(console, assessment, results, filters)
    show_written(console, project, target)
    if record:
        with project_lock(project.path("output")):
            show_recorded(console, project, assessment, record_snapshot(project, assessment))


@click.command()
@project_options
@assessment_filters
@click.option("--overdue", is_flag=True, help="只显示已过整改时限仍未完成的问题。")
@click.option("--write", is_flag=True, help="把当前问题合并进整改方案 data/rectification.yaml（已填写的内容保留，原文件备份为 .bak）。")
def gaps(project_dir: Path, dept: str | None, as_of: str | None, overdue: bool, write: bool) -> None:
    """列出整改清单（每个问题、牵头部门、时限和状态），并写出 output/gaps.json。"""
    project = load_project(project_dir)
    department = find_department(project, dept) if dept else None
    assessment = assess_now(project, as_of)
    target = project.path("output") / "gaps.json"
    write_json(target, [gap.model_dump(mode="json") for gap in assessment.gaps])
    console = Console(highlight=False)
    filters = ([f"部门 {department.short}"] if department else []) + (["仅逾期"] if overdue else [])
    show_gaps(console, assessment, assessment.gaps_for(department.short if department else None, overdue=overdue), filters)
    show_written(console, project, target)
    if write:
        with project_lock(project.path("output")):
            show_plan_sync(console, project, sync_plan(project, assessment))


class UnknownName(AssessError):
    """A --dept or --category value that names nothing in the registry or the standard."""

    exit_code = ExitCode.USAGE


def find_department(project: Project, name: str) -> Department:
    """The department for any spelling the office uses (简称、全称、别名)."""
    found = project.registry.find(name)
    if found is None:
        names = [n for d in project.registry.departments for n in d.names]
        shorts = "、".join(d.short for d in project.registry.departments)
        hint = suggestion(name, names, TEXT["department_fallback"].format(names=shorts))
        raise UnknownName(TEXT["unknown_department"].format(name=name, hint=hint))
    return found


def find_category(project: Project, name: str) -> Category:
    """The category by id (system), name (服务体系) or label (（三）)."""
    for category in project.standard.categories:
        if name.strip() in (category.id, category.name, category.label):
            return category
    spellings = [s for c in project.standard.categories for s in (c.id, c.name)]
    names = "、".join(f"{c.name}（{c.id}）" for c in project.standard.categories)
    raise UnknownName(TEXT["unknown_category"].format(name=name, hint=suggestion(name, spellings, TEXT["category_fallback"].format(names=names))))


def _table(title: str, headers: tuple[str, ...], wide: int) -> Table:
    """A table whose short columns never wrap and whose `wide` column takes the remaining width."""
    table = Table(title=title)
    for position, header in enumerate(headers):
        table.add_column(header, overflow="fold", no_wrap=position != wide and position != 1, ratio=3 if position == wide else None)
    return table


def show_status(console: Console, assessment: Assessment, results: list[IndicatorResult], filters: list[str]) -> None:
    """The verdict table (one row per indicator, its main reason first), counts and score."""
    table = _table(TEXT["status_title"].format(district=assessment.district, day=assessment.report_date), TEXT["status_columns"], wide=4)
    for result in results:
        reason = Text(result.reasons[0] if result.reasons else "")
        if len(result.reasons) > 1:
            reason.append(TEXT["more_reasons"].format(count=len(result.reasons) - 1), style="dim")
        table.add_row(
            Text(result.indicator.label),
            Text(result.indicator.title),
            Text("、".join(result.lead)),
            Text(result.verdict.value, style=VERDICT_STYLES[result.verdict]),
            reason,
        )
    console.print(table)
    if filters:
        console.print(TEXT["filtered"].format(what="，".join(filters)))
    counts = "，".join(f"{v.value} {n}" for v in Verdict if (n := sum(1 for r in results if r.verdict is v)))
    console.print(TEXT["counts"].format(total=len(results), counts=counts))
    if assessment.max_score:
        console.print(TEXT["score"].format(score=assessment.total_score, max_score=assessment.max_score))


def show_gaps(console: Console, assessment: Assessment, gaps: list[Gap], filters: list[str]) -> None:
    """The present gaps (overdue marked), then counts; resolved gaps are only counted."""
    present = [g for g in gaps if not g.resolved]
    if present:
        table = _table(TEXT["gaps_title"].format(district=assessment.district, day=assessment.report_date), TEXT["gaps_columns"], wide=1)
        for gap in present:
            status = Text(gap.status.value, style=STATUS_STYLES[gap.status])
            if gap.overdue:
                status.append(TEXT["overdue"], style="bold red")
            table.add_row(Text(gap.indicator_label), Text(gap.problem), Text("、".join(gap.lead)), Text(gap.deadline.isoformat()), status)
        console.print(table)
    else:
        console.print(TEXT["no_gaps"])
    if filters:
        console.print(TEXT["filtered"].format(what="，".join(filters)))
    counts = "，".join(f"{s.value} {n}" for s in GapStatus if (n := sum(1 for g in present if g.status is s)))
    console.print(TEXT["gap_counts"].format(total=len(present), counts=counts or "无", overdue=sum(g.overdue for g in present)))
    resolved = len(gaps) - len(present)
    if resolved:
        console.print(TEXT["resolved"].format(count=resolved))


def show_written(console: Console, project: Project, path: Path) -> None:
    """Where the JSON for the renderers went."""
    console.print(TEXT["written"].format(path=display_path(path, project.root)))


def show_recorded(console: Console, project: Project, assessment: Assessment, path: Path) -> None:
    """Which snapshot `status --record` stored, and where."""
    console.print(TEXT["recorded"].format(day=assessment.report_date, path=display_path(path, project.root)))


def show_plan_sync(console: Console, project: Project, sync: PlanSync) -> None:
    """What `gaps --write` did to the plan file."""
    shown = display_path(sync.path, project.root)
    if not sync.changed:
        console.print(TEXT["plan_unchanged"].format(path=shown))
        return
    console.print(TEXT["plan_written"].format(path=shown, added=len(sync.added), resolved=len(sync.resolved)))
    if sync.backup:
        console.print(TEXT["plan_backup"].format(path=sync.backup.name))
