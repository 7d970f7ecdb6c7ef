"""Folder → indicator mapping: every accepted spelling, and the near-misses that must not match."""

from __future__ import annotations

import pytest

from assess.config.project import load_project
from assess.evidence.folders import FolderMatcher, department_of, folder_name


@pytest.fixture(scope="module")
def matcher(huimin):
    return FolderMatcher(huimin.standard)


@pytest.fixture(scope="module")
def national(repo_root):
    return load_project(repo_root, standard_override=repo_root / "standards/national-2021.yaml").standard


def test_every_init_folder_maps_back_to_its_indicator(huimin, matcher):
    for indicator in huimin.standard.indicators:
        assert matcher.match(folder_name(indicator)) is indicator, folder_name(indicator)


def test_national_standard_folders_map_back_too(national):
    matcher = FolderMatcher(national)
    assert [matcher.match(folder_name(i)).id for i in national.indicators] == [i.id for i in national.indicators]


@pytest.mark.parametrize(
    "folder",
    [
        "（一）3-研究部署中医药工作与联席会议",
        "(一)3 联席会议",
        "（一）3",
        "一3-联席会议",
        "一、3 联席会议",
        "一.3_联席会议",
        "（一）、3-纪要",
        "  （一）３－联席会议",
        "ＯＲＧ－３ 联席会议",
        "org-3",
    ],
)
def test_spellings_of_a_categorised_label(matcher, folder):
    assert matcher.match(folder).id == "org-3"


@pytest.mark.parametrize(
    "folder, indicator_id",
    [
        ("27-中医诊疗人次占比", "item-27"),
        ("２７ 中医诊疗人次", "item-27"),
        ("第27条 中医诊疗人次", "item-27"),
        ("第27项中医诊疗人次", "item-27"),
        ("27", "item-27"),
        ("item-27 补充材料", "item-27"),
        ("（二）10-院内制剂", "dev-10"),
        ("（二）1-职能部门", "dev-1"),
    ],
)
def test_numbered_labels_and_ids(matcher, folder, indicator_id):
    assert matcher.match(folder).id == indicator_id


@pytest.mark.parametrize(
    "folder",
    [
        "3-研究部署中医药工作",  # no category: not （一）3
        "一30-不存在",
        "（一）组织管理",
        "2023年材料",
        "27中医诊疗人次占比",  # no separator after the label
        "org-30",
        "中医诊疗人次占比",
        "其他材料",
    ],
)
def test_near_misses_name_no_indicator(matcher, folder):
    assert matcher.match(folder) is None


def test_longer_label_wins_over_its_prefix(national):
    matcher = FolderMatcher(national)
    assert matcher.match("12-资料").label == "12"
    assert matcher.match("1-资料").label == "1"


def test_suggestion_for_a_folder_named_by_title(matcher):
    assert matcher.suggest("中医诊疗人次占比") == "27-中医诊疗人次占比"


def test_department_from_subfolder_aliases(huimin):
    registry = huimin.registry
    assert department_of(["区卫健委"], registry) == "区卫健委"
    assert department_of(["卫健委"], registry) == "区卫健委"
    assert department_of(["区 卫健委"], registry) == "区卫健委"
    assert department_of(["2023年", "教育局"], registry) == "区教育局"
    assert department_of(["2023年"], registry) is None


def test_folder_name_drops_characters_windows_refuses(huimin):
    indicator = huimin.standard.indicators[0].model_copy(update={"title": 'A/B: "C"? <D>|E*.'})
    assert folder_name(indicator) == "（一）1-AB C DE"
