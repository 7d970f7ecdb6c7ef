"""The evidence folder convention: which indicator a top-level folder names, and how init names it.

A folder belongs to the indicator whose label or id starts its name, followed by a separator:
"（一）3-联席会议", "(一)3 联席会议", "一、3联席会议"… all name 〈（一）3〉, "第27条" names 〈27〉.
Labels are matched as a whole (longest match wins), so "27-…" never counts for 〈2〉 and "3-…"
never counts for 〈（一）3〉.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

from assess.config.standard import Indicator, Registry, Standard

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


@functools.cache
def _label_regex(label: str) -> re.Pattern[str]:
    """The compiled pattern of a label at the start of a folder name (made once per process: each index makes a matcher)."""
    return re.compile(_PREFIX + "(?:" + _label_pattern(label) + ")")


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
        self._labels = [_label_regex(indicator.label) for indicator in standard.indicators]
        # Ids are looked up by the folder's first characters, one lookup per id length (not one test per indicator).
        self._ids: dict[str, list[int]] = {}
        for position, indicator in enumerate(standard.indicators):
            self._ids.setdefault(indicator.id.lower(), []).append(position)
        self._id_lengths = sorted({len(identifier) for identifier in self._ids})
        self._matched: dict[str, Indicator | None] = {}

    def match(self, folder: str) -> Indicator | None:
        """The indicator whose label or id starts `folder` (remembered: one index asks once per file's folder)."""
        if folder not in self._matched:
            self._matched[folder] = self._longest_match(folder)
        return self._matched[folder]

    def _longest_match(self, folder: str) -> Indicator | None:
        """The indicator whose label or id starts `folder`: the longest match wins, then the earlier indicator, label first."""
        text = normalise(folder)
        # (end, indicator position, 0 for its label or 1 for its id)
        found = [
            (end, position, 0) for position, label in enumerate(self._labels) if (end := _label_end(label, text)) is not None
        ]
        found += self._id_ends(text)
        if not found:
            return None
        _, position, _ = min(found, key=lambda candidate: (-candidate[0], candidate[1], candidate[2]))
        return self._indicators[position]

    def _id_ends(self, text: str) -> list[tuple[int, int, int]]:
        """(end, indicator position, 1) for each indicator id, in any case after leading spaces, followed by a separator."""
        start = len(text) - len(text.lstrip())
        found = []
        for length in self._id_lengths:
            end = start + length
            positions = self._ids.get(text[start:end].lower())
            if positions and _SEPARATOR_AT.match(text, end):
                found += [(end, position, 1) for position in positions]
        return found

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
