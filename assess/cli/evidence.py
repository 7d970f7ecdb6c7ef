"""`assess init-evidence` and `assess index`: the evidence folders, and the index shown in the terminal.

The index prints a per-indicator table, then every flagged file explained.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from assess.cli.common import project_options, safe
from assess.config.project import Project, load_project
from assess.errors import display_path
from assess.evidence.index import INDEX_FILE, build_index, init_evidence, write_index_json
from assess.evidence.model import FLAG_LABELS, EvidenceFile, EvidenceIndex

MAX_IGNORED_SHOWN = 10

TEXT: dict[str, Any] = {
    "table_title": "佐证材料索引（{district}）",
    "columns": ("编号", "标题", "文件数", "页数", "问题数"),
    "no_usable": "（缺少可用佐证）",
    "flagged": "有问题的文件（{count} 个）：",
    "summary": "共 {files} 个文件、{pages} 页；{covered} 项指标有可用佐证，{missing} 项缺少：{labels}。",
    "all_covered": "共 {files} 个文件、{pages} 页；全部 {covered} 项指标均有可用佐证。",
    "ignored": "已忽略 {count} 项（系统文件、符号链接、特殊文件、无法打开的文件夹）：",
    "more_ignored": "  ……另有 {count} 项",
    "work": "本次读取 {analysed} 个文件（{megabytes:.1f} MB），{reused} 个未变化，沿用上次结果。",
    "written": "已写入 {path}",
    "created": "已创建 {count} 个指标文件夹（各含 说明.txt）：",
    "created_root": "已创建佐证材料文件夹 {path}",
    "nothing_created": "每项指标都已有文件夹，未做任何改动。",
}


@click.command("init-evidence")
@project_options
def init_evidence_command(project_dir: Path) -> None:
    """为每项指标创建佐证材料文件夹（含 说明.txt）；已有的文件和文件夹一概不动。"""
    project = load_project(project_dir)
    show_created(Console(highlight=False), project, init_evidence(project))


@click.command("index")
@project_options
@click.option("--rehash", is_flag=True, default=False, help="不使用缓存，重新读取全部文件并计算哈希。")
def index_command(project_dir: Path, rehash: bool) -> None:
    """索引佐证材料：逐项统计文件数、页数和问题，逐个说明有问题的文件，写出 output/evidence-index.json。"""
    project = load_project(project_dir)
    index = build_index(project, rehash=rehash, progress=True)
    target = project.path("output") / INDEX_FILE
    write_index_json(index, target)
    show_index(Console(highlight=False), project, index, target)


def show_index(console: Console, project: Project, index: EvidenceIndex, written: Path) -> None:
    """Print the per-indicator table, the flagged files with explanations, and a summary.

    Lines other than the table are soft-wrapped: a long path or message stays one line, so it can
    be searched and copied even when the output goes to a file.
    """
    grouped = _files_by_indicator(index)
    console.print(_indicator_table(project, grouped))
    order = {indicator.id: position for position, indicator in enumerate(project.standard.indicators)}
    flagged = sorted((f for f in index.files if f.flags), key=lambda f: (order.get(f.indicator_id or "", len(order)), f.path))
    if flagged:
        console.print(TEXT["flagged"].format(count=len(flagged)), style="bold")
        for file in flagged:
            console.print(Text("  ").append(safe(file.path)), soft_wrap=True)
            for flag in file.flags:
                line = Text("    · ").append(f"[{FLAG_LABELS[flag.code]}] ", style="yellow").append(safe(flag.message))
                console.print(line, soft_wrap=True)
    missing = [i.label for i in project.standard.indicators if not any(f.usable for f in grouped.get(i.id, []))]
    covered = len(project.standard.indicators) - len(missing)
    pages = sum(file.pages or 0 for file in index.files)
    if missing:
        summary = TEXT["summary"].format(files=len(index.files), pages=pages, covered=covered, missing=len(missing), labels="、".join(missing))
    else:
        summary = TEXT["all_covered"].format(files=len(index.files), pages=pages, covered=covered)
    console.print(summary, soft_wrap=True)
    if index.ignored:
        console.print(TEXT["ignored"].format(count=len(index.ignored)))
        for path in index.ignored[:MAX_IGNORED_SHOWN]:
            console.print(Text("  ").append(safe(path)), soft_wrap=True)
        if len(index.ignored) > MAX_IGNORED_SHOWN:
            console.print(TEXT["more_ignored"].format(count=len(index.ignored) - MAX_IGNORED_SHOWN))
    stats = index.stats
    console.print(TEXT["work"].format(analysed=stats.analysed, megabytes=stats.bytes_analysed / 1e6, reused=stats.reused))
    console.print(TEXT["written"].format(path=display_path(written, project.root)))


def _files_by_indicator(index: EvidenceIndex) -> dict[str | None, list[EvidenceFile]]:
    """Files grouped by indicator in one pass (index.files_for per indicator would scan every file 42 times)."""
    grouped: dict[str | None, list[EvidenceFile]] = defaultdict(list)
    for file in index.files:
        grouped[file.indicator_id].append(file)
    return grouped


def _indicator_table(project: Project, grouped: dict[str | None, list[EvidenceFile]]) -> Table:
    """One row per indicator; rows without a usable file in bold red."""
    table = Table(title=TEXT["table_title"].format(district=project.config.district))
    label, title, *counts = TEXT["columns"]
    table.add_column(label, no_wrap=True)
    table.add_column(title, overflow="fold")
    for heading in counts:
        table.add_column(heading, justify="right", no_wrap=True)
    for indicator in project.standard.indicators:
        files = grouped.get(indicator.id, [])
        usable = any(file.usable for file in files)
        title = indicator.title if usable else indicator.title + TEXT["no_usable"]
        table.add_row(
            indicator.label,
            title,
            str(len(files)),
            str(sum(file.pages or 0 for file in files)),
            str(sum(len(file.flags) for file in files)),
            style=None if usable else "bold red",
        )
    return table


def show_created(console: Console, project: Project, created: list[Path]) -> None:
    """List the folders init-evidence created, or say that nothing had to be created."""
    root = project.path("evidence")
    folders = [path for path in created if path.parent == root]
    if root in created:
        console.print(TEXT["created_root"].format(path=display_path(root, project.root)))
    if not folders:
        console.print(TEXT["nothing_created"])
        return
    console.print(TEXT["created"].format(count=len(folders)))
    for folder in folders:
        console.print(Text("  ").append(safe(display_path(folder, project.root) + "/")))
