"""The assessment's data model: the one structure every renderer (Word, Excel, PDF) consumes.

So the three documents can never disagree. `assess.assessment.engine.run_assessment` fills it. The
models import only the input models they carry (indicator, phase, evidence file, and the recorded
vocabulary of verdicts and statuses), never code that computes.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from assess.config.project import Phase
from assess.config.records import GapStatus, Snapshot, Verdict
from assess.config.standard import Indicator
from assess.evidence.model import EvidenceFile

ASSESSMENT_FILE = "assessment.json"
"""The full Assessment as JSON under output/, written by `build` and `status` for other tools."""


class InstitutionCheck(BaseModel):
    """One institution against one coverage target: passed or not, and why."""

    institution: str = Field(description="机构名称")
    type: str = Field(description="机构类型")
    town: str | None = Field(default=None, description="所属街道/镇")
    passed: bool
    detail: str = Field(description="实际情况，如 适宜技术 5类8项")
    shortfall: str | None = Field(default=None, description="未达要求的说明，如 适宜技术 5类8项，未达 6类10项")


class TargetResult(BaseModel):
    """A target compared with its measured or computed value."""

    metric: str
    name: str = Field(description="衡量的内容")
    target_text: str = Field(description="目标值，如 ≥35%")
    actual: float | str | None = Field(default=None, description="实际值；未填报时为空")
    actual_text: str = Field(description="实际值的显示文本，如 31.2%、未填报")
    met: bool | None = Field(description="是否达到；无数据时为空")
    shortfall: str | None = Field(default=None, description="差距说明，如 低于目标 3.8 个百分点")
    period: str | None = Field(default=None, description="实测值所属期间")
    source: str | None = Field(default=None, description="数据来源")
    institutions: list[InstitutionCheck] = Field(default_factory=list, description="覆盖率目标的逐机构结果")


class IndicatorResult(BaseModel):
    """Everything known about one indicator, ready to present."""

    indicator: Indicator
    category_name: str
    category_label: str
    lead: list[str] = Field(description="牵头单位简称")
    support: list[str] = Field(description="配合单位简称")
    verdict: Verdict
    reasons: list[str] = Field(description="结论的理由，中文，逐条")
    targets: list[TargetResult] = Field(default_factory=list)
    evidence: list[EvidenceFile] = Field(default_factory=list, description="该指标的佐证文件")
    evidence_folder: str | None = Field(default=None, description="佐证文件夹（相对项目）")
    missing_evidence: list[str] = Field(default_factory=list, description="尚缺的典型佐证材料")
    narrative: str | None = Field(default=None, description="自评说明")
    score: float | None = Field(default=None, description="得分（标准有分值时）")

    @property
    def usable_evidence(self) -> list[EvidenceFile]:
        """Evidence files that count as proof."""
        return [f for f in self.evidence if f.usable]


class Gap(BaseModel):
    """One item of the 整改清单: a shortfall and what the office plans to do about it."""

    key: str = Field(description="稳定键，重新生成时据此合并")
    indicator_id: str
    indicator_label: str
    problem: str = Field(description="问题描述")
    lead: list[str]
    support: list[str]
    measure: str | None = Field(default=None, description="整改措施")
    owner: str | None = Field(default=None, description="责任人/责任单位")
    deadline: date
    status: GapStatus
    completed: date | None = Field(default=None, description="完成日期")
    overdue: bool = Field(description="已过整改时限仍未完成")
    resolved: bool = Field(default=False, description="问题已不再出现（保留供查阅）")

    @property
    def open(self) -> bool:
        """Still to do: present and not yet rectified."""
        return self.status is not GapStatus.DONE and not self.resolved


class CategorySummary(BaseModel):
    """Verdict counts (and scores) of one category."""

    id: str
    label: str
    name: str
    counts: dict[Verdict, int]
    score: float | None = None
    max_score: float | None = None


class DepartmentSummary(BaseModel):
    """What one department leads or supports and what remains open for it."""

    short: str
    name: str
    lead: list[str] = Field(description="牵头的指标 id")
    support: list[str] = Field(description="配合的指标 id")
    open_gaps: int
    overdue_gaps: int


class Assessment(BaseModel):
    """The complete self-assessment: the single input of every renderer."""

    district: str
    district_short: str
    office: str
    title: str
    standard_id: str
    standard_title: str
    report_date: date
    period_start: date
    period_end: date
    phases: list[Phase] = Field(description="创建阶段")
    indicators: list[IndicatorResult]
    categories: list[CategorySummary]
    departments: list[DepartmentSummary]
    gaps: list[Gap]
    history: list[Snapshot] = Field(default_factory=list)
    total_score: float | None = None
    max_score: float | None = None

    @property
    def counts(self) -> dict[Verdict, int]:
        """Verdict counts over all indicators."""
        totals = {verdict: 0 for verdict in Verdict}
        for result in self.indicators:
            totals[result.verdict] += 1
        return totals

    @property
    def open_gaps(self) -> list[Gap]:
        """Gaps not yet rectified and still present."""
        return [g for g in self.gaps if g.open]

    def indicators_for(self, department: str | None = None, category: str | None = None) -> list[IndicatorResult]:
        """Results a department leads or supports and/or of one category id (None: no filter)."""
        return [
            r
            for r in self.indicators
            if (department is None or department in (*r.lead, *r.support))
            and (category is None or r.indicator.category == category)
        ]

    def gaps_for(self, department: str | None = None, *, overdue: bool = False) -> list[Gap]:
        """Gaps a department leads or supports (None: all), optionally only the overdue ones."""
        return [
            g
            for g in self.gaps
            if (department is None or department in (*g.lead, *g.support)) and (g.overdue or not overdue)
        ]
