"""What the benchmark measures, each tool run beside the raw tools that bound it, in one process tree."""

from __future__ import annotations

import cProfile
import inspect
import itertools
import os
import pstats
import shutil
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pikepdf

from assess.caches import (
    DOSSIER_EVIDENCE,
    DOSSIER_LAYOUT,
    DOSSIER_PARTS,
    EVIDENCE_CACHE,
    OFFICE_PDF,
)
from assess.config.project import Project, load_project
from assess.render.dossier.anchors import add_outline
from assess.render.dossier.appendix import write_evidence
from assess.render.dossier.assemble import add_appendix_pages, finish_dossier
from assess.render.dossier.html_part import HtmlPart
from assess.render.dossier.layout import separate_part_css
from assess.render.dossier.numbering import read_layout_guess
from assess.render.dossier.plan import plan_appendix
from assess.render.fonts import require_cjk_font
from bench.anchors import flush, merge_with_raw_tools, read_all, sha256_pass
from bench.synth import District, evidence_files
from bench.timing import (
    CliRun,
    Row,
    Unavailable,
    entry,
    fill,
    interleave,
    run_cli,
    seconds,
)

MIB = 1 << 20
GIB_IN_MIB = 1024
STAGES = {"data": "读取数据", "index": "索引", "assessment": "评估", "docx": " Word", "xlsx": " Excel", "pdf": " PDF"}
"""Chinese names of the stages assess.build times."""
SUBSET_FUNCTION = ("weasyprint/pdf/fonts.py", "subset")


@dataclass
class Bench:
    """One benchmark session over one generated district."""

    district: District
    runs: int
    work: Path
    anchors: dict[str, list[float]] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """The district's project folder."""
        return self.district.root

    @cached_property
    def project(self) -> Project:
        """The district loaded as `assess` loads it."""
        return load_project(self.root)

    @cached_property
    def files(self) -> list[Path]:
        """Every evidence file, in path order."""
        return list(evidence_files(self.root))

    @property
    def images(self) -> list[Path]:
        """The scan-like JPEGs."""
        return [p for p in self.files if p.suffix == ".jpg"]

    @property
    def pdfs(self) -> list[Path]:
        """The multi-page PDFs."""
        return [p for p in self.files if p.suffix == ".pdf"]

    @property
    def output(self) -> Path:
        """The district's output folder (where the index cache lives)."""
        return self.project.path("output")

    def clear_cache(self) -> None:
        """Empty the index cache, so the next index run starts cold."""
        shutil.rmtree(self.output / EVIDENCE_CACHE.parent, ignore_errors=True)

    def clear_layout_cache(self) -> None:
        """Empty the dossier's parts cache and drop its evidence record, so the next dossier lays out every document and writes every page (the page-number guess stays: one pass each)."""
        shutil.rmtree(self.output / DOSSIER_PARTS, ignore_errors=True)
        (self.output / DOSSIER_EVIDENCE).unlink(missing_ok=True)

    def sha256_seconds(self) -> float:
        """One bare SHA-256 pass; its runs are kept as the anchor of later sums."""
        elapsed = seconds(lambda: sha256_pass(self.files))
        self.anchors.setdefault("sha256", []).append(elapsed)
        return elapsed

    def weasyprint_seconds(self) -> float:
        """WeasyPrint alone laying out and writing each HTML document of the full dossier once; runs kept for later sums."""
        part, documents = self.dossier_documents
        elapsed = seconds(lambda: [part.layout.render(html, furniture).write_pdf() for html, furniture in documents])
        self.anchors.setdefault("weasyprint", []).append(elapsed)
        return elapsed

    @cached_property
    def dossier_documents(self) -> tuple[HtmlPart, list[tuple[str, str | None]]]:
        """The full dossier's HTML documents (HTML part, continued tables, manifest batches) with their page furniture.

        Page numbers are those of the last full dossier built here (layout guess); they change
        digits, not the work.
        """
        prepared = prepare(self)
        plan = plan_appendix(prepared.assessment, self.project.path("evidence"), self.output / OFFICE_PDF)
        manifest = prepared.dossier_options.get("manifest")
        part = HtmlPart(prepared.assessment, self.project, require_cjk_font(), plan, True, manifest, self.work, self.output / DOSSIER_PARTS)
        start, continued_pages = read_layout_guess(self.output / DOSSIER_LAYOUT, part.kind)
        after = start + plan.total_pages
        district = prepared.assessment.district
        documents = [(part.front_html(start, continued_pages), None)]
        documents += [(html, separate_part_css(district, part.chapters["continued"], after)) for html in part.continued_html(start)]
        documents += [(html, separate_part_css(district, part.chapters["manifest"], after + continued_pages)) for html in part.manifest_html()]
        return part, documents

    def raw_merge_seconds(self) -> float:
        """One img2pdf + qpdf pass over all evidence, flushed to disk (fsync) as assess flushes every output; runs kept for later sums.

        Its files are deleted afterwards (1 GB at 1×).
        """
        folder = self.work / "anchor"
        elapsed = seconds(lambda: [flush(path) for path in merge_with_raw_tools(self.images, self.pdfs, folder)])
        shutil.rmtree(folder)
        self.anchors.setdefault("raw_merge", []).append(elapsed)
        return elapsed


def cli_command(name: str) -> None:
    """Check that `assess NAME` exists, so a missing command reads as 'not available', not as a failure."""
    from assess.cli.app import COMMANDS

    if name not in COMMANDS:
        raise Unavailable(f"assess {name} 尚未实现")


def cli_seconds(bench: Bench, command: str, *args: str) -> float:
    """Wall time of one `assess` command on the district."""
    cli_command(command)
    return run_cli(bench.root, command, *args).seconds


def library_index(bench: Bench) -> float:
    """Wall time of build_index() called in this process: no interpreter start-up, no project loading."""
    build_index = entry("assess.evidence.index", "build_index")
    return seconds(lambda: build_index(bench.project))


def cold(bench: Bench, step: Callable[[], float]) -> Callable[[], float]:
    """The step, run after emptying the index cache (the emptying is not timed)."""

    def run() -> float:
        bench.clear_cache()
        return step()

    return run


def touched_runs(bench: Bench, steps: dict[str, Callable[[], float]]) -> dict[str, list[float] | Exception]:
    """Each step, interleaved `bench.runs` times, each run after changing one evidence file's mtime (as `touch` would)."""
    target = bench.pdfs[0] if bench.pdfs else bench.files[0]
    return runs_after_changes(bench, target, lambda n: os.utime(target, (target.stat().st_mtime + 60,) * 2), steps)


def changed_runs(bench: Bench, steps: dict[str, Callable[[], float]]) -> dict[str, list[float] | Exception]:
    """Each step, interleaved `bench.runs` times, each run after new content in the evidence file halfway through the appendix.

    Run n appends n line feeds (after a JPEG's end marker or a PDF's %%EOF, which readers skip), so
    every run sees content the dossier has never held.
    """
    target = bench.files[len(bench.files) // 2]

    def append(n: int) -> None:
        with target.open("ab") as handle:
            handle.write(b"\n" * n)

    return runs_after_changes(bench, target, append, steps)


def runs_after_changes(bench: Bench, target: Path, change: Callable[[int], None], steps: dict[str, Callable[[], float]]) -> dict[str, list[float] | Exception]:
    """Each step, interleaved `bench.runs` times, each run after `change`(n) to `target` (n = 1, 2, …); its size and mtime are put back after."""
    original = target.stat()
    changes = itertools.count(1)

    def changing(step: Callable[[], float]) -> Callable[[], float]:
        def run() -> float:
            change(next(changes))
            return step()

        return run

    try:
        return interleave(bench.runs, {name: changing(step) for name, step in steps.items()})
    finally:
        os.truncate(target, original.st_size)
        os.utime(target, ns=(original.st_atime_ns, original.st_mtime_ns))


def index_rows(bench: Bench) -> list[Row]:
    """Cold, warm and one-file-touched index runs, by CLI and in-process, against a bare SHA-256 pass."""
    read_all(bench.files)
    cli = lambda: cli_seconds(bench, "index")  # noqa: E731
    lib = lambda: library_index(bench)  # noqa: E731
    first = interleave(bench.runs, {"sha256": bench.sha256_seconds, "cli": cold(bench, cli), "lib": cold(bench, lib)})
    warm = interleave(bench.runs, {"cli": cli, "lib": lib})
    touch = touched_runs(bench, {"cli": cli, "lib": lib})
    rows = []
    for way, label in (("cli", "CLI"), ("lib", "进程内")):
        cold_runs = first[way]
        base = {"anchor_runs": cold_runs} if isinstance(cold_runs, list) else {}
        # Through the CLI every run pays the interpreter start-up and imports (startup_row), which
        # the anchors (timed in this process) do not: every target is judged on the in-process rows.
        cold_limit, warm_limit, touch_limit, note = (1.5, 0.02, 0.03, "") if way == "lib" else (None, None, None, CLI_NOTE)
        rows += [
            fill(Row(f"index_cold_{way}", f"索引·空缓存（{label}）", anchor="SHA-256",
                     anchor_runs=list(bench.anchors.get("sha256", [])), limit=cold_limit, note=note), cold_runs),
            fill(Row(f"index_warm_{way}", f"索引·无改动（{label}）", anchor="索引·空缓存", limit=warm_limit, note=note, **base), warm[way]),
            fill(Row(f"index_touch_{way}", f"索引·改动一个文件（{label}）", anchor="索引·空缓存", limit=touch_limit, note=note, **base), touch[way]),
        ]
    return rows


CLI_NOTE = "含 Python 启动和导入（见“启动”一行），参照在基准进程内计时、不含这些，故仅供参考；目标按进程内一行判定"


def startup_row(bench: Bench) -> Row:
    """Interpreter start-up and imports: the fixed cost of every `assess` command."""
    outcome = interleave(bench.runs, {"cli": lambda: run_cli(None, "--version").seconds})
    return fill(Row("startup", "启动（assess --version）"), outcome["cli"])


@dataclass(frozen=True)
class Prepared:
    """What the renderers take, computed once: the assessment, and what `assess build` also hands the dossier."""

    assessment: object
    dossier_options: dict


def prepare(bench: Bench) -> Prepared:
    """The district's assessment, and the evidence manifest when render_pdf takes one (as `assess build` passes it)."""
    build_index = entry("assess.evidence.index", "build_index")
    load_data = entry("assess.config.data", "load_data")
    run_assessment = entry("assess.assessment.engine", "run_assessment")
    project = load_project(bench.root)
    index = build_index(project)
    assessment = run_assessment(project, index, load_data(project))
    options = {}
    if "manifest" in inspect.signature(entry("assess.render.dossier.build", "render_pdf")).parameters:
        options["manifest"] = entry("assess.evidence.manifest", "build_manifest")(index, project)
    return Prepared(assessment, options)


def render_rows(bench: Bench) -> list[Row]:
    """Evidence appendix against img2pdf + qpdf; the full dossier; the HTML part in pages per second; Word and Excel."""
    read_all(bench.files)
    try:
        prepared = prepare(bench)
        problem = None
    except Exception as exc:  # the renderers need it; the raw-tool anchor does not
        prepared, problem = None, exc
    out = bench.work / "render"
    out.mkdir(parents=True, exist_ok=True)
    pages: dict[str, list[int]] = {"full": [], "light": []}

    def needs_assessment(step: Callable[[], float]) -> Callable[[], float]:
        """The step, or the reason there is no assessment to render."""

        def run() -> float:
            if problem is not None:
                raise problem
            return step()

        return run

    rounds = interleave(
        bench.runs,
        {
            "anchor": bench.raw_merge_seconds,
            "appendix": needs_assessment(lambda: appendix_seconds(bench, prepared, out / "appendix.pdf")),
            "full": needs_assessment(lambda: dossier_seconds(bench, prepared, out / "dossier.pdf", True, pages["full"])),
            "light": needs_assessment(lambda: dossier_seconds(bench, prepared, out / "dossier-light.pdf", False, pages["light"])),
            "weasyprint": needs_assessment(bench.weasyprint_seconds),
            "docx": needs_assessment(lambda: renderer_seconds("assess.render.docx", "render_docx", bench, prepared.assessment, out / "report.docx")),
            "xlsx": needs_assessment(lambda: renderer_seconds("assess.workbook.export", "render_xlsx", bench, prepared.assessment, out / "workbook.xlsx")),
        },
    )
    full, light = rounds["full"], rounds["light"]
    pages_per_second = [n / t for n, t in zip(pages["light"], light)] if isinstance(light, list) else light
    anchor = rounds["anchor"] if isinstance(rounds["anchor"], list) else []
    rows = [
        fill(Row("appendix", "佐证附录合成", anchor="img2pdf+qpdf", anchor_runs=anchor, limit=1.5,
                 note=APPENDIX_NOTE), rounds["appendix"]),
        fill(Row("dossier", "完整申报材料（含佐证）"), full),
        fill(Row("html", "HTML 部分（WeasyPrint）", unit="页/秒"), pages_per_second),
        fill(Row("html_seconds", "HTML 部分（WeasyPrint）"), light),
        fill(Row("weasyprint", "WeasyPrint 直接排版同样的 HTML（参照）", note=WEASYPRINT_NOTE), rounds["weasyprint"]),
        font_subset_row(bench, prepared, problem, out / "dossier-profiled.pdf"),
        fill(Row("docx", "Word 自评报告"), rounds["docx"]),
        fill(Row("xlsx", "Excel 自评表"), rounds["xlsx"]),
    ]
    if pages["full"] and pages["light"]:
        rows[1].note = f"{pages['full'][0]} 页，其中 HTML 部分 {pages['light'][0]} 页"
    return rows


APPENDIX_NOTE = "规划、写入证明材料页、盖章、书签，单进程依次完成；两边都含输出文件落盘（fsync）"


WEASYPRINT_NOTE = "完整申报材料的全部 HTML 文档（前四章、佐证材料表（续）、清单各批），不经缓存，单进程各排版并写出一遍"


def appendix_seconds(bench: Bench, prepared: Prepared, target: Path) -> float:
    """Wall time of the evidence appendix alone, made in this process as render_pdf makes it (after one blank page, stamped, with bookmarks) and flushed to disk."""
    max_dpi = inspect.signature(entry("assess.render.dossier.build", "render_pdf")).parameters["max_dpi"].default

    def make() -> None:
        plan = plan_appendix(prepared.assessment, bench.project.path("evidence"), bench.output / OFFICE_PDF)
        evidence = write_evidence(plan, target, max_dpi)
        with pikepdf.new() as pdf:
            pdf.add_blank_page()
            written = add_appendix_pages(pdf, plan, evidence, {})
            with pdf.open_outline() as outline:
                chapter = pikepdf.OutlineItem("证明材料", 0)
                outline.root.append(chapter)
                add_outline(chapter, plan, 2)
            finish_dossier(pdf, evidence, written, target, bytes(16))
        flush(target)

    try:
        return seconds(make)
    finally:
        target.unlink(missing_ok=True)  # about 1 GB at 1×


def dossier_seconds(bench: Bench, prepared: Prepared, target: Path, include_evidence: bool, pages: list[int]) -> float:
    """Wall time of one dossier (full or light), every document laid out (no parts cache); its page count goes into `pages`."""
    from pypdf import PdfReader

    render_pdf = entry("assess.render.dossier.build", "render_pdf")
    bench.clear_layout_cache()
    elapsed = seconds(lambda: render_pdf(prepared.assessment, bench.project, target, include_evidence=include_evidence, **prepared.dossier_options))
    pages.append(len(PdfReader(target).pages))
    return elapsed


def renderer_seconds(module: str, name: str, bench: Bench, assessment, target: Path) -> float:
    """Wall time of one renderer writing its document."""
    render = entry(module, name)
    return seconds(lambda: render(assessment, bench.project, target))


def font_subset_row(bench: Bench, prepared: Prepared | None, problem: Exception | None, target: Path) -> Row:
    """Share of the HTML part spent subsetting fonts, from one cProfile'd render (limit: not dominant)."""
    row = Row("font_subset", "字体子集化占 HTML 部分", unit="%", limit=50, note=subsetter())
    try:
        if problem is not None:
            raise problem
        render_pdf = entry("assess.render.dossier.build", "render_pdf")
        bench.clear_layout_cache()
        profile = cProfile.Profile()
        profile.runcall(render_pdf, prepared.assessment, bench.project, target, include_evidence=False, **prepared.dossier_options)
    except Exception as exc:
        return fill(row, exc)
    stats = pstats.Stats(profile).stats
    total = max(ct for *_, ct, _callers in stats.values())
    subset = sum(
        ct for (path, _line, function), (*_, ct, _callers) in stats.items()
        if path.endswith(SUBSET_FUNCTION[0]) and function == SUBSET_FUNCTION[1]
    )
    row.runs = [100 * subset / total]
    return row


def subsetter() -> str:
    """Which font subsetter WeasyPrint will use here: HarfBuzz (fast) or fontTools (slow)."""
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0):
        return "HarfBuzz hb-subset"
    return "fontTools（慢：缺少 libharfbuzz-subset0）"


def build_rows(bench: Bench, double: District | None) -> list[Row]:
    """Full `assess build` (cold and warm) against the sum of the anchors; peak RSS at 1× and 2×."""
    while len(bench.anchors.get("sha256", [])) < bench.runs:
        bench.sha256_seconds()
    while len(bench.anchors.get("raw_merge", [])) < bench.runs:
        bench.raw_merge_seconds()
    while len(bench.anchors.get("weasyprint", [])) < bench.runs:
        bench.weasyprint_seconds()
    anchor_sum = [a + b for a, b in zip(bench.anchors["sha256"], bench.anchors["raw_merge"])]
    with_layout = [a + b for a, b in zip(anchor_sum, bench.anchors["weasyprint"])]
    cold_runs: list[CliRun] = []

    def cold_build() -> float:
        cli_command("build")
        shutil.rmtree(bench.output, ignore_errors=True)
        cold_runs.append(run_cli(bench.root, "build"))
        return cold_runs[-1].seconds

    first = interleave(bench.runs, {"build": cold_build})
    stages: list[dict[str, float]] = []
    warm = interleave(bench.runs, {"build": lambda: library_build(bench, stages)})
    again = touched_runs(bench, {"build": lambda: cli_seconds(bench, "build")})
    changed = changed_runs(bench, {"build": lambda: cli_seconds(bench, "build")})
    rss = [run.peak_tree_rss / MIB for run in cold_runs] if cold_runs else first["build"]
    rows = [
        fill(Row("build_cold", "完整构建·空缓存（CLI）", anchor="SHA-256+附录+WeasyPrint 参照", anchor_runs=with_layout, limit=2.0), first["build"]),
        fill(Row("build_touch", "完整构建·触碰一个文件后（CLI）", anchor="SHA-256+附录参照", anchor_runs=anchor_sum, note=TOUCHED_NOTE), again["build"]),
        fill(Row("build_change", "完整构建·一个文件内容改变后（CLI）", anchor="SHA-256+附录参照", anchor_runs=anchor_sum, note=CHANGED_NOTE), changed["build"]),
        fill(Row("build_warm", "完整构建·缓存已热（进程内）", note=WARM_NOTE), warm["build"]),
        *(Row(f"build_warm_{name}", f"  其中{STAGES.get(name, name)}", runs=[run[name] for run in stages]) for name in (stages[0] if stages else {})),
        fill(Row("rss_1x", f"构建峰值内存 {bench.district.scale:g}×", unit="MiB", limit=GIB_IN_MIB, strict=True, note=largest_process(cold_runs)), rss),
    ]
    rows[0].note = cold_note(rows[0], anchor_sum)
    if double is not None:
        rows.append(double_rss_row(double, bench.district, rows[-1].runs))
    return rows


def cold_note(row: Row, anchor_sum: list[float]) -> str:
    """The first build against the raw tools without WeasyPrint: the HTML part has no cheaper tool than WeasyPrint itself."""
    if not row.runs or not anchor_sum:
        return ""
    without = statistics.median(anchor_sum)
    return f"不计 WeasyPrint 参照（SHA-256+附录参照 {without:.2f} 秒）为 {statistics.median(row.runs) / without:.1f} 倍；HTML 部分没有比 WeasyPrint 本身更快的工具"


WARM_NOTE = "无任何改动：申报材料内容不变，保留原文件（HTML 各部分取自缓存，不重写证明材料）"
TOUCHED_NOTE = "缓存已热，一个证明材料文件的修改时间变了、内容没变（touch，如从 U 盘重新拷入）：申报材料内容不变，保留原文件；仅供参考"
CHANGED_NOTE = "创建办在迎检前每天多次重新生成的情形：缓存已热，附录正中的一个证明材料文件内容改变；其前的证明材料页从上次的申报材料复制，其后的重新写入，重排清单一批；仅供参考"


def library_build(bench: Bench, stages: list[dict[str, float]]) -> float:
    """Wall time of build() in this process on a warm cache; its per-stage seconds go into `stages`."""
    build = entry("assess.pipeline", "build")
    results = []
    elapsed = seconds(lambda: results.append(build(bench.project)))
    if results[0].failures:
        raise RuntimeError("; ".join(f"{kind}: {error}" for kind, error in results[0].failures.items()))
    stages.append(results[0].seconds)
    return elapsed


def largest_process(runs: list[CliRun]) -> str:
    """Note for a memory row: the rows count the whole process tree; this is its largest single process."""
    if not runs:
        return ""
    return f"进程树合计（每 0.1 秒采样）；其中最大单个进程 {statistics.median(r.peak_rss for r in runs) / MIB:.0f} MiB"


def double_rss_row(double: District, single: District, single_rss: list[float]) -> Row:
    """Peak RSS of one cold build of the doubled district, as a ratio to the single district's median."""
    row = Row("rss_2x", f"构建峰值内存 {double.scale:g}×", unit="MiB",
              anchor=f"{single.scale:g}× 峰值", anchor_runs=single_rss, limit=1.3, strict=True)
    try:
        cli_command("build")
        shutil.rmtree(double.root / "output", ignore_errors=True)
        run = run_cli(double.root, "build")
    except Exception as exc:
        return fill(row, exc)
    row.runs = [run.peak_tree_rss / MIB]
    row.note = f"一次运行，用时 {run.seconds:.1f} 秒；{largest_process([run])}"
    return row
