"""The index cache holds everything a warm run needs: a new process reads no file and parses no name."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from support.files import make_jpeg, make_pdf

from assess.caches import EVIDENCE_CACHE
from assess.config.project import Project, load_project
from assess.evidence.cache import SCHEMA_VERSION
from assess.evidence.index import build_index, init_evidence

# Runs build_index in a fresh interpreter, failing on any file read or name parsed, and prints the result.
WARM_CHILD = """
import json, sys
from pathlib import Path
import assess.evidence.index as evidence
import assess.evidence.sniff as sniff
from assess.config.project import load_project

def refuse(*args):
    raise AssertionError(f"unexpected work: {args}")

sniff.open_readonly = refuse
evidence.date_from_name = refuse
index = evidence.build_index(load_project(Path(sys.argv[1])))
print(json.dumps({"stats": index.stats.model_dump(), "index": index.model_dump(mode="json")}, ensure_ascii=False))
"""


@pytest.fixture
def project(project_copy: Path) -> Project:
    """The Huimin configuration with its indicator folders and three evidence files of different kinds."""
    loaded = load_project(project_copy)
    init_evidence(loaded)
    root = loaded.path("evidence")
    make_pdf(root / "（一）3-研究部署中医药工作与联席会议" / "2023年7月 联席会议纪要.pdf", pages=3)
    make_pdf(root / "（一）3-研究部署中医药工作与联席会议" / "无日期的通知.pdf", created="D:20220301090000")
    make_jpeg(root / "27-中医诊疗人次占比" / "IMG_20231105_101500.jpg", taken="2023:11:02 15:20:00")
    return loaded


def test_warm_run_in_a_new_process_reads_no_file_and_parses_no_name(project):
    first = build_index(project)
    child = subprocess.run(
        [sys.executable, "-c", WARM_CHILD, str(project.root)], capture_output=True, text=True, check=False, timeout=120
    )
    assert child.returncode == 0, child.stderr
    warm = json.loads(child.stdout)
    assert (warm["stats"]["analysed"], warm["stats"]["reused"]) == (0, 3)
    assert warm["index"] == first.model_dump(mode="json")
    dates = {Path(f["path"]).name: (f["evidence_date"], f["date_source"], f["date_precision"]) for f in warm["index"]["files"]}
    assert dates == {
        "2023年7月 联席会议纪要.pdf": ("2023-07-01", "filename", "month"),
        "无日期的通知.pdf": ("2022-03-01", "pdf", "day"),
        "IMG_20231105_101500.jpg": ("2023-11-05", "filename", "day"),
    }


def test_cache_written_by_an_older_version_is_rebuilt_silently(project):
    cache = project.path("output") / EVIDENCE_CACHE
    cache.parent.mkdir(parents=True)
    with sqlite3.connect(cache) as db:
        db.execute("CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, analysis TEXT)")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    index = build_index(project)
    assert (index.stats.analysed, index.stats.reused) == (3, 0)
    assert build_index(project).stats.reused == 3
    with sqlite3.connect(cache) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_row_that_does_not_decode_is_read_again(project):
    first = build_index(project)
    with sqlite3.connect(project.path("output") / EVIDENCE_CACHE) as db:
        db.execute("UPDATE files SET name_date = 'not a date' WHERE path LIKE '%IMG_%'")
        db.execute("DELETE FROM result")  # else nothing changed and the rows are not consulted
    again = build_index(project)
    assert (again.stats.analysed, again.stats.reused) == (1, 2)
    assert again.files == first.files
    photo = next(f for f in again.files if f.name.startswith("IMG_"))
    assert (photo.evidence_date, photo.date_precision) == (date(2023, 11, 5), "day")


def test_a_warm_run_does_not_write_the_cache(project):
    build_index(project)
    cache = project.path("output") / EVIDENCE_CACHE
    before = cache.stat().st_mtime_ns, cache.read_bytes()
    build_index(project)
    assert (cache.stat().st_mtime_ns, cache.read_bytes()) == before


def test_a_cache_folder_deleted_mid_run_does_not_stop_the_index(project, monkeypatch):
    import shutil

    import assess.evidence.index as evidence
    from assess.evidence.cache import AnalysisCache

    real_store = AnalysisCache.store
    stored = []

    def delete_folder_then_store(self, *args):
        stored.append(args[0])
        if len(stored) == 2:
            shutil.rmtree(project.path("output") / EVIDENCE_CACHE.parent)  # another run, or the office, clearing output/
        real_store(self, *args)

    monkeypatch.setattr(evidence, "COMMIT_EVERY", 1)
    monkeypatch.setattr(AnalysisCache, "store", delete_folder_then_store)
    index = build_index(project)
    assert (index.stats.analysed, sorted(f.kind for f in index.files)) == (3, ["jpeg", "pdf", "pdf"])
    monkeypatch.setattr(AnalysisCache, "store", real_store)
    assert build_index(project).stats.analysed == 3  # nothing durable survived: read again, without complaint
    assert build_index(project).stats.reused == 3


def test_cached_facts_of_more_files_than_one_query_takes_are_all_found(project, monkeypatch):
    import assess.evidence.cache as evidence_cache

    build_index(project)
    monkeypatch.setattr(evidence_cache, "PATHS_PER_QUERY", 2)
    with sqlite3.connect(project.path("output") / EVIDENCE_CACHE) as db:
        db.execute("DELETE FROM result")  # the rows are consulted for every file
    again = build_index(project)
    assert (again.stats.analysed, again.stats.reused) == (0, 3)

