"""Text helpers the documents share: dates and numbers as Chinese official documents write them, file names as typed."""

from __future__ import annotations

import unicodedata
from datetime import date

CHINESE_DIGITS = "〇一二三四五六七八九"


def date_text(day: date) -> str:
    """2024年6月30日: the date as official documents write it (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_number(n: int) -> str:
    """一 … 九十九, for （一）-style headings."""
    if n < 10:
        return CHINESE_DIGITS[n]
    tens, ones = divmod(n, 10)
    return f"{CHINESE_DIGITS[tens] if tens > 1 else ''}十{CHINESE_DIGITS[ones] if ones else ''}"


def printable(text: str) -> str:
    """`text` with control characters (a newline in a file name) shown as □, as the dossier's stamps draw them."""
    return "".join("□" if unicodedata.category(char) == "Cc" else char for char in text)
