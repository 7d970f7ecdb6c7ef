"""Lenient readers for what offices type: numbers stored as text, Chinese dates and yes/no marks."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)$")
_SERIAL = re.compile(r"^\d{5}(\.0*)?$")
EXCEL_EPOCH = date(1899, 12, 30)
"""Day 0 of Excel's date serials (45473 is 2024-06-30): what a date cell holds once its format is lost."""
EXCEL_SERIALS = range(32874, 73051)
"""Serials read as dates: 1990-01-01 to 2099-12-31 (other numbers are not taken for dates)."""

TRUE_MARKS = frozenset({"是", "有", "√", "✓", "✔", "☑", "y", "yes", "true", "1", "已", "已设置", "已接入", "已建", "已建设", "具备"})
FALSE_MARKS = frozenset({"否", "无", "×", "✗", "✘", "☐", "n", "no", "false", "0", "未", "未设置", "未接入", "未建", "没有", "不具备"})
DATE_HINT = "请写成 2024-06-30、2024/6/30 或 2024年6月30日"


def plain(text: str) -> str:
    """Fold full-width characters (３５％, （）) to ASCII and drop surrounding space."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(value: object) -> date | None:
    """A date from a YAML/Excel value: date objects, text like 2024年6月30日, 2024/6/30, 20240630, Excel serials."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_serial(value)
    if not isinstance(value, str):
        return None
    text = plain(value)
    if _SERIAL.match(text):
        return _from_serial(float(text))
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()[:3]))
    except ValueError:
        return None


def _from_serial(serial: float) -> date | None:
    """An Excel date serial (a whole number of days) as a date, when it is in EXCEL_SERIALS."""
    if serial != int(serial) or int(serial) not in EXCEL_SERIALS:
        return None
    return EXCEL_EPOCH + timedelta(days=int(serial))


def parse_number(value: object, unit: str | None = None) -> Decimal | None:
    """A number from 31.2, "31.2", "31.2%", "４级" or "0.72名/万人"; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not isinstance(value, str):
        return None
    text = plain(value).replace(",", "").replace(" ", "")
    for suffix in filter(None, (plain(unit) if unit else None, "%")):
        text = text.removesuffix(suffix)
    if not _NUMBER.match(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def parse_count(value: object) -> int | None:
    """A non-negative whole count from 5, 5.0, "5", "５项", "8人"; None when it is not one."""
    if isinstance(value, str):
        value = re.sub(r"[类项人名个家]$", "", plain(value))
    number = parse_number(value)
    if number is None or number < 0 or number != number.to_integral_value():
        return None
    return int(number)


def parse_mark(value: object) -> bool | None:
    """是/否, 有/无, √/×, true/false, 1/0 as a bool; raises ValueError for anything else."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = plain(str(value)).lower()
    if text in TRUE_MARKS:
        return True
    if text in FALSE_MARKS:
        return False
    raise ValueError(value)


def suggestion(name: str, choices: Iterable[str], fallback: str = "") -> str:
    """'，是否应为“X”？' for the closest known spelling, or the fallback hint."""
    guess = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.4)
    return f"，是否应为“{guess[0]}”？" if guess else fallback
