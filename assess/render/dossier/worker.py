"""Work done beside the build in another process: one way to start it, and it never outlives the build.

A large dossier writes its evidence pages and lays out its chapters apart while the build process
lays out the HTML part, each in a worker process: a ProcessPoolExecutor of one process from
multiprocessing's spawn context. Spawn, because forking a process with WeasyPrint's libraries
and threads loaded is unsafe; a function reference, never a `-m module.path` command, so a
moved module cannot silently break the start.

A worker leaves Ctrl-C to the build process (which then kills it), and exits as soon as the
build process is gone, even killed with SIGKILL, when it cannot stop its workers: a thread waits
on the parent's sentinel, a pipe the kernel closes whenever the parent ends.

Like any program using multiprocessing's spawn, a script calling assess.pipeline.build() must
keep its top-level code under `if __name__ == "__main__":`, as a worker imports the script's
main module again.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor


class Worker:
    """One worker process, started on the first submit; `setup(*setup_args)` runs in it first.

    Use as a context manager: on leaving, the worker is stopped, and killed if the block failed
    (its work is no longer wanted: it does not finish what it is doing).
    """

    def __init__(self, setup: Callable[..., None] | None = None, *setup_args: object):
        self.setup = setup
        self.setup_args = setup_args
        self.executor: ProcessPoolExecutor | None = None
        self.process: multiprocessing.process.BaseProcess | None = None

    def submit(self, function: Callable, *args: object) -> Future:
        """Run `function(*args)` in the worker process (function and arguments are pickled: module-level, plain data)."""
        if self.executor is not None:
            return self.executor.submit(function, *args)
        running = set(multiprocessing.active_children())
        context = multiprocessing.get_context("spawn")
        self.executor = ProcessPoolExecutor(1, mp_context=context, initializer=_start, initargs=(self.setup, self.setup_args))
        future = self.executor.submit(function, *args)  # starts the worker process
        self.process = next((child for child in multiprocessing.active_children() if child not in running), None)
        return future

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, kind, error, trace) -> None:
        if self.executor is None:
            return
        if kind is not None and self.process is not None:
            self.process.kill()
        self.executor.shutdown(wait=True, cancel_futures=True)


def _start(setup: Callable[..., None] | None, setup_args: tuple) -> None:
    """In the worker, first: leave Ctrl-C to the build process, exit when it is gone, then the caller's setup."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent.sentinel,), daemon=True).start()
    if setup is not None:
        setup(*setup_args)


def _exit_with(sentinel: int) -> None:
    """Exit as soon as the build process is gone (killed, it cannot stop its workers)."""
    multiprocessing.connection.wait([sentinel])
    os._exit(1)
