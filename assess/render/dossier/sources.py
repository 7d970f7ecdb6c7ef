"""Opening evidence files safely: the index saw a regular file inside evidence/, but that may have changed since.

Between indexing and writing the dossier a file can be deleted, or swapped for a symlink (to
/etc/passwd, say) or a named pipe; the dossier must then leave it out and say why, never read
through it.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

TEXT = {
    "missing": "文件不存在（可能已被移动或删除），请重新运行 assess index",
    "unsafe": "此文件已不是佐证材料文件夹中的普通文件（可能已被换成符号链接），出于安全考虑未读取；请放入文件本身后重新生成",
    "unreadable": "此文件无法读取（可能已损坏、加密或在生成期间被修改），未能嵌入；请检查后重新生成",
}
"""Chinese wording of why a file is not embedded (the plan's notes, the stamps of blank pages, the log), in one place."""


class UnsafeSource(OSError):
    """A page source that is not a regular file really inside its folder (a symlink, a named pipe, a path leading out)."""


def open_source(path: Path, within: Path | None) -> BinaryIO:
    """Open a page source read-only: never through a symlink, never a special file, never outside `within`.

    O_NOFOLLOW refuses a file swapped for a symlink after indexing; the file actually opened (as the
    kernel names it) must lie inside `within`, so a parent folder swapped for a symlink is refused
    too; O_NONBLOCK keeps a named pipe from blocking the open. Like the index, it never follows a
    link to read /etc/passwd into a dossier.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeSource(errno.EINVAL, "not a regular file", str(path))
        if within is not None and not _opened_path(fd, path).is_relative_to(within.resolve()):
            raise UnsafeSource(errno.EACCES, "outside the evidence folder", str(path))
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _opened_path(fd: int, path: Path) -> Path:
    """Where an open file really is: the kernel's name for it (Linux), else its resolved path."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return path.resolve()


def source_problem(path: Path, within: Path) -> str | None:
    """Why an evidence file cannot be a page source now (gone, replaced by a symlink, unreadable), or None."""
    try:
        open_source(path, within).close()
    except FileNotFoundError:
        return TEXT["missing"]
    except OSError as exc:
        return TEXT["unsafe"] if isinstance(exc, UnsafeSource) or exc.errno == errno.ELOOP else TEXT["unreadable"]
    return None
