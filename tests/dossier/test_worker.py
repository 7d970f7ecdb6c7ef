"""A large dossier's chapters apart (continued tables, manifest) are laid out by one worker process
while this process lays out the HTML part; a worker that fails or dies gives a Chinese error; no
worker process outlives a killed build."""

from __future__ import annotations

import logging
import multiprocessing
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner

from assess.caches import DOSSIER_PARTS
from assess.cli import cli
from assess.errors import ExitCode
from assess.evidence.folders import folder_name
from assess.render.dossier import build, context, convert, html_part, layout, worker
from dossier.test_appendix import evidence_file, make_pdf
from dossier.test_glyphs import RARE
from dossier.test_parts_cache import _record_documents
from dossier.test_pdf import _assessment, _evidence, _project, _render
from dossier.test_robustness import bare_project

pytestmark = pytest.mark.slow  # builds whole dossiers

ORPHAN_SCRIPT = """
import sys
from pathlib import Path
from assess.render.dossier.layout import Layout, Layouter, PartJob, PartsCache, Styles
root, tmp = Path(sys.argv[1]), Path(sys.argv[2])
folder = root / "templates" / "dossier"
styles = Styles(root, folder, (folder / "dossier.css").read_text(encoding="utf-8"), "")
layouter = Layouter(styles, Layout(styles), parallel=True)
layouter.part(PartJob("manifest", ("<p>一</p>",), "回民区", "四、佐证材料清单", 7, tmp, PartsCache(tmp / "cache", "key"))).result()
print(layouter.worker.process.pid, flush=True)
sys.stdin.read()
"""
"""Start a worker, say its process id, then wait to be killed."""


def _styles(repo_root: Path) -> layout.Styles:
    folder = repo_root / "templates" / "dossier"
    return layout.Styles(repo_root, folder, (folder / "dossier.css").read_text(encoding="utf-8"), "")


def _job(tmp_path: Path, workdir: Path) -> layout.PartJob:
    cache = layout.PartsCache(tmp_path / "cache", "key")
    return layout.PartJob("manifest", ("<p>一</p>", "<p>二</p>"), "回民区", "四、佐证材料清单", 7, workdir, cache)


@pytest.fixture
def apart(monkeypatch, tmp_path, repo_root, sample_assessment):
    """Render a full dossier whose sections show one evidence row each, two rows per batch, with or without the worker."""
    monkeypatch.setattr(context, "SECTION_ROWS", 1)
    monkeypatch.setattr(context, "BATCH_ROWS", 2)
    monkeypatch.setattr(convert, "office_converter", lambda: None)

    made: dict[str, tuple] = {}

    def render(name: str, rows: int):
        monkeypatch.setattr(html_part, "PARALLEL_ROWS", rows)
        if name not in made:
            (tmp_path / name).mkdir()
            project = _project(tmp_path / name, repo_root)
            evidence = _evidence(project.path("evidence"))
            rare = make_pdf(project.path("evidence") / f"（一）2/王{RARE}的证明.pdf", 1, "RARE")
            evidence[1] = [*evidence[1], evidence_file(project.path("evidence"), rare, "pdf")]
            made[name] = (project, _assessment(sample_assessment, evidence))
        project, assessment = made[name]
        return _render(tmp_path / name, project, assessment, 0)

    return render


def test_the_worker_lays_out_the_chapters_apart_and_the_dossier_is_the_same(apart, monkeypatch, caplog, tmp_path):
    in_process = apart("here", rows=10**9).path.read_bytes()
    shutil.rmtree(tmp_path / "here" / "output" / DOSSIER_PARTS)
    documents, _ = _record_documents(monkeypatch)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        parallel = apart("here", rows=0)
    assert parallel.path.read_bytes() == in_process
    assert 1 <= len(documents) <= 2  # only the HTML part was laid out in this process: the batches in the worker
    assert sum("五、佐证材料表（续）" in page for page in parallel.pages) >= 3
    warning = next(record.getMessage() for record in caplog.records if record.name == build.__name__)
    assert "1 个字符" in warning and RARE in warning  # the rare character is in a continued row, drawn by the worker


def test_the_glyph_warning_stays_when_nothing_is_laid_out_again(apart, monkeypatch, caplog):
    apart("here", rows=10**9)
    documents, _ = _record_documents(monkeypatch)
    with caplog.at_level(logging.WARNING):
        apart("here", rows=10**9)
    assert documents == [] and any(RARE in record.getMessage() for record in caplog.records if record.name == build.__name__)


def test_no_worker_is_started_when_the_html_part_is_cached(apart, monkeypatch, tmp_path):
    first = apart("here", rows=10**9).path.read_bytes()
    entries = {pdf_file: _page_count(pdf_file) for pdf_file in (tmp_path / "here" / "output" / DOSSIER_PARTS).glob("*.pdf")}
    front = max(entries, key=entries.get)
    for cached in entries:
        if cached != front:  # the batches laid out apart must be laid out again, the HTML part not
            cached.unlink()
    monkeypatch.setattr(worker.Worker, "submit", lambda self, *args: pytest.fail("a worker was started"))
    assert apart("here", rows=0).path.read_bytes() == first


def _page_count(path: Path) -> int:
    with pikepdf.open(path) as document:
        return len(document.pages)


@pytest.fixture
def worker_killed(monkeypatch):
    """The worker process is killed (as by the kernel when memory runs out) as this process starts laying out the HTML part."""
    render = layout.Layout.render

    def kill_the_worker_first(self, *args):
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)
        return render(self, *args)

    monkeypatch.setattr(layout.Layout, "render", kill_the_worker_first)


def test_a_killed_worker_stops_the_dossier_with_a_chinese_message(apart, worker_killed, tmp_path):
    with pytest.raises(layout.LayoutFailed, match="排版进程意外退出"):
        apart("worker", rows=0)
    assert multiprocessing.active_children() == []
    assert list((tmp_path / "worker" / "output").iterdir()) == []  # no dossier, no work folder left


def test_the_cli_reports_a_killed_worker_without_a_traceback(tmp_path, repo_root, monkeypatch, worker_killed):
    shutil.copy(repo_root / "assess.yaml", tmp_path / "assess.yaml")
    for name in ("standards", "evidence", "data", "templates"):
        shutil.copytree(repo_root / name, tmp_path / name, symlinks=True)
    monkeypatch.setattr(html_part, "PARALLEL_ROWS", 0)
    result = CliRunner().invoke(cli, ["build", "--project", str(tmp_path), "--only", "pdf"])
    assert result.exit_code == ExitCode.FAILED
    assert "pdf：申报材料的排版进程意外退出" in result.output and "Traceback" not in result.output
    assert not list((tmp_path / "output").glob("*.pdf"))


def test_an_error_in_the_worker_is_reported_in_chinese(tmp_path, repo_root):
    styles = _styles(repo_root)
    with layout.Layouter(styles, layout.Layout(styles), parallel=True) as layouter:
        pending = layouter.part(_job(tmp_path, tmp_path / "no such folder"))
        with pytest.raises(layout.LayoutFailed, match=r"排版进程出错（FileNotFoundError"):
            pending.result()


def test_the_worker_writes_and_caches_what_it_lays_out(tmp_path, repo_root):
    styles = _styles(repo_root)
    job = _job(tmp_path, tmp_path)
    with layout.Layouter(styles, layout.Layout(styles), parallel=True) as layouter:
        written = layouter.part(job).result()
    assert written.pages == 2 and all(path.parent == tmp_path / "cache" for path in written.paths)
    again, done = layout.lay_out_part(job, None)  # from the cache alone
    assert done == 2 and again == written


def test_the_worker_exits_when_the_main_process_is_killed(tmp_path, repo_root):
    command = [sys.executable, "-c", ORPHAN_SCRIPT, str(repo_root), str(tmp_path)]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as main:
        worker = int(main.stdout.readline())
        main.kill()
    status = Path(f"/proc/{worker}/status")  # not our child: watch /proc until it is gone (or a zombie of its new parent)
    for _ in range(600):
        if not status.exists() or "State:\tZ" in status.read_text():
            break
        time.sleep(0.05)
    else:
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker outlived its main process")


def test_a_failure_in_this_process_kills_the_worker_instead_of_waiting_for_it(tmp_path, repo_root):
    styles = _styles(repo_root)
    with pytest.raises(KeyboardInterrupt), layout.Layouter(styles, layout.Layout(styles), parallel=True) as layouter:
        layouter.part(_job(tmp_path, tmp_path))
        raise KeyboardInterrupt
    assert layouter.worker.process.exitcode == -signal.SIGKILL and multiprocessing.active_children() == []


KILLED_BUILD = """
import multiprocessing, sys, time
from assess.render.dossier import appendix, context, html_part, layout
appendix.PARALLEL_PAGES = 1  # the evidence pages written by a worker, as in a large district
html_part.PARALLEL_ROWS = 0  # the continued tables laid out by the other worker
context.SECTION_ROWS = 1
def wait_to_be_killed(self, *args):  # this process starts laying out the HTML part: both workers are started
    print(*sorted(child.pid for child in multiprocessing.active_children()), flush=True)
    time.sleep(600)
layout.Layout.render = wait_to_be_killed
from assess.cli import main
sys.argv = ["assess", "build", "--project", sys.argv[1], "--only", "pdf"]
main()
"""
"""`assess build` that says its worker processes' ids when it starts laying out the HTML part, then waits to be killed."""


def _processes() -> dict[int, tuple[int, str, int]]:
    """Every process: parent id, state and start time (from /proc/<pid>/stat, whose second field may hold spaces)."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        found[int(stat.parent.name)] = (int(fields[1]), fields[0], int(fields[19]))
    return found


def _descendants(pid: int) -> dict[int, int]:
    """The processes below `pid`, each with its start time (so a reused id is not mistaken for it)."""
    processes = _processes()
    found: dict[int, int] = {}
    parents = {pid}
    while parents:
        children = {child: start for child, (parent, _, start) in processes.items() if parent in parents and child not in found}
        found.update(children)
        parents = set(children)
    return found


def _still_running(processes: dict[int, int]) -> set[int]:
    """Those of `processes` not ended (a zombie waiting for its new parent has ended)."""
    now = _processes()
    return {pid for pid, start in processes.items() if pid in now and now[pid][2] == start and now[pid][1] != "Z"}


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table from /proc")
def test_no_process_outlives_a_build_killed_while_its_workers_run(tmp_path, repo_root):
    project = bare_project(tmp_path / "项目", repo_root)
    home = project.path("evidence") / folder_name(project.standard.indicators[0])
    for n in range(3):
        make_pdf(home / f"2023年7月{n + 1}日 材料{n}.pdf", 1, f"M{n}")
    command = [sys.executable, "-c", KILLED_BUILD, str(project.root)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as build:
        try:
            ready, _, _ = select.select([build.stdout], [], [], 40)
            workers = {int(pid) for pid in build.stdout.readline().split()} if ready else set()
            below = _descendants(build.pid)  # the workers, and multiprocessing's resource tracker
        finally:
            build.kill()
    assert len(workers) == 2 and workers <= set(below), "the build did not start both workers"
    deadline = time.monotonic() + 15
    while (running := _still_running(below)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in running:
        os.kill(pid, signal.SIGKILL)
    assert running == set(), "processes outlived the killed build"
