"""One build at a time per project: a second run stops with a clear message instead of interleaving."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assess.atomic import OutputError
from assess.errors import AssessError

LOCK_NAME = ".assess.lock"


class ProjectBusy(AssessError):
    """Another `assess` process is writing this project's outputs."""

    def __init__(self, lock: Path, holder: str):
        who = f"（进程 {holder}）" if holder else ""
        super().__init__(f"{lock.parent}：另一个 assess 构建正在进行{who}，请等它结束后再运行")


@contextmanager
def project_lock(output_dir: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on output/ for the duration of a build.

    flock is released by the kernel when the process dies, so a killed build never leaves a
    stale lock behind.
    """
    lock_path = output_dir / LOCK_NAME
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 (held until the lock is released below)
    except OSError as exc:
        raise OutputError(lock_path, exc) from exc
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise ProjectBusy(lock_path, handle.read().strip()) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()
