"""PDF 申报材料: the HTML part laid out by WeasyPrint, the evidence appendix written straight into the file.

Order of work: plan the appendix (page counts only; Word/Excel converted) → lay out the HTML part
and the continued evidence tables until the page numbers they print are right, then the manifest,
each part written to PDF and freed (for a large dossier the continued tables and the manifest by a
worker process, while this one lays out the HTML part: see layout), while the evidence pages are
written into the dossier's temporary file (for a large appendix by another worker: see appendix)
→ add the appendix pages (drawing that evidence, stamped) and the parts after them, turn the page
links into destinations, add the bookmarks → append all that to the temporary file and rename it
onto the dossier (see assemble). A rebuild copies the previous dossier's unchanged evidence
bytes, or keeps the dossier when nothing changed (see reuse).
"""

from __future__ import annotations

import logging
from contextlib import suppress
from pathlib import Path

from assess.assessment.model import Assessment
from assess.atomic import OutputError, atomic_path, work_folder
from assess.caches import DOSSIER_EVIDENCE, DOSSIER_LAYOUT, DOSSIER_PARTS, OFFICE_PDF
from assess.config.project import Project
from assess.evidence.manifest import Manifest
from assess.render.dossier.appendix import appendix_writer
from assess.render.dossier.assemble import LaidOut, assemble
from assess.render.dossier.evidence import EvidencePages, log_unreadable
from assess.render.dossier.html_part import HtmlPart
from assess.render.dossier.layout import Written
from assess.render.dossier.numbering import read_layout_guess, remember_layout_guess, settle_page_numbers
from assess.render.dossier.plan import AppendixPlan, plan_appendix
from assess.render.dossier.reuse import document_id, remember, reusable_prefix, source_keys
from assess.render.fonts import require_cjk_font

LOGGER = logging.getLogger(__name__)

TEXT = {
    "unchanged": "申报材料的内容与上次生成的完全相同，保留原文件",
    "missing_glyphs": "申报材料中有 {count} 个字符在已安装的字体中没有字形，会显示为空白或方框：{chars}。请改用常用字，或安装包含这些字的字体",
}
"""Chinese wording of this module, in one place."""


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
            html = HtmlPart(assessment, project, require_cjk_font(), plan, include_evidence, manifest, workdir, output / DOSSIER_PARTS)
            guess = read_layout_guess(output / DOSSIER_LAYOUT, html.kind)
            laying_out = not html.front_cached(*guess)
            html.layouter.parallel &= laying_out  # the worker's start (about 2 s) pays off only beside this process's own layout
            with appendix_writer(plan, temp, max_dpi, prefix, beside_layout=laying_out) as appendix_pages:
                laid_out = _lay_out(html, guess, output / DOSSIER_LAYOUT)
                if prefix is not None and prefix.unchanged(laid_out.files, plan, max_dpi):
                    log_unreadable(plan, prefix.evidence)
                    raise DossierUnchanged()
                evidence = appendix_pages() if plan.embedded else EvidencePages()
            log_unreadable(plan, evidence)
            dossier_id = document_id(laid_out.files, plan, evidence, max_dpi)
            assemble(laid_out, plan, evidence, temp, dossier_id)
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
    remember_layout_guess(guess_file, html.kind, start, continued.pages)
    return LaidOut(front, start, continued, back, html.chapters)


def warn_missing_glyphs(*parts: Written) -> None:
    """Warn about characters no installed font can draw in the dossier's laid-out parts (they print as blanks or boxes)."""
    missing = set().union(*(part.missing for part in parts))
    if missing:
        LOGGER.warning(TEXT["missing_glyphs"].format(count=len(missing), chars=" ".join(sorted(missing))))
