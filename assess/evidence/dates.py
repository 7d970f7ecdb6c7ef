"""Evidence dates: read from the file name (as the office writes them), PDF metadata or EXIF.

Never the file's modification time: copying a folder changes it, so it proves nothing.
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from datetime import date
from typing import Literal, NamedTuple

Precision = Literal["day", "month", "year"]

_RANK = {"day": 3, "month": 2, "year": 1}
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_MONTH = r"(?P<m>\d{1,2})"
_DAY = r"(?P<d>\d{1,2})"

# (pattern, precision), matched on the NFKC form of the name, most precise first.
_NAME_PATTERNS: list[tuple[re.Pattern[str], Precision]] = [
    (re.compile(_YEAR + r"\s*年\s*" + _MONTH + r"\s*月\s*" + _DAY), "day"),
    (re.compile(r"(?<!\d)" + _YEAR + r"(?P<m>\d\d)(?P<d>\d\d)(?=\d{6}(?!\d)|(?!\d))"), "day"),
    (re.compile(r"(?<!\d)" + _YEAR + r"(?P<sep>[-._])" + _MONTH + r"(?P=sep)" + _DAY + r"(?!\d)"), "day"),
    (re.compile(_YEAR + r"\s*年\s*" + _MONTH + r"\s*月(?!\s*\d)"), "month"),
    (re.compile(r"(?<![\d.])" + _YEAR + r"[-.]" + _MONTH + r"(?![-._]?\d)"), "month"),
    (re.compile(r"(?<!\d)" + _YEAR + r"\s*年(?!\s*\d)"), "year"),
    (re.compile(r"[〔\[(]" + _YEAR + r"[〕\])]\s*\d+\s*号"), "year"),
]
_FORMATS = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


class FoundDate(NamedTuple):
    """A date as precise as its source: 2023年7月 is a month, not 2023-07-01 (a NamedTuple: cheap to rebuild from the cache)."""

    value: date
    precision: Precision

    def span(self) -> tuple[date, date]:
        """First and last day the date can mean."""
        if self.precision == "day":
            return self.value, self.value
        if self.precision == "month":
            last = calendar.monthrange(self.value.year, self.value.month)[1]
            return self.value, self.value.replace(day=last)
        return self.value, self.value.replace(month=12, day=31)

    def outside(self, start: date, end: date) -> bool:
        """True when no day the date can mean falls inside [start, end]."""
        first, last = self.span()
        return last < start or first > end

    @property
    def text(self) -> str:
        """The date written only as precisely as it is known: 2023-07-15, 2023-07 or 2023."""
        return self.value.strftime(_FORMATS[self.precision])


def _build(parts: dict[str, str | None], precision: Precision) -> FoundDate | None:
    """A FoundDate if the parts make a real calendar date (2023-02-30 does not)."""
    try:
        return FoundDate(date(int(parts["y"] or ""), int(parts.get("m") or 1), int(parts.get("d") or 1)), precision)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1 << 16)
def date_from_name(name: str) -> FoundDate | None:
    """The most precise valid date written in a file name; the first one on a tie (memoised within a process; the index cache keeps it across runs)."""
    text = unicodedata.normalize("NFKC", name)
    best: tuple[int, int, FoundDate] | None = None
    for pattern, precision in _NAME_PATTERNS:
        for found in pattern.finditer(text):
            candidate = _build(found.groupdict(), precision)
            if candidate is None:
                continue
            key = (_RANK[precision], -found.start())
            if best is None or key > best[:2]:
                best = (*key, candidate)
    return best[2] if best else None


def parse_exif_date(text: str) -> date | None:
    """EXIF DateTimeOriginal, written "2023:07:15 09:30:00"; None if blank or invalid."""
    found = re.match(r"\s*(\d{4}):(\d\d):(\d\d)", text or "")
    return _valid_date(found)


def _valid_date(found: re.Match[str] | None) -> date | None:
    """The year, month and day groups of a match as a date, or None when absent or impossible."""
    if found is None:
        return None
    try:
        return date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def parse_pdf_date(text: str) -> date | None:
    """PDF date string "D:20230715093000+08'00'" → the calendar date as written; None if invalid."""
    found = re.match(r"\s*(?:D:)?(\d{4})(\d\d)(\d\d)", text or "")
    return _valid_date(found)
