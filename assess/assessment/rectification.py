"""The 整改清单: shortfalls merged by key with the office's plan in data/rectification.yaml.

The plan is the office's file. The tool only fills `indicator`, `problem` and `resolved`; measure,
owner, deadline, status and completion date are never overwritten, and an entry whose problem has
gone stays in the file marked resolved. Only `assess gaps --write` writes it (a build never changes
its own inputs; the reports merge the plan in memory); every other command only reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from assess.assessment.model import Assessment, Gap, IndicatorResult
from assess.atomic import write_text
from assess.config.data import PLAN_FILE, PlanEntry, PlanFile, load_optional
from assess.config.project import Project, ProjectConfig
from assess.config.records import GapStatus
from assess.errors import display_path

RECTIFY_PHASE = "rectify"
BACKUP_SUFFIX = ".bak"

HEADER = """\
# 整改方案（整改清单）：每个问题一项，键（冒号前的一行）由工具生成，请勿修改。
# 由 `assess gaps --write` 更新。工具只改写 indicator（指标编号）、problem（问题）
# 和 resolved（问题已不再出现）三项；以下各项由创建办填写，重新生成时保留：
#   measure 整改措施；owner 责任人或责任单位；
#   deadline 整改时限，留空即整改提升阶段结束日 {deadline}（日期可写 2024-09-30 或 2024年9月30日）；
#   status 未整改 / 整改中 / 已整改；completed 完成日期。
# 问题不再出现时 resolved 变为 true，条目保留、不会删除。上一版本保存在 {backup}。
"""


@dataclass(frozen=True)
class Shortfall:
    """A problem found by the engine, before the plan says what is being done about it."""

    key: str
    problem: str
    indicator_id: str
    indicator_label: str
    lead: list[str]
    support: list[str]


@dataclass(frozen=True)
class PlanSync:
    """What `sync_plan` did to the plan file."""

    path: Path
    backup: Path | None
    added: list[str]
    resolved: list[str]
    changed: bool


def default_deadline(config: ProjectConfig) -> date:
    """End of the 整改提升 phase (id `rectify`), else of the last phase."""
    phase = config.phase(RECTIFY_PHASE)
    return phase.end if phase else config.period[1]


def apply_plan(
    shortfalls: list[Shortfall],
    plan: dict[str, PlanEntry],
    results: dict[str, IndicatorResult],
    deadline: date,
    as_of: date,
) -> list[Gap]:
    """Current shortfalls with their plan entries, then plan entries whose problem has gone (resolved)."""
    gaps: dict[str, Gap] = {}
    for item in shortfalls:
        gaps.setdefault(item.key, _gap(item, plan.get(item.key) or PlanEntry(), deadline, as_of))
    for key, entry in plan.items():
        if key not in gaps:
            gaps[key] = _gap(_former_shortfall(key, entry, results), entry, deadline, as_of, resolved=True)
    return list(gaps.values())


def _gap(item: Shortfall, entry: PlanEntry, deadline: date, as_of: date, resolved: bool = False) -> Gap:
    """A shortfall with what the office typed for it; a resolved one is never overdue."""
    due = entry.deadline or deadline
    return Gap(
        key=item.key,
        indicator_id=item.indicator_id,
        indicator_label=item.indicator_label,
        problem=item.problem,
        lead=item.lead,
        support=item.support,
        measure=entry.measure,
        owner=entry.owner,
        deadline=due,
        status=entry.status,
        completed=entry.completed,
        overdue=not resolved and due < as_of and entry.status is not GapStatus.DONE,
        resolved=resolved,
    )


def _former_shortfall(key: str, entry: PlanEntry, results: dict[str, IndicatorResult]) -> Shortfall:
    """A plan entry whose problem no longer appears, as it was last seen (indicator from the key)."""
    indicator_id = key.split(":", 1)[0]
    result = results.get(indicator_id)
    return Shortfall(
        key=key,
        problem=entry.problem or key,
        indicator_id=indicator_id,
        indicator_label=result.indicator.label if result else entry.indicator or indicator_id,
        lead=result.lead if result else [],
        support=result.support if result else [],
    )


def plan_text(gaps: list[Gap], deadline: date, backup_name: str) -> str:
    """The plan file: a header explaining who fills what, then one block per gap."""
    blocks = [HEADER.format(deadline=deadline.isoformat(), backup=backup_name)]
    for gap in gaps:
        entry = {
            "indicator": gap.indicator_label,
            "problem": gap.problem,
            "measure": gap.measure,
            "owner": gap.owner,
            "deadline": None if gap.deadline == deadline else gap.deadline,
            "status": gap.status.value,
            "completed": gap.completed,
            "resolved": gap.resolved,
        }
        text = yaml.safe_dump({gap.key: entry}, allow_unicode=True, sort_keys=False, width=10_000)
        blocks.append(re.sub(r": null$", ":", text, flags=re.MULTILINE))
    return "\n".join(blocks)


def sync_plan(project: Project, assessment: Assessment) -> PlanSync:
    """Write the merged gaps to data/rectification.yaml (atomically, keeping the previous file as .bak)."""
    path = project.path("data") / PLAN_FILE
    backup = path.with_name(path.name + BACKUP_SUFFIX)
    before = _previous_plan(path, display_path(path, project.root))
    text = plan_text(assessment.gaps, default_deadline(project.config), backup.name)
    added = [g.key for g in assessment.gaps if g.key not in before]
    resolved = [g.key for g in assessment.gaps if g.resolved and g.key in before and not before[g.key].resolved]
    old_text = path.read_text(encoding="utf-8") if path.is_file() else None
    if old_text == text:
        return PlanSync(path, None, [], [], changed=False)
    if old_text is not None:
        write_text(backup, old_text)
    write_text(path, text)
    return PlanSync(path, backup if old_text is not None else None, added, resolved, changed=True)


def _previous_plan(path: Path, source: str) -> dict[str, PlanEntry]:
    """The plan as it is on disk (already validated by load_data), to report what changed."""
    loaded = load_optional(PlanFile, path, source, [])
    return loaded.model.root if loaded and loaded.model else {}
