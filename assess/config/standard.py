"""The indicator catalogue: YAML → typed models, plus the semantic checks pydantic cannot do."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Literal

from pydantic import Field, model_validator

from assess.config.models import Identifier, Strict, Text
from assess.errors import Finding

LineFinder = Callable[[tuple], "int | None"]
"""Maps a location path inside a YAML file to its line (see yamlio.line_of)."""

Operator = Literal[">=", ">", "<=", "<", "==", "between"]

OPERATOR_TEXT = {">=": "≥", ">": "＞", "<=": "≤", "<": "＜", "==": "＝", "between": "介于"}


class Condition(Strict):
    """A test one institution must pass (e.g. 适宜技术类数 ≥ 6) for a coverage target."""

    field: Identifier = Field(description="机构名册中的字段，如 tech_categories")
    name: Text = Field(description="条件的中文说明，如 适宜技术类数")
    op: Operator = Field(description="比较方式")
    value: float | bool = Field(description="阈值；是/否类字段写 true")


class Target(Strict):
    """One quantitative target of an indicator: a district metric or an institution coverage rate."""

    metric: Identifier = Field(description="指标值的键，实测值文件按此键填写，如 tcm_visit_share")
    name: Text = Field(description="衡量的内容，如 中医诊疗人次占总诊疗人次的比例")
    op: Operator = Field(description="比较方式：>=、>、<=、<、==、between")
    value: float | str | None = Field(default=None, description="阈值：数字，或等级名称（需同时给出 scale）")
    range: tuple[float, float] | None = Field(default=None, description="op 为 between 时的区间 [下限, 上限]")
    unit: str | None = Field(default=None, description="单位，如 %、名/万人、级")
    scale: list[Text] | None = Field(default=None, description="等级类阈值的等级顺序，从低到高")
    applies_to: list[Text] = Field(default_factory=list, description="适用的机构类型；为空表示全区层面")
    condition: list[Condition] = Field(
        default_factory=list,
        description="覆盖率类目标：每个机构需满足的条件；value 为满足条件机构的占比",
    )
    basis: str | None = Field(default=None, description="阈值依据（原文未给出数值时注明取值来源）")

    @model_validator(mode="after")
    def _threshold_is_well_formed(self) -> Target:
        """Reject thresholds that cannot be compared: the office sees why, not a crash later."""
        if self.op == "between":
            if self.range is None:
                raise ValueError("比较方式为 between 时必须给出 range: [下限, 上限]")
            if self.range[0] > self.range[1]:
                raise ValueError(f"区间下限 {self.range[0]} 大于上限 {self.range[1]}")
            return self
        if self.value is None:
            raise ValueError(f"比较方式为 {self.op} 时必须给出阈值 value")
        if isinstance(self.value, str):
            if not self.scale:
                raise ValueError(f"阈值“{self.value}”不是数字；等级类阈值必须同时给出 scale（等级顺序）")
            if self.value not in self.scale:
                raise ValueError(f"阈值“{self.value}”不在 scale {self.scale} 中")
        if self.condition and not self.applies_to:
            raise ValueError("带 condition 的覆盖率目标必须用 applies_to 指明机构类型")
        return self

    @property
    def bounds(self) -> tuple[float, float]:
        """[low, high] of a `between` target: the validator refuses one without a range."""
        assert self.range is not None, "a between target always has a range"
        return self.range

    @property
    def number(self) -> float:
        """The numeric threshold of a comparison (the validator refuses a comparison without a value)."""
        assert isinstance(self.value, (int, float)), "a numeric target always has a number"
        return self.value

    @property
    def threshold_text(self) -> str:
        """The target as printed in the reports, e.g. ≥35%、0.6–0.8名/万人、≥二级甲等."""
        unit = self.unit or ""
        if self.op == "between":
            low, high = self.bounds
            return f"{_number(low)}–{_number(high)}{unit}"
        value = self.value if isinstance(self.value, str) else _number(self.number)
        return f"{OPERATOR_TEXT[self.op]}{value}{unit}"


def _number(value: float) -> str:
    """Print 35.0 as 35 and 0.6 as 0.6."""
    return f"{value:g}"


class Departments(Strict):
    """Who answers for an indicator: the lead (牵头) and the supporting (配合) departments."""

    lead: list[Text] = Field(default_factory=list, description="牵头单位（简称，须在部门名录中）")
    support: list[Text] = Field(default_factory=list, description="配合单位（简称，须在部门名录中）")

    @property
    def all(self) -> list[str]:
        """Lead first, then support, as printed in the plan."""
        return [*self.lead, *self.support]


class Indicator(Strict):
    """One item of the standard, with the printed label reviewers recognise."""

    id: Identifier
    label: Text = Field(description="原文中的编号，如 27、（一）3")
    category: Identifier = Field(description="所属类别的 id")
    title: Text = Field(description="简短标题，用于文件夹名和表格")
    requirement: Text = Field(description="原文要求，逐字照录")
    departments: Departments = Field(default_factory=Departments, description="责任单位")
    targets: list[Target] = Field(default_factory=list, description="量化目标")
    evidence: list[Text] = Field(default_factory=list, description="典型佐证材料，如 规划文本、会议纪要")
    weight: float | None = Field(default=None, description="分值（标准有分值时）")
    core: bool = Field(default=False, description="是否为核心指标")


class Category(Strict):
    """A group of indicators, e.g. （一）组织管理."""

    id: Identifier
    label: Text = Field(description="原文编号，如 （一）")
    name: Text = Field(description="类别名称，如 组织管理")


class Standard(Strict):
    """A whole indicator catalogue (建设标准 or 考核评价指标)."""

    id: Identifier
    title: Text = Field(description="标准全称")
    source: str | None = Field(default=None, description="出处（文件名、文号）")
    categories: list[Category] = Field(min_length=1)
    indicators: list[Indicator] = Field(min_length=1)

    def category(self, category_id: str) -> Category:
        """The category an indicator belongs to (ids are checked by `check_standard`)."""
        return next(c for c in self.categories if c.id == category_id)

    def indicators_in(self, category_id: str) -> list[Indicator]:
        """Indicators of one category, in catalogue order."""
        return [i for i in self.indicators if i.category == category_id]


class Liaison(Strict):
    """The person a department names to collect its evidence."""

    name: Text
    phone: str | None = None


class Department(Strict):
    """A responsible department of the plan, with the names people actually write."""

    id: Identifier
    name: Text = Field(description="全称，如 回民区卫生健康委员会")
    short: Text = Field(description="简称，与标准中写法一致，如 区卫健委")
    aliases: list[Text] = Field(default_factory=list, description="其他写法，如 卫健委、区卫生健康委员会")
    liaison: Liaison | None = Field(default=None, description="联络员")

    @property
    def names(self) -> list[str]:
        """Every spelling that refers to this department."""
        return [self.short, self.name, *self.aliases]


class Unit(Strict):
    """An implementing unit (街道、镇、中心) named by the plan."""

    name: Text
    kind: Text = Field(description="类型，如 街道、镇、中心")


class Registry(Strict):
    """The department registry of a district."""

    departments: list[Department] = Field(min_length=1)
    units: list[Unit] = Field(default_factory=list, description="实施单位，如 七办一镇、阿北中心")

    def find(self, name: str) -> Department | None:
        """Resolve any spelling (short, full or alias) to its department."""
        key = _normalise(name)
        return next((d for d in self.departments if key in {_normalise(n) for n in d.names}), None)


def _normalise(name: str) -> str:
    """Fold spaces so 区 卫健委 and 区卫健委 compare equal."""
    return "".join(name.split())


def check_registry(registry: Registry, source: str, lines: LineFinder) -> list[Finding]:
    """Findings for duplicate department ids or names claimed by two departments."""
    findings: list[Finding] = []
    owner: dict[str, str] = {}
    seen_ids: set[str] = set()
    for index, dept in enumerate(registry.departments):
        if dept.id in seen_ids:
            findings.append(Finding(path=source, line=lines(("departments", index, "id")), message=f"部门 id“{dept.id}”重复"))
        seen_ids.add(dept.id)
        for name in dept.names:
            key = _normalise(name)
            if key in owner and owner[key] != dept.id:
                findings.append(
                    Finding(
                        path=source,
                        line=lines(("departments", index)),
                        message=f"名称“{name}”同时属于部门“{owner[key]}”和“{dept.id}”，无法区分",
                    )
                )
            owner.setdefault(key, dept.id)
    return findings


def check_standard(
    categories: list[Category | None],
    indicators: list[Indicator | None],
    registry: Registry | None,
    source: str,
    lines: LineFinder,
) -> list[Finding]:
    """Findings the schema cannot see: duplicate ids, unknown categories and departments.

    Entries that failed validation are None and skipped, so one bad item never hides the
    problems of the others.
    """
    findings: list[Finding] = []
    category_ids: list[str] = []
    for index, category in enumerate(categories):
        if category is None:
            continue
        if category.id in category_ids:
            findings.append(Finding(path=source, line=lines(("categories", index, "id")), message=f"类别 id“{category.id}”重复"))
        category_ids.append(category.id)
    seen: dict[str, int] = {}
    for index, indicator in enumerate(indicators):
        if indicator is None:
            continue
        where = ("indicators", index)
        if indicator.id in seen:
            findings.append(
                Finding(
                    path=source,
                    line=lines((*where, "id")),
                    message=f"指标 id“{indicator.id}”重复（第 {seen[indicator.id]} 项已使用），每个指标的 id 必须唯一",
                )
            )
        seen.setdefault(indicator.id, index + 1)
        if indicator.category not in category_ids:
            findings.append(
                Finding(
                    path=source,
                    line=lines((*where, "category")),
                    message=f"指标 {indicator.label}：未知类别“{indicator.category}”，已定义的类别：{'、'.join(category_ids)}",
                )
            )
        if registry is not None:
            findings.extend(_check_departments(indicator, registry, source, lines, where))
    return findings


def _check_departments(indicator: Indicator, registry: Registry, source: str, lines: LineFinder, where: tuple) -> list[Finding]:
    """Unknown department names, each with the closest known spelling as a suggestion."""
    findings = []
    known = [name for dept in registry.departments for name in dept.names]
    for role in ("lead", "support"):
        for position, name in enumerate(getattr(indicator.departments, role)):
            if registry.find(name) is not None:
                continue
            guess = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
            hint = f"，是否应为“{guess[0]}”？" if guess else "，请先在部门名录中登记"
            findings.append(
                Finding(
                    path=source,
                    line=lines((*where, "departments", role, position)),
                    message=f"指标 {indicator.label}：未知部门“{name}”{hint}",
                )
            )
    return findings

