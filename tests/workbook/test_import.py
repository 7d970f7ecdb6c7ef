"""`assess import-xlsx`: edits typed into the workbook flow back into data/, safely."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from assess.cli import cli
from assess.config.data import load_data
from assess.config.project import load_project
from assess.errors import ExitCode
from assess.workbook.columns import GAP_KEY, INDICATOR_KEY
from assess.workbook.export import render_xlsx
from assess.workbook.importer import import_workbook

MEASURES = """\
# 实测值（示例）
tcm_visit_share: 31.2%  # 2023年卫生统计年报
public_satisfaction:
  value: 91.5
  period: 2023年
  source: 第三方满意度调查
"""
NOW = datetime(2024, 10, 1, 12, 0, 0)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, repo_root, sample_assessment) -> Path:
    """A project with data files and its freshly written workbook, made once and copied per test."""
    root = tmp_path_factory.mktemp("rendered")
    shutil.copy(repo_root / "assess.yaml", root / "assess.yaml")
    shutil.copytree(repo_root / "standards", root / "standards")
    data = root / "data"
    (data / "narratives").mkdir(parents=True)
    (data / "measures.yaml").write_text(MEASURES, encoding="utf-8")
    (data / "narratives" / "org-1.md").write_text("旧的自评说明\n", encoding="utf-8")
    gap = sample_assessment.gaps[0]
    plan = f"{gap.key}:\n  measure: {gap.measure}  # 创建办\n  status: {gap.status.value}\n"
    (data / "rectification.yaml").write_text(plan, encoding="utf-8")
    loaded = load_project(root)
    render_xlsx(sample_assessment, loaded, workbook_path(loaded))
    return root


@pytest.fixture
def project(rendered, tmp_path):
    """A private copy of the rendered project, free to edit."""
    shutil.copytree(rendered, tmp_path / "project")
    return load_project(tmp_path / "project")


def workbook_path(project) -> Path:
    return project.path("output") / "自评表.xlsx"


def edit(project, *changes: tuple[str, str, str, object]) -> None:
    """Type values into the workbook as the office would: (sheet, row key, header, value)."""
    path = workbook_path(project)
    book = load_workbook(path)
    for sheet, key, header, value in changes:
        ws = book[sheet]
        cell = find(ws, key, header)
        cell.value = value
    book.save(path)


def find(ws, key: str, header: str):
    """The cell in the row whose key column holds `key`, under `header` of the same table."""
    for row in ws.iter_rows():
        texts = [c.value for c in row]
        if INDICATOR_KEY in texts or GAP_KEY in texts:
            headers = {c.value: c.column for c in row}
            key_column = headers.get(INDICATOR_KEY if INDICATOR_KEY in headers else GAP_KEY)
        elif texts and row[0].row > 2 and ws.cell(row=row[0].row, column=key_column).value == key and header in headers:
            return ws.cell(row=row[0].row, column=headers[header])
    raise AssertionError(f"{ws.title}: no row {key} / column {header}")


def run(project, **options):
    return import_workbook(project, workbook_path(project), now=NOW, **options)


def gap_for(assessment, department: str):
    return next(g for g in assessment.open_gaps if department in g.lead)


def test_edits_flow_back_into_data(project, sample_assessment):
    gap = sample_assessment.gaps[0]
    edit(
        project,
        ("自评总表", "item-27", "实际值", "33.5%"),
        ("自评总表", "org-1", "自评说明/备注", "已纳入“十四五”规划，见规划文本第 5 章。"),
        ("整改清单", gap.key, "整改措施", "制定专项方案"),
        ("整改清单", gap.key, "整改状态", "已整改"),
        ("整改清单", gap.key, "完成日期", "2024年6月1日"),
        ("整改清单", gap.key, "整改时限", datetime(2024, 8, 31)),
    )
    report = run(project)
    assert len(report.applied) == 6 and not report.conflicts and not report.unknown
    data = load_data(project)
    assert data.measures["tcm_visit_share"].value == 33.5
    assert data.narratives["org-1"] == "已纳入“十四五”规划，见规划文本第 5 章。"
    entry = data.plan[gap.key]
    assert (entry.measure, entry.status.value, entry.completed, entry.deadline) == ("制定专项方案", "已整改", date(2024, 6, 1), date(2024, 8, 31))


def test_comments_and_other_fields_of_data_files_survive(project, sample_assessment):
    edit(project, ("自评总表", "item-27", "实际值", "33.5"), ("整改清单", sample_assessment.gaps[0].key, "整改状态", "已整改"))
    run(project)
    measures = (project.path("data") / "measures.yaml").read_text(encoding="utf-8")
    assert "# 实测值（示例）" in measures and "# 2023年卫生统计年报" in measures and "source: 第三方满意度调查" in measures
    plan = (project.path("data") / "rectification.yaml").read_text(encoding="utf-8")
    assert f"measure: {sample_assessment.gaps[0].measure}  # 创建办" in plan and "status: 已整改" in plan


def test_new_measured_value_records_its_source(project):
    edit(project, ("自评总表", "item-34", "实际值", "16"))
    run(project)
    measure = load_data(project).measures["perf_tcm_score_share"]
    assert measure.value == 16 and measure.source == "自评表导入（自评表.xlsx，2024-10-01）"


def test_unchanged_workbook_imports_nothing_and_makes_no_backup(project):
    report = run(project)
    assert not report.applied and not report.skipped and not report.conflicts
    assert "未发现需要导入的修改。" in report.lines()
    assert not (project.path("data") / ".backup").exists()


def test_blank_cell_never_overwrites_data(project):
    edit(project, ("自评总表", "org-1", "自评说明/备注", None), ("自评总表", "item-27", "实际值", ""))
    report = run(project)
    assert not report.applied
    assert [item.message for item in report.skipped] == ["单元格为空，不覆盖已有内容"] * 2
    assert (project.path("data") / "narratives" / "org-1.md").read_text(encoding="utf-8") == "旧的自评说明\n"


def test_newer_edit_in_data_is_reported_and_not_applied(project):
    measures = project.path("data") / "measures.yaml"
    measures.write_text(MEASURES.replace("31.2%", "34.0%"), encoding="utf-8")
    edit(project, ("自评总表", "item-27", "实际值", "33.5%"))
    report = run(project)
    assert not report.applied and report.changed_files == ["measures.yaml"]
    [conflict] = report.conflicts
    assert conflict.place.sheet == "自评总表" and "已改为“34”" in conflict.message and "33.5%" in conflict.message
    assert load_data(project).measures["tcm_visit_share"].value == 34.0


def test_newer_edit_of_another_field_does_not_block_the_import(project, sample_assessment):
    plan = project.path("data") / "rectification.yaml"
    gap = sample_assessment.gaps[0]
    plan.write_text(plan.read_text(encoding="utf-8") + "  owner: 张三\n", encoding="utf-8")
    edit(project, ("整改清单", gap.key, "整改措施", "制定专项方案"))
    report = run(project)
    assert len(report.applied) == 1 and not report.conflicts
    assert load_data(project).plan[gap.key].owner == "张三"


def test_same_field_edited_differently_in_two_sheets_is_a_conflict(project, sample_assessment):
    gap = gap_for(sample_assessment, "区卫健委")
    edit(project, ("整改清单", gap.key, "整改状态", "已整改"), ("区卫健委", gap.key, "整改状态", "整改中"))
    report = run(project)
    [conflict] = report.conflicts
    assert "多处填写不一致" in conflict.message and "“区卫健委”" in conflict.message
    assert not report.applied


def test_same_edit_in_two_sheets_is_applied_once(project, sample_assessment):
    gap = gap_for(sample_assessment, "区卫健委")
    edit(project, ("整改清单", gap.key, "责任人", "李四"), ("区卫健委", gap.key, "责任人", "李四"))
    assert len(run(project).applied) == 1
    assert load_data(project).plan[gap.key].owner == "李四"


def test_unknown_and_renamed_rows_are_reported(project):
    edit(project, ("自评总表", "org-2", INDICATOR_KEY, "org-99"), ("自评总表", "org-99", "自评说明/备注", "改过编号的行"))
    book = load_workbook(workbook_path(project))
    ws = book["整改清单"]
    ws.insert_rows(3)
    ws["A3"], ws["H3"] = "自拟:新问题", "新增的整改措施"
    book.save(workbook_path(project))
    report = run(project)
    assert sorted(item.key for item in report.unknown) == ["org-99", "自拟:新问题"]
    assert all("工作簿生成时没有这一行" in item.message for item in report.unknown)
    assert not report.applied


def test_computed_columns_are_reported_not_imported(project):
    edit(
        project,
        ("自评总表", "org-1", "自评结论", "未达标"),
        ("自评总表", "item-20", "实际值", "具备中医药服务场所和设施设备的社区卫生服务站和村卫生室占比：100%\n设置“中医阁”的社区卫生服务站和村卫生室占比：12%"),
    )
    report = run(project)
    messages = [item.message for item in report.skipped]
    assert any("自评结论由程序根据实测值和佐证材料判定" in m for m in messages)
    assert any("由机构名册按机构逐一计算" in m for m in messages)
    assert not report.applied


def test_invalid_values_are_skipped_with_the_reason(project, sample_assessment):
    gap = sample_assessment.gaps[0]
    edit(
        project,
        ("整改清单", gap.key, "整改状态", "完成了"),
        ("整改清单", gap.key, "整改时限", "下个月"),
        ("自评总表", "item-27", "实际值", "很高"),
        ("自评总表", "item-15", "实际值", "特等"),
        ("自评总表", "item-33", "实际值", "55%"),
    )
    report = run(project)
    messages = " ".join(item.message for item in report.skipped)
    assert "不是有效状态" in messages and "不是日期" in messages and "“很高”不是数字" in messages and "不是有效等级" in messages
    assert "每行应写成“衡量内容：实际值”" in messages
    assert not report.applied


def test_previous_data_files_are_kept_as_a_backup(project):
    edit(project, ("自评总表", "item-27", "实际值", "33.5%"), ("自评总表", "org-1", "自评说明/备注", "新说明"))
    report = run(project)
    backup = project.path("data") / ".backup" / "20241001-120000"
    assert report.backup == "data/.backup/20241001-120000"
    assert (backup / "measures.yaml").read_text(encoding="utf-8") == MEASURES
    assert (backup / "narratives" / "org-1.md").read_text(encoding="utf-8") == "旧的自评说明\n"


def test_importing_twice_changes_nothing_the_second_time(project):
    edit(project, ("自评总表", "item-27", "实际值", "33.5%"))
    assert len(run(project).applied) == 1
    second = run(project)
    assert not second.applied and [i.message for i in second.skipped] == ["data/ 中已是该值"]


def test_dry_run_writes_nothing(project):
    edit(project, ("自评总表", "item-27", "实际值", "33.5%"))
    report = run(project, dry_run=True)
    assert len(report.applied) == 1 and report.backup is None
    assert (project.path("data") / "measures.yaml").read_text(encoding="utf-8") == MEASURES


def test_cli_prints_a_chinese_summary(project):
    edit(project, ("自评总表", "item-27", "实际值", "33.5%"))
    result = CliRunner().invoke(cli, ["import-xlsx", "--project", str(project.root), str(workbook_path(project))])
    assert result.exit_code == ExitCode.OK, result.output
    assert "已导入 1 项，跳过 0 项，冲突 0 项，无法匹配 0 项" in result.output
    assert "item-27 实际值：31.2 → 33.5%" in result.output
    assert "原数据文件已备份到 data/.backup/" in result.output


def test_cli_rejects_a_file_that_is_not_an_assess_workbook(project, tmp_path):
    text = tmp_path / "笔记.xlsx"
    text.write_text("不是表格", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import-xlsx", "--project", str(project.root), str(text)])
    assert result.exit_code == ExitCode.FAILED
    assert "不是有效的 Excel 工作簿" in result.output and "笔记.xlsx" in result.output
    book = load_workbook(workbook_path(project))
    del book["导回基准"]
    book.save(tmp_path / "无基准.xlsx")
    result = CliRunner().invoke(cli, ["import-xlsx", "--project", str(project.root), str(tmp_path / "无基准.xlsx")])
    assert result.exit_code == ExitCode.FAILED and "缺少隐藏的“导回基准”表" in result.output


def test_round_trip_through_the_engine_changes_the_next_assessment(tmp_path, repo_root):
    """The sample district assessed by the real engine; what the office types shows in the next run."""
    from assess.assessment.engine import run_assessment
    from assess.evidence.index import build_index

    for name in ("standards", "data", "evidence"):
        if (repo_root / name).is_dir():
            shutil.copytree(repo_root / name, tmp_path / name)
    (tmp_path / "evidence").mkdir(exist_ok=True)
    shutil.copy(repo_root / "assess.yaml", tmp_path / "assess.yaml")
    project = load_project(tmp_path)
    assessment = run_assessment(project, build_index(project), load_data(project))
    render_xlsx(assessment, project, workbook_path(project))
    gap = assessment.open_gaps[0]
    edit(project, ("整改清单", gap.key, "整改状态", "已整改"), ("整改清单", gap.key, "完成日期", "2024-06-20"), ("自评总表", "item-27", "实际值", "36.1%"))
    report = run(project)
    assert len(report.applied) == 3 and not report.conflicts and not report.unknown
    again = run_assessment(project, build_index(project), load_data(project))
    rectified = next(g for g in again.gaps if g.key == gap.key)
    assert (rectified.status.value, rectified.completed) == ("已整改", date(2024, 6, 20))
    share = next(r for r in again.indicators if r.indicator.id == "item-27").targets[0]
    assert share.actual == 36.1 and share.met


def test_percentage_that_excel_turned_into_a_fraction_is_read_as_typed(project):
    path = workbook_path(project)
    book = load_workbook(path)
    cell = find(book["自评总表"], "item-27", "实际值")
    assert cell.number_format == "@"
    cell.value, cell.number_format = 0.361, "0.0%"
    book.save(path)
    run(project)
    assert load_data(project).measures["tcm_visit_share"].value == 36.1


def test_excel_serial_typed_into_the_workbook_is_imported_as_a_date(project, sample_assessment):
    gap = sample_assessment.gaps[0]
    edit(project, ("整改清单", gap.key, "整改时限", 45565), ("整改清单", gap.key, "完成日期", "45473"))
    report = run(project)
    assert len(report.applied) == 2, report.lines()
    entry = load_data(project).plan[gap.key]
    assert (entry.deadline, entry.completed) == (date(2024, 9, 30), date(2024, 6, 30))
