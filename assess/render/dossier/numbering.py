"""Page numbers: the HTML part and the chapters after the appendix laid out until the numbers they print are the real ones.

The HTML part prints page numbers of pages after it (the appendix's, the later chapters'), which
depend on its own page count and on the continued tables', which in turn print appendix page
numbers. The previous build's counts are the first guess, so a rebuild usually needs one pass.
"""

from __future__ import annotations

import json
from contextlib import suppress
from pathlib import Path

from assess.atomic import OutputError, write_json
from assess.errors import AssessError
from assess.render.dossier.html_part import HtmlPart
from assess.render.dossier.layout import Written

MAX_LAYOUT_PASSES = 4


class LayoutUnstable(AssessError):
    """The HTML part's page count kept changing with the page numbers it prints."""

    def __init__(self) -> None:
        super().__init__("申报材料排版时页数反复变化，无法确定证明材料页码；请将此问题报告给维护人员")


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
            return not html.numbered or (pages + 1 == start and continued.result().pages == guessed)  # noqa: B023 (called within this pass)

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


def remember_layout_guess(path: Path, key: str, start: int, continued_pages: int) -> None:
    """Keep this build's (appendix start, continued-table pages) as the next build's guess (a guess not kept only costs a pass)."""
    with suppress(OutputError):
        write_json(path, {**read_layout_guesses(path), key: [start - 1, continued_pages]})
