"""One exception hierarchy and the findings that validation collects before aborting."""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class ExitCode(IntEnum):
    """Process exit codes of the `assess` command, documented on the manual's command page (docs/commands.md)."""

    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    FAILED = 3


class Finding(BaseModel):
    """One problem in an input file, located by path and line, worded for the office."""

    model_config = ConfigDict(frozen=True)

    path: str
    line: int | None = None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class AssessError(Exception):
    """Root of every error the tool reports to the user (in Chinese, without a traceback)."""

    exit_code = ExitCode.FAILED


class InvalidInput(AssessError):
    """One or more input files failed validation; carries every finding, not just the first."""

    exit_code = ExitCode.INVALID_INPUT

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))


class MissingProject(AssessError):
    """The folder has no assess.yaml, so it is not a project."""

    exit_code = ExitCode.INVALID_INPUT

    def __init__(self, root: Path):
        super().__init__(f"{root}：找不到项目文件 assess.yaml。请在项目文件夹中运行，或用 --project 指定项目文件夹")


def display_path(path: Path, root: Path | None = None) -> str:
    """Path as the office sees it: relative to the project when inside it."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def by_file_and_line(findings: list[Finding]) -> list[Finding]:
    """Group findings by file (in order of first appearance), then by line, for reading top-down."""
    file_order = {path: index for index, path in reversed(list(enumerate(f.path for f in findings)))}
    return sorted(findings, key=lambda f: (file_order[f.path], f.line or 0))


def os_error_text(exc: OSError) -> str:
    """Chinese wording for the operating-system errors an office actually meets."""
    return {
        errno.ENOENT: "文件不存在",
        errno.EACCES: "没有访问权限",
        errno.EISDIR: "这是一个文件夹，不是文件",
        errno.ENOSPC: "磁盘空间不足",
        errno.EROFS: "磁盘为只读",
        errno.ELOOP: "这是一个符号链接，不会跟随读取",
    }.get(exc.errno or 0, exc.strerror or str(exc))
