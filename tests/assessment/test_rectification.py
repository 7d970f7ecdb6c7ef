"""The plan merge never loses what the office typed; resolved gaps stay; history snapshots are kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from assess.assessment.engine import run_assessment
from assess.assessment.history import record_snapshot
from assess.assessment.rectification import sync_plan
from assess.config.data import HISTORY_FILE, PLAN_FILE, load_data
from assess.config.project import load_project
from assess.config.records import GapStatus, Verdict
from assess.evidence.model import EvidenceIndex

KEY = "item-27:tcm_visit_share"


def set_visits(root: Path, value: str) -> None:
    """Write the 中医诊疗人次占比 measured value."""
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "measures.yaml").write_text(f"tcm_visit_share: {value}\n", encoding="utf-8")


def regenerate(root: Path, as_of: date | None = None):
    """What `assess gaps --write` does: load, assess, merge into the plan."""
    project = load_project(root)
    assessment = run_assessment(project, EvidenceIndex(), load_data(project), as_of=as_of)
    return assessment, sync_plan(project, assessment)


def plan(root: Path) -> dict:
    return yaml.safe_load((root / "data" / PLAN_FILE).read_text(encoding="utf-8"))


def edit_plan(root: Path, key: str, **fields) -> None:
    """Change fields of one entry, the way the office edits the file."""
    entries = plan(root)
    entries[key].update(fields)
    (root / "data" / PLAN_FILE).write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")


def test_first_write_lists_every_gap_open_with_the_default_deadline(project_copy):
    set_visits(project_copy, "31.2%")
    assessment, sync = regenerate(project_copy)
    entries = plan(project_copy)
    assert list(entries) == [g.key for g in assessment.gaps] and KEY in sync.added
    assert entries[KEY] == {
        "indicator": "27", "problem": "中医诊疗人次占总诊疗人次的比例 31.2%，低于目标 3.8 个百分点（目标 ≥35%）",
        "measure": None, "owner": None, "deadline": None, "status": "未整改", "completed": None, "resolved": False,
    }
    header = (project_copy / "data" / PLAN_FILE).read_text(encoding="utf-8")
    assert "留空即整改提升阶段结束日 2024-09-30" in header and sync.backup is None


def test_office_edits_survive_regeneration_and_the_problem_text_is_refreshed(project_copy):
    set_visits(project_copy, "31.2%")
    regenerate(project_copy)
    edit_plan(project_copy, KEY, measure="推行中医优势病种诊疗方案", owner="医政医管科", deadline="2024年5月31日", status="整改中")
    set_visits(project_copy, "33%")
    assessment, sync = regenerate(project_copy)
    entry = plan(project_copy)[KEY]
    assert (entry["measure"], entry["owner"], entry["deadline"], entry["status"]) == ("推行中医优势病种诊疗方案", "医政医管科", date(2024, 5, 31), "整改中")
    assert entry["problem"].startswith("中医诊疗人次占总诊疗人次的比例 33%，低于目标 2 个百分点")
    gap = next(g for g in assessment.gaps if g.key == KEY)
    assert (gap.status, gap.overdue) == (GapStatus.IN_PROGRESS, True)
    assert sync.added == [] and sync.backup.read_text(encoding="utf-8").count("31.2%") == 1


def test_a_gap_that_disappears_is_kept_as_resolved_with_its_edits(project_copy):
    set_visits(project_copy, "31.2%")
    regenerate(project_copy)
    edit_plan(project_copy, KEY, measure="绩效激励", status="已整改", completed="2024-06-20")
    set_visits(project_copy, "36%")
    assessment, sync = regenerate(project_copy)
    entry = plan(project_copy)[KEY]
    assert (entry["resolved"], entry["measure"], entry["status"], entry["completed"]) == (True, "绩效激励", "已整改", date(2024, 6, 20))
    assert entry["problem"].startswith("中医诊疗人次占总诊疗人次的比例 31.2%")  # the last problem seen, kept for the record
    assert sync.resolved == [KEY]
    gap = next(g for g in assessment.gaps if g.key == KEY)
    assert (gap.resolved, gap.overdue, gap.lead, gap.indicator_label) == (True, False, ["区卫健委"], "27")
    assert gap not in assessment.open_gaps


def test_a_resolved_gap_that_returns_is_open_again_and_keeps_its_history(project_copy):
    set_visits(project_copy, "31.2%")
    regenerate(project_copy)
    edit_plan(project_copy, KEY, measure="绩效激励", status="整改中")
    set_visits(project_copy, "36%")
    regenerate(project_copy)
    set_visits(project_copy, "34%")
    regenerate(project_copy)
    entry = plan(project_copy)[KEY]
    assert (entry["resolved"], entry["measure"], entry["status"]) == (False, "绩效激励", "整改中")


def test_nothing_is_written_when_nothing_changed(project_copy):
    set_visits(project_copy, "31.2%")
    regenerate(project_copy)
    before = (project_copy / "data" / PLAN_FILE).stat().st_mtime_ns
    _, sync = regenerate(project_copy)
    assert (sync.changed, sync.backup) == (False, None)
    assert (project_copy / "data" / PLAN_FILE).stat().st_mtime_ns == before
    assert not (project_copy / "data" / f"{PLAN_FILE}.bak").exists()


def test_done_items_are_never_overdue(project_copy):
    set_visits(project_copy, "31.2%")
    regenerate(project_copy)
    edit_plan(project_copy, KEY, deadline="2024-03-31", status="已整改")
    assessment, _ = regenerate(project_copy)
    gap = next(g for g in assessment.gaps if g.key == KEY)
    assert (gap.overdue, gap.open) == (False, False)


def test_institution_names_in_keys_round_trip(project_copy, repo_root):
    (project_copy / "data").mkdir()
    (project_copy / "data" / "institutions.xlsx").write_bytes((repo_root / "data" / "institutions.xlsx").read_bytes())
    regenerate(project_copy)
    key = "item-28:centre_tech_coverage:攸攸板镇卫生院"
    edit_plan(project_copy, key, measure="驻点带教")
    regenerate(project_copy)
    assert plan(project_copy)[key]["measure"] == "驻点带教"


def test_snapshot_for_a_date_replaces_the_earlier_one_and_keeps_the_others(project_copy):
    set_visits(project_copy, "31.2%")
    project = load_project(project_copy)
    for day in (date(2024, 6, 30), date(2024, 3, 31)):
        record_snapshot(project, run_assessment(project, EvidenceIndex(), load_data(project), as_of=day))
    set_visits(project_copy, "36%")
    record_snapshot(project, run_assessment(project, EvidenceIndex(), load_data(project)))
    history = load_data(project).history
    assert [s.date for s in history] == [date(2024, 3, 31), date(2024, 6, 30)]
    assert history[0].counts[Verdict.NOT_MET] == 1 and history[1].counts[Verdict.NOT_MET] == 0
    text = (project_copy / "data" / HISTORY_FILE).read_text(encoding="utf-8")
    assert text.startswith("# 自评进度记录") and "未评估: " in text
