"""The whole engine over the real Huimin standard: gaps with stable keys, summaries, scores, history."""

from __future__ import annotations

from datetime import date

import yaml

from assess.assessment.engine import run_assessment
from assess.config.data import DistrictData, Measure, PlanEntry
from assess.config.project import load_project
from assess.config.records import GapStatus, Snapshot, Verdict
from assess.config.roster import Institution
from assess.evidence.model import EvidenceFile, EvidenceIndex, Flag


def filed(indicator_id: str, name: str, *flags: str, kind: str = "pdf") -> EvidenceFile:
    """An evidence file under the indicator's folder."""
    return EvidenceFile(
        path=f"{indicator_id}/{name}", indicator_id=indicator_id, size=100, mtime=0.0, sha256="0" * 64, kind=kind,
        flags=[Flag(code=code, message="材料日期 2022-05-01 不在创建期间内") for code in flags],
    )


def index_of(*files: EvidenceFile) -> EvidenceIndex:
    """An index of the given files, each indicator's folder named by its id."""
    return EvidenceIndex(files=list(files), folders={f.indicator_id: f.indicator_id for f in files})


def results_by_id(assessment):
    return {r.indicator.id: r for r in assessment.indicators}


def gaps_by_key(assessment):
    return {g.key: g for g in assessment.gaps}


ROSTER = [
    Institution(name="攸攸板镇卫生院", type="乡镇卫生院", town="攸攸板镇", tech_categories=5, tech_items=8),
    Institution(name="环河街社区卫生服务中心", type="社区卫生服务中心", town="环河街街道", tech_categories=7, tech_items=12),
    *[Institution(name=f"站{n}", type="社区卫生服务站", tech_categories=4, tech_items=6, has_tcm_pavilion=n == 0) for n in range(20)],
]


def test_failed_metric_becomes_a_gap_with_its_problem_and_departments(huimin):
    data = DistrictData(measures={"tcm_visit_share": Measure(value=31.2)})
    assessment = run_assessment(huimin, index_of(filed("item-27", "诊疗人次统计报表.pdf")), data)
    result = results_by_id(assessment)["item-27"]
    assert result.verdict is Verdict.NOT_MET
    assert result.reasons[0] == "中医诊疗人次占总诊疗人次的比例 31.2%，低于目标 3.8 个百分点（目标 ≥35%）"
    gap = gaps_by_key(assessment)["item-27:tcm_visit_share"]
    assert gap.problem == result.reasons[0]
    assert (gap.indicator_label, gap.lead, gap.deadline, gap.status, gap.overdue) == ("27", ["区卫健委"], date(2024, 9, 30), GapStatus.OPEN, False)


def test_each_short_institution_is_its_own_gap_when_every_one_must_pass(huimin):
    assessment = run_assessment(huimin, EvidenceIndex(), DistrictData(institutions=ROSTER))
    gap = gaps_by_key(assessment)["item-28:centre_tech_coverage:攸攸板镇卫生院"]
    assert gap.problem == "攸攸板镇卫生院 适宜技术 5类8项，未达 6类10项"
    assert "未达标机构 1 家：攸攸板镇卫生院（适宜技术 5类8项，未达 6类10项）" in results_by_id(assessment)["item-28"].reasons
    assert "item-28:post_tech_coverage" not in gaps_by_key(assessment)


def test_a_share_target_below_100_percent_is_one_gap_not_one_per_institution(huimin):
    assessment = run_assessment(huimin, EvidenceIndex(), DistrictData(institutions=ROSTER))
    keys = [k for k in gaps_by_key(assessment) if k.startswith("item-20:post_tcm_pavilion_coverage")]
    assert keys == ["item-20:post_tcm_pavilion_coverage"]
    assert gaps_by_key(assessment)[keys[0]].problem.endswith("5%（1/20），低于目标 5 个百分点，还需 1 家机构达标（目标 ≥10%）")


def test_evidence_shortfalls_have_their_own_keys(huimin):
    index = index_of(
        filed("org-4", "回民区创建实施方案（2023年6月）.pdf"),
        filed("org-4", "2023年度工作计划.pdf"),
        filed("org-4", "旧计划.pdf", "out_of_period"),
    )
    assessment = run_assessment(huimin, index, DistrictData(narratives={"org-4": "已制定方案。"}))
    result = results_by_id(assessment)["org-4"]
    assert result.verdict is Verdict.MET
    assert result.missing_evidence == ["督导检查记录", "年度总结"]
    assert "未识别到的典型佐证：督导检查记录、年度总结（文件名中未见这些材料名称，请补充或在文件名中注明）" in result.reasons
    assert result.evidence_folder == "evidence/org-4"
    gaps = gaps_by_key(assessment)
    assert gaps["org-4:evidence:年度总结"].problem == "未识别到佐证：年度总结"
    assert gaps["org-4:file:org-4/旧计划.pdf"].problem == "佐证材料“org-4/旧计划.pdf”：材料日期 2022-05-01 不在创建期间内"
    assert "org-4:evidence" not in gaps


def test_an_indicator_with_nothing_gets_one_evidence_gap_not_one_per_item(huimin):
    assessment = run_assessment(huimin, EvidenceIndex(), DistrictData())
    gaps = [g for g in assessment.gaps if g.indicator_id == "org-2"]
    assert [(g.key, g.problem) for g in gaps] == [("org-2:evidence", "尚无佐证材料，应提供：会议纪要、学习照片")]
    assert results_by_id(assessment)["org-2"].reasons == ["尚未填报实测值、提供佐证材料或撰写自评说明", gaps[0].problem, "尚无自评说明"]


def test_not_applicable_indicator_has_its_reason_and_no_gaps(huimin):
    assessment = run_assessment(huimin, EvidenceIndex(), DistrictData(not_applicable={"dev-12": "无耕地"}))
    assert results_by_id(assessment)["dev-12"].reasons == ["不适用：无耕地"]
    assert not [g for g in assessment.gaps if g.indicator_id == "dev-12"]


def test_fully_proven_indicator_is_met_with_no_gaps(huimin):
    index = index_of(filed("dev-1", "关于设置中医药管理科的批复.pdf"), filed("dev-1", "三定方案.pdf"))
    assessment = run_assessment(huimin, index, DistrictData(narratives={"dev-1": "已设置。"}))
    result = results_by_id(assessment)["dev-1"]
    assert (result.verdict, result.reasons) == (Verdict.MET, ["可用佐证材料 2 份"])
    assert not [g for g in assessment.gaps if g.indicator_id == "dev-1"]


def test_department_summary_counts_open_and_overdue_gaps_it_leads(huimin):
    plan = {"dev-7:evidence": PlanEntry(deadline=date(2024, 3, 31), status=GapStatus.IN_PROGRESS)}
    assessment = run_assessment(huimin, EvidenceIndex(), DistrictData(plan=plan))
    insurance = next(d for d in assessment.departments if d.short == "区医保局")
    assert (insurance.lead, insurance.support, insurance.open_gaps, insurance.overdue_gaps) == (["dev-7"], [], 1, 1)
    assert [r.indicator.id for r in assessment.indicators_for("区医保局")] == ["dev-7"]
    assert [g.key for g in assessment.gaps_for("区医保局", overdue=True)] == ["dev-7:evidence"]


def test_as_of_date_decides_what_is_overdue_and_is_the_report_date(huimin):
    plan = {"dev-7:evidence": PlanEntry(deadline=date(2024, 7, 31))}
    early = run_assessment(huimin, EvidenceIndex(), DistrictData(plan=plan))
    late = run_assessment(huimin, EvidenceIndex(), DistrictData(plan=plan), as_of=date(2024, 8, 1))
    assert (early.report_date, gaps_by_key(early)["dev-7:evidence"].overdue) == (date(2024, 6, 30), False)
    assert (late.report_date, gaps_by_key(late)["dev-7:evidence"].overdue) == (date(2024, 8, 1), True)


def test_history_is_the_recorded_snapshots_before_the_date_then_this_run(huimin):
    counts = {v: 0 for v in Verdict}
    recorded = [Snapshot(date=date(2024, d.month, 1), counts=counts, open_gaps={}) for d in (date(2024, 1, 1), date(2024, 6, 1), date(2024, 8, 1))]
    assessment = run_assessment(huimin, EvidenceIndex(), DistrictData(history=recorded))
    assert [s.date for s in assessment.history] == [date(2024, 1, 1), date(2024, 6, 1), date(2024, 6, 30)]
    current = assessment.history[-1]
    assert current.counts[Verdict.NOT_ASSESSED] == 42 and sum(current.counts.values()) == 42
    assert current.open_gaps["区医保局"] == 1 and current.open_gaps["区卫健委"] > 0


def test_categories_count_verdicts_and_unweighted_standards_have_no_score(huimin):
    assessment = run_assessment(huimin, EvidenceIndex(), DistrictData())
    org = next(c for c in assessment.categories if c.id == "org")
    assert (org.counts[Verdict.NOT_ASSESSED], org.score, assessment.total_score, assessment.max_score) == (5, None, None, None)


def test_weights_give_full_half_or_no_score_and_not_applicable_leaves_the_total(project_copy):
    path = project_copy / "standards" / "huimin-2023.yaml"
    standard = yaml.safe_load(path.read_text(encoding="utf-8"))
    weights = {"org-1": 4, "org-3": 3, "org-4": 1, "item-30": 2}
    for indicator in standard["indicators"]:
        indicator["weight"] = weights.get(indicator["id"])
    path.write_text(yaml.safe_dump(standard, allow_unicode=True), encoding="utf-8")
    project = load_project(project_copy)
    index = index_of(filed("org-1", "国民经济和社会发展规划.pdf"), filed("item-30", "健康管理统计报表.xlsx"))
    measures = {"elderly_tcm_management_rate": Measure(value=76.8), "child_tcm_management_rate": Measure(value=81.2)}
    assessment = run_assessment(project, index, DistrictData(measures=measures, narratives={"org-1": "已纳入。"}, not_applicable={"org-3": "示例"}))
    results = results_by_id(assessment)
    assert [(results[i].verdict, results[i].score) for i in weights] == [
        (Verdict.MET, 4.0), (Verdict.NOT_APPLICABLE, None), (Verdict.NOT_ASSESSED, 0.0), (Verdict.PARTIAL, 1.0),
    ]
    categories = {c.id: (c.score, c.max_score) for c in assessment.categories}
    assert (categories["org"], categories["service"], categories["dev"]) == ((4.0, 5.0), (1.0, 2.0), (None, None))
    assert (assessment.total_score, assessment.max_score) == (5.0, 7.0)


def test_assessment_serialises_for_the_renderers(huimin):
    assessment = run_assessment(huimin, EvidenceIndex(), DistrictData(institutions=ROSTER))
    dumped = assessment.model_dump(mode="json")
    assert dumped["history"][-1]["counts"]["未评估"] >= 1
    assert type(assessment).model_validate(dumped).gaps == assessment.gaps


def test_a_file_proving_two_indicators_is_no_gap(huimin):
    index = index_of(filed("org-3", "联席会议纪要.pdf", "duplicate"), filed("org-3", "旧纪要.pdf", "corrupt"))
    assessment = run_assessment(huimin, index, DistrictData())
    keys = [g.key for g in assessment.gaps if g.indicator_id == "org-3"]
    assert "org-3:file:org-3/旧纪要.pdf" in keys
    assert "org-3:file:org-3/联席会议纪要.pdf" not in keys
