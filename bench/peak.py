"""Run one command from a small process and write its wall time and peak RSS to a JSON file.

On Linux a child forked from a large process starts with that process's RSS high-water mark, so
the harness, which renders in-process and grows to gigabytes, cannot measure its own children:
every one would report the harness's size. This helper is a fresh interpreter of a few MiB.

Usage: python bench/peak.py REPORT.json COMMAND [ARGS…]; exits with the command's exit code.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main() -> int:
    """Fork, exec the command, wait for it with wait4 and record ru_maxrss (KiB on Linux) in bytes."""
    report, *command = sys.argv[1:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    with open(report, "w", encoding="utf-8") as handle:
        json.dump({"seconds": elapsed, "peak_rss": usage.ru_maxrss * 1024}, handle)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
