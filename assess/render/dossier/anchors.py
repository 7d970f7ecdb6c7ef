"""Anchors: page links resolved into PDF destinations, and the bookmarks of the evidence appendix.

The HTML part is laid out before the appendix exists and the continued tables apart from it, so
their links to appendix pages and to anchors in another part cannot be ordinary HTML links:
WeasyPrint writes them as URIs in schemes of our own, which assembly turns into GoTo links once
every page is in one document.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Name, OutlineItem

from assess.render.dossier.plan import AppendixPlan
from assess.render.text import printable

PAGE_LINK = "x-assess-page:"
"""Scheme of links to appendix pages: WeasyPrint writes them as URIs, assembly makes them GoTo links."""
ANCHOR_LINK = "x-assess-anchor:"
"""Scheme of links to an anchor in a part laid out apart (the continued tables), resolved the same way."""

TEXT = {
    "outline": "{name}（第 {first} 页）",
    "outline_range": "{name}（第 {first}–{last} 页）",
}
"""Chinese wording of the bookmarks, in one place."""


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
