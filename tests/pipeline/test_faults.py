"""Faults: a build killed at the worst moment, two builds at once, a killed or damaged cache, a full disk.

The killed processes are real `assess` runs in a child Python; a few lines of test code in the
child stop it at a chosen moment (a temp file half-written, or complete but not yet renamed) so
the kill lands there every time, instead of depending on timing.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.processes import kill, start_stopped
from support.projects import copy_sample

from assess import atomic
from assess.atomic import STALE_AFTER, remove_stale_temps
from assess.caches import EVIDENCE_CACHE
from assess.cli import cli
from assess.config.project import Project, load_project
from assess.errors import ExitCode
from assess.evidence.folders import folder_name
from assess.evidence.index import build_index
from assess.lock import project_lock

DOCUMENTS = ["--only", "docx", "--only", "xlsx"]

STOP_BEFORE_RENAME = """
import assess.atomic as atomic
real_settle = atomic.settle
def settle_then_stop(temp):
    real_settle(temp)
    if temp.name.startswith("." + WANTED):
        stop(temp)
atomic.settle = settle_then_stop
"""

STOP_MID_WRITE = """
import zipfile
real_writestr = zipfile.ZipFile.writestr
def writestr_then_stop(self, *args, **kwargs):
    real_writestr(self, *args, **kwargs)
    name = os.path.basename(str(self.filename))
    if name.startswith("." + WANTED) and len(self.filelist) == 3:
        self.fp.flush()
        stop(name)
zipfile.ZipFile.writestr = writestr_then_stop
"""

STOP_MID_CACHE = """
import assess.evidence.index as evidence
from assess.evidence.cache import AnalysisCache
evidence.COMMIT_EVERY = 100
real_store = AnalysisCache.store
stored = []
def store_then_stop(self, *args):
    real_store(self, *args)
    stored.append(args[0])
    if len(stored) == 250:
        stop(len(stored))
AnalysisCache.store = store_then_stop
"""



@pytest.fixture
def built(tmp_path, repo_root) -> tuple[Project, dict[str, bytes]]:
    """A sample project with a finished build: its Word and Excel outputs, by name."""
    project = load_project(copy_sample(repo_root, tmp_path))
    result = CliRunner().invoke(cli, ["build", "--project", str(project.root), *DOCUMENTS])
    assert result.exit_code == ExitCode.OK, result.output
    return project, outputs(project)


def outputs(project: Project) -> dict[str, bytes]:
    """Every file under output/ that is not hidden, by name, with its bytes."""
    return {p.name: p.read_bytes() for p in project.path("output").iterdir() if p.is_file() and not p.name.startswith(".")}


def leftovers(project: Project) -> list[Path]:
    return sorted(p for p in project.path("output").iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("hook", [STOP_BEFORE_RENAME, STOP_MID_WRITE], ids=["before-rename", "mid-write"])
@pytest.mark.parametrize("kind", ["report", "workbook"])
def test_killed_build_leaves_the_previous_outputs_intact(built, hook, kind):
    project, before = built
    target = project.config.output_name(kind)
    child = start_stopped(hook, target, "build", "--project", str(project.root), *DOCUMENTS)
    [temp] = leftovers(project)
    assert temp.name.startswith(f".{target}.")
    kill(child)
    assert outputs(project) == before  # same names, same bytes: nothing partial under a final name
    for name in before:
        if name.endswith((".docx", ".xlsx")):
            assert zipfile.ZipFile(project.path("output") / name).testzip() is None


def test_next_build_removes_what_a_killed_build_left(built):
    project, before = built
    child = start_stopped(STOP_MID_WRITE, project.config.output_name("workbook"), "build", "--project", str(project.root), *DOCUMENTS)
    kill(child)
    [temp] = leftovers(project)
    young = project.path("output") / ".自评表.xlsx.abcd1234.tmp"  # as if another command were writing right now
    young.write_bytes(b"in progress")
    old = time.time() - STALE_AFTER - 5
    os.utime(temp, (old, old))
    result = CliRunner().invoke(cli, ["build", "--project", str(project.root), *DOCUMENTS])
    assert result.exit_code == ExitCode.OK, result.output
    assert leftovers(project) == [young]
    assert outputs(project) == before


def test_stale_temp_cleanup_touches_only_old_temp_files(tmp_path):
    old = time.time() - STALE_AFTER - 5
    names = [".报告.docx.k3j_9x0a.tmp", ".报告.docx.young123.tmp", "报告.docx", ".报告.docx.tmp", "notes.tmp", ".x.abcdefgh.tmp.bak"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
        if name != ".报告.docx.young123.tmp":
            os.utime(tmp_path / name, (old, old))
    assert remove_stale_temps(tmp_path) == [tmp_path / ".报告.docx.k3j_9x0a.tmp"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[1:])


def test_second_build_stops_with_a_clear_message_while_the_first_runs(built):
    project, before = built
    first = start_stopped(STOP_BEFORE_RENAME, project.config.output_name("report"), "build", "--project", str(project.root), *DOCUMENTS)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "assess", "build", "--project", str(project.root), *DOCUMENTS],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    finally:
        kill(first)
    assert second.returncode == ExitCode.FAILED
    assert second.stderr.strip() == f"错误：{project.path('output')}：另一个 assess 构建正在进行（进程 {first.pid}），请等它结束后再运行"
    assert outputs(project) == before


def test_build_refused_while_another_process_holds_the_lock(tmp_path, repo_root):
    project = load_project(copy_sample(repo_root, tmp_path))
    with project_lock(project.path("output")):
        result = subprocess.run(
            [sys.executable, "-m", "assess", "build", "--project", str(project.root), *DOCUMENTS],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
    assert result.returncode == ExitCode.FAILED
    assert f"另一个 assess 构建正在进行（进程 {os.getpid()}）" in result.stderr
    assert not any(project.path("output").glob("*.docx"))


# --- the evidence cache ---


@pytest.fixture
def many_files(project_copy) -> Project:
    """A project with 300 small text files in one indicator folder."""
    project = load_project(project_copy)
    folder = project.path("evidence") / folder_name(project.standard.indicators[0])
    folder.mkdir(parents=True)
    for n in range(300):
        (folder / f"2023年7月{n % 28 + 1}日 台账{n:03d}.txt").write_text(f"第 {n} 份台账\n", encoding="utf-8")
    return project


def test_cache_survives_an_index_killed_mid_write(many_files):
    project = many_files
    child = start_stopped(STOP_MID_CACHE, "-", "index", "--project", str(project.root))
    cache = project.path("output") / EVIDENCE_CACHE
    assert Path(f"{cache}-journal").exists()  # killed inside an open write transaction
    kill(child)
    again = build_index(project)
    assert (again.stats.reused, again.stats.analysed) == (200, 100)  # two commits of 100 were durable
    assert again.files == build_index(project, rehash=True).files
    with sqlite3.connect(cache) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_truncated_cache_is_rebuilt_silently(many_files):
    project = many_files
    first = build_index(project)
    cache = project.path("output") / EVIDENCE_CACHE
    cache.write_bytes(cache.read_bytes()[: cache.stat().st_size // 2])
    again = build_index(project)
    assert again.files == first.files
    assert build_index(project).stats.reused == 300


# --- a full disk, a read-only folder ---


def failing_replace(code: int, only: str | None = None):
    """os.replace that fails like a full (ENOSPC) or read-only (EROFS) disk, for every target or one."""
    real = os.replace

    def replace(source, target):
        if only is None or Path(target).name == only:
            raise OSError(code, os.strerror(code), str(target))
        return real(source, target)

    return replace


@pytest.mark.parametrize(("code", "reason"), [(errno.ENOSPC, "磁盘空间不足"), (errno.EROFS, "磁盘为只读")])
def test_full_or_read_only_disk_stops_the_build_and_keeps_the_old_outputs(built, monkeypatch, code, reason):
    project, before = built
    monkeypatch.setattr(atomic.os, "replace", failing_replace(code))
    result = CliRunner().invoke(cli, ["build", "--project", str(project.root), *DOCUMENTS])
    assert result.exit_code == ExitCode.FAILED
    index = project.path("output") / "evidence-index.json"
    assert result.output.strip() == f"错误：{index}：无法写入输出文件（{reason}），原有文件保持不变"
    assert outputs(project) == before and leftovers(project) == []


def test_one_document_that_cannot_be_written_fails_alone(built, monkeypatch):
    project, before = built
    report = project.config.output_name("report")
    monkeypatch.setattr(atomic.os, "replace", failing_replace(errno.ENOSPC, only=report))
    result = CliRunner().invoke(cli, ["build", "--project", str(project.root), *DOCUMENTS])
    assert result.exit_code == ExitCode.FAILED
    assert f"docx：{project.path('output') / report}：无法写入输出文件（磁盘空间不足），原有文件保持不变" in result.output
    assert outputs(project)[report] == before[report] and leftovers(project) == []


def test_write_failing_inside_the_temp_file_keeps_the_old_output(built, monkeypatch):
    project, before = built

    def disk_full(temp):
        raise OSError(errno.ENOSPC, "No space left on device", str(temp))

    monkeypatch.setattr(atomic, "settle", disk_full)
    result = CliRunner().invoke(cli, ["build", "--project", str(project.root), *DOCUMENTS])
    assert result.exit_code == ExitCode.FAILED and "磁盘空间不足" in result.output
    assert outputs(project) == before and leftovers(project) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_output_folder_for_real(built):
    project, before = built
    output = project.path("output")
    output.chmod(0o555)
    try:
        result = CliRunner().invoke(cli, ["build", "--project", str(project.root), *DOCUMENTS])
    finally:
        output.chmod(0o755)
    assert result.exit_code == ExitCode.FAILED and "没有访问权限" in result.output
    assert outputs(project) == before


def test_stale_temp_names_match_what_atomic_path_creates(tmp_path):
    killed = tmp_path / "killed"
    killed.mkdir()
    with atomic.atomic_path(tmp_path / "回民区自评表.xlsx") as temp:
        os.link(temp, killed / temp.name)  # what a SIGKILL at this moment would leave behind
    os.utime(killed / temp.name, (0, 0))
    assert remove_stale_temps(killed) == [killed / temp.name]
