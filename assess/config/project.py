"""The project file (assess.yaml) and loading a district's whole configuration in one pass."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from assess.config.models import Identifier, Strict, Text
from assess.config.standard import (
    Category,
    Indicator,
    Registry,
    Standard,
    check_registry,
    check_standard,
)
from assess.config.yamlio import Loaded, M, load_model, validate_items
from assess.errors import (
    Finding,
    InvalidInput,
    MissingProject,
    by_file_and_line,
    display_path,
)

PROJECT_FILE = "assess.yaml"


class Phase(Strict):
    """A phase of the creation plan (筹备、实施、整改提升) with its dates."""

    id: Identifier
    name: Text = Field(description="阶段名称，如 整改提升阶段")
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Phase:
        if self.end < self.start:
            raise ValueError(f"结束日期 {self.end} 早于开始日期 {self.start}")
        return self


class Paths(Strict):
    """Where the inputs and outputs live, relative to the project folder."""

    evidence: str = Field(default="evidence", description="佐证材料文件夹")
    data: str = Field(default="data", description="实测值、机构名册、自评说明、整改方案所在文件夹")
    output: str = Field(default="output", description="输出文件夹")
    templates: str = Field(default="templates", description="模板文件夹")


class OutputNames(Strict):
    """File names of the three deliverables; {district} and {title} are filled in."""

    report: str = Field(default="{district}创建{title}自评报告.docx", description="Word 自评报告文件名")
    workbook: str = Field(default="{district}创建{title}自评表.xlsx", description="Excel 自评表/台账文件名")
    dossier: str = Field(default="{district}创建{title}申报材料.pdf", description="PDF 申报材料文件名")

    @field_validator("report", "workbook", "dossier")
    @classmethod
    def _known_placeholders(cls, name: str) -> str:
        """Only {district} and {title} may appear, and the result must be a plain file name."""
        try:
            filled = name.format(district="区", title="称号")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"文件名“{name}”中只能使用 {{district}} 和 {{title}} 两个占位符") from exc
        if "/" in filled or "\\" in filled or filled.startswith("."):
            raise ValueError(f"文件名“{name}”不能包含路径分隔符，也不能以 . 开头")
        return name


class ProjectConfig(Strict):
    """Contents of assess.yaml: who is creating, against which standard, and when."""

    district: Text = Field(description="创建单位（区县）全称，如 呼和浩特市回民区")
    district_short: Text | None = Field(default=None, description="简称，如 回民区；用于文件名")
    office: Text = Field(description="创建办公室名称")
    title: Text = Field(default="全国基层中医药工作示范县（区）", description="创建称号")
    standard: str = Field(description="指标标准 YAML 文件路径")
    departments: str = Field(description="部门名录 YAML 文件路径")
    paths: Paths = Field(default_factory=Paths)
    outputs: OutputNames = Field(default_factory=OutputNames, description="输出文件名")
    report_date: date = Field(description="报告日期")
    phases: list[Phase] = Field(min_length=1, description="创建阶段及起止日期")

    @property
    def short_name(self) -> str:
        """Name used in output file names."""
        return self.district_short or self.district

    @property
    def period(self) -> tuple[date, date]:
        """The assessment period: from the first phase's start to the last phase's end."""
        return min(p.start for p in self.phases), max(p.end for p in self.phases)

    def output_name(self, kind: str) -> str:
        """File name of one deliverable (report, workbook or dossier)."""
        return getattr(self.outputs, kind).format(district=self.short_name, title=self.title)

    def phase(self, phase_id: str) -> Phase | None:
        """A phase by id, e.g. `rectify` for 整改提升."""
        return next((p for p in self.phases if p.id == phase_id), None)


@dataclass(frozen=True)
class Project:
    """A loaded, validated project: the folder, its configuration, standard and registry."""

    root: Path
    config: ProjectConfig
    standard: Standard
    registry: Registry

    def path(self, name: str) -> Path:
        """Absolute path of a configured folder (evidence, data, output, templates)."""
        return self.root / getattr(self.config.paths, name)


def load_project(root: Path, standard_override: Path | None = None) -> Project:
    """Load and cross-check assess.yaml, the standard and the registry; raise with every finding."""
    root = root.resolve()
    if not (root / PROJECT_FILE).is_file():
        raise MissingProject(root)
    config_file = load_model(ProjectConfig, root / PROJECT_FILE, PROJECT_FILE)
    config = config_file.model
    findings = list(config_file.findings)
    if config is None:
        raise InvalidInput(findings)
    standard_path = standard_override or root / config.standard
    registry_file = _load_referenced(Registry, root, root / config.departments, "部门名录", findings)
    standard_file = _load_referenced(Standard, root, standard_path, "指标标准", findings)
    registry = registry_file.model if registry_file else None
    if registry_file is not None and registry is not None:
        findings += check_registry(registry, display_path(root / config.departments, root), registry_file.line)
    if standard_file and standard_file.data is not None:
        raw = standard_file.data if isinstance(standard_file.data, dict) else {}
        findings += check_standard(
            validate_items(Category, raw.get("categories")),
            validate_items(Indicator, raw.get("indicators")),
            registry,
            display_path(standard_path, root),
            standard_file.line,
        )
    if findings or standard_file is None or standard_file.model is None or registry is None:
        raise InvalidInput(by_file_and_line(findings))  # a file that did not validate has left a finding
    return Project(root=root, config=config, standard=standard_file.model, registry=registry)


def _load_referenced(model: type[M], root: Path, path: Path, what: str, findings: list[Finding]) -> Loaded[M] | None:
    """Load a file the project file points to, recording a finding when it is missing."""
    source = display_path(path, root)
    if not path.is_file():
        findings.append(Finding(path=PROJECT_FILE, message=f"找不到{what}文件“{source}”，请检查路径"))
        return None
    loaded = load_model(model, path, source)
    findings.extend(loaded.findings)
    return loaded
