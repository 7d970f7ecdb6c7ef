"""Hardening of the PDF 申报材料 (issue 9): reproducible bytes, the SHA-256 manifest page, evidence
read without following symlinks, hostile file names shown as typed, a killed build cleaned up after.

The sample dossier is built for real (`assess build --only pdf` in fresh processes); built
documents are shared through module-scoped fixtures, as a build takes 10–25 s.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pdfplumber
import pikepdf
import pypdf
import pytest
from support import hostile
from support.processes import kill, start_stopped
from support.projects import copy_sample, touch_everything

from assess.assessment.engine import run_assessment
from assess.atomic import STALE_AFTER, remove_stale_temps
from assess.caches import DOSSIER_EVIDENCE
from assess.config.data import load_data
from assess.config.project import Project, load_project
from assess.evidence.folders import folder_name
from assess.evidence.index import build_index
from assess.evidence.manifest import (
    MANIFEST_FILE,
    Manifest,
    ManifestFile,
    build_manifest,
    fingerprint,
    load_manifest,
)
from assess.pipeline import BuildOptions, build
from assess.render.dossier.assemble import add_placeholder_pages
from assess.render.dossier.build import render_pdf
from assess.render.dossier.context import back_chapters, dossier_context, manifest_view
from assess.render.dossier.evidence import EvidencePages, frame_page
from assess.render.dossier.geometry import A4
from assess.render.dossier.plan import AppendixPlan
from assess.render.dossier.sources import UnsafeSource, open_source, source_problem
from assess.render.dossier.write import ObjectWriter
from dossier.test_appendix import make_docx, make_jpeg, make_pdf
from dossier.test_glyphs import missing_glyphs

pytestmark = pytest.mark.slow  # builds whole dossiers

EPOCH = 1719709200
"""2024-06-30 01:00:00 UTC: not the report date's midnight, so the dates show which of the two was used."""

CHILD = """
import sys
import assess.render.dossier.appendix as appendix
if sys.argv.pop(1) == "parallel":
    appendix.PARALLEL_PAGES = 1  # the appendix written by a worker process, as for a large district
from assess.cli import main
sys.argv[0] = "assess"
main()
"""


def start_build(root: Path, seed: int, appendix_writer: str) -> subprocess.Popen:
    """`assess build --only pdf` in a fresh process with its own PYTHONHASHSEED and SOURCE_DATE_EPOCH."""
    env = {**os.environ, "PYTHONHASHSEED": str(seed), "SOURCE_DATE_EPOCH": str(EPOCH)}
    command = [sys.executable, "-c", CHILD, appendix_writer, "build", "--project", str(root), "--only", "pdf"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen) -> None:
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output


def dossier_path(root: Path) -> Path:
    return root / "output" / load_project(root).config.output_name("dossier")


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory, repo_root) -> tuple[Path, Path]:
    """The sample dossier built twice, at once: other folder, other evidence mtimes, other hash seed, appendix in another process."""
    first = copy_sample(repo_root, tmp_path_factory.mktemp("here"))
    second = copy_sample(repo_root, tmp_path_factory.mktemp("elsewhere") / "另一个文件夹")
    touch_everything(second / "evidence", 1_600_000_000)
    for process in [start_build(first, 1, "in-process"), start_build(second, 2, "parallel")]:
        finish(process)
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
    with pikepdf.new() as scratch:
        frame = frame_page(ObjectWriter(io.BytesIO()), scratch.add_blank_page(), source.pages[0], {})
    assert frame.size == (A4[1], A4[0]) and b"/Evidence Do" in frame.placement
    pdf = pikepdf.new()
    add_placeholder_pages(pdf, EvidencePages(frames=[frame]))
    assert list(pdf.pages[0].Resources.XObject.keys()) == ["/Evidence"]  # pikepdf's add_overlay picks a random one


def test_without_source_date_epoch_the_dossier_is_dated_by_the_report_date(monkeypatch, sample_assessment):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert dossier_context(sample_assessment, AppendixPlan(), 1, False, {})["created"] == "2024-06-30T00:00:00Z"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert dossier_context(sample_assessment, AppendixPlan(), 1, False, {})["created"] == "2024-06-30T01:00:00Z"


# --- the manifest page ------------------------------------------------------------------

MANIFEST_HEADING = "五、佐证材料清单（SHA-256 校验）"


def squeeze(text: str) -> str:
    """Text without whitespace: a table cell wraps long paths wherever it must."""
    return re.sub(r"\s", "", text)


@pytest.fixture(scope="module")
def sample_pages(two_builds) -> list[str]:
    """The text of every page of the sample dossier."""
    with pdfplumber.open(two_builds[0]) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def manifest_text(pages: list[str]) -> str:
    """The text of the manifest chapter's pages (their running header names it), whitespace removed."""
    return squeeze("".join(text for text in pages if text.split("\n")[0].endswith(MANIFEST_HEADING)))


def test_the_manifest_page_lists_every_indexed_file_with_its_sha256(two_builds, sample_pages):
    root = two_builds[0].parent.parent
    index = json.loads((root / "output" / "evidence-index.json").read_text(encoding="utf-8"))
    manifest = load_manifest(root / "output" / MANIFEST_FILE, load_project(root))
    assert [file.path for file in manifest.files] == [file["path"] for file in index["files"]]
    text = manifest_text(sample_pages)
    at = 0
    for number, file in enumerate(manifest.files, start=1):
        on_disk = hashlib.sha256((root / "evidence" / file.path).read_bytes()).hexdigest()
        pages = file.pages if file.pages is not None else "—"
        entry = squeeze(f"{number}{file.path}指标 {file.indicator_label or '—'} {file.size:,} 字节 {pages} 页 SHA-256 {on_disk}")
        found = text.find(entry, at)
        assert found >= 0, file.path  # every file, in path order, with the hash of the bytes on disk
        at = found


def test_the_manifest_page_prints_the_fingerprint_and_how_to_check(two_builds, sample_pages):
    root = two_builds[0].parent.parent
    manifest = load_manifest(root / "output" / MANIFEST_FILE, load_project(root))
    lines = "".join(f"{f.sha256}  {f.path}\n" for f in sorted(manifest.files, key=lambda f: f.path))
    assert manifest.fingerprint == hashlib.sha256(lines.encode()).hexdigest()
    text = squeeze("".join(sample_pages))
    assert f"整套材料指纹（SHA-256）：{manifest.fingerprint}" in text
    assert "在项目文件夹中运行assessverify" in text and "sha256sum" in text
    assert f"中的全部{manifest.file_count}个文件" in text


def test_the_manifest_chapter_is_in_the_contents_and_the_bookmarks(two_builds):
    reader = pypdf.PdfReader(two_builds[0])
    top = {item.title: reader.get_destination_page_number(item) for item in reader.outline if not isinstance(item, list)}
    assert list(top)[-2:] == ["四、证明材料", MANIFEST_HEADING]
    first = top[MANIFEST_HEADING]
    assert MANIFEST_HEADING in reader.pages[first].extract_text() and "整套材料指纹" in reader.pages[first].extract_text()
    contents = squeeze("".join(page.extract_text() for page in reader.pages[:first]))
    assert re.search(re.escape(squeeze(MANIFEST_HEADING)) + r"\.+" + str(first + 1), contents)  # 目录: leader and page number
    outline = reader.outline
    evidence = next(n for n, item in enumerate(outline) if not isinstance(item, list) and item.title == "四、证明材料")
    assert isinstance(outline[evidence + 1], list) and outline[evidence + 1]  # the evidence bookmarks sit under 四、证明材料
    appended = [reader.get_destination_page_number(item) for item in outline[evidence + 1] if not isinstance(item, list)]
    assert first > max(appended) >= len(reader.pages) // 2  # the manifest follows the appended evidence


def test_chapters_after_the_gap_list_are_numbered_by_what_the_dossier_has():
    assert back_chapters(True, None) == {"evidence": "四、证明材料"}
    assert back_chapters(False, object()) == {"manifest": "四、佐证材料清单（SHA-256 校验）"}
    assert back_chapters(True, object()) == {"evidence": "四、证明材料", "manifest": MANIFEST_HEADING}
    assert back_chapters(False, object(), True) == {"continued": "四、佐证材料表（续）", "manifest": "五、佐证材料清单（SHA-256 校验）"}
    assert back_chapters(True, object(), True) == {"evidence": "四、证明材料", "continued": "五、佐证材料表（续）", "manifest": "六、佐证材料清单（SHA-256 校验）"}


def test_a_file_that_could_not_be_hashed_says_so():
    file = ManifestFile(
        path="a/b.pdf", indicator_id=None, indicator_label=None, size=0, sha256="", kind="unknown",
        pages=None, usable=False, flags=["unreadable"],
    )  # fmt: skip
    manifest = Manifest(
        district="回民区", standard_id="x", report_date=date(2024, 6, 30), evidence_folder="evidence",
        file_count=1, total_bytes=0, fingerprint=fingerprint([file]), files=[file],
    )  # fmt: skip
    [row] = manifest_view(manifest)["rows"]
    assert (row["label"], row["pages"], row["sha256"]) == ("—", "—", None)
    assert manifest_view(manifest)["unhashed"] == "（生成时无法读取）"


# --- evidence is read without following symlinks; hostile names stay text -----------------

BOLD_NAME = "<b>粗体<i>斜体（2023年7月15日）.pdf"
"""Markup without a slash, so it stays one file name (SCRIPT_PATH's </script> makes a sub-folder)."""
NAMES = [hostile.SCRIPT_PATH, hostile.FORMULA_PATH, hostile.FORMULA_NAME, hostile.NEWLINE_NAME, hostile.LONG_NAME, BOLD_NAME]
"""Hostile names (paths inside the indicator folder), each a one-page PDF saying NAME<n>-PAGE-1."""
SWAPPED_PDF = "2023年8月 会议记录.pdf"
SWAPPED_WORD = "2023年8月 工作总结.docx"
SWAPPED_FOLDER = "区卫健委"
SECRET = "SECRET"


@dataclass
class HostileDossier:
    project: Project
    folder: str
    """The indicator folder holding the files, relative to evidence/."""
    path: Path
    pages: list[str]


def swap_for_symlinks(home: Path, outside: Path) -> None:
    """After indexing: two files and a department folder become symlinks to lookalikes outside the project."""
    outside.mkdir()
    make_pdf(outside / SWAPPED_PDF, 1, SECRET)
    make_docx(outside / SWAPPED_WORD)  # its text is the same as the original's, so the check is that nothing was converted
    make_pdf(outside / SWAPPED_FOLDER / "2023年9月 台账.pdf", 1, SECRET + "FOLDER")
    for name in (SWAPPED_PDF, SWAPPED_WORD):
        (home / name).unlink()
        (home / name).symlink_to(outside / name)
    shutil.rmtree(home / SWAPPED_FOLDER)
    (home / SWAPPED_FOLDER).symlink_to(outside / SWAPPED_FOLDER, target_is_directory=True)


def bare_project(root: Path, repo_root: Path) -> Project:
    """Configuration, standard and templates of the sample, without data or evidence."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo_root / "assess.yaml", root / "assess.yaml")
    for part in ("standards", "templates"):
        shutil.copytree(repo_root / part, root / part)
    return load_project(root)


@pytest.fixture(scope="module")
def hostile_dossier(tmp_path_factory, repo_root) -> HostileDossier:
    """Hostile names and three symlink swaps between indexing and rendering, in one dossier of a bare project."""
    root = tmp_path_factory.mktemp("hostile-pdf")
    project = bare_project(root, repo_root)
    indicator = next(i for i in project.standard.indicators if i.id == hostile.INDICATOR_ID)
    home = project.path("evidence") / folder_name(indicator)
    for n, name in enumerate(NAMES):
        make_pdf(home / name, 1, f"NAME{n}")
    make_pdf(home / SWAPPED_PDF, 1, "ORIGINAL")
    make_docx(home / SWAPPED_WORD)
    make_pdf(home / SWAPPED_FOLDER / "2023年9月 台账.pdf", 1, "LEDGER")
    index = build_index(project)
    assessment = run_assessment(project, index, load_data(project))
    swap_for_symlinks(home, root.parent / f"{root.name}-outside")
    target = project.path("output") / "申报材料.pdf"
    render_pdf(assessment, project, target, manifest=build_manifest(index, project))
    with pdfplumber.open(target) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
    return HostileDossier(project, home.name, target, pages)


def test_a_file_swapped_for_a_symlink_after_indexing_is_never_read(hostile_dossier):
    text = "".join(hostile_dossier.pages)
    assert SECRET not in text and "ORIGINAL-PAGE-1" not in text and "LEDGER-PAGE-1" not in text
    assert SECRET.encode() not in hostile_dossier.path.read_bytes()
    omitted = squeeze(text)
    for name in (SWAPPED_PDF, SWAPPED_WORD, "2023年9月 台账.pdf"):
        assert squeeze(f"{name}此文件已不是佐证材料文件夹中的普通文件（可能已被换成符号链接），出于安全考虑未读取") in omitted


def test_an_office_file_swapped_for_a_symlink_is_never_converted(hostile_dossier):
    cache = hostile_dossier.project.path("output") / ".cache" / "office-pdf"
    assert not list((cache / "pdf").glob("*.pdf")) and not list((cache / "failed").glob("*"))  # nothing converted, nothing failed
    assert not (cache / "staged").exists()


def table_cells(dossier: Path) -> set[str]:
    """The text of every table cell of the dossier, whitespace removed (cells wrap long names anywhere)."""
    with pdfplumber.open(dossier) as pdf:
        return {squeeze(cell) for page in pdf.pages for table in page.extract_tables() for row in table for cell in row if cell}


def outline_titles(dossier: Path) -> list[str]:
    """Every bookmark title, depth first."""

    def walk(items) -> list[str]:
        return [title for item in items for title in (walk(item) if isinstance(item, list) else [item.title])]

    return walk(pypdf.PdfReader(dossier).outline)


def test_hostile_file_names_are_shown_as_typed(hostile_dossier):
    cells = table_cells(hostile_dossier.path)
    titles = outline_titles(hostile_dossier.path)
    for name in NAMES:
        shown = name.replace("\n", "□")  # a control character is drawn as □, as the stamps draw it
        assert squeeze(f"{hostile_dossier.folder}/{shown}") in manifest_text(hostile_dossier.pages), name  # the full path
        file_name = shown.rsplit("/", 1)[-1]
        assert squeeze(file_name) in cells, name  # the indicator's evidence table: the file name
        assert any(title.startswith(f"{file_name}（第 ") for title in titles), name  # its bookmark, unshortened


def test_hostile_names_and_checksums_have_a_glyph_for_every_character(hostile_dossier):
    assert missing_glyphs(hostile_dossier.path) == []  # □ for the newline, the fixed-width font of the SHA-256s


def test_every_hostile_file_is_appended_with_its_own_pages(hostile_dossier):
    appended = [page for page in hostile_dossier.pages if re.search(r"NAME\d-PAGE-1", page)]
    assert sorted(re.search(r"NAME(\d)-PAGE-1", page).group(1) for page in appended) == [str(n) for n in range(len(NAMES))]
    assert all("第1页/共1页" in page for page in appended)


def test_open_source_refuses_symlinks_special_files_and_paths_leading_out(tmp_path):
    evidence, outside = tmp_path / "evidence", tmp_path / "outside"
    make_pdf(evidence / "a.pdf", 1, "A")
    make_pdf(outside / "b.pdf", 1, "B")
    (evidence / "link.pdf").symlink_to(outside / "b.pdf")
    (evidence / "dept").symlink_to(outside, target_is_directory=True)
    os.mkfifo(evidence / "pipe.pdf")
    with open_source(evidence / "a.pdf", evidence) as handle:
        assert handle.read(5) == b"%PDF-"
    with pytest.raises(OSError) as caught:
        open_source(evidence / "link.pdf", evidence)
    assert caught.value.errno == errno.ELOOP
    with pytest.raises(UnsafeSource, match="outside the evidence folder"):
        open_source(evidence / "dept" / "b.pdf", evidence)
    with pytest.raises(UnsafeSource, match="not a regular file"):
        open_source(evidence / "pipe.pdf", evidence)  # returns at once: a named pipe never blocks the build
    assert source_problem(evidence / "gone.pdf", evidence).startswith("文件不存在")


# --- a killed build ----------------------------------------------------------------------

STOP_BEFORE_ASSEMBLY = """
import assess.render.dossier.build as pdf
import assess.render.dossier.appendix as appendix
appendix.PARALLEL_PAGES = 1
pdf.assemble = lambda *args: stop("assembly")
"""
"""Stop the dossier once laid out and its evidence pages written (by a second process) into the temporary file, before it is assembled."""


def age(path: Path) -> None:
    """Date a file or folder (and what is in it) back past STALE_AFTER, as if its process died long ago."""
    old = time.time() - STALE_AFTER - 5
    for entry in [*path.rglob("*"), path] if path.is_dir() else [path]:
        os.utime(entry, (old, old))


def test_a_killed_pdf_build_keeps_the_old_dossier_and_the_next_build_removes_its_leftovers(tmp_path, repo_root):
    project = bare_project(tmp_path / "项目", repo_root)
    home = project.path("evidence") / folder_name(project.standard.indicators[0])
    make_pdf(home / "2023年7月15日 规划.pdf", 3, "PLAN")
    make_jpeg(home / "2023年7月15日 照片.jpg", (1200, 900))
    output = project.path("output")
    dossier = build(project, BuildOptions(only=("pdf",))).written["pdf"]
    before = dossier.read_bytes()
    (output / DOSSIER_EVIDENCE).unlink()  # else the unchanged dossier is kept, never reaching the assembly
    child = start_stopped(STOP_BEFORE_ASSEMBLY, "-", "build", "--project", str(project.root), "--only", "pdf")
    kill(child)
    [work] = output.glob(".assess-pdf-*")
    [temp] = output.glob(f".{dossier.name}.*.tmp")
    assert work.is_dir() and temp.stat().st_size > 0  # evidence pages already written into the temporary dossier
    assert dossier.read_bytes() == before
    age(work)
    age(temp)
    young = output / ".assess-pdf-young_01"  # as if another process were laying out a dossier right now
    young.mkdir()
    assert build(project, BuildOptions(only=("pdf",))).written["pdf"] == dossier
    assert [p.name for p in output.glob(".assess-pdf-*")] == [young.name]
    assert list(output.glob("*.tmp")) == []
    assert dossier.read_bytes() == before  # and, the inputs being the same, the same bytes


def test_stale_working_folders_are_removed_only_when_old_and_named_as_ours(tmp_path):
    names = [".assess-pdf-k3j_9x0a", ".assess-pdf-young123", ".assess-pdf-busy1234", ".assess-pdf", "assess-pdf-abcdefgh"]
    for name in names:
        (tmp_path / name).mkdir()
        (tmp_path / name / "dossier-html.pdf").write_bytes(b"%PDF-")
        if name != ".assess-pdf-young123":
            age(tmp_path / name)
    os.utime(tmp_path / ".assess-pdf-busy1234" / "dossier-html.pdf")  # its process is still writing into it
    (tmp_path / ".assess-pdf-linked12").symlink_to(tmp_path / ".assess-pdf-k3j_9x0a", target_is_directory=True)
    os.utime(tmp_path / ".assess-pdf-linked12", (0, 0), follow_symlinks=False)
    assert remove_stale_temps(tmp_path) == [tmp_path / ".assess-pdf-k3j_9x0a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names[1:], ".assess-pdf-linked12"])
