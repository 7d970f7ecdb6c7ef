"""`assess build`: every document in one run, then what was written where and the time per step."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from assess.cli.common import as_of_option, parse_as_of, project_options
from assess.config.project import Project, load_project
from assess.errors import display_path
from assess.pipeline import DOCUMENTS, BuildIncomplete, BuildOptions, BuildResult
from assess.pipeline import build as run_build

STEP_NAMES = {
    "data": "读取数据",
    "index": "索引佐证材料",
    "assessment": "评估",
    "docx": "Word 自评报告",
    "xlsx": "Excel 自评表",
    "pdf": "PDF 申报材料",
}


@click.command()
@project_options
@click.option(
    "--only",
    type=click.Choice(["docx", "xlsx", "pdf"]),
    multiple=True,
    help="只生成某一种文件（可重复给出），如 --only docx。默认三种都生成。",
)
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="改用另一个 Word 模板生成自评报告（默认 templates/report.docx）。",
)
@click.option("--no-evidence", is_flag=True, help="申报材料不附佐证材料原件，生成轻量版 PDF。")
@click.option("--max-dpi", type=click.IntRange(72, 600), default=150, show_default=True, help="佐证图片的最高分辨率，超出的扫描件会被压缩。")
@as_of_option("按此日期评估（判断逾期），默认为 assess.yaml 的 report_date。")
@click.option("--rehash", is_flag=True, help="忽略缓存，重新读取全部佐证材料。")
def build(project_dir: Path, only: tuple[str, ...], template: Path | None, no_evidence: bool, max_dpi: int, as_of: str | None, rehash: bool) -> None:
    """一键生成：索引佐证材料、评估各项指标，写出 Word 自评报告、Excel 自评表和 PDF 申报材料。"""
    project = load_project(project_dir)
    options = BuildOptions(
        only=only or DOCUMENTS,
        template=template.resolve() if template else None,
        include_evidence=not no_evidence,
        max_dpi=max_dpi,
        as_of=parse_as_of(as_of),
        rehash=rehash,
        progress=True,
    )
    result = run_build(project, options)
    show_build(project, result)
    if result.failures:
        raise BuildIncomplete(result.failures)


def show_build(project: Project, result: BuildResult) -> None:
    """Print the files written, the verdict counts and the open gaps."""
    console = Console(highlight=False)
    table = Table(title="生成结果", show_lines=False)
    table.add_column("步骤")
    table.add_column("用时（秒）", justify="right")
    table.add_column("文件", overflow="fold")
    for step, seconds in result.seconds.items():
        written = result.written.get(step)
        outcome = display_path(written, project.root) if written else ("失败" if step in result.failures else "")
        table.add_row(STEP_NAMES[step], f"{seconds:.1f}", outcome)
    console.print(table)
    counts = "、".join(f"{verdict.value} {count}" for verdict, count in result.assessment.counts.items() if count)
    console.print(f"自评结论：{counts}；未完成整改项 {len(result.assessment.open_gaps)} 个。")
