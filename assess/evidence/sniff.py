"""What a file is, judged by its bytes: type, SHA-256, page count, pixel size, embedded date, damage.

Everything here only reads, and only what it needs: magic bytes, a zip's central directory, a
PDF's page tree, an image header. Pixels are never decoded and archives never extracted, so
decompression bombs cost nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import threading
import warnings
import zipfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal, NamedTuple

from assess.errors import os_error_text
from assess.evidence.dates import parse_exif_date, parse_pdf_date

if TYPE_CHECKING:
    from PIL import Image

# pikepdf and Pillow are imported where a PDF or an image is actually read: a warm index reads no
# file, and `assess index` would otherwise spend a sizeable part of its run importing them.

CHUNK = 1 << 18
"""SHA-256 is streamed in 256 KiB chunks: constant memory, hashlib releases the GIL on each, and the
buffer stays in the CPU cache (1 MiB chunks hashed 3-5% slower, as fast as hashlib.file_digest)."""

HEAD = 4096
MAX_CENTRAL_DIRECTORY = 16 << 20
"""A zip whose member list is larger than this is not inspected (no office file comes close)."""

EXIF_KINDS = {"jpeg", "tiff"}
"""Formats whose EXIF sits in the header (Pillow would decode a PNG's pixels to reach its eXIf chunk)."""
IMAGE_KINDS = {"jpeg", "png", "tiff", "gif", "bmp", "webp", "heic", "avif"}
VIEWABLE_KINDS = IMAGE_KINDS | {
    "pdf", "ofd", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "wps", "et", "dps",
    "odt", "ods", "odp", "rtf", "text", "video",
}
"""Kinds a reviewer can open and read as they are; anything else is flagged as unsupported."""

KIND_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "pdf": ("pdf",),
    "ofd": ("ofd",),
    "jpeg": ("jpg", "jpeg", "jpe", "jfif"),
    "png": ("png",),
    "tiff": ("tif", "tiff"),
    "gif": ("gif",),
    "bmp": ("bmp", "dib"),
    "webp": ("webp",),
    "heic": ("heic", "heif", "hif"),
    "avif": ("avif",),
    "docx": ("docx", "docm", "dotx", "doc", "wps"),
    "xlsx": ("xlsx", "xlsm", "xltx", "xls", "et"),
    "pptx": ("pptx", "pptm", "ppsx", "ppt", "dps"),
    "rtf": ("rtf", "doc", "wps"),
}
"""Extensions under which a file of each kind opens with a double click (first: the one to suggest).

Word, Excel and WPS open a .docx saved as .doc and the like, so those are not reported; kinds that
come from the extension itself (doc, xls, odt…) or have many (text, video) are not checked.
"""

_OLE_EXTENSIONS = {"doc": "doc", "dot": "doc", "xls": "xls", "xlt": "xls", "ppt": "ppt", "wps": "wps", "et": "et", "dps": "dps"}
_OOXML_EXTENSIONS = {"docx", "xlsx", "pptx"}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_ZIP_MEMBERS = [("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("ppt/presentation.xml", "pptx"), ("OFD.xml", "ofd")]

# (offset, magic, kind), checked in order.
_SIGNATURES: list[tuple[int, bytes, str]] = [
    (0, b"\xff\xd8\xff", "jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "png"),
    (0, b"II*\x00", "tiff"),
    (0, b"MM\x00*", "tiff"),
    (0, b"II+\x00", "tiff"),
    (0, b"MM\x00+", "tiff"),
    (0, b"GIF87a", "gif"),
    (0, b"GIF89a", "gif"),
    (0, b"PK\x03\x04", "zip"),
    (0, b"PK\x05\x06", "zip"),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (0, b"{\\rtf", "rtf"),
    (0, b"Rar!\x1a\x07", "rar"),
    (0, b"7z\xbc\xaf\x27\x1c", "7z"),
    (0, b"\x1f\x8b", "gzip"),
    (0, b"\x1a\x45\xdf\xa3", "video"),
    (0, b"FLV\x01", "video"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "video"),
    (0, b"\x00\x00\x01\xba", "video"),
    (0, b"L\x00\x00\x00\x01\x14\x02\x00", "shortcut"),
    (0, b"ID3", "audio"),
    (0, b"\xff\xfe", "text"),  # UTF-16 with its byte-order mark (Notepad's "Unicode")
    (0, b"\xfe\xff", "text"),
    (0, b"MZ", "exe"),
]

# Why a file counts as damaged, worded for the office (the evidence module adds the lead-in).
PROBLEMS = {
    "pdf_truncated": "PDF 文件不完整（缺少结束标记，可能复制或下载时中断）",
    "pdf_broken": "PDF 结构损坏，无法打开",
    "pdf_no_pages": "PDF 中没有任何页面",
    "zip_broken": "文件内部的压缩结构损坏，无法打开",
    "image_broken": "图片文件头损坏，无法识别",
    "image_truncated": "图片不完整（文件末尾缺失，可能复制中断）",
    "image_huge": "图片声明的像素数大得异常（疑似损坏或恶意文件），未读取",
    "unexpected": "无法解析（{reason}）",
}

# Why a file could not be read this time (not the file's fault): such results are never cached.
UNREADABLE = {
    "os": "无法读取（{reason}）。请检查文件权限，或关闭正在使用它的程序后重新运行",
    "changed": "文件在读取过程中被修改（可能正在复制或保存），本次结果不可靠。请等复制或保存完成后重新运行",
    "vanished": "文件在索引过程中被删除或移走。如仍需要，请放回原处后重新运行",
}

# One lock around Pillow's header parsing: warnings.catch_warnings is not thread-safe.
_PILLOW_LOCK = threading.Lock()


class Analysis(NamedTuple):
    """Facts read from a file's content; cached per (path, size, mtime) so unchanged files are skipped.

    A NamedTuple, not a pydantic model: a warm re-index builds one per file from a cache row.
    """

    sha256: str
    """Content SHA-256 (empty when the file could not be read)."""
    kind: str
    """Kind judged by content (see KIND_EXTENSIONS, IMAGE_KINDS and detect_kind)."""
    pages: int | None = None
    """PDF pages, TIFF frames, 1 for other images."""
    width: int | None = None
    height: int | None = None
    encrypted: bool = False
    """Needs a password to open."""
    problem: str | None = None
    """Why the file is damaged (Chinese)."""
    unreadable: str | None = None
    """Why it could not be read this time (permissions, changed or deleted meanwhile); never cached."""
    embedded_date: date | None = None
    """PDF creation date or photo capture date."""
    embedded_date_source: Literal["pdf", "exif"] | None = None


def open_readonly(path: Path) -> io.BufferedReader:
    """Open for reading without updating the access time (O_NOATIME) and never through a symlink.

    O_NOFOLLOW: a file swapped for a symlink after the walk (to /etc/passwd, say) is refused.
    """
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    noatime = getattr(os, "O_NOATIME", 0)
    try:
        fd = os.open(path, flags | noatime)
    except PermissionError:
        if not noatime:
            raise
        fd = os.open(path, flags)  # O_NOATIME needs file ownership; plain read-only is still safe
    return os.fdopen(fd, "rb")


def analyse(path: Path, expected: tuple[int, int] | None = None, *, embedded_date: bool = True) -> Analysis:
    """Hash and inspect one file; any failure becomes `problem` or `unreadable`, never an exception.

    `expected` is the (size, mtime_ns) the walk saw: if the file differs from it when opened, or
    changes or disappears while being read, the result describes no stable content and says so.
    `embedded_date=False` leaves out the PDF creation date and the EXIF capture date: the index
    asks for them only when the file name carries no date (a name's date always wins), and reading
    EXIF is half the cost of inspecting a photo.
    """
    try:
        with open_readonly(path) as handle:
            before = _stamp(os.fstat(handle.fileno()))
            digest = sha256_of(handle)
            handle.seek(0)
            facts = inspect(handle, path.suffix.lower().lstrip("."), digest, embedded_date)
            after = _stamp(os.fstat(handle.fileno()))
        still_there = _stamp(os.stat(path, follow_symlinks=False))
    except FileNotFoundError:
        return _unreadable(UNREADABLE["vanished"])
    except OSError as exc:
        return _unreadable(UNREADABLE["os"].format(reason=os_error_text(exc)))
    if (expected is not None and before != expected) or after != before or still_there != before:
        return _unreadable(UNREADABLE["changed"])
    return facts


def _stamp(info: os.stat_result) -> tuple[int, int]:
    """(size, mtime_ns): what the cache and the walk compare to tell whether a file changed."""
    return info.st_size, info.st_mtime_ns


def _unreadable(reason: str) -> Analysis:
    """The result for a file whose content could not be read as one stable whole."""
    return Analysis(sha256="", kind="unknown", unreadable=reason)


def sha256_of(handle: io.BufferedReader) -> str:
    """SHA-256 of the whole stream, read in 1 MiB chunks into one reused buffer."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    while count := handle.readinto(buffer):
        digest.update(view[:count])
    return digest.hexdigest()


def inspect(handle: BinaryIO, extension: str, digest: str, embedded_date: bool = True) -> Analysis:
    """Type, pages, size, date (unless not wanted) and damage of an open file; extension only picks among OLE formats."""
    head = handle.read(HEAD)
    kind = detect_kind(head, extension)
    facts: dict = {"sha256": digest, "kind": kind}
    try:
        if kind == "zip":
            facts["kind"] = _zip_kind(handle, extension)
        elif kind == "ole" and extension in _OOXML_EXTENSIONS:
            facts.update(kind=extension, encrypted=True)  # password-protected Office files are OLE-wrapped
        elif kind == "ole":
            facts["kind"] = _OLE_EXTENSIONS.get(extension, "ole")
        elif kind == "pdf":
            facts.update(_pdf_facts(handle, embedded_date))
        elif kind in IMAGE_KINDS:
            facts.update(_image_facts(handle, kind, embedded_date))
    except (zipfile.BadZipFile, struct.error):
        facts["problem"] = PROBLEMS["zip_broken"]
    except OSError as exc:
        return _unreadable(UNREADABLE["os"].format(reason=os_error_text(exc)))
    except Exception as exc:  # a parser choking on a hostile or odd file must not stop the index
        facts["problem"] = PROBLEMS["unexpected"].format(reason=type(exc).__name__)
    return Analysis(**facts)


def detect_kind(head: bytes, extension: str = "") -> str:
    """Kind from the first bytes: signatures, ISO-BMFF brands, RIFF forms, then plain text."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head[4:8] == b"ftyp":
        return _iso_bmff_kind(head)
    if head[4:8] in _QUICKTIME_ATOMS:
        return "video"
    if head[:4] == b"RIFF":
        return {b"AVI ": "video", b"WEBP": "webp", b"WAVE": "audio"}.get(head[8:12], "unknown")
    if head[:2] == b"BM" and len(head) > 18 and struct.unpack_from("<I", head, 14)[0] in (12, 40, 52, 56, 108, 124):
        return "bmp"
    for offset, magic, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if _looks_like_text(head):
        return "text"
    return "unknown"


def _iso_bmff_kind(head: bytes) -> str:
    """HEIC/AVIF still images versus MP4/MOV video, from the ftyp major and compatible brands."""
    size = struct.unpack_from(">I", head, 0)[0]
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if head[8:12] in _HEIF_BRANDS or (brands & _HEIF_BRANDS and b"avif" not in brands):
        return "heic"
    if head[8:12] in (b"avif", b"avis"):
        return "avif"
    return "video"


def _looks_like_text(head: bytes) -> bool:
    """UTF-8 or GB18030 text without NULs or stray control characters."""
    if not head or b"\x00" in head:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multi-byte character cut by the 4 KiB window is fine
                continue
            text = head[: exc.start].decode(encoding)
        controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f")
        return controls == 0
    return False


def _zip_kind(handle: BinaryIO, extension: str) -> str:
    """docx/xlsx/pptx/ofd/odf from member names (central directory only, nothing extracted)."""
    if _central_directory_size(handle) > MAX_CENTRAL_DIRECTORY:
        return "zip"
    handle.seek(0)
    with zipfile.ZipFile(handle) as archive:
        names = set(archive.namelist())
    for member, kind in _ZIP_MEMBERS:
        if member in names:
            return kind
    if "content.xml" in names and extension in ("odt", "ods", "odp"):
        return extension
    return "zip"


def _central_directory_size(handle: BinaryIO) -> int:
    """Size of the zip's member list from its end record, read from the last 64 KiB only."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - 65_557))
    tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise zipfile.BadZipFile("no end of central directory")
    return struct.unpack_from("<I", tail, at + 12)[0]


def _pdf_facts(handle: BinaryIO, embedded_date: bool) -> dict:
    """Page count, creation date, encryption and truncation of a PDF, via pikepdf (lazy parsing)."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - 1024))
    if b"%%EOF" not in handle.read():
        return {"problem": PROBLEMS["pdf_truncated"]}
    handle.seek(0)
    import pikepdf

    try:
        with pikepdf.open(handle) as pdf:
            pages = len(pdf.pages)
            created = parse_pdf_date(str(pdf.trailer.get("/Info", {}).get("/CreationDate", ""))) if embedded_date else None  # type: ignore[call-overload]  # pikepdf types Object.get loosely
    except pikepdf.PasswordError:
        return {"encrypted": True}
    except pikepdf.PdfError:
        return {"problem": PROBLEMS["pdf_broken"]}
    if pages == 0:
        return {"problem": PROBLEMS["pdf_no_pages"]}
    facts: dict = {"pages": pages}
    if created:
        facts.update(embedded_date=created, embedded_date_source="pdf")
    return facts


def _image_facts(handle: BinaryIO, kind: str, embedded_date: bool) -> dict:
    """Pixel size, frame count (TIFF) and EXIF capture date from the header; pixels stay undecoded."""
    if kind in ("heic", "avif"):
        return {"pages": 1}  # Pillow cannot read HEIF headers without a plugin; the file is still a photo
    problem = _image_tail_problem(handle, kind)
    if problem:
        return {"problem": problem}
    handle.seek(0)
    from PIL import Image, UnidentifiedImageError

    with _PILLOW_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(handle) as image:
                width, height = image.size
                pages = getattr(image, "n_frames", 1) if kind == "tiff" else 1  # only multi-frame formats have n_frames
                taken = _exif_date(image) if embedded_date and kind in EXIF_KINDS else None
        except Image.DecompressionBombError:
            return {"problem": PROBLEMS["image_huge"]}
        except (UnidentifiedImageError, SyntaxError, EOFError, OSError):  # Pillow says OSError for bad headers
            return {"problem": PROBLEMS["image_broken"]}
    facts: dict = {"width": width, "height": height, "pages": pages}
    if taken:
        facts.update(embedded_date=taken, embedded_date_source="exif")
    return facts


def _image_tail_problem(handle: BinaryIO, kind: str) -> str | None:
    """A JPEG must end with its EOI marker, a PNG with its IEND chunk; checked on the last 64 KiB.

    The EOI marker is searched from the end: JPEG data is full of 0xFF bytes, and a forward search
    through 64 KiB took 70 µs per photo, more than reading its header.
    """
    if kind not in ("jpeg", "png"):
        return None
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - 65_536))
    tail = handle.read()
    complete = tail.rfind(b"\xff\xd9") >= 0 if kind == "jpeg" else b"IEND\xaeB`\x82" in tail[-32:]
    return None if complete else PROBLEMS["image_truncated"]


def _exif_date(image: Image.Image) -> date | None:
    """EXIF DateTimeOriginal (else DateTimeDigitized): when the photo was taken."""
    from PIL import ExifTags

    exif = image.getexif()
    details = exif.get_ifd(ExifTags.IFD.Exif)
    for tag in (ExifTags.Base.DateTimeOriginal, ExifTags.Base.DateTimeDigitized):
        taken = parse_exif_date(str(details.get(tag) or exif.get(tag) or ""))
        if taken:
            return taken
    return None
