"""The evidence appendix: every usable scan, photo and PDF page, in indicator order, stamped.

Pages are copied with pikepdf (never rasterised) and framed on A4 as Form XObjects; photos become
pages through img2pdf (JPEG passed through untouched) and only oversized ones are downscaled with
Pillow; Word/Excel files go through LibreOffice once per content. The framed pages are written
straight into the dossier file, one source at a time (a large appendix by a second process, while
the HTML part is laid out), so memory stays bounded and the evidence bytes are written once. The
dossier's pages for them carry the stamps (indicator, file, 第k页/共n页, footer; one small subset of
the CJK font), links and bookmarks; that skeleton is appended after the evidence (see pdfwrite).
"""

from __future__ import annotations

import errno
import functools
import hashlib
import io
import logging
import os
import pickle
import shutil
import stat
import subprocess
import sys
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

import img2pdf
import pikepdf
from fontTools import subset as font_subset
from fontTools.ttLib import TTCollection, TTFont
from pikepdf import Array, Dictionary, Name, OutlineItem, Rectangle
from PIL import Image, ImageOps, ImageSequence

from assess.assessment.model import Assessment, IndicatorResult
from assess.errors import AssessError
from assess.evidence.model import EvidenceFile
from assess.render.dossier.write import (
    SYNC_BYTES,
    Numbers,
    ObjectTable,
    ObjectWriter,
    OutputFailed,
    copy_prefix,
)
from assess.render.fonts import cjk_font_file

if TYPE_CHECKING:
    from assess.render.dossier.reuse import Prefix

A4 = (595.28, 841.89)
"""A4 portrait in points; landscape sources get A4 landscape."""
SIDE = 28.0
"""Left/right margin around a framed page, in points (about 10 mm)."""
BAND = 30.0
"""Height of the header band (stamp) and of the footer band (page number), in points."""
STAMP_SIZE = 8.0
FOOTER_SIZE = 9.0
DOWNSCALE_SLACK = 1.5
"""Images up to 1.5 × max_dpi are embedded untouched (a 200 dpi A4 scan stays as scanned); larger ones
(phone photos, 300/600 dpi scans) are downscaled to max_dpi. Re-encoding a JPEG only a little over
the limit would cost quality and time for a small saving."""
JPEG_QUALITY = 80
OFFICE_TIMEOUT = 60
OFFICE_TIMEOUT_PER_FILE = 30

LOGGER = logging.getLogger(__name__)

IMAGE_KINDS = {"jpeg", "png", "tiff"}
OFFICE_KINDS = {"docx", "xlsx", "doc", "xls", "wps"}
PageSource = Literal["pdf", "image"]

TEXT = {
    "missing": "文件不存在（可能已被移动或删除），请重新运行 assess index",
    "unsafe": "此文件已不是佐证材料文件夹中的普通文件（可能已被换成符号链接），出于安全考虑未读取；请放入文件本身后重新生成",
    "no_soffice": "未安装 LibreOffice，Word/Excel 文件未能转换；请另存为 PDF 放入同一文件夹，或安装 LibreOffice 后重新生成",
    "office_failed": "LibreOffice 转换失败，请另存为 PDF 放入同一文件夹",
    "office_timeout": "LibreOffice 转换 {count} 个 Word/Excel 文件超时，未转换的文件不附原件",
    "kind": "此类文件（{kind}）无法嵌入 PDF，请转换为 PDF 或图片后放入",
    "heic": "HEIC 格式照片无法嵌入，请转换为 JPEG 后放入",
    "not_reused": "上次生成的申报材料无法复用（%s），证明材料页全部重新写入",
    "unreadable": "此文件无法读取（可能已损坏、加密或在生成期间被修改），未能嵌入；请检查后重新生成",
    "page": "第{k}页/共{n}页",
    "footer": "— {n} —",
    "separator": "｜",
    "ellipsis": "…",
    "outline": "{name}（第 {first} 页）",
    "outline_range": "{name}（第 {first}–{last} 页）",
}
"""Chinese wording of the appendix, in one place."""


def printable(text: str) -> str:
    """`text` with control characters (a newline in a file name) shown as □, as the stamps draw them."""
    return "".join("□" if unicodedata.category(char) == "Cc" else char for char in text)


# --- plan: which file goes where ---------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """One evidence file of one indicator and where (or why not) it appears in the appendix."""

    indicator_id: str
    indicator_label: str
    indicator_title: str
    file: EvidenceFile
    source: Path | None = None
    within: Path | None = None
    """The folder `source` must really lie in when it is opened (evidence/ for evidence files)."""
    kind: PageSource | None = None
    pages: int = 0
    offset: int = 0
    reuses: Placement | None = None
    note: str | None = None

    @property
    def embedded(self) -> bool:
        """Its own pages are in the appendix (not omitted, not a repeat of earlier content)."""
        return self.source is not None and self.reuses is None and self.pages > 0

    @property
    def heading(self) -> str:
        """Indicator label and title, as the stamp and the bookmarks show it."""
        return f"{self.indicator_label} {self.indicator_title}"

    def page_range(self, start: int) -> tuple[int, int] | None:
        """First and last dossier page (1-based) of its content, when the appendix starts at `start`."""
        target = self.reuses or self
        if not target.embedded:
            return None
        first = start + target.offset
        return first, first + target.pages - 1


@dataclass(frozen=True)
class AppendixPlan:
    """Every evidence file of the assessment, in indicator order, with its appendix pages."""

    placements: list[Placement] = field(default_factory=list)

    @property
    def embedded(self) -> list[Placement]:
        """Placements whose pages are appended, in page order."""
        return [p for p in self.placements if p.embedded]

    @property
    def total_pages(self) -> int:
        """Number of appendix pages."""
        return sum(p.pages for p in self.embedded)

    def lookup(self) -> dict[tuple[str, str], Placement]:
        """Placements by (indicator id, evidence path), for the HTML part's evidence tables."""
        return {(p.indicator_id, p.file.path): p for p in self.placements}


def plan_appendix(assessment: Assessment, evidence_root: Path, office_cache: Path) -> AppendixPlan:
    """Decide for every evidence file whether its pages are appended, repeated content or omitted.

    Word/Excel files are converted to PDF first (see convert_office_files), so their pages can be counted.
    """
    converted = convert_office_files(_office_sources(assessment, evidence_root), office_cache, evidence_root)
    placements: list[Placement] = []
    first_by_content: dict[str, Placement] = {}
    offset = 0
    for result in assessment.indicators:
        for file in result.evidence:
            placement = _place(result, file, evidence_root, converted, first_by_content, offset)
            if placement.embedded:
                first_by_content.setdefault(file.sha256, placement)
                offset += placement.pages
            placements.append(placement)
    return AppendixPlan(placements)


def _place(
    result: IndicatorResult,
    file: EvidenceFile,
    evidence_root: Path,
    converted: dict[str, Path],
    first_by_content: dict[str, Placement],
    offset: int,
) -> Placement:
    """The placement of one file: its page source and count, or the reason it is left out."""
    base = Placement(result.indicator.id, result.indicator.label, result.indicator.title, file, offset=offset)
    if not file.usable:
        return _replace(base, note="；".join(flag.message for flag in file.flags))
    path = evidence_root / file.path
    problem = source_problem(path, evidence_root)
    if problem is not None:
        return _replace(base, note=problem)
    earlier = first_by_content.get(file.sha256)
    if earlier is not None:
        return _replace(base, source=earlier.source, within=earlier.within, kind=earlier.kind, pages=earlier.pages, reuses=earlier)
    if file.kind == "pdf":
        return _replace(base, source=path, within=evidence_root, kind="pdf", pages=file.pages or count_pdf_pages(path, evidence_root))
    if file.kind in IMAGE_KINDS:
        return _replace(base, source=path, within=evidence_root, kind="image", pages=file.pages or 1)
    if file.kind in OFFICE_KINDS:
        return _place_office(base, converted.get(file.sha256))
    note = TEXT["heic"] if file.kind == "heic" else TEXT["kind"].format(kind=file.kind)
    return _replace(base, note=note)


def _place_office(base: Placement, converted: Path | None) -> Placement:
    """A Word/Excel file through its converted PDF, or why it could not be converted."""
    if converted is None:
        return _replace(base, note=TEXT["no_soffice"] if office_converter() is None else TEXT["office_failed"])
    try:
        return _replace(base, source=converted, kind="pdf", pages=count_pdf_pages(converted))
    except pikepdf.PdfError:
        return _replace(base, note=TEXT["office_failed"])


def _replace(placement: Placement, **changes) -> Placement:
    """A copy of a frozen placement with some fields changed."""
    return Placement(**{**placement.__dict__, **changes})


def count_pdf_pages(path: Path, within: Path | None = None) -> int:
    """Page count of a PDF (reads only its page tree)."""
    with open_source(path, within) as handle, pikepdf.open(handle) as pdf:
        return len(pdf.pages)


class UnsafeSource(OSError):
    """A page source that is not a regular file really inside its folder (a symlink, a named pipe, a path leading out)."""


def open_source(path: Path, within: Path | None) -> BinaryIO:
    """Open a page source read-only: never through a symlink, never a special file, never outside `within`.

    O_NOFOLLOW refuses a file swapped for a symlink after indexing; the file actually opened (as the
    kernel names it) must lie inside `within`, so a parent folder swapped for a symlink is refused
    too; O_NONBLOCK keeps a named pipe from blocking the open. Like the index, it never follows a
    link to read /etc/passwd into a dossier.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeSource(errno.EINVAL, "not a regular file", str(path))
        if within is not None and not _opened_path(fd, path).is_relative_to(within.resolve()):
            raise UnsafeSource(errno.EACCES, "outside the evidence folder", str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _opened_path(fd: int, path: Path) -> Path:
    """Where an open file really is: the kernel's name for it (Linux), else its resolved path."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return path.resolve()


def source_problem(path: Path, within: Path) -> str | None:
    """Why an evidence file cannot be a page source now (gone, replaced by a symlink, unreadable), or None."""
    try:
        open_source(path, within).close()
    except FileNotFoundError:
        return TEXT["missing"]
    except OSError as exc:
        return TEXT["unsafe"] if isinstance(exc, UnsafeSource) or exc.errno == errno.ELOOP else TEXT["unreadable"]
    return None


def office_converter() -> str | None:
    """The LibreOffice command on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _office_sources(assessment: Assessment, evidence_root: Path) -> dict[str, Path]:
    """Content hash → file, for the usable Word/Excel files on disk (one file per content)."""
    sources: dict[str, Path] = {}
    for result in assessment.indicators:
        for file in result.evidence:
            path = evidence_root / file.path
            if file.kind in OFFICE_KINDS and file.usable and source_problem(path, evidence_root) is None:
                sources.setdefault(file.sha256, path)
    return sources


def convert_office_files(sources: dict[str, Path], cache: Path, evidence_root: Path) -> dict[str, Path]:
    """Content hash → PDF, for each file LibreOffice converts; a content is converted once, ever.

    The cache (output/.cache/office-pdf) keeps one PDF per content hash, and a marker for content
    LibreOffice could not convert; entries for files no longer in the evidence are removed.
    LibreOffice never opens evidence/: it converts copies (named by content hash, so one run takes
    them all) read through open_source, so a symlink swapped in after indexing is never followed.
    """
    done, failed = cache / "pdf", cache / "failed"
    for stale in [*done.glob("*.pdf"), *failed.glob("*")]:
        if stale.name.removesuffix(".pdf") not in sources:
            stale.unlink()
    if not sources or office_converter() is None:
        return {}
    for folder in (done, failed):
        folder.mkdir(parents=True, exist_ok=True)
    todo = {sha: path for sha, path in sources.items() if not (done / f"{sha}.pdf").is_file() and not (failed / sha).exists()}
    copies = _staged_copies(todo, cache / "staged", evidence_root)
    try:
        converted = convert_office(list(copies.values()), cache / "incoming", cache / "profile") if copies else {}
    except subprocess.TimeoutExpired:
        LOGGER.warning(TEXT["office_timeout"].format(count=len(copies)))  # none marked as failed: a slow machine may manage next time
    else:
        for sha, copy in copies.items():
            if copy in converted:
                converted[copy].replace(done / f"{sha}.pdf")
            else:
                (failed / sha).touch()
    finally:
        shutil.rmtree(cache / "staged", ignore_errors=True)
    return {sha: done / f"{sha}.pdf" for sha in sources if (done / f"{sha}.pdf").is_file()}


def _staged_copies(files: dict[str, Path], staged: Path, evidence_root: Path) -> dict[str, Path]:
    """Content hash → a copy named `<hash><suffix>` in an emptied `staged` folder; files that cannot be read safely are left out."""
    shutil.rmtree(staged, ignore_errors=True)
    staged.mkdir(parents=True)
    copies = {}
    for sha, path in files.items():
        copy = staged / f"{sha}{path.suffix.lower()}"
        try:
            with open_source(path, evidence_root) as source, copy.open("wb") as out:
                shutil.copyfileobj(source, out)
        except OSError:
            continue
        copies[sha] = copy
    return copies


def convert_office(paths: list[Path], outdir: Path, profile: Path) -> dict[Path, Path]:
    """Convert office files to PDF in an emptied `outdir` with one headless LibreOffice run; input → PDF for those it wrote."""
    shutil.rmtree(outdir, ignore_errors=True)
    outdir.mkdir(parents=True)
    command = [
        office_converter() or "soffice",
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--convert-to",
        "pdf",
        "--outdir",
        str(outdir),
        *map(str, paths),
    ]
    subprocess.run(command, capture_output=True, timeout=OFFICE_TIMEOUT + OFFICE_TIMEOUT_PER_FILE * len(paths), check=False)
    return {path: outdir / f"{path.stem}.pdf" for path in paths if (outdir / f"{path.stem}.pdf").is_file()}


# --- pages: frame sources on A4, written straight into the dossier file -------------------


def content_box(landscape: bool) -> tuple[float, float, float, float]:
    """The area of an appendix page left for the evidence (x0, y0, x1, y1), between the bands."""
    width, height = (A4[1], A4[0]) if landscape else A4
    return SIDE, BAND, width - SIDE, height - BAND


@dataclass(frozen=True)
class Frame:
    """One appendix page: its size and the evidence page drawn on it (none: a blank page for an unreadable file)."""

    size: tuple[float, float]
    form: int | None = None
    """Object number, in the dossier file, of the evidence page as a Form XObject."""
    placement: bytes = b""
    """Content drawing that form (as FRAMED) scaled down into the content box."""


@dataclass
class EvidencePages:
    """The appendix pages, written into the dossier file, and what the renderer needs to finish that file."""

    objects: ObjectTable = field(default_factory=ObjectTable)
    frames: list[Frame] = field(default_factory=list)
    unreadable: dict[int, str] = field(default_factory=dict)
    """Position (in plan.embedded) → error, for files that could not be read and got blank pages instead."""
    font: StampFont | None = None
    """The stamps' font, subset beside the pages (off the layout's critical path) from stamp_texts()."""
    ends: list[tuple[int, int]] = field(default_factory=list)
    """Per source, in plan.embedded order: the file's size and object count once its pages were written (see reuse)."""

    @property
    def page_sizes(self) -> list[tuple[float, float]]:
        """Size of every appendix page, in order."""
        return [frame.size for frame in self.frames]


PARALLEL_PAGES = 200
"""Appendices of this many pages are written by a second process while WeasyPrint lays out the HTML part."""


class AppendixFailed(AssessError):
    """The process writing the evidence appendix stopped with an error."""

    def __init__(self, detail: str):
        super().__init__(f"写入证明材料附件时出错：{detail}")


@contextmanager
def appendix_writer(
    plan: AppendixPlan, target: Path, workdir: Path, max_dpi: int, prefix: Prefix | None = None, beside_layout: bool = True
) -> Iterator[Callable[[], EvidencePages]]:
    """Start writing the appendix pages into `target` (the dossier's temporary file); the yielded function waits for them.

    A large appendix is written by a fresh Python process (`python -m assess.render.appendix JOB`),
    overlapping the HTML layout on a second CPU; a small one is written on demand, in process. The
    pages `prefix` copies from the previous dossier count as work only `beside_layout`: with the HTML
    part cached, the dossier is likely unchanged and kept, and then nothing is copied at all.
    """
    copied = len(prefix.evidence.frames) if prefix is not None and not beside_layout else 0
    if plan.total_pages - copied < PARALLEL_PAGES:
        yield lambda: write_evidence(plan, target, max_dpi, prefix)
        return
    job = workdir / "appendix-job.pickle"
    job.write_bytes(pickle.dumps((plan, target, max_dpi, prefix)))
    with (workdir / "appendix-job.log").open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "assess.render.dossier.appendix", str(job)], stdout=log, stderr=log)
    try:
        yield lambda: _finished_evidence(process, job)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _finished_evidence(process: subprocess.Popen, job: Path) -> EvidencePages:
    """Wait for the appendix process and read what it wrote."""
    if process.wait() != 0:
        lines = job.with_suffix(".log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        raise AppendixFailed(lines[-1] if lines else f"exit code {process.returncode}")
    return pickle.loads(job.with_suffix(".result").read_bytes())


def _run_job(job: Path) -> None:
    """The appendix process: read the plan, write the pages, leave the result beside the job."""
    plan, target, max_dpi, prefix = pickle.loads(job.read_bytes())
    job.with_suffix(".result").write_bytes(pickle.dumps(write_evidence(plan, target, max_dpi, prefix)))


def log_unreadable(plan: AppendixPlan, evidence: EvidencePages) -> None:
    """Tell the office which files could not be embedded (their pages in the dossier say so too)."""
    embedded = plan.embedded
    for position, error in sorted(evidence.unreadable.items()):
        LOGGER.warning("%s：%s（%s）", embedded[position].file.path, TEXT["unreadable"], error)


def write_evidence(plan: AppendixPlan, target: Path, max_dpi: int, prefix: Prefix | None = None) -> EvidencePages:
    """Write every appendix page into the new file `target`, one source at a time, and return where it all is.

    The sources `prefix` holds are copied from the previous dossier instead (see reuse); if that
    copy fails, every source is written. A file that cannot be read gets blank pages (its planned
    count), so every page number printed in the HTML part still points at the right page; its stamp says why.
    """
    img2pdf_logger = logging.getLogger("img2pdf")
    level = img2pdf_logger.level
    img2pdf_logger.setLevel(logging.ERROR)  # its notes (alpha → soft mask, …) are not the office's concern
    try:
        with target.open("wb") as handle, pikepdf.new() as scratch:
            evidence = _copied(prefix, handle)
            writer = ObjectWriter(handle, evidence.objects, sync_every=SYNC_BYTES)
            framer = scratch.add_blank_page(page_size=A4)
            for position, placement in enumerate(plan.embedded[len(evidence.ends) :], start=len(evidence.ends)):
                try:
                    evidence.frames += _write_source(writer, framer, placement, max_dpi)
                except OutputFailed as failed:
                    raise AppendixFailed(failed.detail) from failed
                except Exception as exc:  # noqa: BLE001 - decoders raise many types for a bad file; none may stop the build
                    evidence.unreadable[position] = f"{type(exc).__name__}: {exc}"
                    evidence.frames += [Frame(A4)] * placement.pages
                evidence.ends.append((writer.table.size, len(writer.table.offsets)))
    except OSError as exc:
        raise AppendixFailed(str(exc)) from exc
    finally:
        img2pdf_logger.setLevel(level)
    evidence.font = build_stamp_font(stamp_texts(plan))
    return evidence


def _copied(prefix: Prefix | None, handle: BinaryIO) -> EvidencePages:
    """The evidence `prefix` holds, copied from the previous dossier into `handle`; none if there is none or the copy fails."""
    if prefix is None:
        return EvidencePages()
    try:
        copy_prefix(prefix.path, handle, prefix.evidence.objects.size)
        os.fdatasync(handle.fileno())  # up to a gigabyte left dirty would throttle the writes after it
    except OSError as exc:
        LOGGER.info(TEXT["not_reused"], exc)
        handle.seek(0)
        handle.truncate()
        return EvidencePages()
    held = prefix.evidence  # copied: this writer appends to its lists
    objects = ObjectTable(held.objects.size, list(held.objects.offsets))
    return EvidencePages(objects=objects, frames=list(held.frames), unreadable=dict(held.unreadable), ends=list(held.ends))


def _write_source(writer: ObjectWriter, framer: pikepdf.Page, placement: Placement, max_dpi: int) -> list[Frame]:
    """Write one evidence file's pages, each as a Form XObject framed on A4; objects the pages share are written once."""
    with ExitStack() as opened:
        handle = opened.enter_context(open_source(placement.source, placement.within))
        if placement.kind == "pdf":
            source = opened.enter_context(pikepdf.open(handle))
            if any("/Annots" in page.obj for page in source.pages):
                source.flatten_annotations("print")
        else:
            document = img2pdf.convert_to_docobject(
                *image_frames(handle, max_dpi),
                engine=img2pdf.Engine.pikepdf,
                layout_fun=_fit_image,
                rotation=img2pdf.Rotation.ifvalid,
                nodate=True,
            )
            source = opened.enter_context(document.writer)
        pages = list(source.pages)
        if len(pages) != placement.pages:
            raise ValueError(f"{len(pages)} pages, the index says {placement.pages}")
        numbers: Numbers = {}
        return [frame_page(writer, framer, page, numbers) for page in pages]


FRAMED = Name("/Evidence")
"""Resource name of the evidence page on its frame. pikepdf's add_overlay picks a random name,
which would make two builds of the same dossier differ; each frame holds one page, so one name does."""


def frame_page(writer: ObjectWriter, framer: pikepdf.Page, source: pikepdf.Page, numbers: Numbers) -> Frame:
    """Write `source` as a Form XObject and frame it on an A4 page (scaled down to fit, never up) between the bands."""
    width, height = displayed_size(source)
    landscape = width > height
    form = source.as_form_xobject()
    placement = framer.calc_form_xobject_placement(form, FRAMED, Rectangle(*content_box(landscape)), allow_expand=False)
    return Frame((A4[1], A4[0]) if landscape else A4, writer.copy(form, numbers), placement)


def add_placeholder_pages(pdf: pikepdf.Pdf, evidence: EvidencePages) -> Numbers:
    """The appendix pages, each drawing its evidence form; stamps, links and bookmarks are made on these.

    The forms are already in the dossier file: each page refers to a stand-in object, and the
    returned numbers tell finish_dossier which written object each stand-in is.
    """
    written: Numbers = {}
    for frame in evidence.frames:
        page = pdf.add_blank_page(page_size=frame.size)
        if frame.form is not None:
            stand_in = pdf.make_indirect(Dictionary())
            written[stand_in.objgen] = frame.form
            page.add_resource(stand_in, Name.XObject, FRAMED)
            page.obj.Contents = pikepdf.Stream(pdf, b"q\n" + frame.placement + b"\nQ\n")
    return written


def add_appendix_pages(pdf: pikepdf.Pdf, plan: AppendixPlan, evidence: EvidencePages, back_pages: dict[str, int]) -> Numbers:
    """After the pages `pdf` has, the appendix pages drawing the evidence, stamped, their headers linking to `back_pages`; returns add_placeholder_pages' numbers."""
    first_index = len(pdf.pages)
    written = add_placeholder_pages(pdf, evidence)
    if evidence.frames:
        stamp_appendix(pdf, first_index, plan, evidence, back_pages)
    return written


def finish_dossier(pdf: pikepdf.Pdf, evidence: EvidencePages, written: Numbers, target: Path, document_id: bytes) -> None:
    """Append `pdf` (the dossier without the evidence objects) to `target`, after the evidence, and close the file."""
    try:
        with target.open("ab") as handle:
            writer = ObjectWriter(handle, evidence.objects)
            numbers = dict(written)
            root = writer.copy(pdf.Root, numbers)
            info = writer.copy(pdf.docinfo, numbers)
            writer.finish(root, info, document_id)
    except OutputFailed as failed:
        raise AppendixFailed(failed.detail) from failed


def document_id(laid_out: list[Path], plan: AppendixPlan, evidence: EvidencePages, max_dpi: int) -> bytes:
    """16 bytes that change with the dossier's content: the laid-out HTML parts, and what the appendix pages derive from.

    The evidence pages are made from each embedded file's content (its SHA-256 from the index), its
    place and page count, max_dpi, and which files could not be read; the stamps from the plan.
    """
    digest = hashlib.sha256()
    for path in laid_out:
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    for placement in plan.embedded:
        digest.update(f"{placement.indicator_id}\0{placement.file.path}\0{placement.file.sha256}\0{placement.pages}\n".encode())
    digest.update(f"{max_dpi}\0{sorted(evidence.unreadable)}\0{evidence.page_sizes}".encode())
    return digest.digest()[:16]


def displayed_size(page: pikepdf.Page) -> tuple[float, float]:
    """Width and height as a viewer shows the page (trim box, after /Rotate)."""
    box = page.trimbox
    width, height = abs(float(box[2]) - float(box[0])), abs(float(box[3]) - float(box[1]))
    if int(page.obj.get("/Rotate", 0)) % 180:
        return height, width
    return width, height


def _fit_image(width_px: int, height_px: int, _dpi) -> tuple[float, float, float, float]:
    """img2pdf layout: the image fills the content box of the A4 page matching its orientation."""
    x0, y0, x1, y1 = content_box(width_px > height_px)
    scale = min((x1 - x0) / width_px, (y1 - y0) / height_px)
    return width_px * scale, height_px * scale, width_px * scale, height_px * scale


def image_frames(image_file: BinaryIO, max_dpi: int) -> list[bytes]:
    """What img2pdf should embed: the file's bytes as they are, or JPEG frames downscaled to `max_dpi`."""
    with Image.open(image_file) as image:
        if image.mode == "1" or downscale_factor(oriented_size(image), max_dpi) is None:
            image_file.seek(0)
            return [image_file.read()]
        return [_downscaled_jpeg(frame, max_dpi) for frame in ImageSequence.Iterator(image)]


def oriented_size(image: Image.Image) -> tuple[int, int]:
    """Pixel size after applying the EXIF orientation."""
    orientation = image.getexif().get(0x0112, 1)
    width, height = image.size
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def downscale_factor(size: tuple[int, int], max_dpi: int) -> float | None:
    """How much to shrink an image so it shows at `max_dpi` on its page; None if it is fine as is."""
    width, height = size
    x0, y0, x1, y1 = content_box(width > height)
    points_per_pixel = min((x1 - x0) / width, (y1 - y0) / height)
    dpi = 72 / points_per_pixel
    if dpi <= max_dpi * DOWNSCALE_SLACK:
        return None
    return max_dpi / dpi


def _downscaled_jpeg(frame: Image.Image, max_dpi: int) -> bytes:
    """One frame, upright, resized to `max_dpi` and re-encoded as JPEG."""
    oriented = oriented_size(frame)
    factor = downscale_factor(oriented, max_dpi) or 1.0
    final = (max(1, round(oriented[0] * factor)), max(1, round(oriented[1] * factor)))
    width, height = frame.size
    frame.draft("L" if frame.mode == "L" else "RGB", (round(width * factor), round(height * factor)))
    upright = ImageOps.exif_transpose(frame)
    small = upright.convert("L" if upright.mode in ("L", "LA", "I;16") else "RGB").resize(final, Image.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


# --- stamps: header, footer and back link on every appendix page -------------------------


@dataclass
class StampFont:
    """A subset of the CJK font, embedded once in the dossier, that draws every stamp."""

    codes: dict[str, int]
    widths: dict[int, int]
    program: bytes
    cff: bool
    cid_system: tuple[str, str, int]
    postscript_name: str
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int

    def usable(self, text: str) -> str:
        """`text` with characters the font lacks shown as □ (never as an invisible glyph)."""
        return "".join(c if c in self.codes else "□" for c in text)

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` points."""
        return sum(self.widths[self.codes[c]] for c in self.usable(text)) * size / 1000

    def encode(self, text: str) -> bytes:
        """`text` as a hex string of 2-byte codes (Identity-H)."""
        return b"<" + "".join(f"{self.codes[c]:04x}" for c in self.usable(text)).encode() + b">"

    def embed(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        """The Type0 font dictionary, as an indirect object of `pdf`."""
        tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(self.program).digest()[:6])
        base_font = Name(f"/{tag}+{self.postscript_name}")
        if self.cff:
            program = pikepdf.Stream(pdf, self.program, Subtype=Name.CIDFontType0C)
            extra = {"Subtype": Name.CIDFontType0}
        else:
            program = pikepdf.Stream(pdf, self.program, Length1=len(self.program))
            extra = {"Subtype": Name.CIDFontType2, "CIDToGIDMap": Name.Identity}
        descriptor = Dictionary(
            Type=Name.FontDescriptor,
            FontName=base_font,
            Flags=4,
            FontBBox=Array(self.bbox),
            ItalicAngle=0,
            Ascent=self.ascent,
            Descent=self.descent,
            CapHeight=self.ascent,
            StemV=80,
        )
        descriptor[Name.FontFile3 if self.cff else Name.FontFile2] = pdf.make_indirect(program)
        registry, ordering, supplement = self.cid_system
        descendant = Dictionary(
            Type=Name.Font,
            BaseFont=base_font,
            CIDSystemInfo=Dictionary(Registry=registry, Ordering=ordering, Supplement=supplement),
            FontDescriptor=pdf.make_indirect(descriptor),
            DW=1000,
            W=Array([x for code in sorted(self.widths) for x in (code, Array([self.widths[code]]))]),
            **extra,
        )
        return pdf.make_indirect(
            Dictionary(
                Type=Name.Font,
                Subtype=Name.Type0,
                BaseFont=base_font,
                Encoding=Name("/Identity-H"),
                DescendantFonts=Array([pdf.make_indirect(descendant)]),
                ToUnicode=pdf.make_indirect(pikepdf.Stream(pdf, self._to_unicode())),
            )
        )

    def _to_unicode(self) -> bytes:
        """ToUnicode CMap, so stamps can be searched and copied."""
        pairs = sorted((code, char) for char, code in self.codes.items())
        lines = [
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange",
        ]
        for start in range(0, len(pairs), 100):
            batch = pairs[start : start + 100]
            lines.append(f"{len(batch)} beginbfchar")
            lines += [f"<{code:04x}> <{char.encode('utf-16-be').hex()}>" for code, char in batch]
            lines.append("endbfchar")
        lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
        return "\n".join(lines).encode()


def build_stamp_font(texts: Iterable[str]) -> StampFont:
    """Subset the CJK font to the characters of `texts` (plus □, drawn for characters it lacks)."""
    path, number = stamp_face()
    with TTFont(path, fontNumber=number) as face:
        cmap = face.getBestCmap()
        chars = sorted({c for text in texts for c in text if ord(c) in cmap} | {"□"})
        names = {c: cmap[ord(c)] for c in chars}
        scale = 1000 / face["head"].unitsPerEm
        advances = {c: round(face["hmtx"][names[c]][0] * scale) for c in chars}
        head = face["head"]
        bbox = tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax))
        ascent, descent = round(face["hhea"].ascent * scale), round(face["hhea"].descent * scale)
        postscript = (face["name"].getDebugName(6) or "CJKStamp").replace(" ", "")
        options = font_subset.Options(
            desubroutinize=True, notdef_outline=True, hinting=False, name_IDs=[], layout_features=[], glyph_names=True
        )
        options.drop_tables += ["GSUB", "GPOS", "BASE", "VORG", "vhea", "vmtx", "DSIG", "GDEF"]
        subsetter = font_subset.Subsetter(options)
        subsetter.populate(unicodes=[ord(c) for c in chars])
        subsetter.subset(face)
        cff = "CFF " in face
        top = face["CFF "].cff.topDictIndex[0] if cff else None
        cid_keyed = cff and hasattr(top, "ROS")
        # CID-keyed CFF: codes are the CIDs its charset keeps (glyph names cidNNNNN); otherwise glyph ids.
        codes = {c: int(names[c][3:]) if cid_keyed else face.getGlyphID(names[c]) for c in chars}
        cid_system = tuple(top.ROS) if cid_keyed else ("Adobe", "Identity", 0)
        if cff:
            program = face.getTableData("CFF ")
        else:
            buffer = io.BytesIO()
            face.save(buffer)
            program = buffer.getvalue()
    widths = {codes[c]: advances[c] for c in chars}
    return StampFont(codes, widths, program, cff, cid_system, postscript, bbox, ascent, descent)


@functools.cache
def stamp_face() -> tuple[Path, int]:
    """File and face number of the sans-serif CJK font (the SC face of a collection when there is one)."""
    path = cjk_font_file("Noto Sans CJK SC")
    if path.suffix.lower() not in (".ttc", ".otc"):
        return path, 0
    with TTCollection(path, lazy=True) as collection:
        families = [face["name"].getDebugName(1) or "" for face in collection.fonts]
    return path, next((i for i, name in enumerate(families) if name.endswith(" SC")), 0)


@dataclass(frozen=True)
class Stamp:
    """What the header and footer of one appendix page say."""

    indicator_id: str
    heading: str
    file_name: str
    page_text: str
    footer: str
    note: str | None = None


def page_stamps(plan: AppendixPlan, start: int, unreadable: Iterable[int]) -> list[Stamp]:
    """One stamp per appendix page, in page order (placeholder pages carry the reason)."""
    stamps = []
    unreadable = set(unreadable)
    for position, placement in enumerate(plan.embedded):
        note = TEXT["unreadable"] if position in unreadable else None
        for k in range(1, placement.pages + 1):
            footer = TEXT["footer"].format(n=start + len(stamps))
            page_text = TEXT["page"].format(k=k, n=placement.pages)
            stamps.append(Stamp(placement.indicator_id, placement.heading, placement.file.name, page_text, footer, note))
    return stamps


def stamp_texts(plan: AppendixPlan) -> list[str]:
    """Every character a stamp may draw, wherever the appendix starts: the font is made before that is known."""
    digits = "0123456789"
    fixed = [TEXT["separator"], TEXT["ellipsis"], TEXT["unreadable"], TEXT["footer"].format(n=digits), TEXT["page"].format(k=digits, n="")]
    return fixed + [text for placement in plan.embedded for text in (placement.heading, placement.file.name)]


def stamp_appendix(pdf: pikepdf.Pdf, first_index: int, plan: AppendixPlan, evidence: EvidencePages, back_pages: dict[str, int]) -> None:
    """Stamp the appendix pages of `pdf` (from `first_index` on) in the evidence pages' font; headers link to `back_pages`."""
    pages = list(pdf.pages)  # one list: each pdf.pages[i] copies the whole page list in pikepdf
    painter = _StampPainter(pdf, evidence.font)
    for offset, stamp in enumerate(page_stamps(plan, first_index + 1, evidence.unreadable)):
        back = back_pages.get(stamp.indicator_id)
        painter.paint(pages[first_index + offset], stamp, pages[back].obj if back is not None else None)


class _StampPainter:
    """Draws stamps with one embedded font, shortening each file's header once, not once per page."""

    def __init__(self, pdf: pikepdf.Pdf, font: StampFont):
        self.pdf = pdf
        self.font = font
        self.font_ref = font.embed(pdf)
        self.headers: dict[tuple[str, str, float], str] = {}

    def paint(self, page: pikepdf.Page, stamp: Stamp, back_to: pikepdf.Object | None) -> None:
        """Header (left: indicator｜file, right: 第k页/共n页), rule, footer, note; link to the indicator."""
        font = self.font
        width, height = float(page.mediabox[2]), float(page.mediabox[3])
        right_width = font.width(stamp.page_text, STAMP_SIZE)
        room = width - 2 * SIDE - right_width - 12
        key = (stamp.heading, stamp.file_name, room)
        if key not in self.headers:
            self.headers[key] = fit_heading(font, stamp.heading, stamp.file_name, room)
        left = self.headers[key]
        baseline = height - BAND + 11
        ops = [
            b"q 0.3 g",
            _text(font, left, SIDE, baseline, STAMP_SIZE),
            _text(font, stamp.page_text, width - SIDE - right_width, baseline, STAMP_SIZE),
            _text(font, stamp.footer, (width - font.width(stamp.footer, FOOTER_SIZE)) / 2, BAND / 2 - 3, FOOTER_SIZE),
            b"0.6 G 0.5 w %.2f %.2f m %.2f %.2f l S" % (SIDE, baseline - 4, width - SIDE, baseline - 4),
        ]
        if stamp.note:
            size = min(12.0, (width - 4 * SIDE) / max(1.0, font.width(stamp.note, 1)))
            ops.append(_text(font, stamp.note, (width - font.width(stamp.note, size)) / 2, height / 2, size))
        ops.append(b"Q")
        page.contents_add(pikepdf.Stream(self.pdf, zlib.compress(b"\n".join(ops)), Filter=Name.FlateDecode))
        page.add_resource(self.font_ref, Name.Font, Name("/FStamp"))
        if back_to is not None:
            rect = [SIDE, baseline - 3, SIDE + font.width(left, STAMP_SIZE), baseline + STAMP_SIZE]
            link = Dictionary(
                Type=Name.Annot, Subtype=Name.Link, Rect=Array(rect), Border=Array([0, 0, 0]),
                Dest=Array([back_to, Name.XYZ, None, None, None]),
            )
            if Name.Annots not in page.obj:
                page.obj.Annots = Array()
            page.obj.Annots.append(self.pdf.make_indirect(link))


def fit_heading(font: StampFont, heading: str, file_name: str, room: float) -> str:
    """`heading｜file_name` within `room` points: the file name loses its middle, then the heading its end."""
    sep, dots = TEXT["separator"], TEXT["ellipsis"]
    text = f"{heading}{sep}{file_name}"
    if font.width(text, STAMP_SIZE) <= room:
        return text
    stem, dot, ext = file_name.rpartition(".")
    stem, ext = (stem, dot + ext) if dot and len(ext) <= 5 else (file_name, "")

    def shortened(keep: int) -> str:
        return f"{heading}{sep}{stem[: (keep + 1) // 2]}{dots}{stem[len(stem) - keep // 2 :]}{ext}"

    low, high = 0, len(stem) - 1
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if font.width(shortened(middle), STAMP_SIZE) <= room else (low, middle - 1)
    if low >= 2 or font.width(shortened(low), STAMP_SIZE) <= room:
        return shortened(low)
    while len(heading) > 1 and font.width(f"{heading}{dots}{sep}{dots}{ext}", STAMP_SIZE) > room:
        heading = heading[:-1]
    return f"{heading}{dots}{sep}{dots}{ext}"


def _text(font: StampFont, text: str, x: float, y: float, size: float) -> bytes:
    """One line of text in the stamp font."""
    return b"BT /FStamp %.2f Tf %.2f %.2f Td " % (size, x, y) + font.encode(text) + b" Tj ET"


# --- outline: one bookmark per indicator and per file ------------------------------------


def add_outline(parent: OutlineItem, plan: AppendixPlan, start: int) -> None:
    """Bookmarks under `parent`: each indicator with appended pages, then each file's first page."""
    items: dict[str, OutlineItem] = {}
    for placement in plan.embedded:
        first, last = placement.page_range(start)
        if placement.indicator_id not in items:
            items[placement.indicator_id] = OutlineItem(placement.heading, first - 1)
            parent.children.append(items[placement.indicator_id])
        template = TEXT["outline_range"] if last > first else TEXT["outline"]
        title = template.format(name=printable(placement.file.name), first=first, last=last)
        items[placement.indicator_id].children.append(OutlineItem(title, first - 1))


if __name__ == "__main__":
    # Run as `python -m assess.render.appendix JOB`: use the importable module's classes, so the
    # pickled result names assess.render.appendix.EvidencePages rather than __main__.EvidencePages.
    from assess.render.dossier.appendix import _run_job as run_job

    run_job(Path(sys.argv[1]))
