"""Assembly: the dossier put together once every part is laid out and the evidence is written.

The HTML part, then the appendix pages (each drawing its evidence form, stamped), then the
chapters laid out apart; their page links resolved, the bookmarks added. With evidence, all of
it is appended after the evidence objects that open the dossier's file, with one
cross-reference table for both (see write); without, pikepdf writes the file.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Dictionary, Name, OutlineItem

from assess.render.dossier.anchors import add_outline, resolve_links
from assess.render.dossier.evidence import FRAMED, AppendixFailed, EvidencePages
from assess.render.dossier.layout import Written
from assess.render.dossier.plan import AppendixPlan
from assess.render.dossier.stamps import stamp_appendix
from assess.render.dossier.write import Numbers, ObjectWriter, OutputFailed


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


def assemble(parts: LaidOut, plan: AppendixPlan, evidence: EvidencePages, target: Path, dossier_id: bytes) -> None:
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
