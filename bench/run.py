"""`make bench`: generate (or reuse) a synthetic district, measure `assess` beside raw tools, report.

Usage: python -m bench.run [--scale 1] [--runs 3] [--only index,render] …; see bench/README.md.
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from assess.atomic import write_json
from bench.measurements import (
    Bench,
    build_rows,
    index_rows,
    render_rows,
    startup_row,
    subsetter,
)
from bench.synth import District, Shape, generate
from bench.timing import STATUS_TEXT, Row

REPO = Path(__file__).resolve().parent.parent
GROUPS = ("startup", "index", "render", "build")
RESULTS_VERSION = 1
TABLE_WIDTH = 110


def make_district(root: Path, seed: int, scale: float, shape: Shape, reuse: Path | None = None) -> District:
    """Generate (or reuse) one district, with a progress bar while drawing."""
    with Progress(transient=True) as progress:
        task = progress.add_task(f"生成模拟区县 {scale:g}×", total=None)
        return generate(
            root,
            seed=seed,
            scale=scale,
            repo=REPO,
            shape=shape,
            reuse=reuse,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )


def measure(bench: Bench, groups: list[str], double: District | None) -> list[Row]:
    """Run the chosen groups of measurements, in pipeline order."""
    rows: list[Row] = []
    if "startup" in groups:
        rows.append(startup_row(bench))
    if "index" in groups:
        rows += index_rows(bench)
    if "render" in groups:
        rows += render_rows(bench)
    if "build" in groups:
        rows += build_rows(bench, double)
    return rows


def disk_bytes(folder: Path) -> int:
    """Bytes the folder takes on disk, counting hard-linked files once."""
    seen, total = set(), 0
    for path in folder.rglob("*"):
        info = path.lstat()
        if path.is_file() and (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += info.st_size
    return total


def results(bench: Bench, rows: list[Row], double: District | None, bench_dir: Path, started: datetime) -> dict:
    """Everything results.json records: when, where, on what, and every row."""
    return {
        "version": RESULTS_VERSION,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now().isoformat(timespec="seconds"),
        "runs": bench.runs,
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "font_subsetter": subsetter(),
        },
        "district": bench.district.summary(),
        "double": double.summary() if double else None,
        "disk_bytes": disk_bytes(bench_dir),
        "measurements": [row.as_json() for row in rows],
    }


def number(value: float | None, unit: str) -> str:
    """A measured value as the table shows it."""
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} 秒"
    return f"{value:.1f} {unit}"


def verdict(row: Row) -> str:
    """The result column: pass, miss, no target, or why nothing was measured."""
    if row.status != "ok":
        return STATUS_TEXT[row.status]
    return {True: "[green]通过[/]", False: "[red]未达标[/]", None: "—"}[row.passed]


def table(rows: list[Row], district: District) -> Table:
    """The rich table printed at the end."""
    title = f"assess 性能基准：{district.files} 个文件，{district.pages} 页，{district.bytes / (1 << 30):.2f} GiB"
    grid = Table(title=title)
    for header in ("测量项目", "中位数", "参照", "参照中位数", "比值", "目标", "结果"):
        grid.add_column(header)
    for row in rows:
        target = "—" if row.limit is None else f"{'<' if row.strict else '≤'} {row.limit:g}"
        ratio = "—" if row.ratio is None else f"{row.ratio:.3f}"
        grid.add_row(row.name, number(row.median, row.unit), row.anchor or "—", number(row.anchor_median, row.unit), ratio, target, verdict(row))
    return grid


@click.command()
@click.option("--scale", type=click.FloatRange(min=0, min_open=True), default=1.0, show_default=True, help="区县规模倍数（1× 约 1,000 个文件、3,000 页）。")
@click.option("--seed", type=int, default=2024, show_default=True, help="生成模拟区县的随机种子。")
@click.option("--runs", type=click.IntRange(min=1), default=3, show_default=True, help="每项测量的运行次数（取中位数）。")
@click.option("--dir", "bench_dir", type=click.Path(file_okay=False, path_type=Path), default=REPO / "output" / "bench", help="模拟区县与结果的存放文件夹（默认 output/bench）。")
@click.option("--only", default=",".join(GROUPS), show_default=True, help="只运行这些测量组（逗号分隔）。")
@click.option("--double/--no-double", default=True, show_default=True, help="另生成 2× 区县，检查峰值内存随规模的增长。")
def main(scale: float, seed: int, runs: int, bench_dir: Path, only: str, double: bool) -> None:
    """生成模拟区县，与原始工具并排测量 assess 的速度和内存，写出 results.json。"""
    groups = [g.strip() for g in only.split(",") if g.strip()]
    unknown = sorted(set(groups) - set(GROUPS))
    if unknown:
        raise click.BadParameter(f"未知的测量组：{', '.join(unknown)}；可选：{', '.join(GROUPS)}", param_hint="--only")
    started = datetime.now()
    district = make_district(bench_dir / "district", seed, scale, Shape())
    doubled = make_district(bench_dir / "district-2x", seed, scale * 2, Shape(), reuse=district.root) if double and "build" in groups else None
    bench = Bench(district=district, runs=runs, work=bench_dir / "work")
    rows = measure(bench, groups, doubled)
    write_json(bench_dir / "results.json", results(bench, rows, doubled, bench_dir, started))
    console = Console(width=max(Console().width, TABLE_WIDTH))
    console.print(table(rows, district))
    for row in rows:
        if row.note:
            console.print(f"  {row.name}：{row.note}", highlight=False)
    console.print(f"字体子集化：{subsetter()}；结果已写入 {bench_dir / 'results.json'}")


if __name__ == "__main__":
    main()
