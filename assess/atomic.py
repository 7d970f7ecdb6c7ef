"""Atomic output writing: a crash or kill never leaves a half-written file under its final name."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from assess.errors import AssessError, ExitCode, os_error_text


class OutputError(AssessError):
    """An output file could not be written (full disk, read-only folder, no permission)."""

    def __init__(self, path: Path, exc: OSError):
        super().__init__(f"{path}：无法写入输出文件（{os_error_text(exc)}），原有文件保持不变")


_TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
"""Names atomic_path gives its temporary files: `.<target name>.<8 random characters>.tmp`."""
_WORK_FOLDER = re.compile(r"^\.assess-[a-z]+-[a-z0-9_]{8}$")
"""Names work_folder gives its folders: `.assess-<kind>-<8 random characters>`."""
STALE_AFTER = 60
"""Seconds after its last write that a temporary file (or working folder) is taken to be left over by a killed process."""


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it onto `target` only if the block succeeds."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
    except OSError as exc:
        raise OutputError(target, exc) from exc
    temp = Path(name)
    try:
        yield temp
        settle(temp)
        os.replace(temp, target)
    except OSError as exc:
        raise OutputError(target, exc) from exc
    finally:
        temp.unlink(missing_ok=True)


@contextmanager
def work_folder(parent: Path, kind: str) -> Iterator[Path]:
    """A private folder in `parent` for one run's intermediate files; removed afterwards, or by remove_stale_temps if the run is killed."""
    with tempfile.TemporaryDirectory(prefix=f".assess-{kind}-", dir=parent) as name:
        yield Path(name)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete temporary files and working folders a killed run left in `folder` (hidden, never taken for outputs); return them.

    Only names atomic_path and work_folder make, and only once untouched for STALE_AFTER seconds,
    so work still in progress in another command is never pulled from under it. Call it holding
    the project lock.
    """
    removed: list[Path] = []
    cutoff = time.time() - STALE_AFTER
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        try:
            if _TEMP_NAME.match(entry.name) and entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
            elif _WORK_FOLDER.match(entry.name) and entry.is_dir(follow_symlinks=False) and _last_write(entry.path) < cutoff:
                shutil.rmtree(entry.path)
            else:
                continue
            removed.append(Path(entry.path))
        except OSError:
            continue  # gone already, or not ours to remove: leave it
    return removed


def _last_write(folder: str) -> float:
    """The latest modification time of a folder and of the entries directly in it."""
    with os.scandir(folder) as entries:
        return max([os.lstat(folder).st_mtime, *(entry.stat(follow_symlinks=False).st_mtime for entry in entries)])


def _current_umask() -> int:
    """The process umask (reading it requires setting it, so restore it at once)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()


def settle(temp: Path) -> None:
    """Give the temp file normal permissions (mkstemp makes it 0600) and flush it to disk."""
    os.chmod(temp, _FILE_MODE)
    with open(temp, "rb") as handle:
        os.fsync(handle.fileno())


def write_text(target: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(target) as temp:
        temp.write_text(text, encoding="utf-8")


def write_json(target: Path, data: Any) -> None:
    """Write JSON (UTF-8, Chinese kept readable, keys in a stable order) atomically."""
    write_text(target, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False, default=str) + "\n")


# --- reproducible documents ---


class BadSourceDate(AssessError):
    """SOURCE_DATE_EPOCH is set but is not a whole number of seconds."""

    exit_code = ExitCode.USAGE

    def __init__(self, text: str):
        super().__init__(f"环境变量 SOURCE_DATE_EPOCH 应为整数秒（Unix 时间戳，如 1719705600），实际为“{text}”")


def document_time(report_date: date) -> datetime:
    """The one timestamp documents carry (created/modified): SOURCE_DATE_EPOCH if set, else the report date.

    Never the clock, so the same inputs give the same bytes. Naive UTC, as .docx/.xlsx store it.
    """
    text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not text:
        return datetime.combine(report_date, datetime.min.time())
    try:
        return datetime.fromtimestamp(int(text), UTC).replace(tzinfo=None)
    except (ValueError, OverflowError, OSError) as exc:
        raise BadSourceDate(text) from exc


ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""Timestamp of every entry of a reproducible zip (the earliest date the format can store)."""


def write_reproducible_zip(target: Path, data: bytes) -> None:
    """Rewrite a zip (.docx, .xlsx) with fixed entry timestamps, atomically: same content, same bytes."""
    with atomic_path(target) as temp, zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(temp, "w") as out:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=ZIP_EPOCH)
            fixed.external_attr = 0o644 << 16
            out.writestr(fixed, source.read(entry.filename), compress_type=zipfile.ZIP_DEFLATED)
