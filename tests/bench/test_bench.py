"""The benchmark harness at a tiny scale: a deterministic generator and a well-formed results file."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pypdf import PdfReader

from assess.evidence.folders import FolderMatcher
from bench.run import main
from bench.synth import Shape, evidence_files, generate, plan
from bench.timing import (
    PEAK_HELPER,
    CliFailed,
    Row,
    Unavailable,
    entry,
    interleave,
    run_cli,
)

TINY = Shape(files=8, pdf_share=0.5, pdf_pages=(2, 3), dpi=(20, 30))


def tree(root: Path) -> dict[str, tuple[str, float]]:
    """Every evidence file by relative path: content hash and mtime."""
    return {
        p.relative_to(root).as_posix(): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
        for p in evidence_files(root)
    }


def test_plan_is_the_same_for_the_same_seed_and_grows_by_appending(huimin):
    assert plan(huimin, 7, 30) == plan(huimin, 7, 30)
    assert plan(huimin, 7, 60)[:30] == plan(huimin, 7, 30)
    assert plan(huimin, 8, 30) != plan(huimin, 7, 30)


def test_plan_at_scale_one_has_the_shape_of_a_district(huimin):
    specs = plan(huimin, 2024, 1000)
    pdfs = [s for s in specs if s.kind == "pdf"]
    assert 150 <= len(pdfs) <= 250
    assert 2600 <= sum(s.pages for s in specs) <= 3400
    matcher = FolderMatcher(huimin.standard)
    assert {matcher.match(s.path.split("/")[0]).id for s in specs} == {i.id for i in huimin.standard.indicators}
    assert all(matcher.match(s.path.split("/")[0]).id == s.indicator_id for s in specs)
    assert len({s.path for s in specs}) == 1000


def test_generating_twice_gives_identical_files_and_mtimes(tmp_path, repo_root):
    first = generate(tmp_path / "a", seed=5, scale=1, repo=repo_root, shape=TINY, workers=1)
    second = generate(tmp_path / "b", seed=5, scale=1, repo=repo_root, shape=TINY, workers=1)
    assert tree(first.root) == tree(second.root)
    assert first.files == len(tree(first.root)) == 8
    assert (first.root / "assess.yaml").is_file()


def test_generated_files_are_scanned_pages(tmp_path, repo_root, huimin):
    district = generate(tmp_path / "d", seed=5, scale=1, repo=repo_root, shape=TINY, workers=1)
    specs = {s.path: s for s in plan(huimin, 5, 8, TINY)}
    for path in evidence_files(district.root):
        spec = specs[path.relative_to(district.root / "evidence").as_posix()]
        if spec.kind == "pdf":
            reader = PdfReader(path)
            assert len(reader.pages) == spec.pages
            assert reader.pages[0].images[0].image.width > 0
        else:
            with Image.open(path) as image:
                assert image.format == "JPEG"
                assert round(image.info["dpi"][0]) == spec.dpi
                assert 1.40 < image.height / image.width < 1.42
                assert image.getexif()[0x0132].startswith(f"{spec.day:%Y:%m:%d}")
    assert district.pages == sum(s.pages for s in specs.values())


def test_a_matching_district_is_reused_and_a_new_seed_regenerates(tmp_path, repo_root):
    root = tmp_path / "d"
    generate(root, seed=5, scale=1, repo=repo_root, shape=TINY, workers=1)
    inode = next(iter(evidence_files(root))).stat().st_ino
    again = generate(root, seed=5, scale=1, repo=repo_root, shape=TINY, workers=1)
    assert again.reused and next(iter(evidence_files(root))).stat().st_ino == inode
    other = generate(root, seed=6, scale=1, repo=repo_root, shape=TINY, workers=1)
    assert not other.reused


def test_the_doubled_district_links_the_files_of_the_single_one(tmp_path, repo_root):
    single = generate(tmp_path / "one", seed=5, scale=1, repo=repo_root, shape=TINY, workers=1)
    double = generate(tmp_path / "two", seed=5, scale=2, repo=repo_root, shape=TINY, workers=1, reuse=single.root)
    assert double.files == 16
    shared = set(tree(single.root).items()) & set(tree(double.root).items())
    assert len(shared) == 8
    first = next(iter(evidence_files(single.root)))
    assert (double.root / first.relative_to(single.root)).stat().st_ino == first.stat().st_ino


def test_a_row_passes_on_its_ratio_and_says_when_nothing_was_measured():
    row = Row("x", "x", runs=[3.0, 1.0, 2.0], anchor="a", anchor_runs=[1.0, 2.0, 1.0], limit=1.5)
    assert (row.median, row.anchor_median, row.ratio, row.passed) == (2.0, 1.0, 2.0, False)
    assert Row("m", "m", unit="MiB", runs=[1024.0], limit=1024, strict=True).passed is False
    assert Row("y", "y", limit=1.0).unavailable("尚未实现").passed is None


def test_a_missing_function_is_unavailable_but_a_broken_module_fails(tmp_path, monkeypatch):
    with pytest.raises(Unavailable, match="尚未实现"):
        entry("assess.render.no_such_module", "render")
    with pytest.raises(Unavailable, match="尚未实现"):
        entry("assess.evidence.index", "no_such_function")
    (tmp_path / "bench_broken_module.py").write_text("import no_such_dependency\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError):
        entry("bench_broken_module", "render")


def test_interleave_keeps_measuring_after_one_step_fails():
    def broken() -> float:
        raise ValueError("boom")

    outcome = interleave(3, {"ok": lambda: 1.0, "broken": broken})
    assert outcome["ok"] == [1.0, 1.0, 1.0]
    assert isinstance(outcome["broken"], ValueError)


def test_run_cli_reports_time_and_peak_memory(repo_root):
    run = run_cli(None, "--version")
    assert run.seconds > 0 and run.peak_rss > 10 << 20
    with pytest.raises(CliFailed, match="退出码 2"):
        run_cli(repo_root, "no-such-command")


def test_peak_memory_is_the_commands_not_the_harnesss():
    ballast = bytearray(400 << 20)  # a harness grown large by in-process renders
    ballast[:: 4096] = b"x" * len(ballast[:: 4096])
    assert run_cli(None, "--version").peak_rss < 300 << 20


def test_peak_memory_of_a_tree_counts_its_workers_together(tmp_path):
    worker = "import time; block = bytearray(150 << 20); block[::4096] = b'x' * len(block[::4096]); time.sleep(1)"
    parent = f"import subprocess, sys; [p.wait() for p in [subprocess.Popen([sys.executable, '-c', {worker!r}]) for _ in range(2)]]"
    report = tmp_path / "peak.json"
    subprocess.run([sys.executable, str(PEAK_HELPER), str(report), sys.executable, "-c", parent], check=True)
    measured = json.loads(report.read_text(encoding="utf-8"))
    assert 150 << 20 < measured["peak_rss"] < 250 << 20
    assert measured["peak_tree_rss"] > 300 << 20


def test_results_file_records_every_measurement(tmp_path):
    result = CliRunner().invoke(main, ["--scale", "0.003", "--runs", "1", "--only", "startup,index", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["district"]["files"] == 3 and results["runs"] == 1
    rows = {row["id"]: row for row in results["measurements"]}
    assert {"startup", "index_cold_cli", "index_warm_cli", "index_touch_cli", "index_cold_lib"} <= set(rows)
    assert rows["startup"]["status"] == "ok" and rows["startup"]["median"] > 0
    cold = rows["index_cold_lib"]
    assert len(cold["anchor_runs"]) == 1 and cold["target"] == {"op": "<=", "value": 1.5, "of": "ratio"}
    assert rows["index_cold_cli"]["target"] is None and "仅供参考" in rows["index_cold_cli"]["note"]
    for row in rows.values():
        assert row["status"] in {"ok", "unavailable", "failed"}
        assert (row["status"] == "ok") == (len(row["runs"]) == 1), row
        assert row["passed"] in (True, False, None)
    assert "索引·空缓存（CLI）" in result.output
