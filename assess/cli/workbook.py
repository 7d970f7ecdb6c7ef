"""`assess import-xlsx`: what the office typed into the workbook goes back into data/."""

from __future__ import annotations

from pathlib import Path

import click

from assess.cli.common import project_options
from assess.config.project import load_project
from assess.lock import project_lock
from assess.workbook.importer import import_workbook


@click.command("import-xlsx")
@project_options
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只列出将导入的修改，不写入 data/。")
def import_xlsx(project_dir: Path, workbook: Path, dry_run: bool) -> None:
    """把自评表中填写的实际值、自评说明和整改信息导回 data/（原文件先备份）。"""
    project = load_project(project_dir)
    with project_lock(project.path("output")):
        report = import_workbook(project, workbook.resolve(), dry_run=dry_run)
    for line in report.lines():
        click.echo(line)
