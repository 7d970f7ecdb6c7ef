"""Hardening of the PDF 申报材料 (issue 9): reproducible bytes.

The sample dossier is built for real (`assess build --only pdf` in fresh processes); built
documents are shared through module-scoped fixtures, as a build takes 10–25 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from assess.project import load_project
from assess.render.appendix import AppendixPlan, frame_page
from assess.render.pdf import dossier_context
from test_hardening_determinism import touch_everything
from test_hardening_evidence import copy_sample

EPOCH = 1719709200
"""2024-06-30 01:00:00 UTC: not the report date's midnight, so the dates show which of the two was used."""

CHILD = """
import sys
import assess.render.appendix as appendix
if sys.argv.pop(1) == "parallel":
    appendix.PARALLEL_PAGES = 1  # the appendix written by a second process, as for a large district
from assess.cli import main
sys.argv[0] = "assess"
main()
"""


def start_build(root: Path, seed: int, appendix: str, *args: str) -> subprocess.Popen:
    """`assess build --only pdf` in a fresh process with its own PYTHONHASHSEED and SOURCE_DATE_EPOCH."""
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "SOURCE_DATE_EPOCH": str(EPOCH)}
    command = [sys.executable, "-c", CHILD, appendix, "build", "--project", str(root), "--only", "pdf", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(build: subprocess.Popen) -> None:
    output, _ = build.communicate(timeout=600)
    assert build.returncode == 0, output


def dossier_path(root: Path) -> Path:
    return root / "output" / load_project(root).config.output_name("dossier")


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory, repo_root) -> tuple[Path, Path]:
    """The sample dossier built twice, at once: other folder, other evidence mtimes, other hash seed, appendix in another process."""
    first = copy_sample(repo_root, tmp_path_factory.mktemp("here"))
    second = copy_sample(repo_root, tmp_path_factory.mktemp("elsewhere") / "另一个文件夹")
    touch_everything(second / "evidence", 1_600_000_000)
    builds = [start_build(first, 1, "in-process"), start_build(second, 2, "parallel")]
    for build in builds:
        finish(build)
    return dossier_path(first), dossier_path(second)


# --- determinism ------------------------------------------------------------------------


def test_two_builds_of_the_dossier_are_byte_identical(two_builds):
    one, other = two_builds
    assert one.read_bytes() == other.read_bytes()


def test_the_dossier_is_dated_by_source_date_epoch_never_the_clock(two_builds):
    with pikepdf.open(two_builds[0]) as pdf:
        assert (str(pdf.docinfo.CreationDate), str(pdf.docinfo.ModDate)) == ("D:20240630010000Z", "D:20240630010000Z")
        assert "/Metadata" not in pdf.Root  # no XMP packet carrying dates or random document ids of its own


def test_evidence_pages_are_framed_under_one_fixed_resource_name():
    source = pikepdf.new()
    source.add_blank_page(page_size=(842, 595))
    pdf = pikepdf.new()
    frame_page(pdf, source.pages[0])
    assert list(pdf.pages[0].Resources.XObject.keys()) == ["/Evidence"]  # pikepdf's add_overlay picks a random one


def test_without_source_date_epoch_the_dossier_is_dated_by_the_report_date(monkeypatch, sample_assessment):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert dossier_context(sample_assessment, AppendixPlan(), 1, False, {})["created"] == "2024-06-30T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert dossier_context(sample_assessment, AppendixPlan(), 1, False, {})["created"] == "2024-06-30T01:00:00Z"
