"""PDF 申报材料: the HTML part laid out by WeasyPrint, the evidence appendix written straight into the file.

Order of work: plan the appendix (page counts only; Word/Excel converted) → lay out the HTML part
and the continued evidence tables until the page numbers they print are right, then the manifest,
each part written to PDF and freed (for a large dossier the continued tables and the manifest by a
worker process, while this one lays out the HTML part: see layout.py), while another process
writes the framed evidence pages into the dossier's temporary file → add the appendix pages
(drawing that evidence, stamped) and the parts after them, turn the page links into destinations,
add the bookmarks → append all that to the temporary file and rename it onto the dossier.
Everything derived for presentation (page numbers, groupings,
wording) is computed here; the Jinja templates under templates/dossier/ only lay it out.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import weasyprint
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.sandbox import SandboxedEnvironment
from pikepdf import Array, Name, OutlineItem

from assess.assessment.model import Assessment, Gap, IndicatorResult, TargetResult
from assess.atomic import (
    OutputError,
    atomic_path,
    document_time,
    work_folder,
    write_json,
)
from assess.caches import DOSSIER_EVIDENCE, DOSSIER_LAYOUT, DOSSIER_PARTS, OFFICE_PDF
from assess.config.project import Project
from assess.config.records import Verdict
from assess.errors import AssessError, display_path
from assess.evidence.manifest import Manifest
from assess.render import charts
from assess.render.dossier.appendix import (
    AppendixPlan,
    EvidencePages,
    Placement,
    add_appendix_pages,
    add_outline,
    appendix_writer,
    document_id,
    finish_dossier,
    log_unreadable,
    plan_appendix,
    printable,
)
from assess.render.dossier.layout import (
    Keep,
    Layout,
    Layouter,
    PartJob,
    PartsCache,
    Pending,
    Styles,
    Written,
    lay_out_document,
)
from assess.render.dossier.reuse import (
    remember,
    reusable_prefix,
    source_keys,
)
from assess.render.fonts import require_cjk_font
from assess.render.text import date_text

LOGGER = logging.getLogger(__name__)

TEMPLATE_FOLDER = "dossier"
HTML_TEMPLATE = "dossier.html"
MANIFEST_TEMPLATE = "manifest.html"
CONTINUED_TEMPLATE = "continued.html"
SECTION_ROWS = 10
"""Evidence rows an indicator's section shows; the rest continue in 佐证材料表（续） after the appendix.
A laid-out WeasyPrint document holds about 2.5 MiB a page, so the HTML part, one document, must not
grow with the evidence: what grows with it (the continued tables, the manifest) is laid out after
the appendix, batch by batch, each batch written and freed before the next."""
BATCH_ROWS = 250
"""Rows (continued-table rows or manifest entries) per separately laid-out document, about 12 pages."""
PARALLEL_ROWS = 2 * BATCH_ROWS
"""Rows laid out apart (continued tables and manifest) from which a worker process lays them out
beside the HTML part: below, starting a process (about a second of CPU) saves less than it costs."""
FRONT_FILE = "front-0000.pdf"
"""The HTML part's PDF in the work folder."""
CSS_TEMPLATE = "dossier.css"
PAGE_LINK = "x-assess-page:"
"""Scheme of links to appendix pages: WeasyPrint writes them as URIs, assembly makes them GoTo links."""
ANCHOR_LINK = "x-assess-anchor:"
"""Scheme of links to an anchor in a part laid out apart (the continued tables), resolved the same way."""
MAX_LAYOUT_PASSES = 4

TEXT = {
    "title": "{honour}创建申报材料",
    "chapter": "{number}、{title}",
    "evidence_title": "证明材料",
    "manifest_title": "佐证材料清单（SHA-256 校验）",
    "continued_title": "佐证材料表（续）",
    "manifest_intro": "以下按路径列出生成本册时佐证材料文件夹 {folder}/ 中的全部 {count} 个文件（共 {size} 字节），以及每个文件内容的 SHA-256 校验值。文件内容哪怕只改动一个字节，校验值也会完全不同。",
    "manifest_check": "核对方法：在项目文件夹中运行 assess verify，程序逐一重新计算 {folder}/ 中每个文件的 SHA-256，与佐证材料清单 output/manifest.json 核对，列出内容已改变、已缺少和清单外的文件；也可以对单个文件运行 sha256sum 文件名（Windows：certutil -hashfile 文件名 SHA256），与下列校验值对照。",
    "manifest_fingerprint": "整套材料指纹：下列各文件按路径排序，每个文件一行“SHA-256、两个空格、路径”（即 sha256sum 的输出格式），全部行合在一起计算的 SHA-256。它与随本册提供的 manifest.json 中的 fingerprint 相同，即说明该清单与本册一致。",
    "unhashed": "（生成时无法读取）",
    "pages": "{first}–{last}",
    "page": "{first}",
    "reused": "与 {label} 的“{name}”内容相同",
    "not_embedded": "未附",
    "light": "本册为简版，未附证明材料原件；证明材料见完整版申报材料。",
    "met": "达到",
    "not_met": "未达到",
    "no_data": "无数据",
    "overdue": "已逾期",
    "no_lead": "未明确牵头单位",
    "unchanged": "申报材料的内容与上次生成的完全相同，保留原文件",
    "missing_glyphs": "申报材料中有 {count} 个字符在已安装的字体中没有字形，会显示为空白或方框：{chars}。请改用常用字，或安装包含这些字的字体",
}
"""Chinese wording computed here (fixed headings and labels live in the template), in one place."""

FONT_STACKS = {
    "serif": ["Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun"],
    "sans": ["Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "SimHei"],
    "mono": ["Noto Sans Mono CJK SC", "Source Han Mono SC", "DejaVu Sans Mono", "Consolas"],
}
"""Preferred families for body text (宋体-like), headings (黑体-like) and checksums (fixed width); an installed CJK family is appended."""
GENERIC_FAMILIES = {"serif": "serif", "sans": "sans-serif", "mono": "monospace"}


class DossierTemplateProblem(AssessError):
    """The dossier's HTML/CSS template is missing or has a Jinja error."""

    def __init__(self, where: str, problem: str):
        super().__init__(f"PDF 模板 {where}：{problem}")


class LayoutUnstable(AssessError):
    """The HTML part's page count kept changing with the page numbers it prints."""

    def __init__(self) -> None:
        super().__init__("申报材料排版时页数反复变化，无法确定证明材料页码；请将此问题报告给维护人员")


def render_pdf(
    assessment: Assessment,
    project: Project,
    target: Path,
    *,
    include_evidence: bool = True,
    max_dpi: int = 150,
    manifest: Manifest | None = None,
) -> Path:
    """Write the 申报材料 PDF to `target` atomically; with include_evidence=False, a light dossier.

    With the build's evidence `manifest`, the dossier lists every evidence file with its SHA-256.
    """
    output = project.path("output")
    try:
        with atomic_path(target) as temp, work_folder(target.parent, "pdf") as workdir:
            plan = plan_appendix(assessment, project.path("evidence"), output / OFFICE_PDF) if include_evidence else AppendixPlan()
            keys = source_keys(plan, max_dpi) if plan.embedded else []
            prefix = reusable_prefix(output / DOSSIER_EVIDENCE, target, plan, keys) if keys else None
            html = HtmlPart(assessment, project, require_cjk_font(), plan, include_evidence, manifest, workdir)
            guess = read_layout_guess(output / DOSSIER_LAYOUT, html.kind)
            laying_out = not html.front_cached(*guess)
            html.layouter.parallel &= laying_out  # the worker's start (about 2 s) pays off only beside this process's own layout
            with appendix_writer(plan, temp, workdir, max_dpi, prefix, beside_layout=laying_out) as appendix_pages:
                laid_out = _lay_out(html, guess, output / DOSSIER_LAYOUT)
                if prefix is not None and prefix.unchanged(laid_out.files, plan, max_dpi):
                    log_unreadable(plan, prefix.evidence)
                    raise DossierUnchanged()
                evidence = appendix_pages() if plan.embedded else EvidencePages()
            log_unreadable(plan, evidence)
            dossier_id = document_id(laid_out.files, plan, evidence, max_dpi)
            _assemble(laid_out, plan, evidence, temp, dossier_id)
        if evidence.frames:
            with suppress(OutputError):
                remember(output / DOSSIER_EVIDENCE, target, keys, evidence, dossier_id)
    except DossierUnchanged:
        LOGGER.info(TEXT["unchanged"])
    html.parts_cache.keep_only(html.kind, laid_out.files)
    return target


class DossierUnchanged(Exception):
    """The dossier at the target already is the one this build makes: the temporary file is dropped, the old one kept."""


def _lay_out(html: HtmlPart, guess: tuple[int, int], guess_file: Path) -> LaidOut:
    """The HTML part and the chapters after the appendix, laid out with the right page numbers (the new guess kept in `guess_file`)."""
    with html.layouter:
        front, continued, back, start = settle_page_numbers(html, guess)
    warn_missing_glyphs(front, continued, back)
    with suppress(OutputError):
        write_json(guess_file, {**read_layout_guesses(guess_file), html.kind: [start - 1, continued.pages]})
    return LaidOut(front, start, continued, back, html.chapters)


@dataclass(frozen=True)
class LaidOut:
    """The dossier's laid-out parts, ready to be joined around the appendix."""

    front: Written
    """The HTML part: cover to 四、证明材料, before the appendix."""
    start: int
    """First page (1-based) of the appendix: the HTML part's pages + 1."""
    continued: Written
    """佐证材料表（续）, after the appendix."""
    manifest: Written
    """佐证材料清单, after the continued tables."""
    chapters: dict[str, str]
    """back_chapters(): the numbered headings of the chapters after the gap list."""

    @property
    def files(self) -> list[Path]:
        """Every laid-out PDF file, in dossier order."""
        return [*self.front.paths, *self.continued.paths, *self.manifest.paths]


class HtmlPart:
    """The WeasyPrint half of the dossier: templates and styles; the HTML part laid out here, the chapters apart by `layouter`."""

    def __init__(
        self,
        assessment: Assessment,
        project: Project,
        families: tuple[str, ...],
        plan: AppendixPlan,
        include_evidence: bool,
        manifest: Manifest | None,
        workdir: Path,
    ):
        self.assessment = assessment
        self.plan = plan
        self.include_evidence = include_evidence
        self.manifest = manifest
        self.workdir = workdir
        self.environment = template_environment(project)
        generated_css = font_css(families) + verdict_css()
        styles = Styles(project.root, project.path("templates") / TEMPLATE_FOLDER, _template_css(project), generated_css)
        self.layout = Layout(styles)
        self.kind = "full" if include_evidence else "light"
        """Which dossier this is, for the layout guesses and the parts cache kept per kind."""
        self.parts_cache = PartsCache(project.path("output") / DOSSIER_PARTS, style_key(project, generated_css))
        self.figures = chart_urls(assessment)
        self.continues = any(len(result.evidence) > SECTION_ROWS for result in assessment.indicators)
        self.chapters = back_chapters(include_evidence, manifest, self.continues)
        rows_apart = sum(max(len(result.evidence) - SECTION_ROWS, 0) for result in assessment.indicators)
        rows_apart += len(manifest.files) if manifest is not None else 0
        self.layouter = Layouter(styles, self.layout, parallel=rows_apart >= PARALLEL_ROWS)

    @property
    def numbered(self) -> bool:
        """Whether the HTML part prints page numbers of pages after it (and so must know its own page count)."""
        return bool(self.plan.embedded) or self.manifest is not None or self.continues

    @property
    def parallel(self) -> bool:
        """Whether the chapters apart are laid out by a worker process while this one lays out the HTML part."""
        return self.layouter.parallel

    def front_cached(self, start: int, continued_pages: int) -> bool:
        """Whether the HTML part with these page numbers is in the parts cache (laid out by an earlier build)."""
        return self.parts_cache.get(self.front_html(start, continued_pages), "") is not None

    def write_front(self, start: int, continued_pages: int, keep: Keep) -> Written:
        """The HTML part, with the appendix from page `start` and `continued_pages` of continued tables after it; written (and cached) only if `keep` accepts its page count."""
        return lay_out_document(self.layout, self.parts_cache, self.front_html(start, continued_pages), None, self.workdir / FRONT_FILE, keep)

    def write_continued(self, start: int, write: bool = True) -> Pending:
        """佐证材料表（续）: the evidence rows past SECTION_ROWS, after the appendix (appendix from page `start`); with write=False, only counted."""
        heading = self.chapters.get("continued")
        if heading is None:
            return Pending(Written())
        return self._part("continued", self.continued_html(start), heading, start + self.plan.total_pages, write)

    def write_manifest(self, start: int, continued_pages: int) -> Pending:
        """佐证材料清单, BATCH_ROWS entries per document, after the appendix (from page `start`) and `continued_pages` of continued tables."""
        heading = self.chapters.get("manifest")
        if heading is None or self.manifest is None:
            return Pending(Written())
        return self._part("manifest", self.manifest_html(), heading, start + self.plan.total_pages + continued_pages)

    def front_html(self, start: int, continued_pages: int) -> str:
        """The HTML part's document (cover to the evidence chapter)."""
        context = dossier_context(self.assessment, self.plan, start, self.include_evidence, self.figures, self.manifest, continued_pages)
        return _render_html(self.environment, HTML_TEMPLATE, context)

    def continued_html(self, start: int) -> tuple[str, ...]:
        """The continued tables' documents, one per batch (none when no indicator has more than SECTION_ROWS files)."""
        heading = self.chapters.get("continued")
        if heading is None:
            return ()
        views = indicator_views(self.assessment, self.plan, start, self.include_evidence)
        return tuple(
            _render_html(self.environment, CONTINUED_TEMPLATE, {"chapter": heading, "groups": groups, "first": n == 0, "include_evidence": self.include_evidence, "shown": SECTION_ROWS})
            for n, groups in enumerate(continued_batches(views))
        )

    def manifest_html(self) -> tuple[str, ...]:
        """The manifest's documents, BATCH_ROWS entries each (none without a manifest)."""
        heading = self.chapters.get("manifest")
        if heading is None or self.manifest is None:
            return ()
        view = manifest_view(self.manifest)
        rows = view["rows"]
        return tuple(
            _render_html(self.environment, MANIFEST_TEMPLATE, {"chapter": heading, "manifest": view, "rows": rows[begin : begin + BATCH_ROWS], "first": begin == 0})
            for begin in range(0, max(len(rows), 1), BATCH_ROWS)
        )

    def _part(self, name: str, batches: tuple[str, ...], heading: str, first_page: int, write: bool = True) -> Pending:
        """A chapter laid out apart, from page `first_page` on: its running headers and page numbers are set in CSS."""
        job = PartJob(name, batches, self.assessment.district, heading, first_page, self.workdir, self.parts_cache, write)
        return self.layouter.part(job)


def warn_missing_glyphs(*parts: Written) -> None:
    """Warn about characters no installed font can draw in the dossier's laid-out parts (they print as blanks or boxes)."""
    missing = set().union(*(part.missing for part in parts))
    if missing:
        LOGGER.warning(TEXT["missing_glyphs"].format(count=len(missing), chars=" ".join(sorted(missing))))


def style_key(project: Project, generated_css: str) -> str:
    """What a laid-out part depends on besides its HTML: the template folder (styles included), the fonts chosen, WeasyPrint."""
    digest = hashlib.sha256(f"{weasyprint.__version__}\0{generated_css}".encode())
    folder = project.path("templates") / TEMPLATE_FOLDER
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def settle_page_numbers(html: HtmlPart, guess: tuple[int, int]) -> tuple[Written, Written, Written, int]:
    """Lay out the HTML part and the chapters after the appendix until the page numbers they print are the real ones.

    The HTML part prints the appendix's first page (its own page count + 1) and, in its contents,
    the first pages of the chapters after the appendix, which depend on the continued tables' page
    count; the continued tables print appendix page numbers. `guess` is (appendix start, continued
    pages) of the previous build: every pass is checked, so a guess only saves passes, and a pass
    whose page numbers turn out wrong is never written.

    In parallel, the continued tables and the manifest are laid out by the worker process on the
    current guess while this process lays out the HTML part (on a cold build, the tables are first
    laid out only to count their pages); otherwise each waits until the numbers it needs are known.
    Returns the HTML part, the continued tables, the manifest and the appendix start.
    """
    start, continued_pages = guess if html.numbered else (1, 0)
    continued = manifest = None
    continued_at = manifest_at = None
    for _ in range(MAX_LAYOUT_PASSES):
        known = start > 1 or not html.numbered  # start 1 is no guess: the HTML part has at least one page
        if continued_at != start and (known or html.parallel):
            continued, continued_at = html.write_continued(start, write=known), start
        if continued_at == start and continued.done():
            continued_pages = continued.result().pages
        if html.parallel and known and manifest_at != (start, continued_pages):
            manifest, manifest_at = html.write_manifest(start, continued_pages), (start, continued_pages)

        def numbers_right(pages: int, start: int = start, guessed: int = continued_pages) -> bool:
            return not html.numbered or (pages + 1 == start and continued.result().pages == guessed)

        front = html.write_front(start, continued_pages, numbers_right)
        if front.paths:
            after = continued.result()
            if manifest_at != (start, after.pages):
                manifest = html.write_manifest(start, after.pages)
            return front, after, manifest.result(), front.pages + 1
        start = front.pages + 1
        if continued is not None:
            continued_pages = continued.result().pages  # at the previous start: the best guess for the next pass
    raise LayoutUnstable()


def read_layout_guesses(path: Path) -> dict[str, list[int]]:
    """Page counts (HTML part, continued tables) of the previous full and light builds (empty when unknown)."""
    try:
        guesses = json.loads(path.read_text(encoding="utf-8"))
        return {
            key: value
            for key, value in guesses.items()
            if isinstance(value, list) and len(value) == 2 and all(isinstance(n, int) and n >= 0 for n in value)
        }
    except (OSError, ValueError, AttributeError):
        return {}


def read_layout_guess(path: Path, key: str) -> tuple[int, int]:
    """(Appendix start, continued-table pages) in the previous build of this kind ((1, 0) when unknown)."""
    front, continued = read_layout_guesses(path).get(key, [0, 0])
    return front + 1, continued


def _assemble(parts: LaidOut, plan: AppendixPlan, evidence: EvidencePages, target: Path, dossier_id: bytes) -> None:
    """The HTML part, the appendix pages (stamped, drawing the evidence already in `target`), the parts after them, links, bookmarks.

    With evidence, all of it is appended to `target` after the evidence objects (finish_dossier);
    without, pikepdf writes `target`. The evidence bookmarks go under the evidence chapter's
    bookmark; each chapter laid out apart gets its own.
    """
    start = parts.start
    with pikepdf.open(parts.front.paths[0]) as pdf, ExitStack() as back_files:
        indicators = {anchor.removeprefix("ind-"): page for anchor, page in parts.front.anchors.items() if anchor.startswith("ind-")}
        written = add_appendix_pages(pdf, plan, evidence, indicators)
        firsts = {}
        for key, part in (("continued", parts.continued), ("manifest", parts.manifest)):
            firsts[key] = len(pdf.pages)
            for path in part.paths:
                pdf.pages.extend(back_files.enter_context(pikepdf.open(path)).pages)
        continued = {anchor: firsts["continued"] + page for anchor, page in parts.continued.anchors.items()}
        resolve_links(pdf, [*range(start - 1), *range(firsts["continued"], len(pdf.pages))], continued)
        with pdf.open_outline() as outline:
            parent = next((item for item in outline.root if item.title == parts.chapters.get("evidence")), None)
            if parent is not None:
                add_outline(parent, plan, start)
            for key, part in (("continued", parts.continued), ("manifest", parts.manifest)):
                if part.pages:
                    outline.root.append(OutlineItem(parts.chapters[key], firsts[key]))
        if evidence.frames:
            finish_dossier(pdf, evidence, written, target, dossier_id)
        else:
            pdf.save(target, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def resolve_links(pdf: pikepdf.Pdf, indices: list[int], anchors: dict[str, int]) -> None:
    """On the pages at `indices`, turn `x-assess-page:N` links into links to page N, and `x-assess-anchor:ID` to the page of ID."""
    pages = list(pdf.pages)  # one list: each pdf.pages[i] copies the whole page list in pikepdf
    for index in indices:
        for annotation in pages[index].obj.get(Name.Annots, Array()):
            action = annotation.get(Name.A)
            uri = str(action.get(Name.URI, "")) if action is not None else ""
            if uri.startswith(PAGE_LINK):
                target = int(uri.removeprefix(PAGE_LINK)) - 1
            elif uri.startswith(ANCHOR_LINK) and uri.removeprefix(ANCHOR_LINK) in anchors:
                target = anchors[uri.removeprefix(ANCHOR_LINK)]
            else:
                continue
            del annotation[Name.A]
            annotation[Name.Dest] = Array([pages[target].obj, Name.XYZ, None, None, None])


# --- templates --------------------------------------------------------------------------


def template_environment(project: Project) -> Environment:
    """Sandboxed Jinja with autoescape over the project's templates/dossier folder (the office may edit it)."""
    folder = project.path("templates") / TEMPLATE_FOLDER
    if not (folder / HTML_TEMPLATE).is_file():
        where = display_path(folder / HTML_TEMPLATE, project.root)
        raise DossierTemplateProblem(where, "找不到该文件；请从示例项目复制 templates/dossier 文件夹")
    environment = SandboxedEnvironment(loader=FileSystemLoader(folder), autoescape=True, undefined=StrictUndefined)
    environment.filters["date_cn"] = date_text
    return environment


def _template_css(project: Project) -> str:
    """The dossier stylesheet's text (read here, so it never goes through the fetcher)."""
    path = project.path("templates") / TEMPLATE_FOLDER / CSS_TEMPLATE
    if not path.is_file():
        raise DossierTemplateProblem(display_path(path, project.root), "找不到该文件；请从示例项目复制 templates/dossier 文件夹")
    return path.read_text(encoding="utf-8")


def _render_html(environment: Environment, name: str, context: dict) -> str:
    """Fill the HTML template `name`; Jinja mistakes (or a missing template) become a Chinese message naming the file and line."""
    try:
        return environment.get_template(name).render(context)
    except TemplateNotFound as exc:
        raise DossierTemplateProblem(f"{TEMPLATE_FOLDER}/{name}", "找不到该文件；请从示例项目复制 templates/dossier 文件夹") from exc
    except TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{TEMPLATE_FOLDER}/{name}" + (f":{line}" if line else "")
        raise DossierTemplateProblem(where, f"模板有错误（{exc}）") from exc


def font_css(families: tuple[str, ...]) -> str:
    """Font families for the body, headings and page-margin boxes (which do not inherit the body's)."""
    installed = [name for name in families if re.fullmatch(r"[\w .+-]+", name)]
    fallback = installed[:1]

    def stack(kind: str) -> str:
        return ", ".join(f'"{name}"' for name in [*FONT_STACKS[kind], *fallback]) + f", {GENERIC_FAMILIES[kind]}"

    margin_boxes = " ".join(
        f"@{box} {{ font-family: {stack('sans')}; }}" for box in ("top-left", "top-right", "top-center", "bottom-center")
    )
    return (
        f"html {{ font-family: {stack('serif')}; }}\n"
        f"h1, h2, h3, h4, th, .cover, .badge, .toc-1, .light-note, .outcome-not-met, .overdue-mark, td.overdue"
        f" {{ font-family: {stack('sans')}; }}\n"
        f".mono {{ font-family: {stack('mono')}; }}\n"
        f"@page {{ {margin_boxes} }}\n"
    )


def verdict_css() -> str:
    """Verdict badge colours, the same as the charts' and the workbook's."""
    return "".join(
        f".{verdict_class(verdict)} {{ border-color: {colour}; }} .{verdict_class(verdict)}::before {{ content: '■ '; color: {colour}; }}\n"
        for verdict, colour in charts.VERDICT_COLOURS.items()
    )


# --- context: what the template shows ---------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    """One evidence file in an indicator's table (and in the 证明材料 list)."""

    number: int
    name: str
    folder: str
    department: str
    date: str
    pages: str
    link: str | None
    note: str


def dossier_context(
    assessment: Assessment,
    plan: AppendixPlan,
    start: int,
    include_evidence: bool,
    figures: dict[str, str | None],
    manifest: Manifest | None = None,
    continued_pages: int = 0,
) -> dict:
    """Every value the HTML template shows, with appendix page numbers counted from `start`.

    After the appendix come `continued_pages` of continued evidence tables (when an indicator has
    more than SECTION_ROWS files), then the manifest.
    """
    indicators = indicator_views(assessment, plan, start, include_evidence)
    embedded = plan.embedded
    after_appendix = start + plan.total_pages
    continues = any(view["more"] for view in indicators)
    return {
        "a": assessment,
        "title": TEXT["title"].format(honour=assessment.title),
        "created": document_time(assessment.report_date).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verdicts": list(Verdict),
        "counts": assessment.counts,
        "categories": [
            {"summary": summary, "indicators": [view for view in indicators if view["result"].indicator.category == summary.id]}
            for summary in assessment.categories
        ],
        "charts": figures,
        "gap_groups": gap_groups(assessment),
        "open_gap_count": len(assessment.open_gaps),
        "overdue_count": sum(1 for gap in assessment.open_gaps if gap.overdue),
        "include_evidence": include_evidence,
        "chapters": back_chapters(include_evidence, manifest, continues),
        "continued": _page_entry(after_appendix) if continues else None,
        "manifest": _page_entry(after_appendix + continued_pages) if manifest is not None else None,
        "light_note": TEXT["light"],
        "appendix": {
            "first": start if embedded else None,
            "last": start + plan.total_pages - 1,
            "link": f"{PAGE_LINK}{start}" if embedded else None,
            "files": len(embedded),
            "pages": plan.total_pages,
        },
        "evidence_index": evidence_index(indicators, plan, start),
        "omitted": [
            {"anchor": view["anchor"], "label": view["result"].indicator.label, "row": row}
            for view in indicators
            for row in view["evidence"]
            if row.link is None
        ],
    }


def _page_entry(page: int) -> dict:
    """A contents entry for a chapter laid out apart: its first page, printed and linked."""
    return {"first": page, "link": f"{PAGE_LINK}{page}"}


def indicator_views(assessment: Assessment, plan: AppendixPlan, start: int, include_evidence: bool) -> list[dict]:
    """Every indicator's section, its evidence rows numbered with appendix pages counted from `start`."""
    placements = plan.lookup()
    return [
        _indicator_view(result, [_evidence_row(n, result, f, placements, start, include_evidence) for n, f in enumerate(result.evidence, 1)])
        for result in assessment.indicators
    ]


def continued_batches(views: list[dict]) -> list[list[dict]]:
    """The evidence rows past SECTION_ROWS, BATCH_ROWS per batch, grouped by indicator within each batch.

    A group split between batches is headed again; only its first heading carries the anchor that
    the indicator's section links to.
    """
    rows = [(view, row) for view in views for row in view["evidence"][SECTION_ROWS:]]
    batches = []
    anchored: set[str] = set()
    for begin in range(0, len(rows), BATCH_ROWS):
        groups: list[dict] = []
        for view, row in rows[begin : begin + BATCH_ROWS]:
            if not groups or groups[-1]["view"] is not view:
                anchor = f"cont-{view['result'].indicator.id}"
                groups.append({"view": view, "anchor": None if anchor in anchored else anchor, "rows": []})
                anchored.add(anchor)
            groups[-1]["rows"].append(row)
        batches.append(groups)
    return batches


BACK_CHAPTER_NUMBERS = ("四", "五", "六")
"""Numbers of the chapters after 三、整改清单; which of them a dossier has depends on its options and its evidence."""


def back_chapters(include_evidence: bool, manifest: Manifest | None, continued: bool = False) -> dict[str, str]:
    """Numbered headings of the chapters after the gap list: the evidence, then (after the appendix) the continued tables and the manifest."""
    wanted = (("evidence", include_evidence), ("continued", continued), ("manifest", manifest is not None))
    present = [key for key, keep in wanted if keep]
    return {key: TEXT["chapter"].format(number=number, title=TEXT[f"{key}_title"]) for key, number in zip(present, BACK_CHAPTER_NUMBERS)}


def manifest_view(manifest: Manifest) -> dict:
    """The 佐证材料清单: every evidence file with its SHA-256, the fingerprint of the set, how to check them."""
    folder = manifest.evidence_folder
    rows = [
        {
            "number": number,
            "path": printable(file.path),
            "label": file.indicator_label or "—",
            "size": f"{file.size:,}",
            "pages": "—" if file.pages is None else file.pages,
            "sha256": file.sha256 or None,
        }
        for number, file in enumerate(manifest.files, 1)
    ]
    return {
        "folder": folder,
        "intro": TEXT["manifest_intro"].format(folder=folder, count=manifest.file_count, size=f"{manifest.total_bytes:,}"),
        "check": TEXT["manifest_check"].format(folder=folder),
        "fingerprint": manifest.fingerprint,
        "fingerprint_note": TEXT["manifest_fingerprint"],
        "unhashed": TEXT["unhashed"],
        "rows": rows,
    }


def evidence_index(indicators: list[dict], plan: AppendixPlan, start: int) -> list[dict]:
    """One row per indicator with evidence: how many files, how many appended, and their page range."""
    appended: dict[str, list[Placement]] = {}
    for placement in plan.embedded:
        appended.setdefault(placement.indicator_id, []).append(placement)
    rows = []
    for view in indicators:
        if not view["evidence"]:
            continue
        own = appended.get(view["result"].indicator.id, [])
        first, last = (own[0].page_range(start)[0], own[-1].page_range(start)[1]) if own else (None, None)
        rows.append(
            {
                "result": view["result"],
                "anchor": view["anchor"],
                "files": len(view["evidence"]),
                "embedded": len(own),
                "pages": _pages_text(first, last) if own else TEXT["not_embedded"],
                "link": f"{PAGE_LINK}{first}" if own else None,
            }
        )
    return rows


def _pages_text(first: int, last: int) -> str:
    """12 or 12–15."""
    return (TEXT["pages"] if last > first else TEXT["page"]).format(first=first, last=last)


def _indicator_view(result: IndicatorResult, evidence: list[EvidenceRow]) -> dict:
    """One indicator's section: the result plus rows and labels derived for display; the first SECTION_ROWS rows are shown in it."""
    more = len(evidence) - SECTION_ROWS
    return {
        "result": result,
        "anchor": f"ind-{result.indicator.id}",
        "verdict_class": verdict_class(result.verdict),
        "targets": [_target_row(target) for target in result.targets],
        "evidence": evidence,
        "shown": evidence[:SECTION_ROWS],
        "more": {"count": more, "from": SECTION_ROWS + 1, "link": f"{ANCHOR_LINK}cont-{result.indicator.id}"} if more > 0 else None,
    }


def verdict_class(verdict: Verdict) -> str:
    """CSS class of a verdict badge, e.g. verdict-not-met."""
    return "verdict-" + verdict.name.lower().replace("_", "-")


def _target_row(target: TargetResult) -> dict:
    """A target with its outcome in words and the institutions that fall short."""
    outcome = TEXT["no_data"] if target.met is None else TEXT["met"] if target.met else TEXT["not_met"]
    failing = [check for check in target.institutions if not check.passed]
    return {
        "target": target,
        "outcome": outcome,
        "outcome_class": "none" if target.met is None else "met" if target.met else "not-met",
        "failing": failing,
        "institution_count": len(target.institutions),
        "passed_count": len(target.institutions) - len(failing),
    }


def _evidence_row(
    number: int, result: IndicatorResult, file, placements: dict[tuple[str, str], Placement], start: int, include_evidence: bool
) -> EvidenceRow:
    """A file with its dossier page numbers (linked) or the reason it is not appended."""
    placement = placements.get((result.indicator.id, file.path))
    pages_range = placement.page_range(start) if placement is not None and include_evidence else None
    notes = [flag.message for flag in file.flags if file.usable]
    if placement is not None and placement.reuses is not None:
        notes.append(TEXT["reused"].format(label=placement.reuses.indicator_label, name=printable(placement.reuses.file.name)))
    if placement is not None and placement.note:
        notes.append(placement.note)
    if pages_range is None:
        pages, link = (TEXT["not_embedded"] if include_evidence else "—"), None
    else:
        pages, link = _pages_text(*pages_range), f"{PAGE_LINK}{pages_range[0]}"
    folder = file.path.rsplit("/", 1)[0] if "/" in file.path else ""
    return EvidenceRow(
        number=number,
        name=printable(file.name),
        folder=printable(folder),
        department=file.department or "",
        date=file.date_text or "",
        pages=pages,
        link=link,
        note="；".join(notes),
    )


def chart_urls(assessment: Assessment) -> dict[str, str | None]:
    """The summary charts as SVG data URLs (text drawn as paths, so no font is needed)."""
    progress = charts.progress_over_time(assessment, "svg")
    return {
        "verdicts": _svg_url(charts.verdicts_by_category(assessment, "svg")),
        "gaps": _svg_url(charts.open_gaps_by_department(assessment, "svg")) if assessment.open_gaps else None,
        "progress": _svg_url(progress) if progress else None,
    }


def _svg_url(svg: bytes) -> str:
    """A data: URL the fetcher serves without touching the disk."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def gap_groups(assessment: Assessment) -> list[dict]:
    """The 整改清单 by lead department (registry order), each sorted by deadline; a gap with two leads shows under both."""
    groups = []
    for department in assessment.departments:
        gaps = [gap for gap in assessment.gaps if department.short in gap.lead]
        if gaps:
            groups.append({"name": department.name, "short": department.short, "gaps": _gap_rows(gaps)})
    orphans = [gap for gap in assessment.gaps if not gap.lead]
    if orphans:
        groups.append({"name": TEXT["no_lead"], "short": "", "gaps": _gap_rows(orphans)})
    return groups


def _gap_rows(gaps: list[Gap]) -> list[dict]:
    """Gaps by deadline, with the overdue mark."""
    return [
        {"gap": gap, "overdue": TEXT["overdue"] if gap.overdue else "", "status_class": "overdue" if gap.overdue else ""}
        for gap in sorted(gaps, key=lambda g: (g.deadline, g.indicator_label))
    ]
