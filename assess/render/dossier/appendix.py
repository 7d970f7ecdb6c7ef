"""The evidence appendix written into the dossier's file: copied from the previous dossier where unchanged, the rest written.

The evidence pages open the dossier file; the dossier's own pages (stamps, links, bookmarks) are
appended after them at assembly. A large appendix is written by a worker process while this one
lays out the HTML part, so the two overlap on a second CPU; a small one, in this process, when
the layout is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from assess.errors import AssessError
from assess.render.dossier.evidence import AppendixFailed, EvidencePages, write_sources
from assess.render.dossier.fonts import build_stamp_font
from assess.render.dossier.plan import AppendixPlan
from assess.render.dossier.reuse import Prefix
from assess.render.dossier.stamps import stamp_texts
from assess.render.dossier.worker import Worker

PARALLEL_PAGES = 200
"""Appendices of this many pages are written by a worker process while WeasyPrint lays out the HTML part."""

TEXT = {
    "died": "写入证明材料的进程意外退出（可能是内存不足被系统终止）",
}
"""Chinese wording of this module, in one place."""


def write_evidence(plan: AppendixPlan, target: Path, max_dpi: int, prefix: Prefix | None = None) -> EvidencePages:
    """Write every appendix page into the new file `target`, one source at a time, and return where it all is.

    The sources `prefix` holds are copied from the previous dossier instead (see reuse); if that
    copy fails, every source is written. The stamps' font is made here too, beside the pages.
    """
    try:
        with target.open("wb") as handle:
            evidence = prefix.copy_into(handle) if prefix is not None else EvidencePages()
            write_sources(handle, evidence, plan, max_dpi)
    except OSError as exc:
        raise AppendixFailed(str(exc)) from exc
    evidence.font = build_stamp_font(stamp_texts(plan))
    return evidence


@contextmanager
def appendix_writer(
    plan: AppendixPlan, target: Path, max_dpi: int, prefix: Prefix | None = None, beside_layout: bool = True
) -> Iterator[Callable[[], EvidencePages]]:
    """Start writing the appendix pages into `target` (the dossier's temporary file); the yielded function waits for them.

    A large appendix is written by a worker process, overlapping the HTML layout on a second CPU;
    a small one is written on demand, in process. The pages `prefix` copies from the previous
    dossier count as work only `beside_layout`: with the HTML part cached, the dossier is likely
    unchanged and kept, and then nothing is copied at all.
    """
    copied = len(prefix.evidence.frames) if prefix is not None and not beside_layout else 0
    if plan.total_pages - copied < PARALLEL_PAGES:
        yield lambda: write_evidence(plan, target, max_dpi, prefix)
        return
    with Worker() as worker:
        pages = worker.submit(write_evidence, plan, target, max_dpi, prefix)
        yield lambda: _written(pages)


def _written(pages: Future) -> EvidencePages:
    """The evidence pages the worker wrote, once it is done; a worker that died or failed becomes a Chinese error."""
    try:
        return pages.result()
    except BrokenProcessPool as exc:
        raise AppendixFailed(TEXT["died"]) from exc
    except AssessError:
        raise
    except Exception as exc:  # raised in the worker, sent back pickled
        raise AppendixFailed(f"{type(exc).__name__}: {exc}") from exc
