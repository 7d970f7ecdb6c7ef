"""Command-line interface: thin commands over the library; errors become messages in one place."""

from __future__ import annotations

import functools
import json
import traceback
from pathlib import Path

import click

from .atomic import write_text
from .errors import AssessError, ExitCode, InvalidInput
from .project import load_project
from .standard import Standard


def project_options(command):
    """The options every command shares: which project folder, and which standard file."""

    @click.option(
        "--project",
        "project_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="项目文件夹（含 assess.yaml），默认为当前文件夹。",
    )
    @functools.wraps(command)
    def wrapper(project_dir: Path | None, **kwargs):
        return command(project_dir=project_dir or Path.cwd(), **kwargs)

    return wrapper


class AssessGroup(click.Group):
    """Click group that reports an AssessError once, in Chinese, with its documented exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InvalidInput as exc:
            for finding in exc.findings:
                click.echo(str(finding), err=True)
            click.echo(f"共发现 {len(exc.findings)} 个问题，请修改后重新运行。", err=True)
            ctx.exit(exc.exit_code)
        except AssessError as exc:
            self._report(ctx, f"错误：{exc}")
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly instead of dumping a traceback
            self._report(ctx, f"程序内部错误（{type(exc).__name__}: {exc}）。请加 -v 重新运行并把输出发给维护人员。")
            ctx.exit(ExitCode.FAILED)

    @staticmethod
    def _report(ctx: click.Context, message: str) -> None:
        """Print the message, preceded by the traceback when -v was given."""
        if ctx.params.get("verbose"):
            traceback.print_exc()
        click.echo(message, err=True)


@click.group(cls=AssessGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="出错时显示完整的技术细节（traceback）。")
@click.version_option(package_name="assess")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """assess：全国基层中医药工作示范县（区）创建自评工具。"""
    ctx.ensure_object(dict)["verbose"] = verbose


@cli.command()
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


@cli.command()
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


# --- evidence commands (issue 3: init-evidence, index) ---


# --- assessment commands (issue 4: status, gaps) ---


# --- build command (issues 5-7: build) ---


# --- workbook round trip (issue 6: import-xlsx) ---


def main() -> None:
    """Console-script entry point (`assess` and `python -m assess`)."""
    cli(prog_name="assess")
