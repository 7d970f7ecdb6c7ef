"""Hardening of the PDF 申报材料 (issue 9): reproducible bytes, the SHA-256 manifest page.

The sample dossier is built for real (`assess build --only pdf` in fresh processes); built
documents are shared through module-scoped fixtures, as a build takes 10–25 s.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pdfplumber
import pikepdf
import pypdf
import pytest

from assess.manifest import MANIFEST_FILE, Manifest, ManifestFile, fingerprint, load_manifest
from assess.project import load_project
from assess.render.appendix import AppendixPlan, frame_page
from assess.render.pdf import back_chapters, dossier_context, manifest_view
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


# --- the manifest page ------------------------------------------------------------------

MANIFEST_HEADING = "四、佐证材料清单（SHA-256 校验）"


def squeeze(text: str) -> str:
    """Text without whitespace: a table cell wraps long paths wherever it must."""
    return re.sub(r"\s", "", text)


def manifest_rows(dossier: Path) -> list[list[str]]:
    """The rows of the manifest table, over all its pages (pages whose running header names the chapter)."""
    rows = []
    with pdfplumber.open(dossier) as pdf:
        for page in pdf.pages:
            header = (page.extract_text() or "").split("\n")[0]
            if header.endswith(MANIFEST_HEADING):
                [table] = page.extract_tables()
                rows += [row for row in table if row[0] != "序号"]
    return rows


def test_the_manifest_page_lists_every_indexed_file_with_its_sha256(two_builds):
    root = two_builds[0].parent.parent
    index = json.loads((root / "output" / "evidence-index.json").read_text(encoding="utf-8"))
    rows = manifest_rows(two_builds[0])
    assert [squeeze(row[1]) for row in rows] == [squeeze(f["path"]) for f in index["files"]]
    for row, file in zip(rows, index["files"]):
        on_disk = hashlib.sha256((root / "evidence" / file["path"]).read_bytes()).hexdigest()
        assert squeeze(row[5]) == on_disk, file["path"]
        assert (row[3], row[4]) == (f"{file['size']:,}", str(file["pages"]) if file["pages"] else "—")
    assert [row[0] for row in rows] == [str(n) for n in range(1, len(index["files"]) + 1)]


def test_the_manifest_page_prints_the_fingerprint_and_how_to_check(two_builds):
    root = two_builds[0].parent.parent
    project = load_project(root)
    manifest = load_manifest(root / "output" / MANIFEST_FILE, project)
    lines = "".join(f"{f.sha256}  {f.path}\n" for f in sorted(manifest.files, key=lambda f: f.path))
    assert manifest.fingerprint == hashlib.sha256(lines.encode()).hexdigest()
    with pdfplumber.open(two_builds[0]) as pdf:
        text = squeeze("".join(page.extract_text() or "" for page in pdf.pages))
    assert f"整套材料指纹（SHA-256）：{manifest.fingerprint}" in text
    assert "在项目文件夹中运行assessverify" in text and "sha256sum" in text
    assert f"中的全部{manifest.file_count}个文件" in text


def test_the_manifest_chapter_is_in_the_contents_and_the_bookmarks(two_builds):
    reader = pypdf.PdfReader(two_builds[0])
    top = {item.title: reader.get_destination_page_number(item) for item in reader.outline if not isinstance(item, list)}
    assert list(top)[-2:] == [MANIFEST_HEADING, "五、证明材料"]
    first = top[MANIFEST_HEADING]
    assert MANIFEST_HEADING in reader.pages[first].extract_text() and "整套材料指纹" in reader.pages[first].extract_text()
    contents = squeeze("".join(page.extract_text() for page in reader.pages[:first]))
    assert re.search(re.escape(squeeze(MANIFEST_HEADING)) + r"\.+" + str(first + 1), contents)  # 目录: leader and page number
    evidence_children = reader.outline[reader.outline.index(next(i for i in reader.outline if getattr(i, "title", "") == "五、证明材料")) + 1]
    assert isinstance(evidence_children, list) and evidence_children  # the evidence bookmarks sit under 五、证明材料


def test_chapters_after_the_gap_list_are_numbered_by_what_the_dossier_has():
    assert back_chapters(True, None) == {"evidence": "四、证明材料"}
    assert back_chapters(False, object()) == {"manifest": MANIFEST_HEADING}
    assert back_chapters(True, object()) == {"manifest": MANIFEST_HEADING, "evidence": "五、证明材料"}


def test_a_file_that_could_not_be_hashed_says_so():
    file = ManifestFile(path="a/b.pdf", indicator_id=None, indicator_label=None, size=0, sha256="", kind="unknown", pages=None, usable=False, flags=["unreadable"])
    manifest = Manifest(
        district="回民区", standard_id="x", report_date=date(2024, 6, 30), evidence_folder="evidence",
        file_count=1, total_bytes=0, fingerprint=fingerprint([file]), files=[file],
    )  # fmt: skip
    [row] = manifest_view(manifest)["rows"]
    assert (row["label"], row["pages"], row["sha256"]) == ("—", "—", None)
    assert manifest_view(manifest)["unhashed"] == "（生成时无法读取）"
