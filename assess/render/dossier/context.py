"""What the dossier's templates show: every value derived for presentation (page numbers, groupings, wording), computed here.

The Jinja templates under templates/dossier/ only lay these views out, so the office can restyle
the dossier without touching a page number.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from assess.assessment.model import Assessment, Gap, IndicatorResult, TargetResult
from assess.atomic import document_time
from assess.config.records import Verdict
from assess.evidence.manifest import Manifest
from assess.render import charts
from assess.render.dossier.anchors import ANCHOR_LINK, PAGE_LINK
from assess.render.dossier.plan import AppendixPlan, Placement
from assess.render.dossier.templates import verdict_class
from assess.render.text import printable

SECTION_ROWS = 10
"""Evidence rows an indicator's section shows; the rest continue in 佐证材料表（续） after the appendix.
A laid-out WeasyPrint document holds about 2.5 MiB a page, so the HTML part, one document, must not
grow with the evidence: what grows with it (the continued tables, the manifest) is laid out after
the appendix, batch by batch, each batch written and freed before the next."""
BATCH_ROWS = 250
"""Rows (continued-table rows or manifest entries) per separately laid-out document, about 12 pages."""

TEXT = {
    "title": "{honour}创建申报材料",
    "chapter": "{number}、{title}",
    "evidence_title": "证明材料",
    "manifest_title": "佐证材料清单（SHA-256 校验）",
    "continued_title": "佐证材料表（续）",
    "manifest_intro": "以下按路径列出生成本册时佐证材料文件夹 {folder}/ 中的全部 {count} 个文件（共 {size} 字节），以及每个文件内容的 SHA-256 校验值。文件内容哪怕只改动一个字节，校验值也会完全不同。",
    "manifest_check": "核对方法：在项目文件夹中运行 assess verify，程序逐一重新计算 {folder}/ 中每个文件的 SHA-256，与佐证材料清单 output/manifest.json 核对，列出内容已改变、已缺少和清单外的文件；也可以对单个文件运行 sha256sum 文件名（Windows：certutil -hashfile 文件名 SHA256），与下列校验值对照。",
    "manifest_fingerprint": "整套材料指纹：下列各文件按路径排序，每个文件一行“SHA-256、两个空格、路径”（即 sha256sum 的输出格式），全部行合在一起计算的 SHA-256。它与随本册提供的 manifest.json 中的 fingerprint 相同，即说明该清单与本册一致。",
    "unhashed": "（生成时无法读取）",
    "pages": "{first}–{last}",
    "page": "{first}",
    "reused": "与 {label} 的“{name}”内容相同",
    "not_embedded": "未附",
    "light": "本册为简版，未附证明材料原件；证明材料见完整版申报材料。",
    "met": "达到",
    "not_met": "未达到",
    "no_data": "无数据",
    "overdue": "已逾期",
    "no_lead": "未明确牵头单位",
}
"""Chinese wording computed here (fixed headings and labels live in the templates), in one place."""


@dataclass(frozen=True)
class EvidenceRow:
    """One evidence file in an indicator's table (and in the 证明材料 list)."""

    number: int
    name: str
    folder: str
    department: str
    date: str
    pages: str
    link: str | None
    note: str


def dossier_context(
    assessment: Assessment,
    plan: AppendixPlan,
    start: int,
    include_evidence: bool,
    figures: dict[str, str | None],
    manifest: Manifest | None = None,
    continued_pages: int = 0,
) -> dict:
    """Every value the HTML template shows, with appendix page numbers counted from `start`.

    After the appendix come `continued_pages` of continued evidence tables (when an indicator has
    more than SECTION_ROWS files), then the manifest.
    """
    indicators = indicator_views(assessment, plan, start, include_evidence)
    embedded = plan.embedded
    after_appendix = start + plan.total_pages
    continues = any(view["more"] for view in indicators)
    return {
        "a": assessment,
        "title": TEXT["title"].format(honour=assessment.title),
        "created": document_time(assessment.report_date).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "verdicts": list(Verdict),
        "counts": assessment.counts,
        "categories": [
            {"summary": summary, "indicators": [view for view in indicators if view["result"].indicator.category == summary.id]}
            for summary in assessment.categories
        ],
        "charts": figures,
        "gap_groups": gap_groups(assessment),
        "open_gap_count": len(assessment.open_gaps),
        "overdue_count": sum(1 for gap in assessment.open_gaps if gap.overdue),
        "include_evidence": include_evidence,
        "chapters": back_chapters(include_evidence, manifest, continues),
        "continued": _page_entry(after_appendix) if continues else None,
        "manifest": _page_entry(after_appendix + continued_pages) if manifest is not None else None,
        "light_note": TEXT["light"],
        "appendix": {
            "first": start if embedded else None,
            "last": start + plan.total_pages - 1,
            "link": f"{PAGE_LINK}{start}" if embedded else None,
            "files": len(embedded),
            "pages": plan.total_pages,
        },
        "evidence_index": evidence_index(indicators, plan, start),
        "omitted": [
            {"anchor": view["anchor"], "label": view["result"].indicator.label, "row": row}
            for view in indicators
            for row in view["evidence"]
            if row.link is None
        ],
    }


def _page_entry(page: int) -> dict:
    """A contents entry for a chapter laid out apart: its first page, printed and linked."""
    return {"first": page, "link": f"{PAGE_LINK}{page}"}


def indicator_views(assessment: Assessment, plan: AppendixPlan, start: int, include_evidence: bool) -> list[dict]:
    """Every indicator's section, its evidence rows numbered with appendix pages counted from `start`."""
    placements = plan.lookup()
    return [
        _indicator_view(result, [_evidence_row(n, result, f, placements, start, include_evidence) for n, f in enumerate(result.evidence, 1)])
        for result in assessment.indicators
    ]


def continued_batches(views: list[dict]) -> list[list[dict]]:
    """The evidence rows past SECTION_ROWS, BATCH_ROWS per batch, grouped by indicator within each batch.

    A group split between batches is headed again; only its first heading carries the anchor that
    the indicator's section links to.
    """
    rows = [(view, row) for view in views for row in view["evidence"][SECTION_ROWS:]]
    batches = []
    anchored: set[str] = set()
    for begin in range(0, len(rows), BATCH_ROWS):
        groups: list[dict] = []
        for view, row in rows[begin : begin + BATCH_ROWS]:
            if not groups or groups[-1]["view"] is not view:
                anchor = f"cont-{view['result'].indicator.id}"
                groups.append({"view": view, "anchor": None if anchor in anchored else anchor, "rows": []})
                anchored.add(anchor)
            groups[-1]["rows"].append(row)
        batches.append(groups)
    return batches


def rows_continued(assessment: Assessment) -> int:
    """How many evidence rows continue after the appendix (those past SECTION_ROWS in each indicator's section)."""
    return sum(max(len(result.evidence) - SECTION_ROWS, 0) for result in assessment.indicators)


def continued_contexts(assessment: Assessment, plan: AppendixPlan, start: int, include_evidence: bool, chapter: str) -> list[dict]:
    """What each batch of the continued tables shows (continued_batches), appendix page numbers counted from `start`."""
    views = indicator_views(assessment, plan, start, include_evidence)
    return [
        {"chapter": chapter, "groups": groups, "first": n == 0, "include_evidence": include_evidence, "shown": SECTION_ROWS}
        for n, groups in enumerate(continued_batches(views))
    ]


def manifest_contexts(manifest: Manifest, chapter: str) -> list[dict]:
    """What each batch of the manifest shows: BATCH_ROWS entries (at least one batch, for the heading and the fingerprint)."""
    view = manifest_view(manifest)
    rows = view["rows"]
    return [
        {"chapter": chapter, "manifest": view, "rows": rows[begin : begin + BATCH_ROWS], "first": begin == 0}
        for begin in range(0, max(len(rows), 1), BATCH_ROWS)
    ]


BACK_CHAPTER_NUMBERS = ("四", "五", "六")
"""Numbers of the chapters after 三、整改清单; which of them a dossier has depends on its options and its evidence."""


def back_chapters(include_evidence: bool, manifest: Manifest | None, continued: bool = False) -> dict[str, str]:
    """Numbered headings of the chapters after the gap list: the evidence, then (after the appendix) the continued tables and the manifest."""
    wanted = (("evidence", include_evidence), ("continued", continued), ("manifest", manifest is not None))
    present = [key for key, keep in wanted if keep]
    return {key: TEXT["chapter"].format(number=number, title=TEXT[f"{key}_title"]) for key, number in zip(present, BACK_CHAPTER_NUMBERS)}


def manifest_view(manifest: Manifest) -> dict:
    """The 佐证材料清单: every evidence file with its SHA-256, the fingerprint of the set, how to check them."""
    folder = manifest.evidence_folder
    rows = [
        {
            "number": number,
            "path": printable(file.path),
            "label": file.indicator_label or "—",
            "size": f"{file.size:,}",
            "pages": "—" if file.pages is None else file.pages,
            "sha256": file.sha256 or None,
        }
        for number, file in enumerate(manifest.files, 1)
    ]
    return {
        "folder": folder,
        "intro": TEXT["manifest_intro"].format(folder=folder, count=manifest.file_count, size=f"{manifest.total_bytes:,}"),
        "check": TEXT["manifest_check"].format(folder=folder),
        "fingerprint": manifest.fingerprint,
        "fingerprint_note": TEXT["manifest_fingerprint"],
        "unhashed": TEXT["unhashed"],
        "rows": rows,
    }


def evidence_index(indicators: list[dict], plan: AppendixPlan, start: int) -> list[dict]:
    """One row per indicator with evidence: how many files, how many appended, and their page range."""
    appended: dict[str, list[Placement]] = {}
    for placement in plan.embedded:
        appended.setdefault(placement.indicator_id, []).append(placement)
    rows = []
    for view in indicators:
        if not view["evidence"]:
            continue
        own = appended.get(view["result"].indicator.id, [])
        first, last = (own[0].page_range(start)[0], own[-1].page_range(start)[1]) if own else (None, None)
        rows.append(
            {
                "result": view["result"],
                "anchor": view["anchor"],
                "files": len(view["evidence"]),
                "embedded": len(own),
                "pages": _pages_text(first, last) if own else TEXT["not_embedded"],
                "link": f"{PAGE_LINK}{first}" if own else None,
            }
        )
    return rows


def _pages_text(first: int, last: int) -> str:
    """12 or 12–15."""
    return (TEXT["pages"] if last > first else TEXT["page"]).format(first=first, last=last)


def _indicator_view(result: IndicatorResult, evidence: list[EvidenceRow]) -> dict:
    """One indicator's section: the result plus rows and labels derived for display; the first SECTION_ROWS rows are shown in it."""
    more = len(evidence) - SECTION_ROWS
    return {
        "result": result,
        "anchor": f"ind-{result.indicator.id}",
        "verdict_class": verdict_class(result.verdict),
        "targets": [_target_row(target) for target in result.targets],
        "evidence": evidence,
        "shown": evidence[:SECTION_ROWS],
        "more": {"count": more, "from": SECTION_ROWS + 1, "link": f"{ANCHOR_LINK}cont-{result.indicator.id}"} if more > 0 else None,
    }


def _target_row(target: TargetResult) -> dict:
    """A target with its outcome in words and the institutions that fall short."""
    outcome = TEXT["no_data"] if target.met is None else TEXT["met"] if target.met else TEXT["not_met"]
    failing = [check for check in target.institutions if not check.passed]
    return {
        "target": target,
        "outcome": outcome,
        "outcome_class": "none" if target.met is None else "met" if target.met else "not-met",
        "failing": failing,
        "institution_count": len(target.institutions),
        "passed_count": len(target.institutions) - len(failing),
    }


def _evidence_row(
    number: int, result: IndicatorResult, file, placements: dict[tuple[str, str], Placement], start: int, include_evidence: bool
) -> EvidenceRow:
    """A file with its dossier page numbers (linked) or the reason it is not appended."""
    placement = placements.get((result.indicator.id, file.path))
    pages_range = placement.page_range(start) if placement is not None and include_evidence else None
    notes = [flag.message for flag in file.flags if file.usable]
    if placement is not None and placement.reuses is not None:
        notes.append(TEXT["reused"].format(label=placement.reuses.indicator_label, name=printable(placement.reuses.file.name)))
    if placement is not None and placement.note:
        notes.append(placement.note)
    if pages_range is None:
        pages, link = (TEXT["not_embedded"] if include_evidence else "—"), None
    else:
        pages, link = _pages_text(*pages_range), f"{PAGE_LINK}{pages_range[0]}"
    folder = file.path.rsplit("/", 1)[0] if "/" in file.path else ""
    return EvidenceRow(
        number=number,
        name=printable(file.name),
        folder=printable(folder),
        department=file.department or "",
        date=file.date_text or "",
        pages=pages,
        link=link,
        note="；".join(notes),
    )


def chart_urls(assessment: Assessment) -> dict[str, str | None]:
    """The summary charts as SVG data URLs (text drawn as paths, so no font is needed)."""
    progress = charts.progress_over_time(assessment, "svg")
    return {
        "verdicts": _svg_url(charts.verdicts_by_category(assessment, "svg")),
        "gaps": _svg_url(charts.open_gaps_by_department(assessment, "svg")) if assessment.open_gaps else None,
        "progress": _svg_url(progress) if progress else None,
    }


def _svg_url(svg: bytes) -> str:
    """A data: URL the fetcher serves without touching the disk."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def gap_groups(assessment: Assessment) -> list[dict]:
    """The 整改清单 by lead department (registry order), each sorted by deadline; a gap with two leads shows under both."""
    groups = []
    for department in assessment.departments:
        gaps = [gap for gap in assessment.gaps if department.short in gap.lead]
        if gaps:
            groups.append({"name": department.name, "short": department.short, "gaps": _gap_rows(gaps)})
    orphans = [gap for gap in assessment.gaps if not gap.lead]
    if orphans:
        groups.append({"name": TEXT["no_lead"], "short": "", "gaps": _gap_rows(orphans)})
    return groups


def _gap_rows(gaps: list[Gap]) -> list[dict]:
    """Gaps by deadline, with the overdue mark."""
    return [
        {"gap": gap, "overdue": TEXT["overdue"] if gap.overdue else "", "status_class": "overdue" if gap.overdue else ""}
        for gap in sorted(gaps, key=lambda g: (g.deadline, g.indicator_label))
    ]
