"""The evidence pages: every source's pages framed on A4 and written straight into the dossier file.

Pages are copied with pikepdf (never rasterised) as Form XObjects, each drawn scaled down into
the content box of an A4 page; photos become pages through images. Each source is written and
closed before the next, so memory stays bounded however large the evidence, and its bytes are
written once. The dossier's own pages that draw these forms (stamped, linked, bookmarked) are
made later, at assembly; what they need is kept in EvidencePages.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import BinaryIO

import pikepdf
from pikepdf import Name, Rectangle

from assess.errors import AssessError
from assess.render.dossier import sources
from assess.render.dossier.fonts import StampFont
from assess.render.dossier.geometry import A4, content_box
from assess.render.dossier.images import image_pages
from assess.render.dossier.plan import AppendixPlan, Placement
from assess.render.dossier.write import SYNC_BYTES, Numbers, ObjectTable, ObjectWriter, OutputFailed

LOGGER = logging.getLogger(__name__)

FRAMED = Name("/Evidence")
"""Resource name of the evidence page on its frame. pikepdf's add_overlay picks a random name,
which would make two builds of the same dossier differ; each frame holds one page, so one name does."""


class AppendixFailed(AssessError):
    """Writing the evidence appendix into the dossier file failed (a full disk, a writer process gone)."""

    def __init__(self, detail: str):
        super().__init__(f"写入证明材料附件时出错：{detail}")
        self.detail = detail

    def __reduce__(self):
        """Rebuilt from its detail when it comes back from the writer process (its message would be wrapped twice)."""
        return type(self), (self.detail,)


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


def write_sources(handle: BinaryIO, evidence: EvidencePages, plan: AppendixPlan, max_dpi: int) -> None:
    """Write the pages of the sources of `plan` after those `evidence` holds into `handle`, one at a time; `evidence` grows with them.

    A file that cannot be read gets blank pages (its planned count), so every page number printed
    in the HTML part still points at the right page; its stamp says why.
    """
    with pikepdf.new() as scratch:
        writer = ObjectWriter(handle, evidence.objects, sync_every=SYNC_BYTES)
        framer = scratch.add_blank_page(page_size=A4)
        for position, placement in enumerate(plan.embedded[len(evidence.ends) :], start=len(evidence.ends)):
            try:
                evidence.frames += write_source(writer, framer, placement, max_dpi)
            except OutputFailed as failed:
                raise AppendixFailed(failed.detail) from failed
            except Exception as exc:  # decoders raise many types for a bad file; none may stop the build
                evidence.unreadable[position] = f"{type(exc).__name__}: {exc}"
                evidence.frames += [Frame(A4)] * placement.pages
            evidence.ends.append((writer.table.size, len(writer.table.offsets)))


def write_source(writer: ObjectWriter, framer: pikepdf.Page, placement: Placement, max_dpi: int) -> list[Frame]:
    """Write one evidence file's pages, each as a Form XObject framed on A4; objects the pages share are written once."""
    with ExitStack() as opened:
        handle = opened.enter_context(sources.open_source(placement.source, placement.within))
        if placement.kind == "pdf":
            source = opened.enter_context(pikepdf.open(handle))
            if any("/Annots" in page.obj for page in source.pages):
                source.flatten_annotations("print")
        else:
            source = opened.enter_context(image_pages(handle, max_dpi))
        pages = list(source.pages)
        if len(pages) != placement.pages:
            raise ValueError(f"{len(pages)} pages, the index says {placement.pages}")
        numbers: Numbers = {}
        return [frame_page(writer, framer, page, numbers) for page in pages]


def frame_page(writer: ObjectWriter, framer: pikepdf.Page, source: pikepdf.Page, numbers: Numbers) -> Frame:
    """Write `source` as a Form XObject and frame it on an A4 page (scaled down to fit, never up) between the bands."""
    width, height = displayed_size(source)
    landscape = width > height
    form = source.as_form_xobject()
    placement = framer.calc_form_xobject_placement(form, FRAMED, Rectangle(*content_box(landscape)), allow_expand=False)
    return Frame((A4[1], A4[0]) if landscape else A4, writer.copy(form, numbers), placement)


def displayed_size(page: pikepdf.Page) -> tuple[float, float]:
    """Width and height as a viewer shows the page (trim box, after /Rotate)."""
    box = page.trimbox
    width, height = abs(float(box[2]) - float(box[0])), abs(float(box[3]) - float(box[1]))
    if int(page.obj.get("/Rotate", 0)) % 180:
        return height, width
    return width, height


def log_unreadable(plan: AppendixPlan, evidence: EvidencePages) -> None:
    """Tell the office which files could not be embedded (their pages in the dossier say so too)."""
    embedded = plan.embedded
    for position, error in sorted(evidence.unreadable.items()):
        LOGGER.warning("%s：%s（%s）", embedded[position].file.path, sources.TEXT["unreadable"], error)

