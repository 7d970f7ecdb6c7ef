"""`assess check` and `assess schema`: the project and the standard format."""

from __future__ import annotations

import json
from pathlib import Path

import click

from assess.atomic import write_text
from assess.cli.common import project_options
from assess.config.project import load_project
from assess.config.standard import Standard


@click.command()
@project_options
@click.option(
    "--standard",
    "standard_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="改用另一个指标标准文件（默认使用 assess.yaml 中的 standard）。",
)
def check(project_dir: Path, standard_file: Path | None) -> None:
    """校验项目文件、指标标准和部门名录，一次列出全部问题。"""
    project = load_project(project_dir, standard_override=standard_file.resolve() if standard_file else None)
    standard = project.standard
    targets = sum(len(i.targets) for i in standard.indicators)
    click.echo(
        f"检查通过：{project.config.district}，标准“{standard.title}”"
        f"共 {len(standard.categories)} 个类别、{len(standard.indicators)} 项指标、{targets} 个量化目标；"
        f"部门名录 {len(project.registry.departments)} 个单位。"
    )


@click.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="写入的文件；不给出时输出到屏幕。",
)
def schema(output: Path | None) -> None:
    """输出指标标准文件格式的 JSON Schema，供各区县编写自己的指标库。"""
    text = json.dumps(Standard.model_json_schema(), ensure_ascii=False, indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
    else:
        write_text(output, text)
        click.echo(f"已写入 {output}")
