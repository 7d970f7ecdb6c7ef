"""Everything under data/: measured values, roster, narratives, applicability, the plan and history.

Each file is optional; every problem in every file is collected and reported at once with its
file and line (YAML) or row and column (roster).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, RootModel, model_validator

from assess.config.coerce import DATE_HINT, parse_date, parse_number, suggestion
from assess.config.models import Strict, Text
from assess.config.project import Project
from assess.config.records import GapStatus, Snapshot
from assess.config.roster import (
    BASE_TYPES,
    COLUMNS,
    Institution,
    read_roster,
    roster_path,
)
from assess.config.roster import TEXT as ROSTER_TEXT
from assess.config.standard import Standard, Target
from assess.config.yamlio import Loaded, M, load_yaml, validate_data
from assess.errors import (
    Finding,
    InvalidInput,
    by_file_and_line,
    display_path,
    os_error_text,
)

MEASURES_FILE = "measures.yaml"
NARRATIVES_DIR = "narratives"
NOT_APPLICABLE_FILE = "not-applicable.yaml"
PLAN_FILE = "rectification.yaml"
HISTORY_FILE = "history.yaml"


def _to_date(value: Any) -> Any:
    """Accept the date formats offices type; leave blanks to the field's default."""
    if value is None or value == "":
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(f"无法识别的日期“{value}”，{DATE_HINT}")
    return parsed


def _to_status(value: Any) -> Any:
    """未整改/整改中/已整改, with a Chinese message for anything else."""
    if value is None or value == "":
        return GapStatus.OPEN
    if isinstance(value, GapStatus):
        return value
    try:
        return GapStatus(str(value).strip())
    except ValueError:
        raise ValueError(f"状态“{value}”无效，可选：{'、'.join(s.value for s in GapStatus)}") from None


FlexDate = Annotated[dt.date | None, BeforeValidator(_to_date)]
Status = Annotated[GapStatus, BeforeValidator(_to_status)]
Label = Annotated[str | None, BeforeValidator(lambda v: None if v is None else str(v))]


class Measure(Strict):
    """One measured value of a district metric, with the period it covers and its source."""

    value: float | str = Field(description="实测值：数字（如 31.2 或 31.2%），或等级名称（如 二级甲等）")
    period: str | None = Field(default=None, description="所属期间，如 2023年")
    date: FlexDate = Field(default=None, description="统计日期，如 2024-03-31 或 2024年3月31日")
    source: str | None = Field(default=None, description="数据来源，如 区卫健委卫生统计年报")
    note: str | None = Field(default=None, description="备注")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """`tcm_visit_share: 31.2%` is short for `tcm_visit_share: {value: 31.2%}`."""
        return data if isinstance(data, dict) else {"value": data}


class MeasuresFile(RootModel[dict[str, Measure]]):
    """data/measures.yaml: metric key → measured value."""


class NotApplicableFile(RootModel[dict[str, Text]]):
    """data/not-applicable.yaml: indicator id → reason it does not apply to this district."""


class PlanEntry(Strict):
    """One item of the rectification plan as the office keeps it in data/rectification.yaml."""

    indicator: Label = Field(default=None, description="指标编号（工具填写，供查阅）")
    problem: str | None = Field(default=None, description="问题描述（工具填写，每次运行更新）")
    measure: str | None = Field(default=None, description="整改措施")
    owner: str | None = Field(default=None, description="责任人/责任单位")
    deadline: FlexDate = Field(default=None, description="整改时限；留空为整改提升阶段结束日")
    status: Status = Field(default=GapStatus.OPEN, description="未整改/整改中/已整改")
    completed: FlexDate = Field(default=None, description="完成日期")
    resolved: bool = Field(default=False, description="问题已不再出现（工具填写）")


class PlanFile(RootModel[dict[str, PlanEntry]]):
    """data/rectification.yaml: gap key → plan entry."""


class HistoryFile(Strict):
    """data/history.yaml: one snapshot per recorded as-of date."""

    snapshots: list[Snapshot] = Field(default_factory=list)


@dataclass(frozen=True)
class DistrictData:
    """The district's own data, validated: the engine's input besides the standard and evidence."""

    measures: dict[str, Measure] = field(default_factory=dict)
    institutions: list[Institution] = field(default_factory=list)
    roster_file: str | None = None
    narratives: dict[str, str] = field(default_factory=dict)
    not_applicable: dict[str, str] = field(default_factory=dict)
    plan: dict[str, PlanEntry] = field(default_factory=dict)
    history: list[Snapshot] = field(default_factory=list)


TEXT = {
    "coverage_metric": "“{key}”（{name}）由机构名册按机构逐一计算，不需要填写实测值；请在机构名册中填写各机构情况",
    "unknown_metric": "未知的指标键“{key}”{hint}",
    "unknown_metric_fallback": "，指标标准中没有这个键（可用的键见使用手册“实测数据、机构名册与整改方案”一章）",
    "not_number": "“{key}”（{name}）的实测值应为数字（如 31.2），实际为“{value}”",
    "not_level": "“{key}”（{name}）的实测值“{value}”不是有效等级，可选：{scale}{hint}",
    "unknown_indicator": "未知的指标 id“{key}”{hint}",
    "narrative_unreadable": "无法读取自评说明：{error}",
    "narrative_not_utf8": "自评说明不是 UTF-8 编码，请用 UTF-8 另存后重试",
    "unknown_field": "条件字段“{field}”不是机构名册的字段，可用字段：{fields}",
}


def load_data(project: Project) -> DistrictData:
    """Load and cross-check every file under data/; raise InvalidInput listing all problems."""
    data_dir = project.path("data")
    findings: list[Finding] = []

    def source(path: Path) -> str:
        return display_path(path, project.root)

    standard = project.standard
    measures = _load_measures(standard, data_dir / MEASURES_FILE, source(data_dir / MEASURES_FILE), findings)
    institutions, roster_file = _load_roster(project, data_dir, source, findings)
    narratives = _load_narratives(standard, data_dir / NARRATIVES_DIR, source, findings)
    not_applicable = load_optional(NotApplicableFile, data_dir / NOT_APPLICABLE_FILE, source(data_dir / NOT_APPLICABLE_FILE), findings)
    if not_applicable:
        findings += _unknown_ids(not_applicable, standard, source(data_dir / NOT_APPLICABLE_FILE))
    plan = load_optional(PlanFile, data_dir / PLAN_FILE, source(data_dir / PLAN_FILE), findings)
    history = load_optional(HistoryFile, data_dir / HISTORY_FILE, source(data_dir / HISTORY_FILE), findings)
    if findings:
        raise InvalidInput(by_file_and_line(findings))
    return DistrictData(
        measures=measures,
        institutions=institutions,
        roster_file=roster_file,
        narratives=narratives,
        not_applicable=dict(not_applicable.model.root) if not_applicable and not_applicable.model else {},
        plan=dict(plan.model.root) if plan and plan.model else {},
        history=sorted(history.model.snapshots, key=lambda s: s.date) if history and history.model else [],
    )


def metric_targets(standard: Standard) -> dict[str, Target]:
    """Each metric key of the standard with its (first) target."""
    targets: dict[str, Target] = {}
    for indicator in standard.indicators:
        for target in indicator.targets:
            targets.setdefault(target.metric, target)
    return targets


def load_optional(model: type[M], path: Path, source: str, findings: list[Finding]) -> Loaded[M] | None:
    """Validate an optional YAML file: missing or empty gives None, problems go to `findings`."""
    if not path.is_file():
        return None
    data, problems = load_yaml(path, source)
    findings.extend(problems)
    if data is None:
        return None
    parsed, errors = validate_data(model, data, source)
    findings.extend(errors)
    return Loaded(parsed, problems + errors, data) if parsed is not None else None


def _load_measures(standard: Standard, path: Path, source: str, findings: list[Finding]) -> dict[str, Measure]:
    """Measured values keyed by metric, converted to numbers or checked against the level scale."""
    loaded = load_optional(MeasuresFile, path, source, findings)
    if loaded is None or loaded.model is None:
        return {}
    targets = metric_targets(standard)
    measures = {}
    for key, measure in loaded.model.root.items():
        message = _measure_problem(key, measure, targets)
        if isinstance(message, str):
            findings.append(Finding(path=source, line=loaded.line((key,)), message=message))
        else:
            measures[key] = message
    return measures


def _measure_problem(key: str, measure: Measure, targets: dict[str, Target]) -> str | Measure:
    """The measure normalised for its target, or why it cannot be used."""
    target = targets.get(key)
    if target is None:
        names = {t.name: k for k, t in targets.items()}
        hint = suggestion(key, [*targets, *names], TEXT["unknown_metric_fallback"])
        for name, metric in names.items():
            hint = hint.replace(f"“{name}”", f"“{metric}”（{name}）")
        return TEXT["unknown_metric"].format(key=key, hint=hint)
    if target.condition:
        return TEXT["coverage_metric"].format(key=key, name=target.name)
    if target.scale and isinstance(target.value, str):
        level = str(measure.value).strip()
        if level in target.scale:
            return measure.model_copy(update={"value": level})
        hint = suggestion(level, target.scale)
        return TEXT["not_level"].format(key=key, name=target.name, value=measure.value, scale="、".join(target.scale), hint=hint)
    number = parse_number(measure.value, target.unit)
    if number is None:
        return TEXT["not_number"].format(key=key, name=target.name, value=measure.value)
    return measure.model_copy(update={"value": float(number)})


def _load_roster(project: Project, data_dir: Path, source, findings: list[Finding]) -> tuple[list[Institution], str | None]:
    """The roster's institutions; only the columns the standard's coverage targets use are required."""
    path, present = roster_path(data_dir)
    if path is None:
        return [], None
    if len(present) > 1:
        findings.append(Finding(path=source(data_dir), message=ROSTER_TEXT["both"]))
    conditions = [c for i in project.standard.indicators for t in i.targets for c in t.condition]
    unknown = sorted({c.field for c in conditions} - set(COLUMNS))
    if unknown:
        fields = "、".join(COLUMNS)
        findings += [Finding(path=project.config.standard, message=TEXT["unknown_field"].format(field=f, fields=fields)) for f in unknown]
        return [], source(path)
    known_types = {kind for i in project.standard.indicators for t in i.targets for kind in t.applies_to}
    required = [c.field for c in conditions]
    institutions, problems = read_roster(path, source(path), required, known_types | set(BASE_TYPES))
    findings.extend(problems)
    return institutions, source(path)


def _load_narratives(standard: Standard, folder: Path, source, findings: list[Finding]) -> dict[str, str]:
    """data/narratives/<indicator id>.md → text; files for unknown ids are reported."""
    if not folder.is_dir():
        return {}
    ids = [i.id for i in standard.indicators]
    narratives = {}
    for path in sorted(folder.glob("*.md")):
        if path.stem not in ids:
            findings.append(Finding(path=source(path), message=TEXT["unknown_indicator"].format(key=path.stem, hint=suggestion(path.stem, ids))))
            continue
        try:
            text = path.read_text(encoding="utf-8-sig").strip()
        except UnicodeDecodeError:
            findings.append(Finding(path=source(path), message=TEXT["narrative_not_utf8"]))
            continue
        except OSError as exc:
            findings.append(Finding(path=source(path), message=TEXT["narrative_unreadable"].format(error=os_error_text(exc))))
            continue
        if text:
            narratives[path.stem] = text
    return narratives


def _unknown_ids(loaded: Loaded[NotApplicableFile], standard: Standard, source: str) -> list[Finding]:
    """Findings for keys of an indicator-keyed file that name no indicator."""
    ids = [i.id for i in standard.indicators]
    return [
        Finding(path=source, line=loaded.line((key,)), message=TEXT["unknown_indicator"].format(key=key, hint=suggestion(key, ids)))
        for key in (loaded.model.root if loaded.model else {})
        if key not in ids
    ]
