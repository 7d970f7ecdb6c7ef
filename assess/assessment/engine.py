"""The assessment engine: standard + evidence index + district data → verdicts, gaps and progress.

Pure: it reads nothing and writes nothing. The verdict rules are in `decide`, in the order they
apply, and documented in the manual (docs/verdicts.md, “自评结论规则”).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from assess.assessment.history import take_snapshot, up_to
from assess.assessment.model import (
    Assessment,
    CategorySummary,
    DepartmentSummary,
    Gap,
    IndicatorResult,
    TargetResult,
)
from assess.assessment.rectification import Shortfall, apply_plan, default_deadline
from assess.assessment.targets import evaluate, requires_every
from assess.config.coerce import plain
from assess.config.data import DistrictData
from assess.config.project import Project
from assess.config.records import Verdict
from assess.config.standard import Indicator, Registry, Standard, Target
from assess.evidence.model import EvidenceFile, EvidenceIndex

IMAGE_KINDS = frozenset({"jpeg", "png", "heic", "tiff"})
PHOTO_WORDS = ("照片", "截图")
GENERIC_SUFFIXES = ("文本", "文件", "材料")
INFORMATIONAL_FLAGS = frozenset({"duplicate"})
"""Flags shown in the index and the reasons but never turned into a gap item."""
SCORE_SHARE = {Verdict.MET: 1.0, Verdict.PARTIAL: 0.5}

TEXT = {
    "not_applicable": "不适用：{reason}",
    "nothing": "尚未填报实测值、提供佐证材料或撰写自评说明",
    "unmeasured": "量化目标均未取得实际值，无法判断是否达标",
    "target_met": "{name} {actual}，达到目标 {target}",
    "target_failed": "{name} {actual}，{shortfall}（目标 {target}）",
    "target_no_value": "{name}：未填报实测值（目标 {target}）",
    "target_no_institutions": "{name}：机构名册中没有{types}，无法计算（目标 {target}）",
    "short_institutions": "未达标机构 {count} 家：{names}",
    "institution": "{name}（{shortfall}）",
    "no_evidence": "尚无佐证材料",
    "no_usable_evidence": "佐证材料 {count} 份均不能作为佐证（见下列问题）",
    "evidence_count": "可用佐证材料 {count} 份",
    "expected": "，应提供：{items}",
    "missing_evidence": "未识别到的典型佐证：{items}（文件名中未见这些材料名称，请补充或在文件名中注明）",
    "flagged": "佐证材料“{name}”：{messages}",
    "no_narrative": "尚无自评说明",
    "gap_missing_item": "未识别到佐证：{item}",
    "gap_institution": "{name} {shortfall}",
    "list": "、",
    "sentence": "；",
}


@dataclass(frozen=True)
class Facts:
    """What is known about one indicator before its verdict: the inputs of the verdict rules."""

    targets: list[TargetResult]
    evidence: list[EvidenceFile]
    missing: list[str]
    narrative: str | None
    not_applicable: str | None

    @property
    def usable(self) -> list[EvidenceFile]:
        """Evidence files that count as proof."""
        return [f for f in self.evidence if f.usable]


def run_assessment(project: Project, index: EvidenceIndex, data: DistrictData, *, as_of: date | None = None) -> Assessment:
    """Assess every indicator of the project's standard as of a date (default: assess.yaml's report_date)."""
    config, standard = project.config, project.standard
    as_of = as_of or config.report_date
    results, shortfalls = [], []
    for indicator in standard.indicators:
        result, found = assess_indicator(project, indicator, index, data)
        results.append(result)
        shortfalls.extend(found)
    by_id = {r.indicator.id: r for r in results}
    gaps = apply_plan(shortfalls, data.plan, by_id, default_deadline(config), as_of)
    categories = category_summaries(standard, results)
    weighted = [c for c in categories if c.max_score is not None]
    return Assessment(
        **project_facts(project, as_of),
        indicators=results,
        categories=categories,
        departments=department_summaries(project.registry, results, gaps),
        gaps=gaps,
        history=up_to(data.history, take_snapshot(as_of, results, gaps)),
        total_score=sum(c.score for c in weighted) if weighted else None,
        max_score=sum(c.max_score for c in weighted) if weighted else None,
    )


def project_facts(project: Project, as_of: date) -> dict:
    """The fields every Assessment repeats from the project: who, which standard, which period."""
    config = project.config
    start, end = config.period
    return {
        "district": config.district,
        "district_short": config.short_name,
        "office": config.office,
        "title": config.title,
        "standard_id": project.standard.id,
        "standard_title": project.standard.title,
        "report_date": as_of,
        "period_start": start,
        "period_end": end,
        "phases": config.phases,
    }


def assess_indicator(project: Project, indicator: Indicator, index: EvidenceIndex, data: DistrictData) -> tuple[IndicatorResult, list[Shortfall]]:
    """One indicator's result and the shortfalls that become its gap items."""
    folder = index.folders.get(indicator.id)
    files = index.files_for(indicator.id)
    usable = [f for f in files if f.usable]
    facts = Facts(
        targets=[evaluate(t, data.measures.get(t.metric), data.institutions, data.roster_file) for t in indicator.targets],
        evidence=files,
        missing=[item for item in indicator.evidence if not evidence_present(item, usable, folder)],
        narrative=data.narratives.get(indicator.id),
        not_applicable=data.not_applicable.get(indicator.id),
    )
    verdict = decide(facts)
    category = project.standard.category(indicator.category)
    lead, support = (_shorts(project.registry, getattr(indicator.departments, role)) for role in ("lead", "support"))
    result = IndicatorResult(
        indicator=indicator,
        category_name=category.name,
        category_label=category.label,
        lead=lead,
        support=support,
        verdict=verdict,
        reasons=explain(indicator, facts, verdict),
        targets=facts.targets,
        evidence=files,
        evidence_folder=f"{project.config.paths.evidence}/{folder}" if folder else None,
        missing_evidence=facts.missing,
        narrative=facts.narrative,
        score=_score(indicator, verdict),
    )
    if verdict is Verdict.NOT_APPLICABLE:
        return result, []
    return result, [
        Shortfall(key, problem, indicator.id, indicator.label, lead, support)
        for key, problem in shortfalls(indicator, facts)
    ]


def _score(indicator: Indicator, verdict: Verdict) -> float | None:
    """Full weight for 达标, half for 部分达标, none otherwise; no score when unweighted or 不适用."""
    if indicator.weight is None or verdict is Verdict.NOT_APPLICABLE:
        return None
    return indicator.weight * SCORE_SHARE.get(verdict, 0.0)


def decide(facts: Facts) -> Verdict:
    """The verdict rules, first match wins (manual: docs/verdicts.md).

    Typical evidence not recognised by file name is listed and becomes a gap item but never lowers
    the verdict: the standard's lists are examples, and offices name files by official titles.
    """
    if facts.not_applicable:
        return Verdict.NOT_APPLICABLE
    measured = [t for t in facts.targets if t.met is not None]
    if not measured and not facts.evidence and not facts.narrative:
        return Verdict.NOT_ASSESSED
    met = [t for t in measured if t.met]
    if len(met) < len(measured):
        return Verdict.PARTIAL if met else Verdict.NOT_MET
    if not facts.usable:
        return Verdict.INSUFFICIENT
    if facts.targets and not met:
        return Verdict.NOT_ASSESSED
    if len(measured) < len(facts.targets):
        return Verdict.PARTIAL
    return Verdict.MET


def explain(indicator: Indicator, facts: Facts, verdict: Verdict) -> list[str]:
    """The reasons behind a verdict, in Chinese: what falls short first (unless 达标), then what is met."""
    if verdict is Verdict.NOT_APPLICABLE:
        return [TEXT["not_applicable"].format(reason=facts.not_applicable)]
    problems: list[str] = []
    strengths: list[str] = []
    if verdict is Verdict.NOT_ASSESSED:
        problems.append(TEXT["nothing"] if not facts.evidence and not facts.narrative else TEXT["unmeasured"])
    for result, target in zip(facts.targets, indicator.targets):
        (strengths if result.met else problems).append(_target_reason(result, target))
        short = [c for c in result.institutions if not c.passed]
        if short and result.met is False and requires_every(target):
            names = TEXT["list"].join(TEXT["institution"].format(name=c.institution, shortfall=c.shortfall) for c in short)
            problems.append(TEXT["short_institutions"].format(count=len(short), names=names))
    if facts.usable:
        strengths.append(TEXT["evidence_count"].format(count=len(facts.usable)))
    problems += _evidence_problems(indicator, facts)
    if not facts.narrative:
        problems.append(TEXT["no_narrative"])
    return strengths + problems if verdict is Verdict.MET else problems + strengths


def shortfalls(indicator: Indicator, facts: Facts) -> list[tuple[str, str]]:
    """(stable key, problem) for every shortfall of an indicator: the rows of the 整改清单."""
    found = []
    for result, target in zip(facts.targets, indicator.targets):
        key = f"{indicator.id}:{result.metric}"
        if result.met is None:
            found.append((key, _target_reason(result, target)))
        elif result.met is False and result.institutions and requires_every(target):
            found += [
                (f"{key}:{check.institution}", TEXT["gap_institution"].format(name=check.institution, shortfall=check.shortfall))
                for check in result.institutions
                if not check.passed
            ]
        elif result.met is False:
            found.append((key, _target_reason(result, target)))
    if not facts.usable:
        found.append((f"{indicator.id}:evidence", _no_evidence_text(indicator)))
    else:
        found += [(f"{indicator.id}:evidence:{item}", TEXT["gap_missing_item"].format(item=item)) for item in facts.missing]
    found += [(f"{indicator.id}:file:{f.path}", _flag_text(f)) for f in facts.evidence if _needs_action(f)]
    return found


def _needs_action(file: EvidenceFile) -> bool:
    """Whether a file's flags call for rectification; the same file proving two indicators does not."""
    return any(flag.code not in INFORMATIONAL_FLAGS for flag in file.flags)


def evidence_present(item: str, files: list[EvidenceFile], folder: str | None) -> bool:
    """Whether an expected piece of evidence (e.g. 会议纪要) is among the files, by name.

    A file counts when its path below the indicator's folder contains the item's name, or one of
    its alternatives (split at / and 或), with a generic ending (文本、文件、材料) dropped. Items
    ending in 照片 or 截图 are also satisfied by any image file.
    """
    if item.endswith(PHOTO_WORDS) and any(f.kind in IMAGE_KINDS for f in files):
        return True
    names = [_squash(f.path.removeprefix(f"{folder}/") if folder else f.path) for f in files]
    return any(key in name for key in _keywords(item) for name in names)


def _keywords(item: str) -> set[str]:
    """The spellings of an expected item that count as a match in a file name."""
    keys = set()
    for alternative in re.split(r"[/／]|或", item):
        word = _squash(alternative)
        if not word:
            continue
        keys.add(word)
        for suffix in GENERIC_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 2:
                keys.add(word.removesuffix(suffix))
    return keys


def _squash(text: str) -> str:
    """Text as compared for matching: full-width folded, spaces and quote marks dropped."""
    return re.sub(r"[\s《》〈〉“”\"'‘’「」]", "", plain(text))


def _target_reason(result: TargetResult, target: Target) -> str:
    """One sentence on one target: met, missed by how much, or why it could not be judged."""
    values = dict(name=result.name, actual=result.actual_text, target=result.target_text)
    if result.met is True:
        return TEXT["target_met"].format(**values)
    if result.met is False:
        return TEXT["target_failed"].format(**values, shortfall=result.shortfall)
    if target.condition:
        return TEXT["target_no_institutions"].format(**values, types=TEXT["list"].join(target.applies_to))
    return TEXT["target_no_value"].format(**values)


def _evidence_problems(indicator: Indicator, facts: Facts) -> list[str]:
    """What is wrong with an indicator's evidence: none, none usable, expected items absent, flagged files."""
    if not facts.evidence:
        problems = [_no_evidence_text(indicator)]
    elif not facts.usable:
        problems = [TEXT["no_usable_evidence"].format(count=len(facts.evidence))]
    else:
        problems = [TEXT["missing_evidence"].format(items=TEXT["list"].join(facts.missing))] if facts.missing else []
    return problems + [_flag_text(f) for f in facts.evidence if f.flags]


def _no_evidence_text(indicator: Indicator) -> str:
    """尚无佐证材料, with what is expected when the standard says."""
    expected = TEXT["expected"].format(items=TEXT["list"].join(indicator.evidence)) if indicator.evidence else ""
    return TEXT["no_evidence"] + expected


def _flag_text(file: EvidenceFile) -> str:
    """The problems of one evidence file, in one sentence."""
    return TEXT["flagged"].format(name=file.path, messages=TEXT["sentence"].join(flag.message for flag in file.flags))


def _shorts(registry: Registry, names: list[str]) -> list[str]:
    """Department names as their registry short names (the standard may use aliases)."""
    return [department.short if (department := registry.find(name)) else name for name in names]


def category_summaries(standard: Standard, results: list[IndicatorResult]) -> list[CategorySummary]:
    """Verdict counts and scores per category; scores only where indicators carry weights."""
    summaries = []
    for category in standard.categories:
        members = [r for r in results if r.indicator.category == category.id]
        weighted = [r for r in members if r.score is not None]
        summaries.append(
            CategorySummary(
                id=category.id,
                label=category.label,
                name=category.name,
                counts={v: sum(1 for r in members if r.verdict is v) for v in Verdict},
                score=sum(r.score for r in weighted) if weighted else None,
                max_score=sum(r.indicator.weight for r in weighted) if weighted else None,
            )
        )
    return summaries


def department_summaries(registry: Registry, results: list[IndicatorResult], gaps: list[Gap]) -> list[DepartmentSummary]:
    """Per department: what it leads and supports, and its open and overdue gaps (as lead)."""
    open_gaps = [g for g in gaps if g.open]
    return [
        DepartmentSummary(
            short=dept.short,
            name=dept.name,
            lead=[r.indicator.id for r in results if dept.short in r.lead],
            support=[r.indicator.id for r in results if dept.short in r.support],
            open_gaps=sum(1 for g in open_gaps if dept.short in g.lead),
            overdue_gaps=sum(1 for g in open_gaps if dept.short in g.lead and g.overdue),
        )
        for dept in registry.departments
    ]
