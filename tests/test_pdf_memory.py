"""The dossier frees WeasyPrint's laid-out document (about 3 MiB a page) before assembling the PDF."""

from __future__ import annotations

import weakref

import pypdf

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
