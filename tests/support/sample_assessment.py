"""A hand-built Assessment over the real Huimin standard, for testing renderers in isolation.

Renderers only present; this fixture gives them every verdict, gaps (one overdue), coverage
targets with named institutions and evidence entries, without running the engine.
"""

from __future__ import annotations

from datetime import date

from assess.assessment.engine import (
    category_summaries,
    department_summaries,
    project_facts,
)
from assess.assessment.model import (
    Assessment,
    Gap,
    IndicatorResult,
    InstitutionCheck,
    TargetResult,
)
from assess.config.project import Project
from assess.config.records import GapStatus, Verdict
from assess.evidence.model import EvidenceFile, Flag

CYCLE = [Verdict.MET, Verdict.MET, Verdict.PARTIAL, Verdict.NOT_MET, Verdict.INSUFFICIENT, Verdict.MET, Verdict.NOT_ASSESSED]


def _evidence(indicator_id: str, label: str, count: int) -> list[EvidenceFile]:
    """`count` evidence entries; the second one of each indicator is flagged as out of period."""
    files = []
    for n in range(count):
        flags = [Flag(code="out_of_period", message="材料日期 2022-05-01 不在创建期间内")] if n == 1 else []
        files.append(
            EvidenceFile(
                path=f"{label}/示例材料{n + 1}（2023年7月15日）.pdf",
                indicator_id=indicator_id,
                department="区卫健委",
                size=1000 + n,
                mtime=1_690_000_000.0,
                sha256=f"{n:064x}",
                kind="pdf",
                pages=n + 1,
                evidence_date=date(2023, 7, 15),
                date_source="filename",
                flags=flags,
            )
        )
    return files


def build_sample_assessment(project: Project) -> Assessment:
    """One result per indicator, verdicts cycling through the list above."""
    standard = project.standard
    results = []
    gaps = []
    for position, indicator in enumerate(standard.indicators):
        verdict = CYCLE[position % len(CYCLE)]
        category = standard.category(indicator.category)
        targets = [
            TargetResult(
                metric=t.metric,
                name=t.name,
                target_text=t.threshold_text,
                actual=31.2 if verdict is Verdict.NOT_MET else 96.0,
                actual_text="31.2%" if verdict is Verdict.NOT_MET else "96%",
                met=verdict is not Verdict.NOT_MET,
                shortfall="低于目标 3.8 个百分点" if verdict is Verdict.NOT_MET else None,
                period="2023年",
                source="示例统计报表",
                institutions=[
                    InstitutionCheck(institution="攸攸板镇卫生院", type="乡镇卫生院", town="攸攸板镇", passed=False, detail="适宜技术 5类8项"),
                    InstitutionCheck(institution="环河街社区卫生服务中心", type="社区卫生服务中心", town="环河街街道", passed=True, detail="适宜技术 7类12项"),
                ]
                if t.applies_to
                else [],
            )
            for t in indicator.targets
        ]
        results.append(
            IndicatorResult(
                indicator=indicator,
                category_name=category.name,
                category_label=category.label,
                lead=indicator.departments.lead,
                support=indicator.departments.support,
                verdict=verdict,
                reasons=[f"示例理由：{verdict.value}"],
                targets=targets,
                evidence=_evidence(indicator.id, indicator.label, 0 if verdict is Verdict.INSUFFICIENT else 2),
                evidence_folder=f"evidence/{indicator.label}-{indicator.title}",
                missing_evidence=indicator.evidence[:1] if verdict is Verdict.INSUFFICIENT else [],
                narrative=f"（示例）{indicator.title}：已按要求推进，形成相关文件和记录。",
            )
        )
        if verdict in (Verdict.PARTIAL, Verdict.NOT_MET, Verdict.INSUFFICIENT):
            overdue = position % 2 == 0
            gaps.append(
                Gap(
                    key=f"{indicator.id}:sample",
                    indicator_id=indicator.id,
                    indicator_label=indicator.label,
                    problem=f"{indicator.title}：示例问题",
                    lead=indicator.departments.lead,
                    support=indicator.departments.support,
                    measure="（示例）制定整改方案并落实",
                    owner=indicator.departments.lead[0] if indicator.departments.lead else None,
                    deadline=date(2024, 3, 31) if overdue else date(2024, 9, 30),
                    status=GapStatus.IN_PROGRESS if overdue else GapStatus.OPEN,
                    overdue=overdue,
                )
            )
    return Assessment(
        **project_facts(project, project.config.report_date),
        indicators=results,
        categories=category_summaries(standard, results),
        departments=department_summaries(project.registry, results, gaps),
        gaps=gaps,
    )
