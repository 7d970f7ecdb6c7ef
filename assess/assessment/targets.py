"""Targets against measured values and the roster: exact comparisons, coverage roll-ups, shortfalls.

Numbers are compared as Decimals built from their printed form, and coverage shares are rounded to
two decimals of a percent first, so 35 meets ≥35, 0.6 and 0.8 lie in 0.6–0.8 and 3 of 30 is 10%.
"""

from __future__ import annotations

import operator
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from assess.assessment.model import InstitutionCheck, TargetResult
from assess.config.data import Measure
from assess.config.roster import Institution
from assess.config.standard import OPERATOR_TEXT, Condition, Target

SHARE_PRECISION = Decimal("0.01")
COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq}
TECH_FIELDS = {"tech_categories": "类", "tech_items": "项"}

TEXT: dict[str, Any] = {
    "no_value": "未填报",
    "no_institutions": "名册中无适用机构",
    "below": "低于目标 {gap}",
    "above": "高于目标 {gap}",
    "not_above": "未超过目标 {target}",
    "not_equal": "与目标 {target} 不符",
    "below_low": "低于下限 {gap}",
    "above_high": "高于上限 {gap}",
    "level_below": "未达到 {target}",
    "still_needed": "，还需 {count} 家机构达标",
    "points": "个百分点",
    "mark": "{name}：{value}",
    "mark_values": {True: "是", False: "否"},
    "count": "{name} {value}",
    "unreported": "{name}：未填报",
    "tech": "适宜技术 {counts}",
    "tech_unreported": "适宜技术类数、项数未填报",
    "required": "{actual}，未达 {required}",
    "join": "，",
    "join_shortfalls": "；",
}


def decimal(value: float | int) -> Decimal:
    """A Decimal from how the number prints (0.6 → Decimal('0.6'), not its binary expansion)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def number_text(value: Decimal | float) -> str:
    """35, 31.2, 0.72: no trailing zeros, no exponent."""
    text = format(decimal(value) if not isinstance(value, Decimal) else value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def evaluate(target: Target, measure: Measure | None, institutions: list[Institution], roster_file: str | None = None) -> TargetResult:
    """The target's result: from the roster when it has conditions, else from the measured value."""
    if target.condition:
        return _coverage(target, institutions, roster_file)
    base = dict(metric=target.metric, name=target.name, target_text=target.threshold_text)
    if measure is None:
        return TargetResult(**base, actual_text=TEXT["no_value"], met=None)
    about = dict(period=measure.period or (measure.date.isoformat() if measure.date else None), source=measure.source)
    if isinstance(measure.value, str):
        met = _level_met(target, measure.value)
        shortfall = None if met else TEXT["level_below"].format(target=target.threshold_text)
        return TargetResult(**base, **about, actual=measure.value, actual_text=measure.value, met=met, shortfall=shortfall)
    actual = decimal(measure.value)
    met = meets(target, actual)
    text = f"{number_text(actual)}{target.unit or ''}"
    shortfall = None if met else _shortfall(target, actual)
    return TargetResult(**base, **about, actual=measure.value, actual_text=text, met=met, shortfall=shortfall)


def meets(target: Target, actual: Decimal) -> bool:
    """Exact comparison of a number with the target's threshold or range (bounds included)."""
    if target.op == "between":
        low, high = target.bounds
        return decimal(low) <= actual <= decimal(high)
    return COMPARE[target.op](actual, decimal(target.number))


def requires_every(target: Target) -> bool:
    """Coverage targets every applicable institution must pass (100%), so each one short is a gap."""
    return target.op in (">=", "==") and isinstance(target.value, (int, float)) and decimal(target.value) >= 100


def _level_met(target: Target, level: str) -> bool:
    """Levels compare by their position in the target's scale."""
    position = (target.scale or []).index
    return COMPARE[target.op](position(level), position(str(target.value)))


def _gap_text(amount: Decimal, unit: str | None) -> str:
    """3.8 个百分点 for percentages, 0.08名/万人 otherwise."""
    return f"{number_text(amount)} {TEXT['points']}" if unit == "%" else f"{number_text(amount)}{unit or ''}"


def _shortfall(target: Target, actual: Decimal) -> str:
    """How far a number misses its target, in the target's unit."""
    if target.op == "between":
        low, high = (decimal(v) for v in target.bounds)
        if actual < low:
            return TEXT["below_low"].format(gap=_gap_text(low - actual, target.unit))
        return TEXT["above_high"].format(gap=_gap_text(actual - high, target.unit))
    threshold = decimal(target.number)
    if target.op == ">" and actual == threshold:
        return TEXT["not_above"].format(target=target.threshold_text)
    if target.op in (">=", ">"):
        return TEXT["below"].format(gap=_gap_text(threshold - actual, target.unit))
    if target.op in ("<=", "<") and actual != threshold:
        return TEXT["above"].format(gap=_gap_text(actual - threshold, target.unit))
    return TEXT["not_equal"].format(target=target.threshold_text)


def _coverage(target: Target, institutions: list[Institution], roster_file: str | None) -> TargetResult:
    """Share of applicable institutions passing every condition, naming each one that does not."""
    base = dict(metric=target.metric, name=target.name, target_text=target.threshold_text, source=roster_file)
    applicable = [i for i in institutions if i.type in target.applies_to]
    if not applicable:
        return TargetResult(**base, actual_text=TEXT["no_institutions"], met=None)
    checks = [check_institution(i, target.condition) for i in applicable]
    passing = sum(check.passed for check in checks)
    share = (Decimal(passing) * 100 / len(checks)).quantize(SHARE_PRECISION, rounding=ROUND_HALF_UP)
    met = meets(target, share)
    shortfall = None
    if not met:
        shortfall = _shortfall(target, share)
        if target.op in (">=", ">") and isinstance(target.value, (int, float)):
            needed = (decimal(target.value) * len(checks) / 100).to_integral_value(rounding=ROUND_CEILING) - passing
            shortfall += TEXT["still_needed"].format(count=max(int(needed), 1))
    text = f"{number_text(share)}%（{passing}/{len(checks)}）"
    return TargetResult(**base, actual=float(share), actual_text=text, met=met, shortfall=shortfall, institutions=checks)


def check_institution(institution: Institution, conditions: list[Condition]) -> InstitutionCheck:
    """One institution against a coverage target's conditions, with what it has and what it lacks."""
    groups = _condition_groups(conditions)
    outcomes = [(_group_actual(institution, group), _group_required(group), _group_passes(institution, group)) for group in groups]
    shortfalls = [actual if all(c.op == "==" for c in group) else TEXT["required"].format(actual=actual, required=required) for group, (actual, required, ok) in zip(groups, outcomes) if not ok]
    return InstitutionCheck(
        institution=institution.name,
        type=institution.type,
        town=institution.town,
        passed=not shortfalls,
        detail=TEXT["join"].join(actual for actual, _, _ in outcomes),
        shortfall=TEXT["join_shortfalls"].join(shortfalls) or None,
    )


def _condition_groups(conditions: list[Condition]) -> list[list[Condition]]:
    """Conditions as presented: 适宜技术类数 and 项数 together (5类8项), every other one alone."""
    tech = [c for c in conditions if c.field in TECH_FIELDS]
    groups = [[c] for c in conditions if c.field not in TECH_FIELDS]
    return [tech, *groups] if tech else groups


def _group_passes(institution: Institution, group: list[Condition]) -> bool:
    """Every condition met; a value left blank in the roster never passes."""
    for condition in group:
        value = getattr(institution, condition.field)
        if value is None:
            return False
        if isinstance(condition.value, bool):
            if value is not condition.value:
                return False
        elif not COMPARE[condition.op](decimal(value), decimal(condition.value)):
            return False
    return True


def _group_actual(institution: Institution, group: list[Condition]) -> str:
    """What the institution has: 适宜技术 5类8项, 设置中医馆：否, 中医类别医师数 0."""
    values = [getattr(institution, c.field) for c in group]
    if group[0].field in TECH_FIELDS:
        if any(v is None for v in values):
            return TEXT["tech_unreported"]
        return TEXT["tech"].format(counts="".join(f"{v}{TECH_FIELDS[c.field]}" for c, v in zip(group, values)))
    condition, value = group[0], values[0]
    if value is None:
        return TEXT["unreported"].format(name=condition.name)
    if isinstance(value, bool):
        return TEXT["mark"].format(name=condition.name, value=TEXT["mark_values"][value])
    return TEXT["count"].format(name=condition.name, value=value)


def _group_required(group: list[Condition]) -> str:
    """What the target asks: 6类10项, 中医类别医师数≥1."""
    if group[0].field in TECH_FIELDS:
        return "".join(f"{number_text(c.value)}{TECH_FIELDS[c.field]}" for c in group)
    condition = group[0]
    if isinstance(condition.value, bool):
        return condition.name
    return f"{condition.name}{OPERATOR_TEXT[condition.op]}{number_text(condition.value)}"
