"""Terminal summary of a build: what was written where, verdict counts, and time per step."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .build import BuildResult
from .errors import display_path
from .project import Project

STEP_NAMES = {
    "data": "读取数据",
    "index": "索引佐证材料",
    "assessment": "评估",
    "docx": "Word 自评报告",
    "xlsx": "Excel 自评表",
    "pdf": "PDF 申报材料",
}


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
