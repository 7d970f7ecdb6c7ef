"""The evidence folder convention: which indicator a top-level folder names, and how init names it.

A folder belongs to the indicator whose label or id starts its name, followed by a separator:
"（一）3-联席会议", "(一)3 联席会议", "一、3联席会议"… all name 〈（一）3〉, "第27条" names 〈27〉.
Labels are matched as a whole (longest match wins), so "27-…" never counts for 〈2〉 and "3-…"
never counts for 〈（一）3〉.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

from .standard import Indicator, Registry, Standard

# What may follow a label: a separator, the end of the name, or a 条/项/款 suffix.
_SEPARATOR = r"(?=$|[\s\-_—–、.:;,·()\[\]【】〔〕《》])"
_SUFFIX = r"(?:\s*[条项款]|" + _SEPARATOR + ")"
_PREFIX = r"^\s*(?:第\s*)?"
_SUFFIX_AT = re.compile(_SUFFIX)
_SEPARATOR_AT = re.compile(_SEPARATOR)
"""Compiled once, and matched where a label or id ends."""
# A label such as "（一）3", "一3", "27" (after NFKC, so parentheses are ASCII).
_LABEL_SHAPE = re.compile(r"^(?:\(?([一二三四五六七八九十]+)\)?[、.]?)?0*(\d+)$")
# Characters Windows refuses in file names, and control characters.
_ILLEGAL = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def normalise(name: str) -> str:
    """Fold full-width digits, letters and parentheses to ASCII (NFKC), so both spellings compare."""
    return unicodedata.normalize("NFKC", name)


def _label_pattern(label: str) -> str:
    """Regex source for a label written any of the accepted ways."""
    compact = "".join(normalise(label).split())
    shape = _LABEL_SHAPE.match(compact)
    if shape is None:
        return r"\s*".join(re.escape(char) for char in compact)
    category, number = shape.groups()
    number_part = r"0*" + number
    if category is None:
        return number_part
    return r"\(?\s*" + category + r"\s*\)?\s*[、.]?\s*" + number_part


class FolderMatcher:
    """Maps a top-level folder name to the indicator it names (or None)."""

    def __init__(self, standard: Standard):
        self._indicators = standard.indicators
        # Small patterns without the separator class: compiling 2 × 42 full patterns took 20 ms per run.
        self._patterns = [
            (indicator, re.compile(_PREFIX + "(?:" + _label_pattern(indicator.label) + ")"), indicator.id.lower())
            for indicator in standard.indicators
        ]
        self._matched: dict[str, Indicator | None] = {}

    def match(self, folder: str) -> Indicator | None:
        """The indicator whose label or id starts `folder` (remembered: one index asks once per file's folder)."""
        if folder not in self._matched:
            self._matched[folder] = self._longest_match(folder)
        return self._matched[folder]

    def _longest_match(self, folder: str) -> Indicator | None:
        """The indicator whose label or id starts `folder`; the longest match wins."""
        text = normalise(folder)
        best: tuple[int, Indicator] | None = None
        for indicator, by_label, identifier in self._patterns:
            for end in (_label_end(by_label, text), _id_end(identifier, text)):
                if end is not None and (best is None or end > best[0]):
                    best = (end, indicator)
        return best[1] if best else None

    def suggest(self, folder: str) -> str | None:
        """The conventional folder name closest to `folder`, to put in a 'misplaced' message."""
        names = {folder_name(indicator): indicator for indicator in self._indicators}
        titles = {indicator.title: folder_name(indicator) for indicator in self._indicators}
        text = normalise(folder)
        for title, name in titles.items():
            if title in text:
                return name
        close = difflib.get_close_matches(text, list(names), n=1, cutoff=0.5)
        return close[0] if close else None


def _label_end(label: re.Pattern[str], text: str) -> int | None:
    """Where a label at the start of `text` ends, with its 条/项/款 suffix; None unless a separator follows."""
    found = label.match(text)
    if found is None:
        return None
    suffix = _SUFFIX_AT.match(text, found.end())
    return suffix.end() if suffix else None


def _id_end(identifier: str, text: str) -> int | None:
    """Where an indicator id (lower case) written in any case after leading spaces ends; None unless a separator follows."""
    start = len(text) - len(text.lstrip())
    end = start + len(identifier)
    if text[start:end].lower() != identifier or not _SEPARATOR_AT.match(text, end):
        return None
    return end


def folder_name(indicator: Indicator) -> str:
    """Folder name init-evidence creates: `<label>-<title>`, legal on Windows."""
    name = _ILLEGAL.sub("", f"{indicator.label}-{indicator.title}")
    return name.rstrip(" .")


def department_of(parts: list[str], registry: Registry) -> str | None:
    """Short name of the first sub-folder (below the indicator folder) that names a department."""
    for part in parts:
        department = registry.find(normalise(part))
        if department is not None:
            return department.short
    return None
