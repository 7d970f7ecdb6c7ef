"""The parts of the dossier that grow with the evidence (the continued evidence tables, the manifest)
are laid out apart from the HTML part, after the appendix, a batch at a time: each WeasyPrint
document (about 3 MiB a page laid out) is written and freed before the next."""

from __future__ import annotations

import math
import re
import weakref

import pdfplumber
import pikepdf
import pypdf
import pytest

from assess.caches import DOSSIER_PARTS
from assess.evidence.index import build_index
from assess.evidence.manifest import build_manifest
from assess.render.dossier import context, convert, layout
from assess.render.dossier.build import render_pdf
from dossier.test_appendix import evidence_file
from dossier.test_pdf import _assessment, _evidence, _links, _project, _render, _words_in

pytestmark = pytest.mark.slow  # builds whole dossiers

CONTINUED = "五、佐证材料表（续）"


def _record_documents(monkeypatch) -> tuple[list[weakref.ref], list[int]]:
    """Weak references to every laid-out document, and how many were still alive as each was started."""
    documents: list[weakref.ref] = []
    alive_before_each: list[int] = []
    render = layout.Layout.render

    def recording_render(self, *args):
        alive_before_each.append(sum(ref() is not None for ref in documents))
        document = render(self, *args)
        documents.append(weakref.ref(document))
        return document

    monkeypatch.setattr(layout.Layout, "render", recording_render)
    return documents, alive_before_each


@pytest.fixture(scope="module")
def continued(tmp_path_factory, repo_root, sample_assessment):
    """A full dossier whose sections show one evidence row each; the rest continue, two rows per batch."""
    tmp = tmp_path_factory.mktemp("continued")
    project = _project(tmp, repo_root)
    assessment = _assessment(sample_assessment, _evidence(project.path("evidence")))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(context, "SECTION_ROWS", 1)
        patch.setattr(context, "BATCH_ROWS", 2)
        patch.setattr(convert, "office_converter", lambda: None)
        documents, alive = _record_documents(patch)
        dossier = _render(tmp, project, assessment, 0)
    return dossier, documents, alive


def test_every_laid_out_document_is_freed_before_the_next_and_before_assembly(continued):
    _dossier, documents, alive_before_each = continued
    assert len(documents) >= 1 + 3  # the HTML part (once or more), then three batches of continued rows
    assert alive_before_each == [0] * len(documents) and all(ref() is None for ref in documents)


def test_rows_past_the_first_continue_after_the_appendix_numbered_on(continued):
    dossier = continued[0]
    reader = pypdf.PdfReader(dossier.path)
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top[-2:] == ["四、证明材料", CONTINUED]
    first = next(reader.get_destination_page_number(i) for i in reader.outline if not isinstance(i, list) and i.title == CONTINUED)
    text = "".join(dossier.pages[first:])
    for result in dossier.assessment.indicators:
        for number, file in enumerate(result.evidence[1:], start=2):
            assert re.search(rf"{number}\s*{re.escape(file.name[:6])}", text), file.path
    assert text.count(f"{dossier.assessment.indicators[1].indicator.label}") >= 2  # split between batches: headed again
    assert first > max(n for n, page in enumerate(dossier.pages) if "第1页/共" in page)  # after the appendix


def test_a_section_with_more_files_links_to_where_they_continue(continued):
    dossier = continued[0]
    reader = pypdf.PdfReader(dossier.path)
    first = next(reader.get_destination_page_number(i) for i in reader.outline if not isinstance(i, list) and i.title == CONTINUED)
    label = dossier.assessment.indicators[2].indicator.label
    section = next(n for n, page in enumerate(dossier.pages[:first]) if "另有 2 份材料（第 2 份起）" in page and label in page)
    with pikepdf.open(dossier.path) as document, pdfplumber.open(dossier.path) as plumber:
        targets = [target for rect, target in _links(document, section) if "五、佐证材料表" in _words_in(plumber.pages[section], rect)]
    assert targets and all(f"{label}" in dossier.pages[t] and "（续）" in dossier.pages[t] for t in targets)


def test_the_contents_and_every_footer_give_the_real_page_numbers(continued):
    dossier = continued[0]
    reader = pypdf.PdfReader(dossier.path)
    first = next(reader.get_destination_page_number(i) for i in reader.outline if not isinstance(i, list) and i.title == CONTINUED)
    contents = re.sub(r"\s", "", dossier.pages[1] + dossier.pages[2])
    assert re.search(re.escape(CONTINUED) + r"\.+" + str(first + 1), contents)
    for number, text in enumerate(dossier.pages[1:], start=2):
        assert text.rstrip().endswith(f"— {number} —"), number


def test_the_manifest_is_laid_out_a_batch_at_a_time_with_continuous_page_numbers(monkeypatch, sample_assessment, huimin, tmp_path, repo_root):
    monkeypatch.setattr(context, "BATCH_ROWS", 10)
    documents, alive_before_each = _record_documents(monkeypatch)
    manifest = build_manifest(build_index(huimin), huimin)
    project = _project(tmp_path, repo_root)
    target = render_pdf(sample_assessment, project, tmp_path / "申报材料.pdf", include_evidence=False, manifest=manifest)
    batches = math.ceil(len(manifest.files) / 10)
    assert len(documents) - batches in (1, 2) and alive_before_each == [0] * len(documents)  # the HTML part once or twice
    texts = [page.extract_text() for page in pypdf.PdfReader(target).pages]
    assert all(text.rstrip().endswith(f"— {number} —") for number, text in enumerate(texts[1:], start=2))
    manifest_pages = [text for text in texts if f"{sample_assessment.district} 四、佐证材料清单" in text]
    assert len(manifest_pages) >= batches  # every batch starts a page, each with the running header
    numbers = [int(n) for n in re.findall(r"^(\d+) ", "\n".join(manifest_pages), re.MULTILINE)]
    assert numbers == list(range(1, len(manifest.files) + 1))


def test_a_rebuild_lays_out_again_only_the_batches_whose_content_changed(monkeypatch, tmp_path, repo_root, huimin, sample_assessment):
    monkeypatch.setattr(context, "BATCH_ROWS", 10)
    project = _project(tmp_path, repo_root)
    manifest = build_manifest(build_index(huimin), huimin)
    batches = math.ceil(len(manifest.files) / 10)
    first = render_pdf(sample_assessment, project, tmp_path / "first.pdf", include_evidence=False, manifest=manifest)
    documents, _ = _record_documents(monkeypatch)
    second = render_pdf(sample_assessment, project, tmp_path / "second.pdf", include_evidence=False, manifest=manifest)
    assert len(documents) == 0 and first.read_bytes() == second.read_bytes()  # nothing laid out again, the HTML part included
    last = manifest.files[-1].model_copy(update={"sha256": "0" * 64})
    changed = manifest.model_copy(update={"files": [*manifest.files[:-1], last], "fingerprint": "1" * 64})
    third = render_pdf(sample_assessment, project, tmp_path / "third.pdf", include_evidence=False, manifest=changed)
    assert len(documents) == 2  # the first batch (the fingerprint) and the last (the file); the HTML part is unchanged
    assert "0" * 64 in re.sub(r"\s", "", "".join(page.extract_text() for page in pypdf.PdfReader(third).pages))
    assert len(list((tmp_path / "output" / DOSSIER_PARTS).glob("*.pdf"))) == batches + 1  # replaced entries are removed


def test_renaming_an_evidence_file_lays_out_the_html_part_again(tmp_path, repo_root, sample_assessment, monkeypatch):
    project = _project(tmp_path, repo_root)
    evidence = _evidence(project.path("evidence"))
    first = _render(tmp_path, project, _assessment(sample_assessment, evidence), 0, include_evidence=False)
    documents, _ = _record_documents(monkeypatch)
    assert _render(tmp_path, project, _assessment(sample_assessment, evidence), 0, include_evidence=False).pages == first.pages
    assert documents == []
    folder = project.path("evidence")
    renamed_file = (folder / evidence[0][0].path).rename(folder / "（一）1/区国民经济规划（修订）.pdf")
    renamed = {**evidence, 0: [evidence_file(folder, renamed_file, "pdf", pages=2), *evidence[0][1:]]}
    third = _render(tmp_path, project, _assessment(sample_assessment, renamed), 0, include_evidence=False)
    assert len(documents) >= 1 and "区国民经济规划（修订）" in "".join(third.pages).replace("\n", "")
    assert len(list((tmp_path / "output" / DOSSIER_PARTS).glob("*.pdf"))) == 1  # the old HTML part is removed
