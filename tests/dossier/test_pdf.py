"""The PDF 申报材料: reopened with pikepdf/pdfplumber/pypdf and checked the way a reviewer reads it."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
import pypdf
import pytest

from assess.config.project import Project, load_project
from assess.evidence.model import Flag
from assess.render import fonts
from assess.render.dossier import convert
from assess.render.dossier.build import render_pdf
from assess.render.dossier.layout import Pending, Written
from assess.render.dossier.numbering import LayoutUnstable, read_layout_guess, settle_page_numbers
from assess.render.dossier.templates import DossierTemplateProblem
from assess.render.fonts import FontMissing
from dossier.test_appendix import evidence_file, make_docx, make_jpeg, make_pdf, make_png
from dossier.test_glyphs import missing_glyphs

pytestmark = pytest.mark.slow  # builds whole dossiers

HOSTILE = "<img src=x onerror=alert(1)>&amp;会议.pdf"
"""A file name that is also HTML: it must show as typed, never as markup."""


@dataclass
class Dossier:
    """A rendered dossier with everything the tests compare it against."""

    path: Path
    project: Project
    assessment: object
    pages: list[str]
    appendix_pages: int


def _project(tmp: Path, repo_root: Path) -> Project:
    """A project copy with the dossier templates and real evidence files for the first indicators."""
    shutil.copy(repo_root / "assess.yaml", tmp / "assess.yaml")
    shutil.copytree(repo_root / "standards", tmp / "standards")
    shutil.copytree(repo_root / "templates" / "dossier", tmp / "templates" / "dossier")
    return load_project(tmp)


def _evidence(root: Path) -> dict[int, list]:
    """Evidence per indicator position: PDFs, photos, a Word file, a corrupt file and a repeated file."""
    return {
        0: [
            evidence_file(root, make_pdf(root / "（一）1/区国民经济和社会发展规划.pdf", 2, "PLAN"), "pdf", pages=2),
            evidence_file(root, make_jpeg(root / "（一）1/规划发布会照片.jpg", (4000, 3000)), "jpeg"),
        ],
        1: [
            evidence_file(root, make_png(root / "（一）2/学习记录截图.png"), "png"),
            evidence_file(root, make_docx(root / "（一）2/学习会议纪要.docx"), "docx", pages=None),
            evidence_file(
                root,
                make_pdf(root / "（一）2/损坏的文件.pdf", 1, "BAD"),
                "pdf",
                flags=[Flag(code="corrupt", message="PDF 文件已损坏，无法打开")],
            ),
        ],
        2: [
            evidence_file(root, make_pdf(root / "（一）3/联席会议纪要.pdf", 3, "MEETING"), "pdf", pages=3),
            evidence_file(root, _copy(root / "（一）1/区国民经济和社会发展规划.pdf", root / "（一）3/规划（复印件）.pdf"), "pdf", pages=2),
            evidence_file(root, make_pdf(root / f"（一）3/{HOSTILE}", 1, "HOSTILE"), "pdf"),
        ],
    }


def _copy(source: Path, target: Path) -> Path:
    """The same file filed a second time under another indicator."""
    shutil.copy(source, target)
    return target


def _assessment(sample_assessment, evidence: dict[int, list]):
    """The sample assessment with real evidence for the first indicators and none elsewhere."""
    indicators = [
        result.model_copy(update={"evidence": evidence.get(n, []), "evidence_folder": None})
        for n, result in enumerate(sample_assessment.indicators)
    ]
    return sample_assessment.model_copy(update={"indicators": indicators})


def _render(tmp: Path, project: Project, assessment, appendix_pages: int, **options) -> Dossier:
    target = render_pdf(assessment, project, tmp / "output" / "申报材料.pdf", **options)
    with pdfplumber.open(target) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    return Dossier(target, project, assessment, pages, appendix_pages)


def _chapter_pages(dossier: Dossier, heading: str) -> list[int]:
    """Pages whose running header names `heading` (the header reads: district, chapter)."""
    wanted = "呼和浩特市回民区" + heading.replace(" ", "").replace("　", "")
    return [n for n, text in enumerate(dossier.pages) if text.split("\n")[0].replace(" ", "").replace("　", "") == wanted]


@pytest.fixture(scope="module")
def dossier(tmp_path_factory, repo_root: Path, sample_assessment) -> Dossier:
    tmp = tmp_path_factory.mktemp("dossier")
    project = _project(tmp, repo_root)
    evidence = _evidence(project.path("evidence"))
    assessment = _assessment(sample_assessment, evidence)
    usable = [f for files in evidence.values() for f in files if f.usable and f.kind in ("pdf", "jpeg", "png")]
    appendix_pages = sum(f.pages for f in usable if "复印件" not in f.path)  # the copy repeats the plan's content
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(convert, "office_converter", lambda: None)
        return _render(tmp, project, assessment, appendix_pages)


@pytest.fixture(scope="module")
def light(tmp_path_factory, repo_root: Path, sample_assessment) -> Dossier:
    tmp = tmp_path_factory.mktemp("light")
    project = _project(tmp, repo_root)
    assessment = _assessment(sample_assessment, _evidence(project.path("evidence")))
    return _render(tmp, project, assessment, 0, include_evidence=False)


def _html_pages(dossier: Dossier) -> int:
    return len(dossier.pages) - dossier.appendix_pages


def _links(pdf: pikepdf.Pdf, page_index: int) -> list[tuple[list[float], int]]:
    """(rectangle, 0-based target page) of every internal link on a page, named destinations resolved."""
    names = pikepdf.NameTree(pdf.Root.Names.Dests) if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names else {}
    found = []
    for annotation in pdf.pages[page_index].get("/Annots", []):
        destination = annotation.get("/Dest")
        if destination is None and "/A" in annotation and annotation.A.get("/S") == "/GoTo":
            destination = annotation.A.D
        if destination is None:
            continue
        if isinstance(destination, (pikepdf.String, pikepdf.Name)):
            destination = names[str(destination).lstrip("/")]
        target = pdf.pages.index(pikepdf.Page(destination[0]))
        found.append(([float(v) for v in annotation.Rect], target))
    return found


def _words_in(page: pdfplumber.page.Page, rect: list[float]) -> str:
    """Text inside a link rectangle (PDF coordinates, origin bottom-left, corners in any order)."""
    x0, x1 = sorted(rect[0::2])
    y0, y1 = sorted(rect[1::2])
    top, bottom = page.height - y1, page.height - y0
    return page.crop((max(0, x0 - 1), max(0, top - 1), min(page.width, x1 + 1), min(page.height, bottom + 1))).extract_text() or ""


# --- content ----------------------------------------------------------------------------


def test_cover_names_the_district_title_office_and_date(dossier: Dossier) -> None:
    cover = dossier.pages[0].replace("\n", "")
    assert "呼和浩特市回民区" in cover
    assert "全国基层中医药工作示范县（区）创建申报材料" in cover
    assert "回民区创建全国基层中医药工作示范县（区）工作领导小组办公室" in cover
    assert "2024年6月30日" in cover


def test_chinese_text_is_extractable_for_every_indicator(dossier: Dossier) -> None:
    text = "".join(dossier.pages).replace("\n", "")
    for result in dossier.assessment.indicators:
        assert result.indicator.title in text


def test_each_indicator_shows_requirement_departments_verdict_and_narrative(dossier: Dossier) -> None:
    text = "".join(dossier.pages).replace("\n", "")
    first = dossier.assessment.indicators[0]
    assert "将中医药工作纳入我区国民经济和社会发展规划" in text
    assert "牵头单位区卫健委" in text.replace(" ", "")
    assert first.narrative in text


def test_file_names_that_look_like_html_are_shown_as_typed(dossier: Dossier) -> None:
    html_part = "".join(dossier.pages[: _html_pages(dossier)])
    assert "<img src=x onerror=alert(1)>&amp;" in html_part  # the table cell wraps the name before 会议.pdf
    assert "&lt;" not in html_part and "&amp;amp;" not in html_part
    assert any(HOSTILE in title for title in _outline_titles(dossier))
    assert f"（一）3 研究部署中医药工作与联席会议｜{HOSTILE}" in dossier.pages[-1] and "HOSTILE-PAGE-1" in dossier.pages[-1]


def test_the_gap_list_is_grouped_by_department_and_marks_overdue_items(dossier: Dossier) -> None:
    text = "".join(dossier.pages[n] for n in _chapter_pages(dossier, "三、整改清单")).replace("\n", "")
    assert "回民区卫生健康委员会" in text
    overdue = [g for g in dossier.assessment.gaps if g.overdue]
    assert overdue and text.count("已逾期") >= len(overdue)
    assert "2024年3月31日" in text


def test_summary_embeds_the_charts_as_vector_graphics(dossier: Dossier) -> None:
    summary = _chapter_pages(dossier, "一、自评总体情况")
    text = "".join(dossier.pages[n] for n in summary).replace(" ", "").replace("　", "")
    assert "图1各类别自评结论" in text and "图2各牵头单位未完成整改项" in text
    with pikepdf.open(dossier.path) as pdf:
        images = [image for n in summary for image in pdf.pages[n].get_images()]
    assert images == []  # SVG charts arrive as vector drawings, not as screenshots


def test_footer_page_numbers_run_through_the_whole_dossier(dossier: Dossier) -> None:
    for number, text in enumerate(dossier.pages[1:], start=2):
        assert f"— {number} —" in text


# --- navigation -------------------------------------------------------------------------


def _outline_titles(dossier: Dossier) -> list[str]:
    """Every bookmark title, depth first."""

    def titles(items) -> list[str]:
        return [t for item in items for t in (titles(item) if isinstance(item, list) else [item.title])]

    return titles(pypdf.PdfReader(dossier.path).outline)


def test_outline_has_every_category_indicator_and_evidence_file(dossier: Dossier) -> None:
    outline = _outline_titles(dossier)
    for result in dossier.assessment.indicators:
        assert any(title.startswith(result.indicator.label) and result.indicator.title in title for title in outline)
    for category in dossier.assessment.categories:
        assert f"{category.label}{category.name}" in outline
    assert "四、证明材料" in outline
    assert f"区国民经济和社会发展规划.pdf（第 {_html_pages(dossier) + 1}–{_html_pages(dossier) + 2} 页）" in outline


def test_evidence_bookmarks_open_the_right_pages(dossier: Dossier) -> None:
    reader = pypdf.PdfReader(dossier.path)

    def walk(items):
        for item in items:
            yield from walk(item) if isinstance(item, list) else [item]

    checked = 0
    for item in walk(reader.outline):
        found = re.search(r"（第 (\d+)(?:–\d+)? 页）$", item.title)
        if found:
            assert reader.get_destination_page_number(item) + 1 == int(found.group(1))
            assert item.title.split("（第")[0] in dossier.pages[int(found.group(1)) - 1]
            checked += 1
    assert checked == 5  # the copy filed under （一）3 points to the plan's pages instead of repeating them


def test_table_of_contents_numbers_point_to_the_right_pages(dossier: Dossier) -> None:
    with pikepdf.open(dossier.path) as pdf, pdfplumber.open(dossier.path) as plumber:
        entries = {}  # WeasyPrint writes one link per box of an entry (text, leader, number): one per line
        for page_index in _chapter_pages(dossier, "目录"):
            page = plumber.pages[page_index]
            for rect, target in _links(pdf, page_index):
                line = _words_in(page, [0, rect[1], page.width, rect[3]]).replace(" ", "")
                entries[page_index, round(min(rect[1], rect[3]))] = (line, target)
    for line, target in entries.values():
        assert int(re.search(r"(\d+)$", line).group(1)) == target + 1, line
        heading = re.sub(r"[.\d]+$", "", line).replace("　", "")
        if target >= _html_pages(dossier):
            assert heading.startswith("证明材料原件") and "第1页/共" in dossier.pages[target]
        else:
            assert heading[-6:] in dossier.pages[target].replace(" ", "").replace("　", "").replace("\n", ""), line
    assert len(entries) == 2 + len(dossier.assessment.categories) + len(dossier.assessment.indicators) + 3


def test_evidence_page_numbers_link_to_the_stamped_pages(dossier: Dossier) -> None:
    """Every 证明材料页码 is a link to the page it prints, and that page's stamp names the file."""
    with pikepdf.open(dossier.path) as pdf, pdfplumber.open(dossier.path) as plumber:
        checked = 0
        toc = _chapter_pages(dossier, "目录")
        for page_index in range(toc[-1] + 1, _html_pages(dossier)):
            for rect, target in _links(pdf, page_index):
                if target < _html_pages(dossier):
                    continue
                printed = _words_in(plumber.pages[page_index], rect).replace(" ", "")
                assert re.match(r"\d+", printed) and int(re.match(r"\d+", printed).group()) == target + 1, (page_index, rect, printed)
                assert "第1页/共" in dossier.pages[target]
                checked += 1
    assert checked >= 5


def test_each_file_s_pages_carry_its_name_and_page_k_of_n(dossier: Dossier) -> None:
    first = _html_pages(dossier)
    pages = dossier.pages[first:]
    assert "PLAN-PAGE-1" in pages[0] and "区国民经济和社会发展规划.pdf" in pages[0] and "第1页/共2页" in pages[0]
    assert "PLAN-PAGE-2" in pages[1] and "第2页/共2页" in pages[1]
    assert "规划发布会照片.jpg" in pages[2] and "第1页/共1页" in pages[2]
    assert "学习记录截图.png" in pages[3]
    assert "MEETING-PAGE-3" in pages[6] and "第3页/共3页" in pages[6]


def test_appendix_headers_link_back_to_their_indicator(dossier: Dossier) -> None:
    with pikepdf.open(dossier.path) as pdf:
        [(_, target)] = _links(pdf, _html_pages(dossier))
    assert "（一）1" in dossier.pages[target] and "纳入国民经济和社会发展规划" in dossier.pages[target]


# --- evidence appendix -------------------------------------------------------------------


def test_embedded_page_count_equals_the_index_total_of_usable_files(dossier: Dossier) -> None:
    stamped = [text for text in dossier.pages if re.search(r"第\d+页/共\d+页", text)]
    assert len(stamped) == dossier.appendix_pages == 2 + 1 + 1 + 3 + 1


def test_repeated_unusable_and_office_files_are_listed_with_a_note(dossier: Dossier) -> None:
    text = "".join(dossier.pages[: _html_pages(dossier)]).replace("\n", "")
    assert "PDF 文件已损坏，无法打开" in text
    assert "未安装 LibreOffice" in text
    assert "与 （一）1 的“区国民经济和社会发展规划.pdf”内容相同" in text
    assert "BAD-PAGE-1" not in "".join(dossier.pages)


def test_a_cjk_font_is_embedded_as_a_subset(dossier: Dossier) -> None:
    with pikepdf.open(dossier.path) as pdf:
        fonts_seen = {
            str(font.BaseFont): font
            for page in pdf.pages
            for font in page.get("/Resources", {}).get("/Font", {}).values()
        }
        cjk = [name for name in fonts_seen if "CJK" in name]
        assert cjk and all(re.match(r"/[A-Z]{6}\+", name) for name in cjk)
        for name in cjk:
            descriptor = fonts_seen[name].DescendantFonts[0].FontDescriptor
            assert "/FontFile3" in descriptor or "/FontFile2" in descriptor


def test_every_character_of_the_dossier_has_a_glyph(dossier: Dossier) -> None:
    assert missing_glyphs(dossier.path) == []


def test_the_light_dossier_has_no_appendix(light: Dossier, dossier: Dossier) -> None:
    assert not any(re.search(r"第\d+页/共\d+页", text) for text in light.pages)
    text = "".join(light.pages)
    assert "证明材料页码" not in text and "四、证明材料" not in text
    assert "简版" in text.replace(" ", "").replace("　", "")
    assert len(light.pages) < len(dossier.pages)


def test_no_temporary_files_are_left_beside_the_dossier(dossier: Dossier) -> None:
    assert sorted(p.name for p in dossier.path.parent.iterdir()) == [".cache", dossier.path.name]
    assert sorted(p.name for p in (dossier.path.parent / ".cache").iterdir()) == ["dossier-evidence.json", "dossier-layout.json", "dossier-parts"]
    cached = sorted(p.name for p in (dossier.path.parent / ".cache" / "dossier-parts").iterdir())
    assert len(cached) == 3 and cached[-1] == "used.json" and cached[0].endswith(".json") and cached[1].endswith(".pdf")  # the HTML part


# --- layout passes -----------------------------------------------------------------------


class _Later(Pending):
    """A chapter the worker is still laying out: not done until its result is asked for."""

    def done(self) -> bool:
        return False


class _Parts:
    """A stand-in for HtmlPart: page counts depend on the page numbers printed, calls are recorded."""

    def __init__(self, front_pages, continued_pages=lambda start: 0, numbered=True, parallel=False):
        self.front_pages, self.continued_pages, self.numbered, self.parallel = front_pages, continued_pages, numbered, parallel
        self.calls: list[tuple] = []

    def write_front(self, start: int, continued: int, keep) -> Written:
        pages = self.front_pages(start, continued)
        kept = keep(pages)
        self.calls.append(("front", start, continued) if kept else ("front (not written)", start, continued))
        return Written([Path("front.pdf")] if kept else [], pages)

    def write_continued(self, start: int, write: bool = True) -> Pending:
        self.calls.append(("continued", start) if write else ("continued (counted)", start))
        return (_Later if self.parallel else Pending)(Written(pages=self.continued_pages(start)))

    def write_manifest(self, start: int, continued: int) -> Pending:
        self.calls.append(("manifest", start, continued))
        return Pending(Written(pages=3))


def test_a_right_guess_needs_one_layout_pass() -> None:
    parts = _Parts(lambda start, continued: 40)
    front, continued, manifest, start = settle_page_numbers(parts, (41, 0))
    assert (front.pages, start, manifest.pages) == (40, 41, 3)
    assert parts.calls == [("continued", 41), ("front", 41, 0), ("manifest", 41, 0)]


def test_a_wrong_guess_is_corrected_by_a_second_pass_with_the_continued_tables_known() -> None:
    parts = _Parts(lambda start, continued: 40 if start < 100 else 41, continued_pages=lambda start: 12)
    assert settle_page_numbers(parts, (1, 0))[3] == 41
    assert parts.calls == [("front (not written)", 1, 0), ("continued", 41), ("front", 41, 12), ("manifest", 41, 12)]


def test_the_continued_tables_are_laid_out_before_the_contents_that_print_their_length() -> None:
    parts = _Parts(lambda start, continued: 40, continued_pages=lambda start: 12)
    front, continued, _, start = settle_page_numbers(parts, (41, 10))
    assert (start, continued.pages) == (41, 12)
    assert parts.calls == [("continued", 41), ("front", 41, 12), ("manifest", 41, 12)]  # the guess of 10 pages never laid out


def test_in_parallel_a_cold_build_counts_the_continued_tables_during_the_first_pass() -> None:
    parts = _Parts(lambda start, continued: 40, continued_pages=lambda start: 12, parallel=True)
    assert settle_page_numbers(parts, (1, 0))[3] == 41
    assert parts.calls == [
        ("continued (counted)", 1),  # in the worker, while the first pass is laid out here
        ("front (not written)", 1, 0),
        ("continued", 41),
        ("manifest", 41, 12),  # in the worker, while the second pass is laid out here
        ("front", 41, 12),
    ]


def test_in_parallel_a_pass_is_not_written_when_the_continued_tables_turn_out_longer() -> None:
    parts = _Parts(lambda start, continued: 40, continued_pages=lambda start: 12, parallel=True)
    front, continued, manifest, start = settle_page_numbers(parts, (41, 10))
    assert (start, continued.pages, front.paths) == (41, 12, [Path("front.pdf")])
    assert parts.calls == [
        ("continued", 41),
        ("manifest", 41, 10),
        ("front (not written)", 41, 10),
        ("manifest", 41, 12),
        ("front", 41, 12),
    ]


def test_a_layout_that_never_settles_is_reported() -> None:
    with pytest.raises(LayoutUnstable, match="页数反复变化"):
        settle_page_numbers(_Parts(lambda start, continued: 41 if start == 41 else 40), (1, 0))


def test_without_page_numbers_after_it_one_pass_is_enough() -> None:
    parts = _Parts(lambda start, continued: 40, numbered=False)
    assert settle_page_numbers(parts, (86, 3))[3] == 41
    assert parts.calls == [("continued", 1), ("front", 1, 0), ("manifest", 1, 0)]  # (no chapters after it: both empty)


def test_the_page_count_guess_survives_a_damaged_cache(tmp_path: Path) -> None:
    cache = tmp_path / "dossier-layout.json"
    assert read_layout_guess(cache, "full") == (1, 0)
    cache.write_text("{not json", encoding="utf-8")
    assert read_layout_guess(cache, "full") == (1, 0)
    cache.write_text('{"full": 86}', encoding="utf-8")
    assert read_layout_guess(cache, "full") == (1, 0)
    cache.write_text('{"full": [86, 3], "light": [40, -1]}', encoding="utf-8")
    assert read_layout_guess(cache, "full") == (87, 3)
    assert read_layout_guess(cache, "light") == (1, 0)


# --- failures ----------------------------------------------------------------------------


def test_without_a_cjk_font_it_stops_with_a_chinese_message(project_copy: Path, sample_assessment, monkeypatch) -> None:
    monkeypatch.setattr(fonts, "cjk_font_families", lambda: ())
    target = project_copy / "output" / "申报材料.pdf"
    with pytest.raises(FontMissing, match="fonts-noto-cjk"):
        render_pdf(sample_assessment, load_project(project_copy), target)
    assert not target.exists()


def test_a_missing_template_is_named(project_copy: Path, sample_assessment) -> None:
    with pytest.raises(DossierTemplateProblem, match=re.escape("templates/dossier/dossier.html")):
        render_pdf(sample_assessment, load_project(project_copy), project_copy / "output" / "x.pdf")


def test_a_broken_template_is_reported_with_its_line(project_copy: Path, repo_root: Path, sample_assessment) -> None:
    shutil.copytree(repo_root / "templates" / "dossier", project_copy / "templates" / "dossier")
    (project_copy / "templates" / "dossier" / "dossier.html").write_text("<p>\n{{ a.district }\n</p>", encoding="utf-8")
    target = project_copy / "output" / "x.pdf"
    with pytest.raises(DossierTemplateProblem, match=r"dossier.html:2"):
        render_pdf(sample_assessment, load_project(project_copy), target)
    assert not target.parent.exists() or list(target.parent.iterdir()) == []


def test_template_code_cannot_reach_python_internals(project_copy: Path, repo_root: Path, sample_assessment) -> None:
    shutil.copytree(repo_root / "templates" / "dossier", project_copy / "templates" / "dossier")
    hostile = "<p>{{ a.__class__.__init__.__globals__ }}</p>"
    (project_copy / "templates" / "dossier" / "dossier.html").write_text(hostile, encoding="utf-8")
    with pytest.raises(DossierTemplateProblem, match="模板有错误"):
        render_pdf(sample_assessment, load_project(project_copy), project_copy / "output" / "x.pdf")
