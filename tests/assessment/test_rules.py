"""Verdict rules, exact comparisons at the boundaries, institution roll-ups and evidence matching."""

from __future__ import annotations

import pytest

from assess.assessment.engine import Facts, decide, evidence_present
from assess.assessment.model import TargetResult
from assess.assessment.targets import check_institution, evaluate
from assess.config.data import Measure
from assess.config.records import Verdict
from assess.config.roster import Institution
from assess.config.standard import Target
from assess.evidence.model import EvidenceFile, Flag

SHARE = Target(metric="share", name="中医诊疗人次占比", op=">=", value=35, unit="%")
GP = Target(metric="gp", name="每万人中医类别全科医生数", op="between", range=(0.6, 0.8), unit="名/万人")
GRADE = Target(metric="grade", name="医院等级", op=">=", value="二级甲等", scale=["一级", "二级乙等", "二级甲等", "三级甲等"])
TECH = Target.model_validate({
    "metric": "tech", "name": "能开展6类10项的中心和卫生院占比", "op": ">=", "value": 100, "unit": "%",
    "applies_to": ["社区卫生服务中心", "乡镇卫生院"],
    "condition": [
        {"field": "tech_categories", "name": "适宜技术类数", "op": ">=", "value": 6},
        {"field": "tech_items", "name": "适宜技术项数", "op": ">=", "value": 10},
    ],
})
PAVILION = Target.model_validate({
    "metric": "pavilion", "name": "设置中医阁的站和村卫生室占比", "op": ">=", "value": 10, "unit": "%",
    "applies_to": ["社区卫生服务站", "村卫生室"],
    "condition": [{"field": "has_tcm_pavilion", "name": "设置中医阁", "op": "==", "value": True}],
})


def result(met: bool | None, metric: str = "m") -> TargetResult:
    """A target result that is met, missed, or without a value."""
    return TargetResult(metric=metric, name=metric, target_text="≥1", actual_text="1", met=met)


def evidence(name: str = "会议纪要.pdf", *flags: str, kind: str = "pdf") -> EvidenceFile:
    """An evidence file, flagged with the given codes."""
    return EvidenceFile(
        path=f"（一）2-传达学习/{name}", indicator_id="org-2", size=10, mtime=0.0, sha256="0" * 64, kind=kind,
        flags=[Flag(code=code, message=f"{code} 说明") for code in flags],
    )


def facts(targets=(), files=(), missing=(), narrative="已推进。", not_applicable=None) -> Facts:
    """The facts of one indicator, defaulting to a narrative and nothing else."""
    return Facts(list(targets), list(files), list(missing), narrative, not_applicable)


def station(name: str, pavilion: bool | None, kind: str = "社区卫生服务站") -> Institution:
    """A 站 or 村卫生室 with or without a 中医阁."""
    return Institution(name=name, type=kind, has_tcm_pavilion=pavilion)


# --- verdict rules, in the order they apply ---


def test_declared_not_applicable_wins_over_everything():
    assert decide(facts([result(False)], not_applicable="无耕地")) is Verdict.NOT_APPLICABLE


def test_nothing_at_all_is_not_assessed():
    assert decide(facts([result(None)], narrative=None)) is Verdict.NOT_ASSESSED


def test_failing_every_measured_target_is_not_met():
    assert decide(facts([result(False), result(None)], [evidence()])) is Verdict.NOT_MET


def test_meeting_some_targets_and_failing_others_is_partial():
    assert decide(facts([result(True), result(False)], [evidence()])) is Verdict.PARTIAL


def test_targets_met_without_usable_evidence_is_insufficient():
    assert decide(facts([result(True)], [evidence("扫描件.pdf", "corrupt")])) is Verdict.INSUFFICIENT


def test_narrative_without_evidence_is_insufficient():
    assert decide(facts()) is Verdict.INSUFFICIENT


def test_evidence_but_no_measured_value_for_any_target_is_not_assessed():
    assert decide(facts([result(None)], [evidence()])) is Verdict.NOT_ASSESSED


def test_a_target_without_value_beside_a_met_one_is_partial():
    assert decide(facts([result(True), result(None)], [evidence()])) is Verdict.PARTIAL


def test_typical_evidence_not_recognised_by_name_does_not_lower_the_verdict():
    assert decide(facts([result(True)], [evidence()], missing=["学习记录"])) is Verdict.MET


def test_everything_met_and_proven_is_met_even_with_an_out_of_period_file():
    assert decide(facts([result(True)], [evidence(), evidence("旧文件.pdf", "out_of_period")])) is Verdict.MET


# --- exact comparisons ---


def measure(value: float | str) -> Measure:
    return Measure(value=value, period="2023年", source="统计年报")


@pytest.mark.parametrize(("value", "met"), [(35, True), (35.0, True), (34.99, False), (35.01, True)])
def test_exactly_35_percent_meets_at_least_35(value, met):
    assert evaluate(SHARE, measure(value), []).met is met


def test_shortfall_says_by_how_many_points():
    outcome = evaluate(SHARE, measure(31.2), [])
    assert (outcome.actual_text, outcome.shortfall, outcome.target_text) == ("31.2%", "低于目标 3.8 个百分点", "≥35%")
    assert (outcome.period, outcome.source) == ("2023年", "统计年报")


@pytest.mark.parametrize(("value", "met", "shortfall"), [
    (0.6, True, None), (0.8, True, None), (0.72, True, None),
    (0.59, False, "低于下限 0.01名/万人"), (0.81, False, "高于上限 0.01名/万人"),
])
def test_range_includes_both_bounds(value, met, shortfall):
    outcome = evaluate(GP, measure(value), [])
    assert (outcome.met, outcome.shortfall) == (met, shortfall)


@pytest.mark.parametrize(("level", "met"), [("二级甲等", True), ("三级甲等", True), ("二级乙等", False)])
def test_levels_compare_by_position_in_the_scale(level, met):
    outcome = evaluate(GRADE, measure(level), [])
    assert outcome.met is met and outcome.actual_text == level
    assert outcome.shortfall == (None if met else "未达到 ≥二级甲等")


def test_no_measured_value_is_reported_not_guessed():
    outcome = evaluate(SHARE, None, [])
    assert (outcome.met, outcome.actual_text) == (None, "未填报")


# --- institution roll-ups ---


def test_exactly_ten_percent_of_posts_with_a_pavilion_meets_the_target():
    posts = [station(f"站{n}", n < 3) for n in range(30)]
    outcome = evaluate(PAVILION, None, posts, "data/institutions.xlsx")
    assert (outcome.met, outcome.actual, outcome.actual_text) == (True, 10.0, "10%（3/30）")
    assert outcome.source == "data/institutions.xlsx"


def test_short_coverage_says_how_many_more_institutions_are_needed():
    posts = [station(f"站{n}", n < 2) for n in range(30)]
    outcome = evaluate(PAVILION, None, posts)
    assert outcome.met is False
    assert outcome.actual_text == "6.67%（2/30）"
    assert outcome.shortfall == "低于目标 3.33 个百分点，还需 1 家机构达标"


def test_only_institutions_of_the_listed_types_count():
    roster = [station("站", True), station("村", False, "村卫生室"), Institution(name="中心", type="社区卫生服务中心", has_tcm_pavilion=False)]
    assert evaluate(PAVILION, None, roster).actual_text == "50%（1/2）"


def test_coverage_without_applicable_institutions_is_not_judged():
    outcome = evaluate(TECH, None, [station("站", True)])
    assert (outcome.met, outcome.actual_text, outcome.institutions) == (None, "名册中无适用机构", [])


def test_each_institution_short_of_the_target_is_named_with_what_it_has():
    roster = [
        Institution(name="攸攸板镇卫生院", type="乡镇卫生院", town="攸攸板镇", tech_categories=5, tech_items=8),
        Institution(name="环河街社区卫生服务中心", type="社区卫生服务中心", tech_categories=6, tech_items=10),
    ]
    outcome = evaluate(TECH, None, roster)
    short, exact = outcome.institutions
    assert (short.passed, short.detail, short.shortfall, short.town) == (False, "适宜技术 5类8项", "适宜技术 5类8项，未达 6类10项", "攸攸板镇")
    assert (exact.passed, exact.detail, exact.shortfall) == (True, "适宜技术 6类10项", None)
    assert outcome.actual_text == "50%（1/2）"


def test_a_blank_roster_cell_never_passes():
    check = check_institution(station("站", None), PAVILION.condition)
    assert (check.passed, check.detail, check.shortfall) == (False, "设置中医阁：未填报", "设置中医阁：未填报")


def test_yes_no_conditions_read_plainly():
    assert check_institution(station("站", False), PAVILION.condition).shortfall == "设置中医阁：否"


# --- expected evidence matched by file name ---


@pytest.mark.parametrize(("item", "name", "found"), [
    ("会议纪要", "2023年7月15日区委常委会会议纪要.pdf", True),
    ("国民经济和社会发展规划文本", "国民经济和社会发展规划.pdf", True),
    ("监督科室设置文件或人员任命", "区卫生监督所人员任命通知.pdf", True),
    ("常委会/常务会会议纪要", "区政府常务会会议纪要.pdf", True),
    ("学习记录", "会议纪要.pdf", False),
    ("会议照片", "IMG_0001.jpg", True),
])
def test_expected_evidence_is_matched_by_file_name(item, name, found):
    kind = "jpeg" if name.endswith(".jpg") else "pdf"
    assert evidence_present(item, [evidence(name, kind=kind)], "（一）2-传达学习") is found


def test_the_indicator_folder_name_itself_is_no_evidence():
    file = evidence("通知.pdf")
    assert not evidence_present("传达学习", [file], "（一）2-传达学习")
