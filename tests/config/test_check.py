"""`assess check` reports every problem of the project, standard and registry as file:line in Chinese."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assess.cli import cli
from assess.errors import ExitCode

STANDARD = "standards/huimin-2023.yaml"
REGISTRY = "standards/departments.yaml"


def check(project: Path, *args: str):
    """Run `assess check` on a project folder."""
    return CliRunner().invoke(cli, ["check", "--project", str(project), *args])


def edit(project: Path, relative: str, old: str, new: str) -> int:
    """Replace the first occurrence of `old` in a file; return the 1-based line where it was."""
    path = project / relative
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def line_with(project: Path, relative: str, text: str) -> int:
    """1-based line of the first occurrence of `text` in a file."""
    content = (project / relative).read_text(encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1


def test_clean_project_passes(repo_root):
    result = check(repo_root)
    assert result.exit_code == ExitCode.OK
    assert "检查通过" in result.output
    assert "42 项指标" in result.output


def test_unknown_department_suggests_the_closest_name(project_copy):
    line = edit(project_copy, STANDARD, "support: [区发改委]", "support: [区卫建委]")
    result = check(project_copy)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"{STANDARD}:{line}: 指标 （一）1：未知部门“区卫建委”，是否应为“区卫健委”？" in result.output


def test_duplicate_indicator_id(project_copy):
    line = edit(project_copy, STANDARD, "id: org-2\n", "id: org-1\n")
    result = check(project_copy)
    assert f"{STANDARD}:{line}: 指标 id“org-1”重复（第 1 项已使用），每个指标的 id 必须唯一" in result.output


def test_missing_field(project_copy):
    edit(project_copy, STANDARD, "  title: 传达学习中医药重要论述\n", "")
    result = check(project_copy)
    line = line_with(project_copy, STANDARD, "- id: org-2")
    assert f"{STANDARD}:{line}: 缺少必填字段“indicators[1].title”" in result.output


def test_threshold_that_is_not_a_number(project_copy):
    edit(project_copy, STANDARD, "    value: 35\n", "    value: 三十五\n")
    result = check(project_copy)
    line = line_with(project_copy, STANDARD, "- metric: tcm_visit_share")
    assert f"{STANDARD}:{line}: 字段“indicators[31].targets[0]”：" in result.output
    assert "阈值“三十五”不是数字；等级类阈值必须同时给出 scale（等级顺序）" in result.output


def test_range_without_bounds_in_order(project_copy):
    edit(project_copy, STANDARD, "range: [0.6, 0.8]", "range: [0.8, 0.6]")
    result = check(project_copy)
    line = line_with(project_copy, STANDARD, "- metric: tcm_gp_per_10k")
    assert f"{STANDARD}:{line}:" in result.output
    assert "区间下限 0.8 大于上限 0.6" in result.output


def test_unknown_category(project_copy):
    line = edit(project_copy, STANDARD, "category: dev\n", "category: devv\n")
    result = check(project_copy)
    assert f"{STANDARD}:{line}: 指标 （二）1：未知类别“devv”" in result.output


def test_unknown_field_is_a_typo(project_copy):
    line = edit(project_copy, STANDARD, "  evidence: [规划文本]", "  evidense: [规划文本]")
    result = check(project_copy)
    assert f"{STANDARD}:{line}: 未知字段“indicators[0].evidense”（是否拼写错误？）" in result.output


def test_yaml_syntax_error_names_the_line(project_copy):
    line = edit(project_copy, REGISTRY, "    short: 区财政局\n", "    short: [区财政局\n")
    result = check(project_copy)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"{REGISTRY}:" in result.output and "YAML 语法错误" in result.output
    reported = int(result.output.split(f"{REGISTRY}:")[1].split(":")[0])
    assert line <= reported <= line + 2


def test_duplicate_key(project_copy):
    line = edit(project_copy, "assess.yaml", "office: ", "district: 回民区\noffice: ")
    result = check(project_copy)
    assert f"assess.yaml:{line}: 重复的键“district”（第 2 行已出现），请删除其中一个" in result.output


def test_all_problems_are_reported_in_one_run(project_copy):
    edit(project_copy, STANDARD, "support: [区发改委]", "support: [区卫建委]")
    edit(project_copy, STANDARD, "category: dev\n", "category: devv\n")
    edit(project_copy, STANDARD, "    value: 35\n", "    value: 三十五\n")
    edit(project_copy, REGISTRY, "short: 区农牧局", "short: 区农牧局\n    short: 农牧")
    result = check(project_copy)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "共发现 4 个问题" in result.output
    lines = [line for line in result.output.splitlines() if line.startswith(STANDARD)]
    assert lines == sorted(lines, key=lambda text: int(text.split(":")[1]))


def test_missing_standard_file_is_named(project_copy):
    (project_copy / STANDARD).unlink()
    result = check(project_copy)
    assert "assess.yaml: 找不到指标标准文件“standards/huimin-2023.yaml”，请检查路径" in result.output


def test_phase_that_ends_before_it_starts(project_copy):
    line = edit(project_copy, "assess.yaml", "start: 2024-01-01, end: 2024-09-30", "start: 2024-10-01, end: 2024-09-30")
    result = check(project_copy)
    assert f"assess.yaml:{line}: 字段“phases[2]”：结束日期 2024-09-30 早于开始日期 2024-10-01" in result.output


def test_missing_project_is_explained(tmp_path):
    result = check(tmp_path)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "找不到项目文件 assess.yaml" in result.output


def test_wrong_type_without_traceback(project_copy):
    line = edit(project_copy, STANDARD, "  evidence: [规划文本]", "  weight: 高\n  evidence: [规划文本]")
    result = check(project_copy)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "Traceback" not in result.output
    assert f"{STANDARD}:{line}: 字段“indicators[0].weight”应为数字，实际为“高”" in result.output


def test_check_accepts_another_standard(repo_root):
    result = check(repo_root, "--standard", str(repo_root / "standards" / "national-2021.yaml"))
    assert result.exit_code == ExitCode.OK
    assert "18 项指标" in result.output


def test_schema_describes_the_standard_format(tmp_path):
    target = tmp_path / "standard.schema.json"
    result = CliRunner().invoke(cli, ["schema", "-o", str(target)])
    assert result.exit_code == ExitCode.OK
    schema = json.loads(target.read_text(encoding="utf-8"))
    assert set(schema["required"]) >= {"id", "title", "categories", "indicators"}
    target_fields = schema["$defs"]["Target"]["properties"]
    assert {"metric", "op", "value", "range", "unit", "applies_to"} <= set(target_fields)
    assert schema["$defs"]["Indicator"]["additionalProperties"] is False


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_chinese(flag):
    result = CliRunner().invoke(cli, [flag])
    assert result.exit_code == 0
    assert "示范县" in result.output
