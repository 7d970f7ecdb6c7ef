"""Laying out the dossier's HTML documents with WeasyPrint: here, or in one worker process beside this one.

The HTML part is laid out in the main process. The chapters laid out apart (the continued evidence
tables, the manifest batches) go, for a large dossier, to one worker process, so that on a two-core
machine they are laid out while the main process lays out the HTML part. Each document is laid
out, written to PDF and freed before the next (about 3 MiB a page while laid out), and kept by
content in the parts cache, so that a rebuild lays out only what changed. This module imports
little besides WeasyPrint, so the worker (see worker) starts quickly.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.document import Document

from assess.atomic import OutputError, write_json
from assess.errors import AssessError
from assess.render.dossier.fetcher import ProjectFetcher
from assess.render.dossier.worker import Worker

TEXT = {
    "died": "申报材料的排版进程意外退出（可能是内存不足被系统终止）。请关闭其他程序后重新运行；若仍失败，请将此问题报告给维护人员",
    "failed": "申报材料的排版进程出错（{error}）。请将此问题报告给维护人员",
}
"""Chinese wording of this module, in one place."""

Keep = Callable[[int], bool]
"""Whether a document of this many pages is to be written (a pass whose page numbers are wrong is not)."""


class LayoutFailed(AssessError):
    """The worker process laying out the chapters apart died or raised an error."""

    def __init__(self, detail: str):
        super().__init__(detail)


@dataclass(frozen=True)
class Written:
    """A part laid out, written to PDF file(s) and freed: what numbering and assembly need of it."""

    paths: list[Path] = field(default_factory=list)
    pages: int = 0
    anchors: dict[str, int] = field(default_factory=dict)
    """Page index (0-based, within the part) of each anchor (element id) laid out in it."""
    missing: frozenset[str] = frozenset()
    """Characters drawn in it that no installed font has (they print as blanks or boxes)."""

    def followed_by(self, other: Written) -> Written:
        """This part and `other` after it, as one part."""
        anchors = {**{anchor: self.pages + page for anchor, page in other.anchors.items()}, **self.anchors}
        return Written([*self.paths, *other.paths], self.pages + other.pages, anchors, self.missing | other.missing)


class PartsCache:
    """Laid-out documents by content: the key covers the HTML, its page furniture and `style_key` (styles, templates, fonts, WeasyPrint)."""

    def __init__(self, folder: Path, style_key: str):
        self.folder = folder
        self.style_key = style_key

    def _key(self, html: str, furniture: str) -> str:
        return hashlib.sha256(f"{self.style_key}\0{furniture}\0{html}".encode()).hexdigest()

    def get(self, html: str, furniture: str) -> Written | None:
        """The document laid out before, or None."""
        key = self._key(html, furniture)
        try:
            facts = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            anchors = {str(anchor): int(page) for anchor, page in facts["anchors"].items()}
            written = Written([self.folder / f"{key}.pdf"], int(facts["pages"]), anchors, frozenset(map(str, facts.get("missing", []))))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        return written if written.paths[0].is_file() else None

    def put(self, html: str, furniture: str, written: Written) -> Written:
        """Store a freshly laid-out document; the stored copy is what the dossier uses (the document as given when the cache cannot be written)."""
        key = self._key(html, furniture)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_json(self.folder / f"{key}.json", {"pages": written.pages, "anchors": written.anchors, "missing": sorted(written.missing)})
            os.replace(written.paths[0], self.folder / f"{key}.pdf")
        except (OSError, OutputError):
            return written  # not cached: the document stays in the work folder
        return replace(written, paths=[self.folder / f"{key}.pdf"])

    def keep_only(self, kind: str, used: list[Path]) -> None:
        """Remove the entries neither this dossier (`used`, of this `kind`: full or light) nor the last dossier of the other kind uses."""
        with suppress(OSError, OutputError):
            record = self.folder / "used.json"
            try:
                kept = json.loads(record.read_text(encoding="utf-8"))
                kept = kept if isinstance(kept, dict) else {}
            except (OSError, ValueError):
                kept = {}
            kept[kind] = [path.stem for path in used if path.parent == self.folder]
            keep = {key for keys in kept.values() if isinstance(keys, list) for key in keys}
            for entry in self.folder.iterdir():
                if entry.name != record.name and entry.name.split(".")[0] not in keep:
                    entry.unlink()
            write_json(record, kept)


@dataclass(frozen=True)
class Styles:
    """What every document is laid out with, as plain data: each process builds its own Layout from it."""

    root: Path
    """The project folder: the only files a document may read."""
    folder: Path
    """templates/dossier: the documents' base URL, and the stylesheet's."""
    css: str
    """The text of templates/dossier/dossier.css."""
    generated_css: str
    """Font families and verdict colours, computed for this machine."""


class NotingFetcher(ProjectFetcher):
    """The project fetcher, noting when a document reads a file outside the dossier templates (which the cache key does not cover)."""

    def __init__(self, root: Path, folder: Path):
        super().__init__(root)
        self.folder = folder.resolve()
        self.read_outside = False

    def local_path(self, url: str) -> Path:
        """As ProjectFetcher, noting a file outside the templates folder."""
        path = super().local_path(url)
        self.read_outside = self.read_outside or not path.is_relative_to(self.folder)
        return path


class Layout:
    """The stylesheets and the restricted fetcher of one process: lays out, writes and frees one document at a time."""

    def __init__(self, styles: Styles):
        self.fetcher = NotingFetcher(styles.root, styles.folder)
        self.base_url = styles.folder.as_uri() + "/"
        self.stylesheets = [CSS(string=styles.css, base_url=self.base_url, url_fetcher=self.fetcher), CSS(string=styles.generated_css)]

    def render(self, html: str, furniture: str | None) -> Document:
        """Lay out one HTML document with the dossier's styles (and its page furniture, for a chapter laid out apart)."""
        extra = [CSS(string=furniture)] if furniture else []
        return HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher).render(stylesheets=[*self.stylesheets, *extra])

    def lay_out(self, html: str, furniture: str | None, path: Path, keep: Keep) -> tuple[Written, bool]:
        """One document laid out, written to `path` if `keep` accepts its page count, and freed; and whether it may be cached.

        It may not when it read a file outside the dossier templates: the cache key would not see that file change.
        """
        self.fetcher.read_outside = False
        with glyph_watch() as missing:  # WeasyPrint notes missing glyphs as it draws, in write_pdf
            document = self.render(html, furniture)
            pages = len(document.pages)
            anchors: dict[str, int] = {}
            for index, page in enumerate(document.pages):
                for anchor in page.anchors:
                    anchors.setdefault(anchor, index)
            kept = keep(pages)
            if kept:
                document.write_pdf(path)
            del document  # its boxes reference each other, so only the cycle collector frees them
            gc.collect()
        return Written([path] if kept else [], pages, anchors, frozenset(missing)), not self.fetcher.read_outside


def lay_out_document(layout: Layout, cache: PartsCache, html: str, furniture: str | None, path: Path, keep: Keep) -> Written:
    """One document from the cache, or laid out (and cached when written); not written (no paths) when `keep` rejects its page count."""
    cached = cache.get(html, furniture or "")
    if cached is not None:
        return cached if keep(cached.pages) else replace(cached, paths=[])
    written, cacheable = layout.lay_out(html, furniture, path, keep)
    return cache.put(html, furniture or "", written) if written.paths and cacheable else written


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


# --- chapters laid out apart ---------------------------------------------------------------


@dataclass(frozen=True)
class PartJob:
    """A chapter laid out apart, as plain data: its batches' HTML in order, where its pages start, where the PDFs go."""

    name: str
    """File name stem in the work folder: continued or manifest."""
    batches: tuple[str, ...]
    district: str
    chapter: str
    """The chapter's numbered heading, for the running header."""
    first_page: int
    """Page number of the first batch's first page."""
    workdir: Path
    cache: PartsCache
    write: bool = True
    """False for a pass only counting pages (its page numbers are known to be wrong): nothing written."""
    skip: int = 0
    """Batches before these, already taken from the cache (file names count on from them)."""

    def after(self, done: int, pages: int) -> PartJob:
        """The rest of the job once its first `done` batches (of `pages` pages) are laid out."""
        return replace(self, batches=self.batches[done:], first_page=self.first_page + pages, skip=self.skip + done)


def lay_out_part(job: PartJob, layout: Layout | None) -> tuple[Written, int]:
    """Each batch from the cache or laid out in turn, numbered on from the last; without a `layout`, stop at the first batch not cached.

    Returns the part (so far) and how many batches it holds.
    """
    written = Written()
    for done, html in enumerate(job.batches):
        furniture = separate_part_css(job.district, job.chapter, job.first_page + written.pages)
        if layout is None:
            batch = job.cache.get(html, furniture)
            if batch is None:
                return written, done
        else:
            path = job.workdir / f"{job.name}-{job.skip + done:04d}.pdf"
            batch = lay_out_document(layout, job.cache, html, furniture, path, lambda pages: job.write)
        written = written.followed_by(batch)
    return written, len(job.batches)


def separate_part_css(district: str, chapter: str, first_page: int) -> str:
    """Page furniture of a part laid out apart: its running headers as literal text, its first page number."""
    return (
        f"@page {{ @top-left {{ content: {css_string(district)}; }} @top-right {{ content: {css_string(chapter)}; }} }}\n"
        f"@page :first {{ counter-reset: page {first_page}; }}\n"
    )


def css_string(text: str) -> str:
    """`text` as a CSS string, every character escaped (the district name comes from assess.yaml)."""
    return '"' + "".join(f"\\{ord(char):06x}" for char in text) + '"'


class Pending:
    """A chapter being laid out: the batches the cache held, then the rest as the worker returns it."""

    def __init__(self, cached: Written, rest: Future | None = None):
        self.cached = cached
        self.rest = rest

    def done(self) -> bool:
        """Whether the chapter is laid out (its result is ready without waiting)."""
        return self.rest is None or self.rest.done()

    def result(self) -> Written:
        """The whole chapter, once laid out; a worker that died or failed becomes a Chinese error."""
        if self.rest is None:
            return self.cached
        try:
            rest = self.rest.result()
        except BrokenProcessPool as exc:
            raise LayoutFailed(TEXT["died"]) from exc
        except AssessError:
            raise
        except Exception as exc:  # raised in the worker, sent back pickled
            raise LayoutFailed(TEXT["failed"].format(error=f"{type(exc).__name__}: {exc}")) from exc
        return self.cached.followed_by(rest)


class Layouter:
    """Lays out the chapters apart: in this process, or in one worker process (started when first needed) when `parallel`.

    Use as a context manager: on leaving, the worker is stopped (killed if the block failed).
    """

    def __init__(self, styles: Styles, layout: Layout, parallel: bool):
        self.layout = layout
        self.parallel = parallel
        self.worker = Worker(_set_up_worker, styles)

    def part(self, job: PartJob) -> Pending:
        """Start laying out a chapter (in this process: lay it out now); the batches the cache holds are taken at once."""
        if not self.parallel:
            return Pending(lay_out_part(job, self.layout)[0])
        cached, done = lay_out_part(job, None)
        if done == len(job.batches):
            return Pending(cached)
        return Pending(cached, self.worker.submit(_worker_part, job.after(done, cached.pages)))

    def __enter__(self) -> Layouter:
        return self

    def __exit__(self, kind, error, trace) -> None:
        self.worker.__exit__(kind, error, trace)


_worker_layout: Layout | None = None
"""In the worker process: its Layout, built once by _set_up_worker."""


def _set_up_worker(styles: Styles) -> None:
    """Worker start: build the stylesheets once, for every batch it lays out."""
    global _worker_layout
    _worker_layout = Layout(styles)


def _worker_part(job: PartJob) -> Written:
    """In the worker process: lay out a chapter's batches (those the main process did not find in the cache)."""
    return lay_out_part(job, _worker_layout)[0]
