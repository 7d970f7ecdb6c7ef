"""An `assess` command run in a child process that stops at a chosen moment, and killed there."""

from __future__ import annotations

import select
import signal
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import os, sys, time
WANTED = sys.argv.pop(1)
def stop(what):
    print("STOPPED", what, flush=True)
    time.sleep(600)
{hook}
from assess.cli import main
sys.argv[0] = "assess"
main()
"""
"""Runs `assess`, with `hook` code that calls `stop(what)` to freeze the command at its chosen moment."""


def start_stopped(hook: str, wanted: str, *args: str) -> subprocess.Popen:
    """Run `assess *args` in a child that stops (sleeps) at the moment `hook` picks; wait until it does."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(hook=hook), wanted, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    lines = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        ready, _, _ = select.select([child.stdout], [], [], 1)
        if ready:
            line = child.stdout.readline()
            lines.append(line)
            if line.startswith("STOPPED"):
                return child
            if not line:
                break
    child.kill()
    raise AssertionError("the child never reached the stop:\n" + "".join(lines))


def kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
