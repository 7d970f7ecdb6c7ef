"""`assess status` and `assess gaps`: tables, JSON for the renderers, filters, writes and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assess.cli import cli
from assess.errors import ExitCode


@pytest.fixture
def district(project_copy: Path, repo_root: Path) -> Path:
    """The sample district's configuration and data, with an empty evidence folder."""
    shutil.copytree(repo_root / "data", project_copy / "data")
    (project_copy / "evidence").mkdir()
    return project_copy


def run(root: Path, *args: str):
    """Run a command against the project, wide enough that table cells do not wrap."""
    return CliRunner().invoke(cli, [*args, "--project", str(root)], env={"COLUMNS": "240"})


def test_status_prints_verdicts_and_writes_the_full_assessment(district):
    outcome = run(district, "status")
    assert outcome.exit_code == ExitCode.OK, outcome.output
    assert "中医诊疗人次占比" in outcome.output and "未达标" in outcome.output
    assert "中医诊疗人次占总诊疗人次的比例 31.2%，低于目标 3.8 个百分点（目标 ≥35%）" in outcome.output
    assert "共 42 项：" in outcome.output and "已写入 output/assessment.json" in outcome.output
    written = json.loads((district / "output" / "assessment.json").read_text(encoding="utf-8"))
    verdicts = {r["indicator"]["id"]: r["verdict"] for r in written["indicators"]}
    assert (len(verdicts), verdicts["item-27"], verdicts["dev-12"]) == (42, "未达标", "不适用")
    assert written["report_date"] == "2024-06-30"


def test_status_filters_by_any_spelling_of_a_department(district):
    outcome = run(district, "status", "--dept", "医保局")
    assert outcome.exit_code == ExitCode.OK
    assert "中医药医疗保障政策" in outcome.output and "中医诊疗人次占比" not in outcome.output
    assert "筛选：部门 区医保局" in outcome.output and "共 1 项：" in outcome.output


def test_status_filters_by_category_name(district):
    outcome = run(district, "status", "--category", "满意率和知晓率")
    assert "共 1 项：部分达标 1" in outcome.output


def test_unknown_department_is_a_usage_error_with_a_suggestion(district):
    outcome = run(district, "status", "--dept", "医宝局")
    assert outcome.exit_code == ExitCode.USAGE
    assert "错误：未知部门“医宝局”，是否应为“医保局”？" in outcome.output
    assert not (district / "output" / "assessment.json").exists()


def test_unknown_category_lists_the_categories(district):
    outcome = run(district, "status", "--category", "财务")
    assert outcome.exit_code == ExitCode.USAGE and "可用的类别：组织管理（org）" in outcome.output


def test_unreadable_as_of_date_is_a_usage_error(district):
    outcome = run(district, "gaps", "--as-of", "明年")
    assert outcome.exit_code == ExitCode.USAGE and "无法识别的日期“明年”" in outcome.output


def test_status_record_stores_the_snapshot_for_the_as_of_date(district):
    outcome = run(district, "status", "--record", "--as-of", "2024年6月30日")
    assert outcome.exit_code == ExitCode.OK
    assert "已记录 2024-06-30 的进度：data/history.yaml" in outcome.output
    history = yaml.safe_load((district / "data" / "history.yaml").read_text(encoding="utf-8"))
    assert [str(s["date"]) for s in history["snapshots"]] == ["2024-01-15", "2024-03-31", "2024-06-30"]


def test_status_without_record_leaves_data_untouched(district):
    before = {p: p.read_bytes() for p in (district / "data").rglob("*") if p.is_file()}
    run(district, "status")
    run(district, "gaps")
    assert {p: p.read_bytes() for p in (district / "data").rglob("*") if p.is_file()} == before


def test_gaps_overdue_shows_only_what_is_late(district):
    outcome = run(district, "gaps", "--overdue")
    assert outcome.exit_code == ExitCode.OK
    assert "攸攸板镇卫生院 适宜技术 5类8项，未达 6类10项" in outcome.output and "整改中（逾期）" in outcome.output
    assert "共 1 项问题：整改中 1；其中逾期 1 项" in outcome.output
    written = json.loads((district / "output" / "gaps.json").read_text(encoding="utf-8"))
    assert any(g["key"] == "item-21:tcm_hospital_emr_level" and g["resolved"] for g in written)
    assert len(written) > 1  # the JSON always holds the whole list


def test_later_as_of_date_makes_more_items_overdue(district):
    outcome = run(district, "gaps", "--overdue", "--as-of", "2024-10-01", "--dept", "区卫健委")
    assert "钢铁路第二社区卫生服务中心 设置中医馆：否" in outcome.output


def test_gaps_write_merges_into_the_plan_and_keeps_a_backup(district):
    outcome = run(district, "gaps", "--write")
    assert outcome.exit_code == ExitCode.OK
    assert "已更新整改方案 data/rectification.yaml：新增" in outcome.output and "新标记已解决 1 项" in outcome.output
    entries = yaml.safe_load((district / "data" / "rectification.yaml").read_text(encoding="utf-8"))
    assert entries["item-27:tcm_visit_share"]["measure"].startswith("（示例）各社区卫生服务中心推行")
    assert entries["item-21:tcm_hospital_emr_level"]["resolved"] is True
    assert "（示例）" in (district / "data" / "rectification.yaml.bak").read_text(encoding="utf-8")
    assert "无需改动" in run(district, "gaps", "--write").output


def test_bad_data_file_exits_with_invalid_input_and_the_line(district):
    (district / "data" / "measures.yaml").write_text("tcm_visit_share: 31.2\nsatisfaction: 90\n", encoding="utf-8")
    outcome = run(district, "status")
    assert outcome.exit_code == ExitCode.INVALID_INPUT
    assert "data/measures.yaml:2: 未知的指标键“satisfaction”" in outcome.output
