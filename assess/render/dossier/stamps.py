"""The stamps: on every appendix page, the indicator and file it belongs to, 第k页/共n页, and the dossier's page number.

A reviewer leafing through hundreds of scans must see on each page which indicator and which
file it is evidence for, and get back to the indicator: the header links to its section. Stamps
are drawn in the stamps' font (see fonts) over the framed evidence, in the dossier's pages that
draw the evidence forms, never in the evidence itself.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name

from assess.render.dossier import sources
from assess.render.dossier.evidence import EvidencePages
from assess.render.dossier.fonts import StampFont
from assess.render.dossier.geometry import BAND, SIDE
from assess.render.dossier.plan import AppendixPlan

STAMP_SIZE = 8.0
FOOTER_SIZE = 9.0

TEXT = {
    "page": "第{k}页/共{n}页",
    "footer": "— {n} —",
    "separator": "｜",
    "ellipsis": "…",
}
"""Chinese wording of the stamps, in one place."""


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
        note = sources.TEXT["unreadable"] if position in unreadable else None
        for k in range(1, placement.pages + 1):
            footer = TEXT["footer"].format(n=start + len(stamps))
            page_text = TEXT["page"].format(k=k, n=placement.pages)
            stamps.append(Stamp(placement.indicator_id, placement.heading, placement.file.name, page_text, footer, note))
    return stamps


def stamp_texts(plan: AppendixPlan) -> list[str]:
    """Every character a stamp may draw, wherever the appendix starts: the font is made before that is known."""
    digits = "0123456789"
    fixed = [TEXT["separator"], TEXT["ellipsis"], sources.TEXT["unreadable"], TEXT["footer"].format(n=digits), TEXT["page"].format(k=digits, n="")]
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
