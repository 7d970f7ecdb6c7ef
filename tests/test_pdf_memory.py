"""The dossier frees WeasyPrint's laid-out documents (about 3 MiB a page) before assembling the PDF,
and lays out the 佐证材料清单, which grows with the evidence, a batch at a time."""

from __future__ import annotations

import math
import re
import weakref

import pypdf

from assess.evidence import build_index
from assess.manifest import build_manifest
from assess.render import pdf


def test_the_laid_out_document_is_freed_before_assembly(monkeypatch, sample_assessment, huimin, tmp_path):
    documents: list[weakref.ref] = []
    alive_at_assembly: list[bool] = []
    layout, assemble = pdf.HtmlPart.layout, pdf._assemble

    def recording_layout(self, *args):
        document = layout(self, *args)
        documents.append(weakref.ref(document))
        return document

    def checking_assemble(*args):
        alive_at_assembly.extend(ref() is not None for ref in documents)
        assemble(*args)

    monkeypatch.setattr(pdf.HtmlPart, "layout", recording_layout)
    monkeypatch.setattr(pdf, "_assemble", checking_assemble)
    target = pdf.render_pdf(sample_assessment, huimin, tmp_path / "申报材料.pdf", include_evidence=False)
    assert alive_at_assembly and not any(alive_at_assembly)
    assert "整改清单" in "".join(page.extract_text() for page in pypdf.PdfReader(target).pages)


def test_the_manifest_is_laid_out_a_batch_at_a_time_with_continuous_page_numbers(monkeypatch, sample_assessment, huimin, tmp_path):
    monkeypatch.setattr(pdf, "MANIFEST_BATCH", 10)
    documents: list[weakref.ref] = []
    alive_before_each: list[int] = []
    render = pdf.HtmlPart._render

    def recording_render(self, *args):
        alive_before_each.append(sum(ref() is not None for ref in documents))
        document = render(self, *args)
        documents.append(weakref.ref(document))
        return document

    monkeypatch.setattr(pdf.HtmlPart, "_render", recording_render)
    manifest = build_manifest(build_index(huimin), huimin)
    target = pdf.render_pdf(sample_assessment, huimin, tmp_path / "申报材料.pdf", include_evidence=False, manifest=manifest)
    batches = math.ceil(len(manifest.files) / 10)
    assert len(documents) == 1 + batches and alive_before_each == [0] * len(documents)
    texts = [page.extract_text() for page in pypdf.PdfReader(target).pages]
    assert all(text.rstrip().endswith(f"— {number} —") for number, text in enumerate(texts[1:], start=2))
    manifest_pages = [text for text in texts if f"{sample_assessment.district} 四、佐证材料清单" in text]
    assert len(manifest_pages) >= batches  # every batch starts a page, each with the running header
    numbers = [int(n) for n in re.findall(r"^(\d+) ", "\n".join(manifest_pages), re.MULTILINE)]
    assert numbers == list(range(1, len(manifest.files) + 1))
