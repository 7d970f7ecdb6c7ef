"""PDF 申报材料: the HTML part laid out by WeasyPrint, the evidence appendix drawn in by QPDF.

Order of work: plan the appendix (page counts only; Word/Excel converted) → lay out the HTML part
and the continued evidence tables until the page numbers they print are right, then the manifest,
each part written to PDF and freed, while a second process writes the framed evidence pages into
the dossier's temporary file → add the appendix pages (drawing that evidence, stamped) and the
parts after them, turn the page links into destinations, add the bookmarks → append all that to
the temporary file and rename it onto the dossier. Everything derived for presentation (page numbers, groupings,
wording) is computed here; the Jinja templates under templates/dossier/ only lay it out.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import weasyprint
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, TemplateNotFound
from jinja2.sandbox import SandboxedEnvironment
from pikepdf import Array, Name, OutlineItem
from weasyprint import CSS, HTML
from weasyprint.document import Document

from ..assessment import Assessment, Gap, IndicatorResult, TargetResult, Verdict
from ..atomic import OutputError, atomic_path, document_time, work_folder, write_json
from ..errors import AssessError, display_path
from ..manifest import Manifest
from ..project import Project
from . import charts
from .appendix import (
    AppendixPlan,
    EvidencePages,
    Placement,
    add_outline,
    add_placeholder_pages,
    appendix_writer,
    document_id,
    finish_dossier,
    log_unreadable,
    plan_appendix,
    printable,
    stamp_appendix,
)
from .docx import date_text
from .fetcher import ProjectFetcher
from .fonts import require_cjk_font

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
CSS_TEMPLATE = "dossier.css"
PAGE_LINK = "x-assess-page:"
"""Scheme of links to appendix pages: WeasyPrint writes them as URIs, assembly makes them GoTo links."""
ANCHOR_LINK = "x-assess-anchor:"
"""Scheme of links to an anchor in a part laid out apart (the continued tables), resolved the same way."""
MAX_LAYOUT_PASSES = 4
OFFICE_CACHE = Path(".cache") / "office-pdf"
"""Inside output/: Word/Excel evidence converted to PDF by LibreOffice, one file per content hash."""
PARTS_CACHE = Path(".cache") / "dossier-parts"
"""Inside output/: the batches laid out apart (continued tables, manifest), one PDF per content key,
so a rebuild lays out again only the batches whose content changed. Entries the last full and the
last light build used are kept; the rest are removed after each build."""
LAYOUT_GUESS = Path(".cache") / "dossier-layout.json"
"""Inside output/: the HTML part's and the continued tables' page counts last time (per full and
light dossier), the first guess for the page numbers they print. A right guess saves a whole layout pass; a wrong one costs nothing but that pass (every
layout is checked), so the dossier never depends on it."""

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
    guess_file = project.path("output") / LAYOUT_GUESS
    with atomic_path(target) as temp, work_folder(target.parent, "pdf") as workdir:
        office_cache = project.path("output") / OFFICE_CACHE
        plan = plan_appendix(assessment, project.path("evidence"), office_cache) if include_evidence else AppendixPlan()
        html = HtmlPart(assessment, project, require_cjk_font(), plan, include_evidence, manifest, workdir)
        with appendix_writer(plan, temp, workdir, max_dpi) as appendix_pages:
            front, continued, start = settle_page_numbers(html, read_layout_guess(guess_file, html.kind))
            back = html.write_manifest(start + plan.total_pages + continued.pages)
            evidence = appendix_pages() if plan.embedded else EvidencePages()
        html.report_missing_glyphs()
        log_unreadable(plan, evidence)
        with suppress(OutputError):
            write_json(guess_file, {**read_layout_guesses(guess_file), html.kind: [start - 1, continued.pages]})
        laid_out = LaidOut(front, start, continued, back, html.chapters)
        _assemble(laid_out, plan, evidence, temp, document_id(laid_out.files, plan, evidence, max_dpi))
    html.parts_cache.keep_only_used()
    return target


@dataclass(frozen=True)
class Written:
    """A part laid out, written to PDF file(s) and freed: what numbering and assembly need of it."""

    paths: list[Path] = field(default_factory=list)
    pages: int = 0
    anchors: dict[str, int] = field(default_factory=dict)
    """Page index (0-based, within the part) of each anchor (element id) laid out in it."""

    def followed_by(self, other: Written) -> Written:
        """This part and `other` after it, as one part."""
        anchors = {**{anchor: self.pages + page for anchor, page in other.anchors.items()}, **self.anchors}
        return Written([*self.paths, *other.paths], self.pages + other.pages, anchors)


class PartsCache:
    """Laid-out batches by content: the key covers the HTML, its page furniture and `style_key` (styles, templates, fonts, WeasyPrint)."""

    def __init__(self, folder: Path, style_key: str, kind: str):
        self.folder = folder
        self.style_key = style_key
        self.kind = kind
        self.used: list[str] = []

    def _key(self, html: str, furniture: str) -> str:
        return hashlib.sha256(f"{self.style_key}\0{furniture}\0{html}".encode()).hexdigest()

    def get(self, html: str, furniture: str) -> Written | None:
        """The batch laid out before, or None."""
        key = self._key(html, furniture)
        try:
            facts = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            written = Written([self.folder / f"{key}.pdf"], int(facts["pages"]), {str(a): int(p) for a, p in facts["anchors"].items()})
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if not written.paths[0].is_file():
            return None
        self.used.append(key)
        return written

    def put(self, html: str, furniture: str, written: Written) -> Written:
        """Store a freshly laid-out batch; the stored copy is what the dossier uses (the batch as given when the cache cannot be written)."""
        key = self._key(html, furniture)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_json(self.folder / f"{key}.json", {"pages": written.pages, "anchors": written.anchors})
            os.replace(written.paths[0], self.folder / f"{key}.pdf")
        except (OSError, OutputError):
            return written  # not cached: the batch stays in the work folder
        self.used.append(key)
        return Written([self.folder / f"{key}.pdf"], written.pages, written.anchors)

    def keep_only_used(self) -> None:
        """Remove the entries neither this build nor the last build of the other kind (full or light) used."""
        with suppress(OSError, OutputError):
            record = self.folder / "used.json"
            try:
                used = json.loads(record.read_text(encoding="utf-8"))
                used = used if isinstance(used, dict) else {}
            except (OSError, ValueError):
                used = {}
            used[self.kind] = self.used
            keep = {key for keys in used.values() if isinstance(keys, list) for key in keys}
            for entry in self.folder.iterdir():
                if entry.name != record.name and entry.name.split(".")[0] not in keep:
                    entry.unlink()
            write_json(record, used)


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
    """The WeasyPrint half of the dossier: templates, styles and the restricted fetcher; each part laid out, written to `workdir` and freed."""

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
        self.stylesheets = [_template_css(project), CSS(string=generated_css)]
        self.kind = "full" if include_evidence else "light"
        """Which dossier this is, for the layout guesses and the parts cache kept per kind."""
        self.parts_cache = PartsCache(project.path("output") / PARTS_CACHE, style_key(project, generated_css), self.kind)
        self.fetcher = ProjectFetcher(project.root)
        self.base_url = (project.path("templates") / TEMPLATE_FOLDER).as_uri() + "/"
        self.figures = chart_urls(assessment)
        self.continues = any(len(result.evidence) > SECTION_ROWS for result in assessment.indicators)
        self.chapters = back_chapters(include_evidence, manifest, self.continues)
        self.missing_glyphs: set[str] = set()

    @property
    def numbered(self) -> bool:
        """Whether the HTML part prints page numbers of pages after it (and so must know its own page count)."""
        return bool(self.plan.embedded) or self.manifest is not None or self.continues

    def write_front(self, start: int, continued_pages: int) -> Written:
        """The HTML part, with the appendix from page `start` and `continued_pages` of continued tables after it."""
        context = dossier_context(self.assessment, self.plan, start, self.include_evidence, self.figures, self.manifest, continued_pages)
        html = _render_html(self.environment, HTML_TEMPLATE, context)
        return self._write([(html, None)], "front", keep=lambda pages: not self.numbered or pages + 1 == start)

    def write_continued(self, start: int) -> Written:
        """佐证材料表（续）: the evidence rows past SECTION_ROWS, after the appendix (appendix from page `start`)."""
        heading = self.chapters.get("continued")
        if heading is None:
            return Written()
        views = indicator_views(self.assessment, self.plan, start, self.include_evidence)
        batches = continued_batches(views)
        pages = [
            _render_html(self.environment, CONTINUED_TEMPLATE, {"chapter": heading, "groups": groups, "first": n == 0, "include_evidence": self.include_evidence, "shown": SECTION_ROWS})
            for n, groups in enumerate(batches)
        ]
        return self._write([(html, heading) for html in pages], "continued", start + self.plan.total_pages)

    def write_manifest(self, first_page: int) -> Written:
        """佐证材料清单 from page `first_page` on, BATCH_ROWS entries per document."""
        heading = self.chapters.get("manifest")
        if self.manifest is None or heading is None:
            return Written()
        view = manifest_view(self.manifest)
        rows = view["rows"]
        pages = [
            _render_html(self.environment, MANIFEST_TEMPLATE, {"chapter": heading, "manifest": view, "rows": rows[begin : begin + BATCH_ROWS], "first": begin == 0})
            for begin in range(0, max(len(rows), 1), BATCH_ROWS)
        ]
        return self._write([(html, heading) for html in pages], "manifest", first_page)

    def _write(self, documents: list[tuple[str, str | None]], name: str, first_page: int = 1, keep=lambda pages: True) -> Written:
        """Lay out and write each HTML document in turn, freeing each before the next (they may be many pages).

        A document with a chapter heading is laid out apart from the HTML part: its running headers
        and page numbers (from `first_page` on) are set in CSS, and it is reused from the parts
        cache when its content is unchanged. A layout whose page count `keep` rejects (a pass whose
        page numbers turned out wrong) is only counted, not written.
        """
        written = Written()
        for html, chapter in documents:
            furniture = separate_part_css(self.assessment.district, chapter, first_page + written.pages) if chapter else None
            cached = self.parts_cache.get(html, furniture) if furniture else None
            if cached is None:
                cached = self._lay_out(html, furniture, self.workdir / f"{name}-{len(written.paths):04d}.pdf", keep)
                if furniture and cached.paths:
                    cached = self.parts_cache.put(html, furniture, cached)
            written = written.followed_by(cached)
        return written

    def _lay_out(self, html: str, furniture: str | None, path: Path, keep) -> Written:
        """One HTML document laid out, written to `path` when `keep` accepts its page count, and freed."""
        document = self._render(html, *([CSS(string=furniture)] if furniture else []))
        pages = len(document.pages)
        anchors: dict[str, int] = {}
        for index, page in enumerate(document.pages):
            for anchor in page.anchors:
                anchors.setdefault(anchor, index)
        kept = keep(pages)
        if kept:
            document.write_pdf(path)
        del document  # about 3 MiB a page; its boxes reference each other, so only the cycle collector frees them
        gc.collect()
        return Written([path] if kept else [], pages, anchors)

    def _render(self, html: str, *extra: CSS) -> Document:
        """Lay out one HTML document with the dossier's styles, noting characters no font can draw."""
        with glyph_watch() as missing:
            document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher).render(stylesheets=[*self.stylesheets, *extra])
        self.missing_glyphs |= missing
        return document

    def report_missing_glyphs(self) -> None:
        """Warn about characters no installed font can draw (they would print as blanks or boxes)."""
        if self.missing_glyphs:
            chars = " ".join(sorted(self.missing_glyphs))
            LOGGER.warning(TEXT["missing_glyphs"].format(count=len(self.missing_glyphs), chars=chars))


def style_key(project: Project, generated_css: str) -> str:
    """What a laid-out part depends on besides its HTML: the template folder (styles included), the fonts chosen, WeasyPrint."""
    digest = hashlib.sha256(f"{weasyprint.__version__}\0{generated_css}".encode())
    folder = project.path("templates") / TEMPLATE_FOLDER
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def settle_page_numbers(html: HtmlPart, guess: tuple[int, int]) -> tuple[Written, Written, int]:
    """Lay out the HTML part and the continued tables until the page numbers they print are the real ones.

    The HTML part prints the appendix's first page (its own page count + 1) and, in its contents,
    the first pages of the chapters after the appendix, which depend on the continued tables' page
    count; the continued tables print appendix page numbers. `guess` is (appendix start, continued
    pages) of the previous build: every pass is checked, so a guess only saves passes. Returns the
    front, the continued tables and the appendix start.
    """
    start, continued_pages = guess
    continued, continued_start = None, None
    for _ in range(MAX_LAYOUT_PASSES):
        front = html.write_front(start, continued_pages)
        settled = front.pages + 1 == start or not html.numbered
        start = front.pages + 1
        if continued_start != start:  # laid out at once: its page count is needed by the next pass too
            continued, continued_start = html.write_continued(start), start
        if settled and (continued.pages == continued_pages or not html.numbered):
            return front, continued, start
        continued_pages = continued.pages
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
        written = add_placeholder_pages(pdf, evidence)
        firsts = {}
        for key, part in (("continued", parts.continued), ("manifest", parts.manifest)):
            firsts[key] = len(pdf.pages)
            for path in part.paths:
                pdf.pages.extend(back_files.enter_context(pikepdf.open(path)).pages)
        if plan.embedded:
            indicators = {anchor.removeprefix("ind-"): page for anchor, page in parts.front.anchors.items() if anchor.startswith("ind-")}
            stamp_appendix(pdf, start - 1, plan, evidence, indicators)
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


def _template_css(project: Project) -> CSS:
    """The dossier stylesheet (read here, so it never goes through the fetcher)."""
    folder = project.path("templates") / TEMPLATE_FOLDER
    path = folder / CSS_TEMPLATE
    if not path.is_file():
        raise DossierTemplateProblem(display_path(path, project.root), "找不到该文件；请从示例项目复制 templates/dossier 文件夹")
    return CSS(string=path.read_text(encoding="utf-8"), base_url=folder.as_uri() + "/", url_fetcher=ProjectFetcher(project.root))


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


def separate_part_css(district: str, chapter: str, first_page: int) -> str:
    """Page furniture of a part laid out apart: its running headers as literal text, its first page number."""
    return (
        f"@page {{ @top-left {{ content: {css_string(district)}; }} @top-right {{ content: {css_string(chapter)}; }} }}\n"
        f"@page :first {{ counter-reset: page {first_page}; }}\n"
    )


def css_string(text: str) -> str:
    """`text` as a CSS string, every character escaped (the district name comes from assess.yaml)."""
    return '"' + "".join(f"\\{ord(char):06x}" for char in text) + '"'


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


@contextmanager
def glyph_watch() -> Iterator[set[str]]:
    """Collect the characters WeasyPrint draws as .notdef (no installed font has them)."""
    missing: set[str] = set()

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith(".notdef glyph rendered") and record.args:
                missing.add(str(record.args[0]))

    handler = Handler(logging.WARNING)
    weasyprint_logger = logging.getLogger("weasyprint")
    weasyprint_logger.addHandler(handler)
    try:
        yield missing
    finally:
        weasyprint_logger.removeHandler(handler)


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
