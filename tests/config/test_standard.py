"""The Huimin catalogue is captured faithfully, and a second standard loads with no code change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assess.config.project import load_project

PLAN = "003_5783bd425c328937.txt"


def seed_items(seeds: Path) -> list[tuple[str, str, list[str]]]:
    """(number, requirement, departments) of every item in section 三 of the Huimin plan."""
    text = (seeds / PLAN).read_text(encoding="utf-8")
    section = text[text.index("三、主要建设指标") : text.index("四、工作步骤")]
    items = []
    for line in section.splitlines():
        match = re.match(r"^\s*(\d+)\.(.*)[（(]([^（）()]+)[)）]\s*$", line)
        if match:
            number, requirement, departments = match.groups()
            items.append((number, requirement.strip(), departments.split("、")))
    return items


@pytest.fixture(scope="module")
def seeds(repo_root: Path) -> Path:
    path = repo_root.parent / "shared" / "seeds"
    if not path.is_dir():
        pytest.skip("../shared/seeds is not available")
    return path


def test_all_42_items_with_printed_labels(huimin):
    labels = [i.label for i in huimin.standard.indicators]
    assert len(labels) == 42
    assert labels[:5] == ["（一）1", "（一）2", "（一）3", "（一）4", "（一）5"]
    assert labels[5:19] == [f"（二）{n}" for n in range(1, 15)]
    assert labels[19:] == [str(n) for n in range(15, 38)]
    assert len({i.id for i in huimin.standard.indicators}) == 42


def test_category_sizes_follow_the_plan(huimin):
    sizes = {c.name: len(huimin.standard.indicators_in(c.id)) for c in huimin.standard.categories}
    assert sizes == {
        "组织管理": 5,
        "促进发展": 14,
        "服务体系": 7,
        "人才队伍建设": 4,
        "中医药服务": 8,
        "监督考核": 3,
        "满意率和知晓率": 1,
    }


def test_requirements_and_departments_match_the_seed(huimin, seeds):
    expected = seed_items(seeds)
    assert len(expected) == 42
    for indicator, (number, requirement, departments) in zip(huimin.standard.indicators, expected):
        assert indicator.label.endswith(number)
        assert indicator.requirement == requirement
        assert indicator.departments.all == departments
        assert indicator.departments.lead == departments[:1]


def test_items_with_numbers_carry_structured_targets(huimin):
    by_label = {i.label: i for i in huimin.standard.indicators}
    for label in ["（一）5", "15", "18", "19", "20", "21", "22", "27", "28", "30", "33", "34", "37"]:
        assert by_label[label].targets, f"指标 {label} 缺少量化目标"
    assert by_label["27"].targets[0].threshold_text == "≥35%"
    assert by_label["22"].targets[0].threshold_text == "0.6–0.8名/万人"
    assert by_label["15"].targets[0].threshold_text == "≥二级甲等"
    assert by_label["21"].targets[0].threshold_text == "≥4级"
    tech = by_label["28"].targets
    assert [t.applies_to for t in tech] == [["社区卫生服务中心", "乡镇卫生院"], ["社区卫生服务站", "村卫生室"]]
    assert [(c.field, c.value) for c in tech[0].condition] == [("tech_categories", 6), ("tech_items", 10)]
    assert [(c.field, c.value) for c in tech[1].condition] == [("tech_categories", 4), ("tech_items", 6)]
    assert [t.threshold_text for t in by_label["37"].targets] == ["≥90%", "≥90%", "≥85%", "≥85%"]


def test_every_indicator_names_typical_evidence(huimin):
    assert all(i.evidence for i in huimin.standard.indicators)


def test_registry_has_the_17_departments_of_the_plan(huimin, seeds):
    named = {d for _, _, departments in seed_items(seeds) for d in departments}
    shorts = {d.short for d in huimin.registry.departments}
    assert len(shorts) == 17
    assert shorts == named
    assert huimin.registry.find("卫健委").short == "区卫健委"
    assert huimin.registry.find("区卫生健康委员会").short == "区卫健委"
    assert {u.name for u in huimin.registry.units} >= {"攸攸板镇", "阿北中心"}
    assert sum(1 for u in huimin.registry.units if u.kind == "街道") == 7


def test_project_file_carries_the_plan_phases(huimin):
    phases = {p.id: (p.name, p.start.isoformat(), p.end.isoformat()) for p in huimin.config.phases}
    assert phases == {
        "prepare": ("筹备阶段", "2023-06-01", "2023-06-30"),
        "implement": ("实施阶段", "2023-07-01", "2023-12-31"),
        "rectify": ("整改提升阶段", "2024-01-01", "2024-09-30"),
    }


def test_national_standard_loads_with_no_code_change(repo_root):
    project = load_project(repo_root, standard_override=repo_root / "standards" / "national-2021.yaml")
    indicators = project.standard.indicators
    assert len(indicators) == 18
    assert next(c.name for c in project.standard.categories) == "基层中医药服务覆盖面"
    assert indicators[12].targets[0].threshold_text == "0.6–0.8名/万人"
    assert indicators[17].requirement.startswith("鼓励政府举办的县级中医医院牵头组建紧密型医共体")
