"""The walk of evidence/: every file with the stat values that decide whether its cached facts still hold.

Read-only: symlinks are not followed, junk (system files, recycle bins) and special files are set
aside, and names that are not UTF-8 are shown as the office would read them.
"""

from __future__ import annotations

import os
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

GUIDE_FILE = "说明.txt"
"""The guide init-evidence puts in each indicator folder; it is not evidence and is not indexed."""
JUNK_FILES = {"thumbs.db", "ehthumbs.db", "desktop.ini"}
JUNK_FOLDERS = {"__macosx", "$recycle.bin", "system volume information"}


class Entry(NamedTuple):
    """A file found by the walk, with the stat values that decide whether the cache is still valid.

    A NamedTuple: a warm re-index builds a thousand of these, and a frozen dataclass costs twice as much.
    """

    path: str
    folders: tuple[str, ...]
    """The folders above it, relative to evidence/; every file of one folder shares this tuple."""
    name: str
    raw_name: str
    """Its name on disk, undecodable bytes kept as surrogates (the name itself unless misencoded)."""
    disk_folder: str
    """Where its folder is on disk, as walked: every file of one folder shares this string."""
    size: int
    mtime: float
    mtime_ns: int
    misencoded: bool = False
    """Its name or a folder above it is not valid UTF-8 (GBK names from a Windows zip)."""

    @property
    def key(self) -> tuple[int, int]:
        """(size, mtime_ns) as the walk saw them."""
        return self.size, self.mtime_ns

    @property
    def absolute(self) -> Path:
        """Where the file is on disk (a Path is built only when needed)."""
        return Path(self.disk_folder, self.raw_name)

    @property
    def suffix(self) -> str:
        """The name's extension with its dot, as Path.suffix gives it ("" for none)."""
        dot = self.name.rfind(".")
        return self.name[dot:] if 0 < dot < len(self.name) - 1 else ""

    @property
    def stem(self) -> str:
        """The name without its extension, as Path.stem gives it."""
        return self.name[: len(self.name) - len(self.suffix)]


def is_junk(name: str, folder: bool = False) -> bool:
    """System clutter that is never evidence: thumbnails, Office lock files, hidden files.

    The junk names are ASCII: other names (most of them, in Chinese) are not lowered (isascii costs nothing).
    """
    if name.startswith(".") or (not folder and name.startswith("~$")):
        return True
    return name.isascii() and name.lower() in (JUNK_FOLDERS if folder else JUNK_FILES)


def _display(name: str) -> str:
    """A name as text even when it is not valid UTF-8: undecodable bytes shown as \\xNN, so names stay distinct."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # os.scandir kept the undecodable bytes as surrogates
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def gbk_reading(name: str) -> str:
    """What a misencoded name most likely says: Windows zips store names in GBK (GB18030 is its superset)."""
    raw = name.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030", "replace")


class _Listing:
    """A folder's entries, the folder held open while they are used (a context manager).

    Each entry's stat then looks up its name in the open folder (fstatat) instead of its whole path
    from / again: 15% of a walk of 1,000 files. Where os.scandir cannot list an open folder (Windows), by path.
    """

    def __init__(self, folder: str):
        self.descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY) if os.scandir in os.supports_fd else None
        try:
            with os.scandir(folder if self.descriptor is None else self.descriptor) as found:
                self.entries = list(found)
        except OSError:
            self.__exit__()
            raise

    def __enter__(self) -> _Listing:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)


def walk(root: Path) -> tuple[list[Entry], list[str], list[str]]:
    """Files (sorted by path), ignored entries and top-level folders under root.

    Symlinks are not followed and, like junk, special files (named pipes, sockets, devices: reading
    one could block for ever) and folders that cannot be opened, land in `ignored` (folders with a
    trailing /); a file that vanishes mid-walk is simply not there.
    """
    files: list[Entry] = []
    ignored: list[str] = []
    top_folders: list[str] = []
    pending: list[tuple[str, tuple[str, ...], bool]] = [(str(root), (), False)]
    while pending:
        folder, parts, misencoded = pending.pop()
        try:
            listing = _Listing(folder)
        except OSError:
            ignored.append("/".join(parts) + "/")
            continue
        prefix = "".join(part + "/" for part in parts)
        with listing:
            for entry in listing.entries:
                raw = entry.name
                name = _display(raw)
                if entry.is_file(follow_symlinks=False):  # the common case first: a regular file
                    if is_junk(raw):
                        ignored.append(prefix + name)
                    elif not (raw == GUIDE_FILE and len(parts) == 1):
                        try:
                            info = entry.stat(follow_symlinks=False)
                        except OSError:
                            continue
                        files.append(Entry._make((
                            prefix + name, parts, name, raw, folder, info.st_size, info.st_mtime, info.st_mtime_ns,
                            misencoded or name != raw,
                        )))
                elif not entry.is_dir(follow_symlinks=False):  # a symlink or a special file
                    ignored.append(prefix + name)
                elif is_junk(raw, folder=True):
                    ignored.append(prefix + name + "/")
                else:
                    pending.append((f"{folder}/{raw}", (*parts, name), misencoded or name != raw))
                    if not parts:
                        top_folders.append(name)
    files.sort(key=attrgetter("path"))
    return files, sorted(ignored), sorted(top_folders)
