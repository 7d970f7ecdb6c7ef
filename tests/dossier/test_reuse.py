"""A rebuild reuses the previous dossier's evidence bytes: what it copies is exactly what a full write gives."""

from __future__ import annotations

import os
from pathlib import Path

import pikepdf
import pytest

from assess.caches import DOSSIER_EVIDENCE
from assess.config.project import Project
from assess.evidence.folders import folder_name
from assess.pipeline import BuildOptions, build
from assess.render.dossier import appendix, evidence, reuse
from dossier.test_appendix import make_jpeg, make_pdf
from dossier.test_robustness import bare_project

pytestmark = pytest.mark.slow  # builds whole dossiers


@pytest.fixture
def project(tmp_path, repo_root) -> Project:
    """Three evidence files in the first indicator (in appendix order: photo, plan, notice), one PDF in the fifth."""
    project = bare_project(tmp_path / "项目", repo_root)
    make_pdf(evidence_folder(project, 0) / "2023年7月15日 规划.pdf", 2, "PLAN")
    make_jpeg(evidence_folder(project, 0) / "2023年7月15日 照片.jpg", (1200, 900))
    make_pdf(evidence_folder(project, 0) / "2023年8月1日 通知.pdf", 1, "NOTICE")
    make_pdf(evidence_folder(project, 4) / "2023年9月1日 总结.pdf", 1, "SUMMARY")
    return project


@pytest.fixture
def written(monkeypatch) -> list[str]:
    """Names of the evidence files whose pages a build writes (rather than copies from the previous dossier)."""
    names: list[str] = []
    write_source = evidence.write_source

    def noting(writer, framer, placement, max_dpi):
        names.append(Path(placement.file.path).name)
        return write_source(writer, framer, placement, max_dpi)

    monkeypatch.setattr(evidence, "write_source", noting)
    return names


def evidence_folder(project: Project, position: int) -> Path:
    return project.path("evidence") / folder_name(project.standard.indicators[position])


def build_dossier(project: Project) -> Path:
    return build(project, BuildOptions(only=("pdf",))).written["pdf"]


def fully_written(project: Project) -> bytes:
    """The dossier as a build with no previous record writes it."""
    (project.path("output") / DOSSIER_EVIDENCE).unlink(missing_ok=True)
    return build_dossier(project).read_bytes()


def test_a_rebuild_with_nothing_changed_keeps_the_dossier_file_even_after_the_evidence_was_touched(project, written):
    dossier = build_dossier(project)
    before = os.stat(dossier)
    for path in project.path("evidence").rglob("*.*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))  # as copying the folders from a USB stick does
    written.clear()
    assert build_dossier(project) == dossier
    after = os.stat(dossier)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert written == []


def test_a_file_added_to_a_later_indicator_is_the_only_one_written(project, written):
    build_dossier(project)
    make_pdf(evidence_folder(project, 4) / "2023年9月2日 简报.pdf", 1, "BRIEF")
    written.clear()
    reused = build_dossier(project).read_bytes()
    assert written == ["2023年9月2日 简报.pdf"]
    assert reused == fully_written(project)
    with pikepdf.open(build_dossier(project)) as pdf:
        assert any(b"BRIEF-PAGE-1" in form.read_bytes() for form in _evidence_forms(pdf))


def test_a_changed_file_is_written_again_with_every_file_after_it(project, written):
    build_dossier(project)
    make_pdf(evidence_folder(project, 0) / "2023年7月15日 规划.pdf", 2, "PLAN-REVISED")
    written.clear()
    reused = build_dossier(project).read_bytes()
    assert written == ["2023年7月15日 规划.pdf", "2023年8月1日 通知.pdf", "2023年9月1日 总结.pdf"]
    assert reused == fully_written(project)


def test_a_restyled_dossier_copies_all_evidence_and_equals_a_full_write(project, written):
    first = build_dossier(project).read_bytes()
    css = project.path("templates") / "dossier" / "dossier.css"
    css.write_text(css.read_text(encoding="utf-8").replace("color: #111;", "color: #222;"), encoding="utf-8")
    written.clear()
    reused = build_dossier(project).read_bytes()
    assert written == [] and reused != first
    assert reused == fully_written(project)


def test_a_dossier_saved_by_another_program_is_never_copied_from(project, written):
    dossier = build_dossier(project)
    expected = dossier.read_bytes()
    dossier.write_bytes(bytes(len(expected)))  # same size, other bytes (and so another mtime)
    written.clear()
    assert build_dossier(project).read_bytes() == expected
    assert len(written) == 4


def test_a_damaged_record_is_ignored(project, written):
    expected = build_dossier(project).read_bytes()
    (project.path("output") / DOSSIER_EVIDENCE).write_text("{", encoding="utf-8")
    written.clear()
    assert build_dossier(project).read_bytes() == expected
    assert len(written) == 4


def _evidence_forms(pdf: pikepdf.Pdf) -> list[pikepdf.Object]:
    """The framed evidence pages (Form XObjects named /Evidence) of a dossier."""
    forms = []
    for page in pdf.pages:
        form = page.obj.get("/Resources", {}).get("/XObject", {}).get("/Evidence")
        if form is not None:
            forms.append(form)
    return forms


def test_the_appendix_process_copies_the_unchanged_files_too(project, monkeypatch):
    monkeypatch.setattr(appendix, "PARALLEL_PAGES", 1)  # the pages left to write go to a second process, as in a large district
    build_dossier(project)
    make_pdf(evidence_folder(project, 4) / "2023年9月1日 总结.pdf", 1, "SUMMARY-REVISED")
    dossier = build_dossier(project)
    with pikepdf.open(dossier) as pdf:
        assert any(b"SUMMARY-REVISED" in form.read_bytes() for form in _evidence_forms(pdf))
    assert dossier.read_bytes() == fully_written(project)


def test_a_copy_that_fails_half_way_falls_back_to_writing_every_file(project, written, monkeypatch):
    expected = build_dossier(project).read_bytes()
    make_pdf(evidence_folder(project, 4) / "2023年9月2日 简报.pdf", 1, "BRIEF")

    def failing(source, handle, length):
        handle.write(b"half a copy")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(reuse, "copy_prefix", failing)
    written.clear()
    reused = build_dossier(project).read_bytes()
    assert len(written) == 5 and reused != expected
    assert reused == fully_written(project)
