"""Word 自评报告: content in order, GB/T 9704 layout and fonts, custom templates, clear template errors."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Length
from support.templates import make_template

from assess.config.records import GapStatus, Verdict
from assess.render.docx import TemplateProblem, render_docx, report_context
from assess.render.text import chinese_number, date_text

HEADINGS = ["一、基本情况", "二、主要做法与成效", "三、对照标准自评结果", "四、存在问题", "五、下一步整改打算"]
THEME_ATTRIBUTES = [qn(f"w:{name}") for name in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")]


@pytest.fixture(scope="module")
def report_path(tmp_path_factory, sample_assessment, huimin) -> Path:
    """The default report of the sample assessment, rendered once for the module."""
    return render_docx(sample_assessment, huimin, tmp_path_factory.mktemp("docx") / "自评报告.docx")


@pytest.fixture(scope="module")
def report(report_path):
    return Document(report_path)


def texts(document, style: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style]


def mm(length: Length) -> float:
    return round(length.mm, 1)


def test_title_names_district_and_comes_first(report):
    first = report.paragraphs[0]
    assert first.style.name == "Title"
    assert first.text == "呼和浩特市回民区创建\n全国基层中医药工作示范县（区）自评报告"
    assert texts(report, "Subtitle")[-1] == "（2024年6月30日）"


def test_sections_are_in_order_and_end_with_attachments(report):
    assert texts(report, "Heading 1") == HEADINGS
    assert report.paragraphs[-1].text == "附件：1.自评表\n2.整改清单\n3.佐证材料目录"


def test_practices_have_one_heading_per_category_with_numbered_narratives(report, sample_assessment):
    assert texts(report, "Heading 2") == [
        f"（{chinese_number(n)}）{c.name}" for n, c in enumerate(sample_assessment.categories, start=1)
    ]
    body = [p.text for p in report.paragraphs]
    start = body.index("（一）组织管理")
    assert body[start + 1] == "1.纳入国民经济和社会发展规划。（示例）纳入国民经济和社会发展规划：已按要求推进，形成相关文件和记录。"


def test_basic_information_names_office_phases_and_current_phase(report):
    body = "\n".join(p.text for p in report.paragraphs)
    assert "成立回民区创建全国基层中医药工作示范县（区）工作领导小组办公室" in body
    assert "整改提升阶段（2024年1月1日至2024年9月30日）" in body
    assert "截至2024年6月30日，创建工作正处于整改提升阶段" in body
    assert "区卫健委、区发改委" in body and "17个责任单位" in body


def test_results_table_has_one_row_per_indicator_with_its_verdict(report, sample_assessment):
    table = report.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "指标", "责任单位", "目标值", "实际值", "自评结论", "佐证材料"]
    rows = table.rows[1:]
    assert len(rows) == len(sample_assessment.indicators) == 42
    for number, (row, result) in enumerate(zip(rows, sample_assessment.indicators), start=1):
        cells = [c.text for c in row.cells]
        assert cells[0] == str(number)
        assert cells[1] == f"{result.indicator.label} {result.indicator.title}"
        assert cells[2].startswith("、".join(result.lead))
        assert cells[5] == result.verdict.value


def test_results_table_shows_support_targets_and_evidence(report, sample_assessment):
    rows = {row.cells[1].text: [c.text for c in row.cells] for row in report.tables[0].rows[1:]}
    assert rows["（一）1 纳入国民经济和社会发展规划"][2] == "区卫健委\n配合：区发改委"
    assert rows["（一）1 纳入国民经济和社会发展规划"][6] == "2份\n（一）1-纳入国民经济和社会发展规划"
    assert rows["37 满意率和知晓率"][3] == "①≥90%\n②≥90%\n③≥85%\n④≥85%"
    assert rows["27 中医诊疗人次占比"][3:5] == ["≥35%", "31.2%"]
    insufficient = next(r for r in sample_assessment.indicators if r.verdict.value == "佐证不足")
    assert rows[f"{insufficient.indicator.label} {insufficient.indicator.title}"][6].startswith("无")


def test_results_summary_counts_each_verdict(report, sample_assessment):
    counts = {v.value: n for v, n in sample_assessment.counts.items()}
    summary = next(p.text for p in report.paragraphs if p.text.startswith("对照42项建设指标逐项自评"))
    assert f"达标{counts['达标']}项，部分达标{counts['部分达标']}项" in summary


def test_table_header_repeats_and_rows_do_not_split(report):
    rows = report.tables[0]._tbl.tr_lst
    assert rows[0].trPr.find(qn("w:tblHeader")) is not None
    assert all(row.trPr.find(qn("w:cantSplit")) is not None for row in rows)


def test_verdict_chart_is_embedded_with_caption(report):
    assert len(report.inline_shapes) == 1
    images = [p for p in report.part.package.iter_parts() if p.content_type == "image/png"]
    assert len(images) == 1 and images[0].blob.startswith(b"\x89PNG")
    assert mm(report.inline_shapes[0].width) == 150.0
    body = [p.text for p in report.paragraphs]
    assert body[body.index("图1\u3000各方面指标自评结论分布") - 1] == ""


def test_problems_and_plans_come_from_open_gaps(report, sample_assessment):
    body = [p.text for p in report.paragraphs]
    problems = body[body.index("四、存在问题") + 1 : body.index("五、下一步整改打算")]
    gaps = sample_assessment.open_gaps
    overdue = sum(g.overdue for g in gaps)
    assert problems[0] == f"对照标准和佐证材料，目前仍有{len(gaps)}项问题尚未整改到位，其中{overdue}项已超过整改时限："
    assert len(problems) == len(gaps) + 1
    assert problems[1] == "1.研究部署中医药工作与联席会议：示例问题（指标（一）3，牵头单位：区委办）。"
    plans = body[body.index("五、下一步整改打算") + 2 :]
    assert plans[0] == (
        "1.研究部署中医药工作与联席会议（指标（一）3）：（示例）制定整改方案并落实。"
        "责任单位：区委办，配合单位：区政府办；完成时限：2024年3月31日前（整改中，已逾期）。"
    )


def test_page_is_a4_with_gb9704_margins(report):
    for section in report.sections:
        assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)
        assert (mm(section.top_margin), mm(section.bottom_margin)) == (37.0, 35.0)
        assert (mm(section.left_margin), mm(section.right_margin)) == (28.0, 26.0)
        grid = section._sectPr.find(qn("w:docGrid"))
        assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"


def test_body_text_fits_28_characters_a_line(report):
    spacing = report.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:spacing"))
    pitch = 16 + int(spacing.get(qn("w:val"))) / 20
    assert int(156 / 25.4 * 72 // pitch) == 28


@pytest.mark.parametrize(
    ("style", "east_asia", "size"),
    [("Title", "方正小标宋简体", 22), ("Normal", "仿宋_GB2312", 16), ("Heading 1", "黑体", 16), ("Heading 2", "楷体_GB2312", 16)],
)
def test_styles_name_chinese_fonts_without_theme_fonts(report, style, east_asia, size):
    element = report.styles[style].element
    fonts = element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == east_asia
    assert not [a for a in THEME_ATTRIBUTES if fonts.get(a) is not None]
    assert report.styles[style].font.size.pt == size


def test_no_theme_fonts_anywhere_and_chinese_language(report):
    styles = report.styles.element
    assert not [f for f in styles.iter(qn("w:rFonts")) if any(f.get(a) for a in THEME_ATTRIBUTES)]
    language = styles.find(qn("w:docDefaults")).find(f".//{qn('w:lang')}")
    assert language.get(qn("w:eastAsia")) == "zh-CN"


def test_headings_have_outline_levels_for_a_table_of_contents(report):
    for style, level in (("Heading 1", "0"), ("Heading 2", "1")):
        assert report.styles[style].element.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == level


def test_body_has_fixed_28_95pt_lines_and_two_character_indent(report):
    normal = report.styles["Normal"]
    assert normal.paragraph_format.line_spacing.pt == pytest.approx(28.95, abs=0.05)
    indent = normal.element.pPr.find(qn("w:ind"))
    assert indent.get(qn("w:firstLineChars")) == "200"
    assert report.styles["表格文字"].font.size.pt == 12


def test_footers_show_page_number_field_between_dashes(report):
    section = report.sections[0]
    assert report.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        paragraph = footer.paragraphs[0]
        instructions = [i.text.strip() for i in paragraph._p.iter(qn("w:instrText"))]
        assert instructions == ["PAGE"]
        assert paragraph.text == "— 1 —"
        assert paragraph.style.font.size.pt == 14
        assert paragraph.style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"


def test_rendering_twice_gives_identical_files(report_path, sample_assessment, huimin, tmp_path):
    again = render_docx(sample_assessment, huimin, tmp_path / "again.docx")
    assert again.read_bytes() == report_path.read_bytes()


def test_file_properties_carry_title_office_and_report_date(report):
    properties = report.core_properties
    assert properties.title == "呼和浩特市回民区创建全国基层中医药工作示范县（区）自评报告"
    assert properties.author == "回民区创建全国基层中医药工作示范县（区）工作领导小组办公室"
    assert properties.created.date().isoformat() == "2024-06-30"


def test_untrusted_text_stays_literal(sample_assessment, huimin, tmp_path):
    first = sample_assessment.indicators[0]
    tricky = first.model_copy(update={"narrative": "第一段<b>&amp; {{ district }}\x0b制表\t符\n\n第二段"})
    assessment = sample_assessment.model_copy(update={"indicators": [tricky, *sample_assessment.indicators[1:]]})
    body = [p.text for p in Document(render_docx(assessment, huimin, tmp_path / "r.docx")).paragraphs]
    start = body.index("（一）组织管理")
    assert body[start + 1] == "1.纳入国民经济和社会发展规划。第一段<b>&amp; {{ district }} 制表 符"
    assert body[start + 2] == "第二段"


def test_control_characters_in_any_input_text_never_break_the_file(sample_assessment, huimin, tmp_path):
    gaps = [g.model_copy(update={"problem": "缺少\x01材料\x0c", "measure": "补充\x07材料"}) for g in sample_assessment.gaps]
    assessment = sample_assessment.model_copy(update={"office": "创建\x0b办公室", "gaps": gaps})
    body = [p.text for p in Document(render_docx(assessment, huimin, tmp_path / "r.docx")).paragraphs]
    assert body[1] == "创建 办公室"
    assert body[body.index("四、存在问题") + 2].startswith("1.缺少 材料（指标")


def test_category_without_narratives_is_marked_for_completion(sample_assessment, huimin, tmp_path):
    silent = [r.model_copy(update={"narrative": None}) if r.indicator.category == "org" else r for r in sample_assessment.indicators]
    body = [p.text for p in Document(render_docx(sample_assessment.model_copy(update={"indicators": silent}), huimin, tmp_path / "r.docx")).paragraphs]
    assert body[body.index("（一）组织管理") + 1] == "【待补充：本方面的主要做法与成效】"


def test_no_open_gaps_reads_as_nothing_to_rectify(sample_assessment, huimin, tmp_path):
    done = [g.model_copy(update={"status": GapStatus.DONE}) for g in sample_assessment.gaps]
    body = [p.text for p in Document(render_docx(sample_assessment.model_copy(update={"gaps": done}), huimin, tmp_path / "r.docx")).paragraphs]
    assert body[body.index("四、存在问题") + 1] == "经自评，各项指标均已达到标准要求，目前没有尚未整改的问题。"
    assert body[body.index("五、下一步整改打算") + 1].startswith("在巩固现有成果的基础上")


def test_custom_template_is_honoured(sample_assessment, huimin, tmp_path):
    template = make_template(tmp_path / "my.docx", "{{ district_short }}专用模板", "{{ verdict_chart }}")
    document = Document(render_docx(sample_assessment, huimin, tmp_path / "r.docx", template=template))
    assert document.paragraphs[0].text == "回民区专用模板"
    assert len(document.inline_shapes) == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ district ", "语法错误"),
        ("{% for x in results %}{{ x.number }}", "语法错误"),
        ("{{ no_such_value }}", "不存在的变量 “no_such_value”（标记 {{ no_such_value }}）"),
        ("合计{{ results[0].no_such_field }}项", "不存在的变量 “no_such_field”（标记 {{ results[0].no_such_field }}）"),
    ],
)
def test_template_with_jinja_error_gives_clear_message(sample_assessment, huimin, tmp_path, text, expected):
    template = make_template(tmp_path / "bad.docx", "第一段", text)
    with pytest.raises(TemplateProblem) as caught:
        render_docx(sample_assessment, huimin, tmp_path / "r.docx", template=template)
    message = str(caught.value)
    assert message.startswith(f"Word 模板 {template}：")
    assert expected in message
    assert not (tmp_path / "r.docx").exists()


def test_failed_render_keeps_the_previous_report(sample_assessment, huimin, tmp_path):
    target = tmp_path / "r.docx"
    target.write_bytes(b"previous")
    with pytest.raises(TemplateProblem):
        render_docx(sample_assessment, huimin, target, template=make_template(tmp_path / "bad.docx", "{{ x"))
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.docx", "r.docx"]


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("missing.docx", None, "找不到该文件"),
        ("report.doc", b"old word", "必须是 .docx 文件"),
        ("broken.docx", b"not a zip", "无法作为 Word 文档打开"),
    ],
)
def test_unusable_template_path_gives_clear_message(sample_assessment, huimin, tmp_path, name, content, expected):
    template = tmp_path / name
    if content is not None:
        template.write_bytes(content)
    with pytest.raises(TemplateProblem, match=expected):
        render_docx(sample_assessment, huimin, tmp_path / "r.docx", template=template)


def test_context_dates_and_numbers_read_as_official_documents_write_them():
    assert date_text(date(2024, 6, 3)) == "2024年6月3日"
    assert [chinese_number(n) for n in (1, 7, 10, 11, 20, 23)] == ["一", "七", "十", "十一", "二十", "二十三"]


def test_context_is_plain_data_for_template_authors(sample_assessment, huimin):
    context = report_context(sample_assessment, huimin)
    assert context["self_ref"] == "我区"
    assert context["byline"] == ["回民区创建全国基层中医药工作示范县（区）", "工作领导小组办公室", "（2024年6月30日）"]
    assert context["counts"]["达标"] == sample_assessment.counts[Verdict.MET]
    assert "verdict_chart" not in context


def test_committed_template_matches_its_generator(repo_root, tmp_path):
    spec = importlib.util.spec_from_file_location("make_docx_template", repo_root / "scripts" / "make_docx_template.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    generator.write(tmp_path / "report.docx")
    with zipfile.ZipFile(tmp_path / "report.docx") as fresh, zipfile.ZipFile(repo_root / "templates" / "report.docx") as committed:
        assert fresh.namelist() == committed.namelist()
        for name in fresh.namelist():
            assert fresh.read(name) == committed.read(name), f"{name} 与生成脚本不一致，请运行 scripts/make_docx_template.py"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) 未安装")
def test_libreoffice_renders_the_report(report_path, tmp_path):
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(report_path)],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with pdfplumber.open(tmp_path / f"{report_path.stem}.pdf") as pdf:
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        assert len(pdf.pages) >= 3
        assert round(pdf.pages[0].width / 72 * 25.4) == 210
    # The 28-character grid spaces CJK glyphs apart; the extracted text carries those gaps.
    compact = "".join(text.split())
    for heading in HEADINGS:
        assert heading in compact
    assert "—2—" in compact
    first_body_line = next(line for line in text.splitlines() if line.startswith("呼和浩特市回民区于"))
    assert len("".join(first_body_line.split())) >= 26  # two-character indent, then about 28 a line


def test_manual_documents_every_template_variable(sample_assessment, huimin, repo_root):
    page = (repo_root / "docs" / "documents" / "report.md").read_text(encoding="utf-8")
    undocumented = [key for key in [*report_context(sample_assessment, huimin), "verdict_chart"] if f"`{key}`" not in page]
    assert not undocumented


def test_repeated_plan_lines_are_listed_once(sample_assessment, huimin):
    gap = sample_assessment.gaps[0]
    twin = gap.model_copy(update={"key": gap.key + ":twin", "problem": "另一个问题"})
    context = report_context(sample_assessment.model_copy(update={"gaps": [gap, twin]}), huimin)
    assert [p["text"] for p in context["problems"]][1] == "另一个问题（指标（一）3，牵头单位：区委办）。"
    assert len(context["plans"]) == 1 and context["plans"][0]["number"] == "1."
