"""Loading data/: measured values, narratives, applicability, the plan and history, with located errors."""

from __future__ import annotations

from datetime import date

import pytest
from support.projects import data_problems, write_data

from assess.config.coerce import parse_count, parse_date, parse_mark, parse_number
from assess.config.data import load_data
from assess.config.project import load_project
from assess.config.records import GapStatus, Verdict


def test_sample_data_loads_with_numbers_and_dates_typed_as_text(huimin):
    data = load_data(huimin)
    assert data.measures["tcm_visit_share"].value == 31.2  # written "31.2%"
    assert data.measures["child_tcm_management_rate"].value == 81.2  # written '81.2'
    assert data.measures["tcm_hospital_emr_level"].value == 4  # written 4级
    assert data.measures["tcm_hospital_grade"].value == "二级甲等"
    assert data.measures["tcm_hospital_grade"].date == date(2023, 11, 20)  # written 2023年11月20日
    assert len(data.institutions) == 44 and data.roster_file == "data/institutions.xlsx"
    assert len(data.narratives) == 36 and data.narratives["org-1"].startswith("（示例）")
    assert "dev-12" in data.not_applicable
    entry = data.plan["item-28:centre_tech_coverage:攸攸板镇卫生院"]
    assert entry.deadline == date(2024, 5, 31) and entry.status is GapStatus.IN_PROGRESS
    assert [s.date for s in data.history] == [date(2024, 1, 15), date(2024, 3, 31)]
    assert data.history[1].counts[Verdict.NOT_APPLICABLE] == 1


def test_missing_data_folder_gives_empty_data(project_copy):
    data = load_data(load_project(project_copy))
    assert data.measures == {} and data.institutions == [] and data.plan == {} and data.history == []


@pytest.mark.parametrize(
    "text",
    ["2024-06-30", "2024/6/30", "2024.6.30", "2024年6月30日", "2024 年 6 月 30 日", "2024年6月30号", "20240630", "２０２４年６月３０日"],
)
def test_dates_in_the_formats_offices_type(text):
    assert parse_date(text) == date(2024, 6, 30)


@pytest.mark.parametrize("text", ["2024年13月1日", "6/30/2024", "上半年", ""])
def test_text_that_is_not_a_date(text):
    assert parse_date(text) is None


def test_numbers_stored_as_text():
    assert parse_number("31.2%", "%") == parse_number(31.2) == parse_number("３１．２％")
    assert str(parse_number("0.72名/万人", "名/万人")) == "0.72"
    assert parse_number("约30") is None and parse_number(True) is None
    assert parse_count("5项") == 5 and parse_count(8.0) == 8 and parse_count("5.5") is None and parse_count(-1) is None


def test_marks_offices_use_for_yes_and_no():
    assert [parse_mark(v) for v in ("是", "有", "√", "✓", "Y", 1, True)] == [True] * 7
    assert [parse_mark(v) for v in ("否", "无", "×", "N", 0, False)] == [False] * 6
    with pytest.raises(ValueError):
        parse_mark("大概")


def test_unknown_metric_key_names_the_line_and_the_closest_key(project_copy):
    write_data(project_copy, "measures.yaml", "public_satisfaction: 93\ntcm_visit_shar: 30\n")
    assert data_problems(project_copy) == ["data/measures.yaml:2: 未知的指标键“tcm_visit_shar”，是否应为“tcm_visit_share”？"]


def test_metric_written_by_its_chinese_name_suggests_the_key(project_copy):
    write_data(project_copy, "measures.yaml", "中医诊疗人次占总诊疗人次的比例: 30\n")
    [message] = data_problems(project_copy)
    assert "是否应为“tcm_visit_share”（中医诊疗人次占总诊疗人次的比例）？" in message


def test_value_that_is_not_a_number_is_located(project_copy):
    write_data(project_copy, "measures.yaml", "public_satisfaction:\n  value: 九成\n  source: 调查\n")
    assert data_problems(project_copy) == ["data/measures.yaml:1: “public_satisfaction”（群众对中医药服务满意率）的实测值应为数字（如 31.2），实际为“九成”"]


def test_level_outside_the_scale_suggests_the_closest_level(project_copy):
    write_data(project_copy, "measures.yaml", "tcm_hospital_grade: 二甲\n")
    [message] = data_problems(project_copy)
    assert message.startswith("data/measures.yaml:1: “tcm_hospital_grade”（区级中医医院等级）的实测值“二甲”不是有效等级")
    assert message.endswith("是否应为“二级甲等”？")


def test_coverage_metrics_are_not_typed_in_but_computed_from_the_roster(project_copy):
    write_data(project_copy, "measures.yaml", "centre_tech_coverage: 100\n")
    [message] = data_problems(project_copy)
    assert "由机构名册按机构逐一计算" in message


def test_unreadable_date_and_unknown_field_are_located(project_copy):
    write_data(project_copy, "measures.yaml", "public_satisfaction:\n  value: 93\n  date: 去年年底\n  sauce: 调查\n")
    found = data_problems(project_copy)
    assert "data/measures.yaml:3: 字段“public_satisfaction.date”：无法识别的日期“去年年底”，请写成 2024-06-30、2024/6/30 或 2024年6月30日" in found
    assert "data/measures.yaml:4: 未知字段“public_satisfaction.sauce”（是否拼写错误？）" in found


def test_plan_with_an_invalid_status_names_the_choices(project_copy):
    write_data(project_copy, "rectification.yaml", "item-27:tcm_visit_share:\n  measure: 推广\n  status: 完成了\n")
    assert data_problems(project_copy) == ["data/rectification.yaml:3: 字段“item-27:tcm_visit_share.status”：状态“完成了”无效，可选：未整改、整改中、已整改"]


def test_not_applicable_for_an_unknown_indicator(project_copy):
    write_data(project_copy, "not-applicable.yaml", "dev-12: 无耕地\ndev-99: 写错了\n")
    assert data_problems(project_copy) == ["data/not-applicable.yaml:2: 未知的指标 id“dev-99”，是否应为“dev-9”？"]


def test_narrative_named_after_no_indicator(project_copy):
    write_data(project_copy, "narratives/item-27.md", "已推进。\n")
    write_data(project_copy, "narratives/item27.md", "文件名写错。\n")
    assert data_problems(project_copy) == ["data/narratives/item27.md: 未知的指标 id“item27”，是否应为“item-27”？"]


def test_every_problem_in_every_file_is_reported_at_once(project_copy):
    write_data(project_copy, "measures.yaml", "public_satisfaction: [93\n")
    write_data(project_copy, "history.yaml", "snapshots:\n- date: 2024-01-01\n")
    write_data(project_copy, "not-applicable.yaml", "nope: 理由\n")
    found = data_problems(project_copy)
    assert [f.split(":")[0] for f in found] == ["data/measures.yaml", "data/not-applicable.yaml", "data/history.yaml", "data/history.yaml"]
    assert found[0].startswith("data/measures.yaml:2: YAML 语法错误")


def test_empty_files_count_as_no_data(project_copy):
    write_data(project_copy, "measures.yaml", "# 尚未填写\n")
    write_data(project_copy, "rectification.yaml", "")
    data = load_data(load_project(project_copy))
    assert data.measures == {} and data.plan == {}
