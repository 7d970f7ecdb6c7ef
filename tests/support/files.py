"""Real evidence files made in a test: PDFs, photos, archives, headers of other formats."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import pikepdf
from PIL import Image

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def make_pdf(path: Path, pages: int = 2, created: str | None = "D:20230715093000+08'00'", **save) -> Path:
    """A real PDF written by pikepdf, with an optional CreationDate."""
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page()
    if created:
        pdf.docinfo["/CreationDate"] = created
    pdf.save(path, **save)
    return path


def make_jpeg(path: Path, taken: str | None = None, size=(64, 48)) -> Path:
    """A small JPEG, with EXIF DateTimeOriginal when `taken` is given."""
    image = Image.new("RGB", size, "white")
    exif = Image.Exif()
    if taken:
        exif.get_ifd(0x8769)[0x9003] = taken
    image.save(path, "JPEG", exif=exif.tobytes())
    return path


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares a pixel size but holds almost no data (a decompression-bomb shape)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def ftyp(brand: bytes, *compatible: bytes) -> bytes:
    body = b"ftyp" + brand + b"\x00\x00\x00\x00" + b"".join(compatible)
    return struct.pack(">I", len(body) + 4) + body + bytes(64)
