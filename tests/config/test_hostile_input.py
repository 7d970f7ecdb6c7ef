"""Hostile data and standard files: only the cases the other suites do not already cover.

Already covered elsewhere (not repeated here): YAML syntax errors with their line, wrong types,
unknown fields, ids and keys, duplicate keys (test_check.py, test_data.py); a roster with missing
columns, merged cells, numbers stored as text, GBK CSV and a damaged workbook (test_data_roster.py);
dates typed as 2024-06-30, 2024/6/30, 2024.6.30, 2024年6月30日, 20240630 (test_data.py); values the
workbook import cannot use (workbook/test_import.py).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.projects import data_problems, write_data

from assess.cli import cli
from assess.config.coerce import parse_date
from assess.config.data import load_data
from assess.config.project import load_project
from assess.errors import ExitCode

LAUGHS = "\n".join(
    [
        'a0: &a0 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]',
        *(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)),
    ]
)
"""The "billion laughs": nine levels of nine aliases, 387 million strings once expanded."""
BOMB_MESSAGE = "用 & 锚点和 * 别名层层引用，展开后超过 200000 项，疑似恶意文件，未读取。请不要嵌套使用别名"


def test_alias_bomb_in_data_is_refused_at_once(project_copy):
    write_data(project_copy, "measures.yaml", LAUGHS + "\ntcm_visit_share: *a8\n")
    start = time.monotonic()
    assert data_problems(project_copy) == [f"data/measures.yaml: {BOMB_MESSAGE}"]
    assert time.monotonic() - start < 30  # a guard against hanging, not a timing test: unguarded it takes minutes


def test_alias_bomb_in_the_standard_is_refused(project_copy):
    standard = project_copy / "standards" / "huimin-2023.yaml"
    standard.write_text(standard.read_text(encoding="utf-8") + "\n" + LAUGHS.replace("a", "x_a") + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--project", str(project_copy)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"standards/huimin-2023.yaml: {BOMB_MESSAGE}" in result.output


def test_anchors_used_as_intended_still_load(huimin):
    coverage = [t for i in huimin.standard.indicators for t in i.targets if t.applies_to]
    assert coverage and all(t.applies_to for t in coverage)  # the standard shares applies_to lists through &id001


def test_nesting_too_deep_for_the_parser_is_explained(project_copy):
    write_data(project_copy, "measures.yaml", "tcm_visit_share: " + "[" * 3000 + "1" + "]" * 3000 + "\n")
    (found,) = data_problems(project_copy)  # libyaml names the line; PyYAML's pure-Python reader cannot
    assert found in (f"data/measures.yaml{line}: YAML 嵌套层数过多（方括号、花括号或缩进层层套叠），无法读取，请检查文件内容" for line in ("", ":1"))


def test_data_file_saved_in_gbk_is_named(project_copy):
    (project_copy / "data").mkdir()
    (project_copy / "data" / "measures.yaml").write_bytes("tcm_visit_share: 31.2%  # 中医诊疗人次\n".encode("gbk"))
    assert data_problems(project_copy) == ["data/measures.yaml: 文件不是 UTF-8 编码，请用 UTF-8 另存后重试"]


def test_narrative_saved_in_gbk_is_named(project_copy):
    (project_copy / "data" / "narratives").mkdir(parents=True)
    (project_copy / "data" / "narratives" / "org-1.md").write_bytes("已纳入规划。".encode("gbk"))
    assert data_problems(project_copy) == ["data/narratives/org-1.md: 自评说明不是 UTF-8 编码，请用 UTF-8 另存后重试"]


def test_project_file_saved_with_a_byte_order_mark_loads(project_copy):
    config = project_copy / "assess.yaml"
    config.write_bytes(b"\xef\xbb\xbf" + config.read_bytes())  # Windows Notepad's "UTF-8 with BOM"
    assert load_project(project_copy).config.district == "呼和浩特市回民区"


@pytest.mark.parametrize("value", [45382, 45382.0, "45382", "４５３８２"])
def test_excel_date_serials_are_dates(value):
    assert parse_date(value) == date(2024, 3, 31)


@pytest.mark.parametrize("value", [45382.5, 2024, 12, 99999, True, "45382天"])
def test_numbers_that_are_not_date_serials(value):
    assert parse_date(value) is None


def test_every_date_format_in_the_rectification_plan(project_copy):
    formats = ["2024年3月31日", "2024/3/31", "2024.3.31", "2024-03-31", "45382", "'45382'"]
    plan = "".join(f"item-27:key{n}:\n  deadline: {text}\n" for n, text in enumerate(formats))
    write_data(project_copy, "rectification.yaml", plan)
    deadlines = {entry.deadline for entry in load_data(load_project(project_copy)).plan.values()}
    assert deadlines == {date(2024, 3, 31)}


def test_data_problems_never_show_a_traceback(project_copy):
    write_data(project_copy, "measures.yaml", LAUGHS + "\ntcm_visit_share: *a8\n")
    write_data(project_copy, "not-applicable.yaml", "dev-12: [无耕地\n")
    Path(project_copy / "evidence").mkdir()
    result = CliRunner().invoke(cli, ["status", "--project", str(project_copy)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "Traceback" not in result.output and "共发现 2 个问题" in result.output
