"""Planning the evidence appendix: which file's pages go where, and why the others are left out.

Everything the dossier prints about the appendix (page numbers in the evidence tables, the
stamps' 第k页/共n页, the bookmarks) follows from this plan, made before anything is written: page
counts come from the index, or from the PDF's page tree; Word/Excel files are converted first.
A file whose content appeared earlier is not appended twice, but points at the earlier pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pikepdf

from assess.assessment.model import Assessment, IndicatorResult
from assess.evidence.model import EvidenceFile
from assess.render.dossier import convert
from assess.render.dossier.sources import open_source, source_problem

IMAGE_KINDS = {"jpeg", "png", "tiff"}
PageSource = Literal["pdf", "image"]

TEXT = {
    "no_soffice": "未安装 LibreOffice，Word/Excel 文件未能转换；请另存为 PDF 放入同一文件夹，或安装 LibreOffice 后重新生成",
    "office_failed": "LibreOffice 转换失败，请另存为 PDF 放入同一文件夹",
    "kind": "此类文件（{kind}）无法嵌入 PDF，请转换为 PDF 或图片后放入",
    "heic": "HEIC 格式照片无法嵌入，请转换为 JPEG 后放入",
}
"""Chinese wording of why a file is left out, in one place."""


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

    Word/Excel files are converted to PDF first (see convert), so their pages can be counted.
    """
    converted = convert.convert_office_files(convert.office_sources(assessment, evidence_root), office_cache, evidence_root)
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
    if file.kind in convert.OFFICE_KINDS:
        return _place_office(base, converted.get(file.sha256))
    note = TEXT["heic"] if file.kind == "heic" else TEXT["kind"].format(kind=file.kind)
    return _replace(base, note=note)


def _place_office(base: Placement, converted: Path | None) -> Placement:
    """A Word/Excel file through its converted PDF, or why it could not be converted."""
    if converted is None:
        return _replace(base, note=TEXT["no_soffice"] if convert.office_converter() is None else TEXT["office_failed"])
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
