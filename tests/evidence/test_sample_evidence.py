"""The committed sample evidence of 回民区: labelled 示例, small, reproducible, with the deliberate problems."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pdfplumber
import pytest

from assess.config.project import load_project
from assess.evidence.index import build_index


@pytest.fixture(scope="module")
def script(repo_root):
    """scripts/make_sample_evidence.py as a module."""
    spec = importlib.util.spec_from_file_location("make_sample_evidence", repo_root / "scripts" / "make_sample_evidence.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sample_project(project_copy, repo_root):
    """A copy of the project with the committed evidence tree."""
    shutil.copytree(repo_root / "evidence", project_copy / "evidence")
    return load_project(project_copy)


def sample_files(repo_root: Path, suffix: str) -> list[Path]:
    return sorted(p for p in (repo_root / "evidence").rglob(f"*{suffix}") if p.is_file())


def test_sample_tree_stays_small(repo_root):
    total = sum(p.stat().st_size for p in (repo_root / "evidence").rglob("*") if p.is_file())
    assert total < 10 * 1024 * 1024


def test_committed_tree_is_what_the_script_generates(script, huimin, repo_root):
    expected = {script.target_path(huimin, indicator_id, relative) for indicator_id, relative, _ in [*script.SAMPLES, script.JUNK]}
    present = {p for p in (repo_root / "evidence").rglob("*") if p.is_file() and p.name != "说明.txt"}
    assert present == expected


def test_index_of_the_sample_shows_each_deliberate_problem(sample_project):
    index = build_index(sample_project)
    flagged = {code: sorted(f.path for f in index.files if code in [flag.code for flag in f.flags]) for code in
               ("corrupt", "out_of_period", "duplicate", "misplaced", "empty", "encrypted", "unsupported")}
    assert [p.split("/")[0] for p in flagged["corrupt"]] == ["（二）9-中医药信息化建设"]
    assert [p.split("/")[0] for p in flagged["out_of_period"]] == ["（二）14-中医药中长期发展规划"]
    assert [p.split("/")[0] for p in flagged["duplicate"]] == ["34-中医药服务考核机制", "（一）3-研究部署中医药工作与联席会议"]
    assert flagged["misplaced"] == ["2023年8月 创建工作简报（第3期）.pdf"]
    assert flagged["empty"] == flagged["encrypted"] == flagged["unsupported"] == []
    assert index.ignored == ["（二）8-中医药文化进校园/区教育局/Thumbs.db"]


def test_sample_leaves_six_indicators_without_evidence(sample_project):
    index = build_index(sample_project)
    empty = [i.id for i in sample_project.standard.indicators if not index.files_for(i.id)]
    assert empty == ["dev-5", "dev-11", "dev-12", "item-21", "item-31", "item-36"]
    assert len(index.folders) == 42


def test_sample_dates_come_from_every_source_and_departments_are_recorded(sample_project):
    index = build_index(sample_project)
    assert {f.date_source for f in index.files} == {"filename", "pdf", "exif"}
    assert all(f.evidence_date for f in index.files)
    assert {"区卫健委", "区教育局", "区委编办", "区医保局"} <= {f.department for f in index.files}


def test_every_pdf_says_it_is_a_sample(repo_root):
    pdfs = [p for p in sample_files(repo_root, ".pdf") if "信息化建设方案" not in p.name]  # the truncated one
    assert len(pdfs) >= 15
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            text = "".join(page.extract_text() or "" for page in pdf.pages)
        assert "示例材料" in text, path.name


def test_red_header_document_layout(repo_root):
    path = next(p for p in sample_files(repo_root, ".pdf") if "回卫健发〔2023〕12号" in p.name)
    with pdfplumber.open(path) as pdf:
        page = pdf.pages[0]
        lines = (page.extract_text() or "").splitlines()
        heading = "".join(c["text"] for c in page.chars if is_red(c) and 20 < c["size"] < 40)  # not the watermark
        black = page.filter(lambda obj: obj.get("object_type") != "char" or not is_red(obj)).extract_text()
    assert lines[0] == "回民区卫生健康委员会文件"
    assert lines[1] == "回卫健发〔2023〕12号"
    assert heading == "回民区卫生健康委员会文件"
    assert "回民区卫生健康委员会\n2023年6月20日" in black  # signature and date, under the red seal


def is_red(char: dict) -> bool:
    """Red text: the issuing body's heading and the seal."""
    color = char.get("non_stroking_color") or (0,)
    return len(color) == 3 and color[0] > 0.7 and color[1] < 0.2


def test_word_and_excel_samples_say_they_are_samples(repo_root):
    for path in sample_files(repo_root, ".docx"):
        text = "\n".join(p.text for p in docx.Document(path).paragraphs)
        assert "示例材料" in text, path.name
    for path in sample_files(repo_root, ".xlsx"):
        workbook = openpyxl.load_workbook(path)
        assert any("示例材料" in str(cell.value) for row in workbook.active.iter_rows() for cell in row if cell.value), path.name
        assert workbook.properties.modified == datetime(2024, 6, 30, 12, 0), path.name  # pinned: same bytes every run


@pytest.mark.parametrize("kind, suffix", [("Redhead", ".pdf"), ("Minutes", ".pdf"), ("Report", ".pdf"), ("Report", ".docx"), ("Photo", ".jpg"), ("Sheet", ".xlsx")])
def test_each_kind_of_sample_renders_to_the_same_bytes_twice(script, tmp_path, kind, suffix):
    spec = next(s for _, path, s in script.SAMPLES if type(s).__name__ == kind and path.endswith(suffix))
    for attempt in ("first", "second"):
        script.save(tmp_path / f"{attempt}{suffix}", script.render(spec, suffix, {}))
    assert (tmp_path / f"first{suffix}").read_bytes() == (tmp_path / f"second{suffix}").read_bytes()


def test_generator_never_overwrites_without_force(script, sample_project):
    before = {p: p.read_bytes() for p in sample_project.path("evidence").rglob("*") if p.is_file()}
    written, skipped = script.generate(sample_project)
    assert written == []
    assert len(skipped) == len(script.SAMPLES) + 1
    assert {p: p.read_bytes() for p in sample_project.path("evidence").rglob("*") if p.is_file()} == before
