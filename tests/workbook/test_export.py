"""The Excel 自评表/台账: sheets, rows, links, validations, formats and print setup, read back with openpyxl."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from assess.config.project import load_project
from assess.config.records import Verdict
from assess.evidence.model import EvidenceFile
from assess.workbook.columns import GAP_KEY, INDICATOR_KEY
from assess.workbook.export import department_sheet_names, render_xlsx

FIXED_SHEETS = ["自评总表", "佐证材料清单", "整改清单", "机构达标明细"]
DANGEROUS_TEXT = "=cmd|' /C calc'!A0.pdf"
DANGEROUS_NAME = "=cmd|' -C calc'!A0.pdf"  # the same, without the / no file name can hold


@pytest.fixture(scope="module")
def workbook_file(tmp_path_factory, sample_assessment, huimin) -> Path:
    """The sample assessment rendered once for the read-only checks."""
    return render_xlsx(sample_assessment, huimin, tmp_path_factory.mktemp("out") / "自评表.xlsx")


@pytest.fixture(scope="module")
def book(workbook_file):
    return load_workbook(workbook_file)


def header_row(ws, key: str = INDICATOR_KEY) -> int:
    """Row of the first header holding `key`."""
    return next(cell.row for row in ws.iter_rows() for cell in row if cell.value == key)


def table(ws, key: str = INDICATOR_KEY) -> list[dict]:
    """The first table holding `key` as dicts header → value, until the first blank row."""
    top = header_row(ws, key)
    headers = [c.value for c in ws[top]]
    rows = []
    for row in ws.iter_rows(min_row=top + 1, values_only=True):
        if not any(v not in (None, "") for v in row):
            break
        rows.append(dict(zip(headers, row)))
    return rows


def column_letter(ws, header: str, key: str = INDICATOR_KEY) -> str:
    return next(c.column_letter for c in ws[header_row(ws, key)] if c.value == header)


def test_sheets_are_the_fixed_ones_then_departments_then_statistics(book, sample_assessment):
    departments = [d.short for d in sample_assessment.departments if d.lead or d.support]
    assert book.sheetnames == [*FIXED_SHEETS, *departments, "统计", "导回基准"]
    assert book["导回基准"].sheet_state == "hidden"
    assert all(book[name].sheet_state == "visible" for name in book.sheetnames[:-1])


def test_summary_has_one_row_per_indicator_with_its_verdict(book, sample_assessment):
    rows = table(book["自评总表"])
    assert [r[INDICATOR_KEY] for r in rows] == [r.indicator.id for r in sample_assessment.indicators]
    assert [r["自评结论"] for r in rows] == [r.verdict.value for r in sample_assessment.indicators]
    first = rows[0]
    assert first["序号"] == "（一）1" and first["类别"] == "（一）组织管理"
    assert first["指标内容"].startswith("纳入国民经济和社会发展规划\n将中医药工作纳入")
    assert first["牵头单位"] == "区卫健委" and first["配合单位"] == "区发改委"


def test_summary_shows_targets_one_per_line_and_gap_measures(book, sample_assessment):
    rows = {r[INDICATOR_KEY]: r for r in table(book["自评总表"])}
    satisfaction = rows["item-37"]
    assert satisfaction["目标值"].splitlines()[0] == "城乡居民对中医药服务满意率：≥90%"
    assert satisfaction["实际值"].splitlines()[0] == "城乡居民对中医药服务满意率：96%"
    assert len(satisfaction["实际值"].splitlines()) == 4
    assert rows["item-27"]["目标值"] == "≥35%"
    gap = sample_assessment.gaps[0]
    assert rows[gap.indicator_id]["整改措施"] == gap.measure
    assert rows[gap.indicator_id]["整改状态"] == gap.status.value


def test_evidence_sheet_has_one_row_per_file(book, sample_assessment):
    rows = table(book["佐证材料清单"])
    files = [f for r in sample_assessment.indicators for f in r.evidence]
    assert len(rows) == len(files)
    assert rows[0]["文件名（点击打开）"] == files[0].name
    assert rows[0]["内容哈希（前12位）"] == files[0].sha256[:12]
    assert rows[1]["发现的问题"] == "材料日期 2022-05-01 不在创建期间内"


def test_gap_sheet_has_one_row_per_gap_with_overdue_marked(book, sample_assessment):
    rows = table(book["整改清单"], GAP_KEY)
    assert [r[GAP_KEY] for r in rows] == [g.key for g in sample_assessment.gaps]
    assert [r["是否逾期"] for r in rows] == ["是" if g.overdue else "否" for g in sample_assessment.gaps]
    assert rows[0]["整改时限"].date() == sample_assessment.gaps[0].deadline


def test_institution_sheet_lists_each_institution_per_coverage_target(book, sample_assessment):
    rows = table(book["机构达标明细"])
    checks = [c for r in sample_assessment.indicators for t in r.targets for c in t.institutions]
    assert len(rows) == len(checks)
    shortfall = next(r for r in rows if r["机构"] == "攸攸板镇卫生院")
    assert shortfall["是否达标"] == "未达标" and shortfall["实际情况"] == "适宜技术 5类8项"


def test_department_sheet_shows_only_its_indicators_and_open_gaps(book, sample_assessment):
    summary = next(d for d in sample_assessment.departments if d.short == "区卫健委")
    ws = book["区卫健委"]
    assert ws["A1"].value.startswith("回民区卫生健康委员会（区卫健委）任务分解")
    rows = table(ws)
    assert [r[INDICATOR_KEY] for r in rows] == summary.lead + summary.support
    assert {r["职责"] for r in rows[: len(summary.lead)]} == {"牵头"}
    gaps = table(ws, GAP_KEY)
    expected = [g.key for g in sample_assessment.open_gaps if "区卫健委" in g.lead + g.support]
    assert [g[GAP_KEY] for g in gaps] == expected


def test_statistics_count_verdicts_per_category_with_a_native_chart(book, sample_assessment):
    ws = book["统计"]
    rows = table(ws, "类别")
    for category, row in zip(sample_assessment.categories, rows):
        assert row["类别"] == f"{category.label}{category.name}"
        assert [row[v.value] for v in Verdict] == [category.counts[v] for v in Verdict]
    assert rows[-1]["合计"] == len(sample_assessment.indicators)
    assert len(ws._charts) == 1
    assert ws._charts[0].grouping == "stacked"


def test_header_is_styled_frozen_and_filtered(book):
    for name in [*FIXED_SHEETS, "区卫健委"]:
        ws = book[name]
        top = header_row(ws, GAP_KEY if name == "整改清单" else INDICATOR_KEY)
        assert ws.freeze_panes == f"{'D' if name == '佐证材料清单' else 'C'}{top + 1}"
        assert ws.auto_filter.ref.startswith(f"A{top}:")
        header = ws.cell(row=top, column=1)
        assert header.font.b and header.font.name == "宋体"
        assert ws.cell(row=top + 1, column=4).font.name == "宋体"


def test_editable_columns_have_a_fill_and_a_note(book):
    ws = book["自评总表"]
    top = header_row(ws)
    for header in ("实际值", "自评说明/备注"):
        letter = column_letter(ws, header)
        assert "assess import-xlsx" in ws[f"{letter}{top}"].comment.text
        assert ws[f"{letter}{top + 1}"].fill.fgColor.rgb.endswith("DDEBF7")
    assert ws[f"{column_letter(ws, '指标内容')}{top + 1}"].fill.fill_type is None
    assert not ws.protection.sheet


def test_drop_downs_on_verdict_and_status_columns(book):
    summary = book["自评总表"]
    verdict_range = f"{column_letter(summary, '自评结论')}{header_row(summary) + 1}"
    lists = [dv for dv in summary.data_validations.dataValidation if dv.type == "list"]
    assert any("达标,部分达标,未达标" in dv.formula1 and verdict_range in str(dv.sqref) for dv in lists)
    gaps = book["整改清单"]
    status = f"{column_letter(gaps, '整改状态', GAP_KEY)}{header_row(gaps, GAP_KEY) + 1}"
    assert any(dv.formula1 == '"未整改,整改中,已整改"' and status in str(dv.sqref) for dv in gaps.data_validations.dataValidation)


def test_verdicts_and_overdue_rows_are_coloured_by_conditional_formatting(book):
    summary = book["自评总表"]
    formulas = [f for cf in summary.conditional_formatting for rule in cf.rules for f in rule.formula]
    assert {f'"{v.value}"' for v in Verdict} <= {f.split("=", 1)[1] for f in formulas}
    gaps = book["整改清单"]
    overdue = column_letter(gaps, "是否逾期", GAP_KEY)
    rules = [(str(cf.sqref), f) for cf in gaps.conditional_formatting for rule in cf.rules for f in rule.formula]
    assert any(sqref.startswith("A") and f.startswith(f"${overdue}") and f.endswith('="是"') for sqref, f in rules)


def test_every_sheet_prints_a4_landscape_fit_to_width_with_page_numbers(book):
    for ws in book.worksheets[:-1]:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.print_title_rows
        assert "&P" in ws.oddFooter.center.text


def test_department_sheet_names_are_valid_unique_and_short():
    names = department_sheet_names(["区卫健委", "区卫健委", "a/b:c*d?[e]", "很" * 40, "自评总表"], ["自评总表"])
    assert names[0] == "区卫健委" and names[1] == "区卫健委（2）"
    assert names[2] == "abcde"
    assert len(names[3]) == 31
    assert names[4] == "自评总表（2）"
    assert len(set(names)) == len(names)


# --- a project with real evidence files: links and hostile names ---


@pytest.fixture
def evidence_project(project_copy, sample_assessment):
    """A project copy with real evidence files, including hostile names, and an assessment listing them."""
    evidence = project_copy / "evidence" / "27-中医诊疗人次占比"
    evidence.mkdir(parents=True)
    names = ["会议纪要 #1（2023年7月15日）.pdf", DANGEROUS_NAME, "+1 统计表.xlsx", "@通知.pdf", "-附件 [2] 100%.jpg"]
    for name in names:
        (evidence / name).write_bytes(b"%PDF-1.4 sample")
    (project_copy / "secret.pdf").write_bytes(b"outside evidence but inside project")
    result = next(r for r in sample_assessment.indicators if r.indicator.id == "item-27")
    files = [_file(f"27-中医诊疗人次占比/{name}") for name in names]
    files.append(_file("../../../../etc/passwd"))
    patched = result.model_copy(update={"evidence": files, "evidence_folder": "evidence/27-中医诊疗人次占比", "narrative": DANGEROUS_TEXT})
    indicators = [patched if r is result else r for r in sample_assessment.indicators]
    return project_copy, sample_assessment.model_copy(update={"indicators": indicators})


def _file(path: str) -> EvidenceFile:
    return EvidenceFile(path=path, indicator_id="item-27", size=15, mtime=0.0, sha256="ab" * 32, kind="pdf")


def test_hyperlinks_are_relative_and_open_existing_files_inside_the_project(evidence_project):
    root, assessment = evidence_project
    target = render_xlsx(assessment, load_project(root), root / "output" / "自评表.xlsx")
    book = load_workbook(target)
    links = [c.hyperlink.target for ws in book.worksheets for row in ws.iter_rows() for c in row if c.hyperlink]
    assert len(links) == 5 + 1  # five files and the folder; the path leaving the project gets no link
    for link in links:
        assert not link.startswith(("/", "file:", "http")) and " " not in link
        opened = (target.parent / unquote(link)).resolve()
        assert opened.exists() and opened.is_relative_to(root)
    outside = next(c for row in book["佐证材料清单"].iter_rows() for c in row if c.value == "passwd")
    assert outside.hyperlink is None


def test_formula_like_text_is_stored_as_text(evidence_project, huimin, tmp_path):
    root, assessment = evidence_project
    target = render_xlsx(assessment, huimin, tmp_path / "自评表.xlsx")
    book = load_workbook(target)
    cells = {c.value: c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for text in (DANGEROUS_NAME, DANGEROUS_TEXT, "+1 统计表.xlsx", "@通知.pdf", "-附件 [2] 100%.jpg"):
        assert cells[text].data_type == "s", text
        assert cells[text].quotePrefix
    with zipfile.ZipFile(target) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in archive.read(n) for n in sheets)


def test_existing_workbook_is_replaced_without_leftovers(sample_assessment, huimin, tmp_path):
    target = tmp_path / "自评表.xlsx"
    target.write_bytes(b"old")
    render_xlsx(sample_assessment, huimin, target)
    assert zipfile.is_zipfile(target)
    assert [p.name for p in tmp_path.iterdir()] == ["自评表.xlsx"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_workbook(workbook_file, tmp_path):
    result = subprocess.run(
        ["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(workbook_file)],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "（一）1" in (tmp_path / "自评表.csv").read_text(encoding="utf-8", errors="replace")


def test_symlinked_evidence_folder_still_gets_links(project_copy, sample_assessment, tmp_path_factory):
    share = tmp_path_factory.mktemp("share")
    (share / "27-中医诊疗人次占比").mkdir()
    (share / "27-中医诊疗人次占比" / "年报.pdf").write_bytes(b"%PDF-1.4")
    (project_copy / "evidence").symlink_to(share, target_is_directory=True)
    result = next(r for r in sample_assessment.indicators if r.indicator.id == "item-27")
    patched = result.model_copy(update={"evidence": [_file("27-中医诊疗人次占比/年报.pdf")], "evidence_folder": "evidence/27-中医诊疗人次占比"})
    assessment = sample_assessment.model_copy(update={"indicators": [patched]})
    target = render_xlsx(assessment, load_project(project_copy), project_copy / "output" / "自评表.xlsx")
    links = [c.hyperlink.target for row in load_workbook(target)["佐证材料清单"].iter_rows() for c in row if c.hyperlink]
    assert links == ["../evidence/27-中医诊疗人次占比/年报.pdf"]
