"""Content detection: type from the bytes (not the name), pages, pixel size, dates, damage, encryption."""

from __future__ import annotations

import hashlib
import io
import os
from datetime import date

import docx
import openpyxl
import pikepdf
import pytest
from PIL import Image
from support.files import OLE_MAGIC, ftyp, make_jpeg, make_pdf, make_zip, png_header, write

from assess.evidence.sniff import CHUNK, analyse, detect_kind, sha256_of


def test_sha256_is_streamed_over_many_chunks(tmp_path):
    data = os.urandom(CHUNK * 2 + 12345)
    path = write(tmp_path / "big.bin", data)
    assert analyse(path).sha256 == hashlib.sha256(data).hexdigest()
    assert sha256_of(io.BytesIO(b"")) == hashlib.sha256(b"").hexdigest()


def test_pdf_pages_and_creation_date(tmp_path):
    facts = analyse(make_pdf(tmp_path / "a.pdf", pages=3))
    assert (facts.kind, facts.pages, facts.problem, facts.encrypted) == ("pdf", 3, None, False)
    assert (facts.embedded_date, facts.embedded_date_source) == (date(2023, 7, 15), "pdf")


def test_pdf_needing_a_password_is_encrypted(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="u"))
    facts = analyse(path)
    assert (facts.kind, facts.encrypted, facts.pages) == ("pdf", True, None)


def test_pdf_with_only_an_owner_password_opens_and_is_not_flagged(tmp_path):
    path = make_pdf(tmp_path / "restricted.pdf", encryption=pikepdf.Encryption(owner="o", user=""))
    facts = analyse(path)
    assert (facts.encrypted, facts.pages, facts.problem) == (False, 2, None)


def test_truncated_pdf_is_corrupt(tmp_path):
    data = make_pdf(tmp_path / "whole.pdf").read_bytes()
    facts = analyse(write(tmp_path / "cut.pdf", data[: len(data) // 2]))
    assert facts.kind == "pdf"
    assert "不完整" in facts.problem


def test_garbled_pdf_is_corrupt(tmp_path):
    facts = analyse(write(tmp_path / "bad.pdf", b"%PDF-1.7\n" + os.urandom(2000) + b"\n%%EOF\n"))
    assert facts.problem == "PDF 结构损坏，无法打开"


def test_type_comes_from_content_not_extension(tmp_path):
    facts = analyse(make_jpeg(tmp_path / "scan.pdf"))
    assert (facts.kind, facts.width, facts.height, facts.pages) == ("jpeg", 64, 48, 1)


def test_exif_capture_date(tmp_path):
    facts = analyse(make_jpeg(tmp_path / "photo.jpg", taken="2023:11:02 15:20:00"))
    assert (facts.embedded_date, facts.embedded_date_source) == (date(2023, 11, 2), "exif")


def test_tiff_frames_count_as_pages(tmp_path):
    frames = [Image.new("L", (20, 30), shade) for shade in (0, 128, 255)]
    frames[0].save(tmp_path / "scan.tif", save_all=True, append_images=frames[1:])
    facts = analyse(tmp_path / "scan.tif")
    assert (facts.kind, facts.pages, facts.width, facts.height) == ("tiff", 3, 20, 30)


def test_truncated_images_are_corrupt(tmp_path):
    jpeg = make_jpeg(tmp_path / "a.jpg", size=(400, 300)).read_bytes()
    Image.new("RGB", (40, 30)).save(tmp_path / "a.png")
    png = (tmp_path / "a.png").read_bytes()
    assert "不完整" in analyse(write(tmp_path / "cut.jpg", jpeg[: len(jpeg) // 2])).problem
    assert "不完整" in analyse(write(tmp_path / "cut.png", png[:-20])).problem


def test_a_photo_counts_as_complete_when_its_end_marker_is_in_the_last_64_kib(tmp_path):
    jpeg = make_jpeg(tmp_path / "a.jpg", size=(400, 300)).read_bytes()
    assert analyse(write(tmp_path / "padded.jpg", jpeg + b"\x00" * 60_000)).problem is None
    assert "不完整" in analyse(write(tmp_path / "far.jpg", jpeg + b"\x00" * 70_000)).problem


def test_embedded_dates_are_left_unread_when_not_wanted(tmp_path):
    photo = analyse(make_jpeg(tmp_path / "photo.jpg", taken="2023:11:02 15:20:00"), embedded_date=False)
    scan = analyse(make_pdf(tmp_path / "scan.pdf", pages=3), embedded_date=False)
    assert (photo.width, photo.embedded_date, scan.pages, scan.embedded_date) == (64, None, 3, None)


def test_huge_declared_image_is_measured_without_decoding(tmp_path):
    facts = analyse(write(tmp_path / "big.png", png_header(10_000, 9_000)))
    assert (facts.width, facts.height, facts.problem) == (10_000, 9_000, None)


def test_decompression_bomb_is_refused(tmp_path):
    facts = analyse(write(tmp_path / "bomb.png", png_header(100_000, 100_000)))
    assert "像素数大得异常" in facts.problem


def test_office_files_by_their_zip_members(tmp_path):
    document = docx.Document()
    document.add_paragraph("示例")
    document.save(tmp_path / "a.docx")
    workbook = openpyxl.Workbook()
    workbook.save(tmp_path / "a.xlsx")
    assert analyse(tmp_path / "a.docx").kind == "docx"
    assert analyse(tmp_path / "a.xlsx").kind == "xlsx"
    assert analyse(make_zip(tmp_path / "a.pptx", {"ppt/presentation.xml": b"<p/>"})).kind == "pptx"
    assert analyse(make_zip(tmp_path / "a.ofd", {"OFD.xml": b"<ofd/>", "Doc_0/Document.xml": b""})).kind == "ofd"
    assert analyse(make_zip(tmp_path / "photos.zip", {"a.jpg": b"x"})).kind == "zip"
    assert analyse(make_zip(tmp_path / "renamed.docx", {"a.jpg": b"x"})).kind == "zip"


def test_truncated_docx_is_corrupt(tmp_path):
    document = docx.Document()
    document.save(tmp_path / "a.docx")
    data = (tmp_path / "a.docx").read_bytes()
    facts = analyse(write(tmp_path / "cut.docx", data[: len(data) // 2]))
    assert facts.problem == "文件内部的压缩结构损坏，无法打开"


@pytest.mark.parametrize(
    "extension, kind", [("doc", "doc"), ("xls", "xls"), ("wps", "wps"), ("et", "et"), ("ppt", "ppt"), ("bin", "ole")]
)
def test_old_office_formats_are_told_apart_by_extension(tmp_path, extension, kind):
    facts = analyse(write(tmp_path / f"a.{extension}", OLE_MAGIC + bytes(504)))
    assert (facts.kind, facts.encrypted) == (kind, False)


def test_password_protected_docx_is_an_ole_wrapper(tmp_path):
    facts = analyse(write(tmp_path / "secret.docx", OLE_MAGIC + bytes(504)))
    assert (facts.kind, facts.encrypted) == ("docx", True)


@pytest.mark.parametrize(
    "data, kind",
    [
        (ftyp(b"heic", b"mif1", b"heic"), "heic"),
        (ftyp(b"mif1", b"mif1", b"heic"), "heic"),
        (ftyp(b"isom", b"isom", b"mp41"), "video"),
        (ftyp(b"qt  ", b"qt  "), "video"),
        (b"RIFF\x00\x10\x00\x00AVI LIST" + bytes(32), "video"),
        (b"RIFF\x00\x10\x00\x00WEBPVP8 " + bytes(32), "webp"),
        (b"\x1a\x45\xdf\xa3" + bytes(32), "video"),
        (b"Rar!\x1a\x07\x00" + bytes(32), "rar"),
        (b"L\x00\x00\x00\x01\x14\x02\x00" + bytes(64), "shortcut"),
        (b"ID3\x04\x00" + bytes(64), "audio"),
        ("会议纪要\r\n".encode("utf-16"), "text"),
        ("会议纪要：2023年7月15日召开。\n".encode(), "text"),
        ("会议纪要：2023年7月15日召开。\n".encode("gb18030"), "text"),
        (bytes(range(256)), "unknown"),
        (b"", "unknown"),
    ],
)
def test_signatures(data, kind):
    assert detect_kind(data) == kind


def test_unreadable_file_is_reported_not_raised(tmp_path):
    facts = analyse(tmp_path / "gone.pdf")
    assert (facts.problem, facts.unreadable) == (None, "文件在索引过程中被删除或移走。如仍需要，请放回原处后重新运行")
