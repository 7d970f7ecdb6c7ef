"""The streaming PDF writer: what it copies reads back the same, and a failure half-way never breaks the file."""

from __future__ import annotations

import errno
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest

from assess.render.dossier import write as pdfwrite
from assess.render.dossier.write import ObjectWriter


def source_document() -> pikepdf.Pdf:
    """A page whose content and font are shared, with every kind of value the writer must spell."""
    pdf = pikepdf.new()
    pdf.docinfo["/Title"] = "回民区（示例）申报材料 (v1) \\ end"
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name("/Helvetica")))
    for text in (b"FIRST", b"SECOND"):
        page = pdf.add_blank_page(page_size=(595.28, 841.89))
        page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        page.obj.Contents = pikepdf.Stream(pdf, b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET")
        page.obj["/Odd#Name x"] = pikepdf.Array([True, False, None, Decimal("0.000001"), -3, pikepdf.Name("/A B"), pikepdf.String(b"\x00\xff(")])
    return pdf


def write_copy(source: pikepdf.Pdf, target: Path) -> None:
    """Copy the document's catalog and information dictionary into a new file, as finish_dossier does."""
    with target.open("wb") as handle:
        writer = ObjectWriter(handle)
        numbers: pdfwrite.Numbers = {}
        writer.finish(writer.copy(source.Root, numbers), writer.copy(source.docinfo, numbers), bytes(range(16)))


def test_a_copied_document_reads_back_with_the_same_values(tmp_path: Path) -> None:
    target = tmp_path / "copy.pdf"
    with source_document() as source:
        write_copy(source, target)
    with pikepdf.open(target) as copy:
        assert copy.check_pdf_syntax() == [] and copy.get_warnings() == []
        first, second = copy.pages
        assert first.Contents.read_bytes() == b"BT /F1 12 Tf 72 720 Td (FIRST) Tj ET"
        assert first.Resources.Font.F1.objgen == second.Resources.Font.F1.objgen  # written once
        assert str(copy.docinfo.Title) == "回民区（示例）申报材料 (v1) \\ end"
        odd = first.obj["/Odd#Name x"]
        assert [bool(odd[0]), bool(odd[1]), odd[2], Decimal(odd[3]), int(odd[4]), str(odd[5]), bytes(odd[6])] == [
            True, False, None, Decimal("0.000001"), -3, "/A B", b"\x00\xff(",
        ]
        assert bytes(copy.trailer.ID[0]) == bytes(copy.trailer.ID[1]) == bytes(range(16))


def test_an_object_that_cannot_be_read_leaves_a_consistent_file(tmp_path: Path) -> None:
    """A damaged evidence file fails half-way; its numbers are written as null and the dossier still opens cleanly."""
    source_file = tmp_path / "source.pdf"
    with source_document() as made:
        made.save(source_file)
    target = tmp_path / "partial.pdf"
    with source_file.open("rb") as opened, pikepdf.open(opened) as source, target.open("wb") as handle:
        page = source.pages[0].obj
        assert page.Contents.stream_dict and page.Resources.Font.F1.Type  # parsed; the content's data is read when copied
        opened.close()  # as when the file goes away half-way: the data cannot be read
        writer = ObjectWriter(handle)
        with pytest.raises(pikepdf.PdfError, match="error getting raw stream data"):
            writer.copy(page, {})
        catalog = pikepdf.new()
        catalog.add_blank_page()
        numbers: pdfwrite.Numbers = {}
        writer.finish(writer.copy(catalog.Root, numbers), writer.copy(catalog.docinfo, numbers), bytes(16))
    with pikepdf.open(target) as written:
        assert written.check_pdf_syntax() == [] and written.get_warnings() == [] and len(written.pages) == 1


def test_a_failing_disk_is_an_output_failure_not_a_bad_source(tmp_path: Path) -> None:
    class FullDisk:
        def write(self, data: bytes) -> int:
            raise OSError(28, "No space left on device")

    with source_document() as source, pytest.raises(pdfwrite.OutputFailed, match="No space left"):
        ObjectWriter(FullDisk()).copy(source.Root, {})


@pytest.mark.parametrize("in_kernel", [True, False])
def test_a_prefix_is_copied_byte_for_byte_with_or_without_copy_file_range(tmp_path: Path, monkeypatch, in_kernel: bool) -> None:
    old = tmp_path / "old.pdf"
    old.write_bytes(bytes(range(256)) * 1000)
    if not in_kernel:  # as across file systems, or where the kernel lacks it
        monkeypatch.setattr(pdfwrite.os, "copy_file_range", lambda *args: (_ for _ in ()).throw(OSError(errno.EXDEV, "cross-device")))
    with (tmp_path / "new.pdf").open("wb") as handle:
        pdfwrite.copy_prefix(old, handle, 200_000)
        handle.write(b"REST")
    assert (tmp_path / "new.pdf").read_bytes() == old.read_bytes()[:200_000] + b"REST"


def test_a_previous_file_shorter_than_recorded_is_not_copied(tmp_path: Path) -> None:
    old = tmp_path / "old.pdf"
    old.write_bytes(b"%PDF-1.7\n")
    with (tmp_path / "new.pdf").open("wb") as handle, pytest.raises(OSError):
        pdfwrite.copy_prefix(old, handle, 1000)
