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
    """The option every command shares: which project folder (default: the current one)."""

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


@cli.command("init-evidence")
@project_options
def init_evidence_command(project_dir: Path) -> None:
    """为每项指标创建佐证材料文件夹（含 说明.txt）；已有的文件和文件夹一概不动。"""
    from rich.console import Console

    from .evidence import init_evidence
    from .evidence_view import show_created

    project = load_project(project_dir)
    show_created(Console(highlight=False), project, init_evidence(project))


@cli.command("index")
@project_options
@click.option("--rehash", is_flag=True, default=False, help="不使用缓存，重新读取全部文件并计算哈希。")
def index_command(project_dir: Path, rehash: bool) -> None:
    """索引佐证材料：逐项统计文件数、页数和问题，逐个说明有问题的文件，写出 output/evidence-index.json。"""
    from rich.console import Console

    from .evidence import INDEX_FILE, build_index, write_index_json
    from .evidence_view import show_index

    project = load_project(project_dir)
    index = build_index(project, rehash=rehash, progress=True)
    target = project.path("output") / INDEX_FILE
    write_index_json(index, target)
    show_index(Console(highlight=False), project, index, target)


# --- assessment commands (issue 4: status, gaps) ---


def _assessment_filters(command):
    """Options shared by status and gaps: department filter and as-of date."""
    command = click.option("--as-of", "as_of", default=None, help="按此日期评估（如 2024-09-30 或 2024年9月30日），默认为 assess.yaml 的 report_date。")(command)
    return click.option("--dept", default=None, help="只显示某部门牵头或配合的内容；简称、全称或别名均可，如 区医保局。")(command)


def _parse_as_of(text: str | None):
    """The --as-of date, or None for the project's report_date."""
    from .coerce import DATE_HINT, parse_date

    if text is None:
        return None
    day = parse_date(text)
    if day is None:
        raise click.BadParameter(f"无法识别的日期“{text}”，{DATE_HINT}", param_hint="--as-of")
    return day


def _assess(project, as_of: str | None):
    """Load the district's data, index the evidence (unchanged files come from the cache) and assess."""
    from .assessment import run_assessment
    from .data import load_data
    from .evidence import build_index

    day = _parse_as_of(as_of)
    data = load_data(project)
    return run_assessment(project, build_index(project), data, as_of=day)


@cli.command()
@project_options
@_assessment_filters
@click.option("--category", default=None, help="只显示一个类别：类别 id、名称或编号，如 服务体系 或 system。")
@click.option("--record", is_flag=True, help="把本次结论记入 data/history.yaml（同一日期替换原记录），供报告绘制进度。")
def status(project_dir: Path, dept: str | None, as_of: str | None, category: str | None, record: bool) -> None:
    """显示各项指标的自评结论和主要理由，并写出 output/assessment.json（完整评估结果）。"""
    from rich.console import Console

    from .assessment import ASSESSMENT_FILE
    from .assessment_view import find_category, find_department, show_recorded, show_status, show_written
    from .atomic import write_json
    from .history import record_snapshot
    from .lock import project_lock

    project = load_project(project_dir)
    department = find_department(project, dept) if dept else None
    group = find_category(project, category) if category else None
    assessment = _assess(project, as_of)
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


@cli.command()
@project_options
@_assessment_filters
@click.option("--overdue", is_flag=True, help="只显示已过整改时限仍未完成的问题。")
@click.option("--write", is_flag=True, help="把当前问题合并进整改方案 data/rectification.yaml（已填写的内容保留，原文件备份为 .bak）。")
def gaps(project_dir: Path, dept: str | None, as_of: str | None, overdue: bool, write: bool) -> None:
    """列出整改清单（每个问题、牵头部门、时限和状态），并写出 output/gaps.json。"""
    from rich.console import Console

    from .assessment_view import find_department, show_gaps, show_plan_sync, show_written
    from .atomic import write_json
    from .lock import project_lock
    from .rectification import sync_plan

    project = load_project(project_dir)
    department = find_department(project, dept) if dept else None
    assessment = _assess(project, as_of)
    target = project.path("output") / "gaps.json"
    write_json(target, [gap.model_dump(mode="json") for gap in assessment.gaps])
    console = Console(highlight=False)
    filters = ([f"部门 {department.short}"] if department else []) + (["仅逾期"] if overdue else [])
    show_gaps(console, assessment, assessment.gaps_for(department.short if department else None, overdue=overdue), filters)
    show_written(console, project, target)
    if write:
        with project_lock(project.path("output")):
            show_plan_sync(console, project, sync_plan(project, assessment))


# --- build command (issues 5-7: build) ---


@cli.command()
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
@click.option("--as-of", "as_of", default=None, help="按此日期评估（判断逾期），默认为 assess.yaml 的 report_date。")
@click.option("--rehash", is_flag=True, help="忽略缓存，重新读取全部佐证材料。")
def build(project_dir: Path, only: tuple[str, ...], template: Path | None, no_evidence: bool, max_dpi: int, as_of: str | None, rehash: bool) -> None:
    """一键生成：索引佐证材料、评估各项指标，写出 Word 自评报告、Excel 自评表和 PDF 申报材料。"""
    from .build import DOCUMENTS, BuildIncomplete, BuildOptions
    from .build import build as run_build
    from .build_view import show_build

    project = load_project(project_dir)
    options = BuildOptions(
        only=only or DOCUMENTS,
        template=template.resolve() if template else None,
        include_evidence=not no_evidence,
        max_dpi=max_dpi,
        as_of=_parse_as_of(as_of),
        rehash=rehash,
        progress=True,
    )
    result = run_build(project, options)
    show_build(project, result)
    if result.failures:
        raise BuildIncomplete(result.failures)



# --- workbook round trip (issue 6: import-xlsx) ---


@cli.command("import-xlsx")
@project_options
@click.argument("workbook", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="只列出将导入的修改，不写入 data/。")
def import_xlsx(project_dir: Path, workbook: Path, dry_run: bool) -> None:
    """把自评表中填写的实际值、自评说明和整改信息导回 data/（原文件先备份）。"""
    from .lock import project_lock
    from .workbook_import import import_workbook

    project = load_project(project_dir)
    with project_lock(project.path("output")):
        report = import_workbook(project, workbook.resolve(), dry_run=dry_run)
    for line in report.lines():
        click.echo(line)


# --- verify command (issue 9) ---


@cli.command()
@project_options
@click.option(
    "--manifest",
    "manifest_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="要核对的佐证材料清单（默认 output/manifest.json，由 assess build 生成）。",
)
def verify(project_dir: Path, manifest_file: Path | None) -> None:
    """重新计算每个佐证文件的 SHA-256，与清单核对：列出内容改变、缺少和清单外的文件，不一致时退出码为 1。"""
    from .errors import display_path
    from .manifest import MANIFEST_FILE, ManifestMismatch, load_manifest, verification_lines, verify_manifest

    project = load_project(project_dir)
    path = manifest_file.resolve() if manifest_file else project.path("output") / MANIFEST_FILE
    result = verify_manifest(load_manifest(path, project), project)
    lines = verification_lines(result, display_path(path, project.root), project.config.paths.evidence)
    if not result.matches:
        raise ManifestMismatch("\n".join(lines))
    click.echo(lines[0])


def main() -> None:
    """Console-script entry point (`assess` and `python -m assess`)."""
    cli(prog_name="assess")
