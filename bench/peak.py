"""Run one command from a small process and write its wall time and peak memory to a JSON file.

On Linux a child forked from a large process starts with that process's RSS high-water mark, so
the harness, which renders in-process and grows to gigabytes, cannot measure its own children:
every one would report the harness's size. This helper is a fresh interpreter of a few MiB.

Two figures: `peak_rss`, wait4's ru_maxrss (the largest single process of the tree, as
`/usr/bin/time -v` reports it), and `peak_tree_rss`, the largest sum of VmRSS over the command and
all its descendants, sampled every SAMPLE_SECONDS on a thread while the main thread blocks in
wait4 (so the wall time is exact), with worker processes counted together.

Usage: python bench/peak.py REPORT.json COMMAND [ARGS…]; exits with the command's exit code.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

SAMPLE_SECONDS = 0.1
PROC = Path("/proc")


def parents() -> dict[int, int]:
    """Parent pid of every process now running (from /proc/PID/stat; the name may hold spaces)."""
    found = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def tree_rss(root: int) -> int:
    """Sum of VmRSS, in bytes, of `root` and all its descendants right now."""
    links = parents()
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in links.items() if ppid == parent and pid not in family]
        family.update(children)
        frontier += children
    return sum(_vm_rss(pid) for pid in family)


def _vm_rss(pid: int) -> int:
    """VmRSS of one process in bytes; 0 once it has exited."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def main() -> int:
    """Fork and exec the command; sample its tree on a thread while waiting; record both peaks and the time."""
    report, *command = sys.argv[1:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(command[0], command)
        finally:
            os._exit(127)
    finished = threading.Event()
    samples = [0]

    def sample() -> None:
        while not finished.wait(SAMPLE_SECONDS):
            samples.append(tree_rss(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    finished.set()
    sampler.join()
    peak = usage.ru_maxrss * 1024
    with open(report, "w", encoding="utf-8") as handle:
        json.dump({"seconds": elapsed, "peak_rss": peak, "peak_tree_rss": max(max(samples), peak)}, handle)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
