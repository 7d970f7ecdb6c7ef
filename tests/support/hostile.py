"""A hostile evidence tree, generated at test time: every way a department's files go wrong, at once.

`CASES` says, for each hostile file, where it goes (inside one indicator folder), how its bytes are
made (small, with the real libraries; nothing large is committed) and exactly what the index must
report. `plant(project)` writes them all, plus the entries the index must ignore without reading.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import pikepdf
from PIL import Image

from assess.config.project import Project
from assess.evidence.folders import folder_name
from support.files import OLE_MAGIC, ftyp, png_header

INDICATOR_ID = "org-4"
"""The indicator whose folder receives the corpus."""

GBK_NAME = "会议纪要.pdf".encode("gbk")
"""A name as a Windows zip stores it, unpacked byte for byte on Linux: not valid UTF-8."""
GBK_SHOWN = r"\xbb\xe1\xd2\xe9\xbc\xcdҪ.pdf"
"""How the index shows it: undecodable bytes escaped (d2 aa happens to be valid UTF-8: Ҫ)."""
FORMULA_NAME = "=cmd|' -C calc'!A0.pdf"
FORMULA_PATH = "=cmd|' /C calc'!A0.pdf"
"""The classic Excel injection; its / makes a sub-folder, so the relative path holds it whole."""
SCRIPT_PATH = "<script>alert(1)</script>.pdf"
NEWLINE_NAME = "会议\n纪要（2023年7月15日）.pdf"
LONG_NAME = "x" * 200 + "很长的文件名（2023年7月15日）.pdf"
BACKSLASH_NAME = "附件\\..\\..\\..\\..\\..\\..\\Windows\\win.ini.pdf"
"""A legal Linux name that Windows would read as a path climbing out of the project."""
DEEP_PATH = "/".join(f"第{n}层" for n in range(1, 61)) + "/2023年8月 深处的材料.pdf"
DENIED = "没有权限.pdf"
"""The file whose reads fail with PermissionError (see `deny_reads`)."""
NORMAL_PDF = "2023年7月15日 创建方案.pdf"


def pdf_bytes(pages: int = 2, title: str = "示例材料", **save) -> bytes:
    """A real PDF of blank A4 pages; the title makes each one unique. 3,000 pages stay small."""
    pdf = pikepdf.new()
    pdf.docinfo["/Title"] = title
    pdf.add_blank_page(page_size=(595, 842))
    for _ in range(pages - 1):
        pdf.pages.append(pdf.pages[0])
    buffer = io.BytesIO()
    pdf.save(buffer, **save)
    return buffer.getvalue()


def jpeg_bytes(shade: int, size: tuple[int, int] = (120, 90)) -> bytes:
    """A real small JPEG photo; `shade` makes it unique."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, shade, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def jpeg_bomb() -> bytes:
    """A real JPEG whose frame header is rewritten to claim 65,535 × 65,535 pixels (4.3 gigapixels)."""
    data = bytearray(jpeg_bytes(20))
    at = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, at + 5, 0xFFFF, 0xFFFF)
    return bytes(data)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A real deflated zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def declared_bomb(members: dict[str, bytes]) -> bytes:
    """A zip whose every member claims to unpack to almost 4 GiB: harmless unless someone extracts it."""
    data = bytearray(zip_bytes(members))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at >= 0:
            struct.pack_into("<I", data, at + offset, 0xFFFF_FFF0)
            at = data.find(signature, at + 4)
    return bytes(data)


def docx_bytes(text: str) -> bytes:
    """A real Word document holding `text`."""
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph(text)
    document.save(buffer)
    return buffer.getvalue()


def truncated(data: bytes) -> bytes:
    """The first half: a copy interrupted mid-way."""
    return data[: len(data) // 2]


def random_bytes(count: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(count)


MESSAGES = {
    "empty": "文件为空（0 字节），可能保存或复制失败，请重新放入",
    "pdf_truncated": "文件无法使用：PDF 文件不完整（缺少结束标记，可能复制或下载时中断）。请从原件重新扫描或导出",
    "pdf_broken": "文件无法使用：PDF 结构损坏，无法打开。请从原件重新扫描或导出",
    "image_truncated": "文件无法使用：图片不完整（文件末尾缺失，可能复制中断）。请从原件重新扫描或导出",
    "image_broken": "文件无法使用：图片文件头损坏，无法识别。请从原件重新扫描或导出",
    "image_huge": "文件无法使用：图片声明的像素数大得异常（疑似损坏或恶意文件），未读取。请从原件重新扫描或导出",
    "encrypted": "文件设有打开密码，评审专家无法查看。请去除密码后重新保存",
    "archive": "压缩包（zip）：评审专家无法直接查看其中内容。请解压后把文件放入对应指标文件夹",
    "denied": "无法读取（没有访问权限）。请检查文件权限，或关闭正在使用它的程序后重新运行",
    "pdf_as_jpg": "文件内容是 PDF，扩展名却是“.jpg”，双击打开时可能出错。请把扩展名改为“.pdf”",
    "jpeg_as_pdf": "文件内容是 JPEG，扩展名却是“.pdf”，双击打开时可能出错。请把扩展名改为“.jpg”",
    "docx_as_xlsx": "文件内容是 DOCX，扩展名却是“.xlsx”，双击打开时可能出错。请把扩展名改为“.docx”",
    "no_extension": "文件内容是 PDF，但文件名没有扩展名，双击无法打开。请在文件名末尾加上“.pdf”",
    "bad_name": (
        "文件名或所在文件夹名不是 UTF-8 编码（常见于在 Windows 上打包、在其他系统上解压的压缩包），"
        "报告和表格无法引用该文件。请改名为“{folder}/会议纪要.pdf”，或用支持 GBK 编码的解压工具重新解压"
    ),
}
"""The exact Chinese message the index gives for each case ({folder}: the indicator folder)."""


@dataclass(frozen=True)
class Case:
    """One hostile file: its path inside the indicator folder, its bytes, and what the index must say."""

    name: str
    path: str
    kind: str
    codes: tuple[str, ...] = ()
    message: str | None = None
    pages: int | None = None
    make: Callable[[], bytes] | None = None
    """The file's bytes; None: a unique two-page PDF."""
    shown: str | None = None
    """How the index shows the path when it differs from `path` (names that are not UTF-8)."""

    def content(self) -> bytes:
        return self.make() if self.make else pdf_bytes(2, title=self.name)


CASES = [
    # Ordinary files, which must be indexed as usual among the hostile ones.
    Case("normal_pdf", NORMAL_PDF, "pdf", pages=2),
    Case("normal_jpeg", "2023年9月12日 活动照片.jpg", "jpeg", pages=1, make=lambda: jpeg_bytes(60)),
    Case("normal_docx", "区卫健委/2023年12月 年度工作总结.docx", "docx", make=lambda: docx_bytes("年度工作总结")),
    # Empty, damaged, locked.
    Case("empty", "空文件.pdf", "unknown", ("empty",), MESSAGES["empty"], make=lambda: b""),
    Case("truncated_pdf", "复制中断.pdf", "pdf", ("corrupt",), MESSAGES["pdf_truncated"], make=lambda: truncated(pdf_bytes(title="cut"))),
    Case("garbled_pdf", "乱码.pdf", "pdf", ("corrupt",), MESSAGES["pdf_broken"],
         make=lambda: b"%PDF-1.7\n" + random_bytes(3000, 1) + b"\n%%EOF\n"),
    Case("truncated_jpeg", "半张照片.jpg", "jpeg", ("corrupt",), MESSAGES["image_truncated"],
         make=lambda: truncated(jpeg_bytes(100, (400, 300)))),
    Case("broken_jpeg", "坏文件头.jpg", "jpeg", ("corrupt",), MESSAGES["image_broken"],
         make=lambda: b"\xff\xd8\xff\xe0" + random_bytes(2000, 2) + b"\xff\xd9"),
    Case("encrypted_pdf", "加密.pdf", "pdf", ("encrypted",), MESSAGES["encrypted"],
         make=lambda: pdf_bytes(1, encryption=pikepdf.Encryption(owner="owner", user="user"))),
    # Bombs: only page trees, headers and zip directories may be read.
    Case("thousands_of_pages", "三千页.pdf", "pdf", pages=3000, make=lambda: pdf_bytes(3000)),
    Case("png_bomb", "巨图.png", "png", ("corrupt",), MESSAGES["image_huge"], make=lambda: png_header(100_000, 100_000)),
    Case("jpeg_bomb", "巨图.jpg", "jpeg", ("corrupt",), MESSAGES["image_huge"], make=jpeg_bomb),
    Case("zip_bomb", "炸弹.zip", "zip", ("unsupported",), MESSAGES["archive"], make=lambda: declared_bomb({"zeros.bin": bytes(1 << 20)})),
    Case("zip_many_members", "五千个文件.zip", "zip", ("unsupported",), MESSAGES["archive"],
         make=lambda: zip_bytes({f"{n:05d}.txt": b"" for n in range(5000)})),
    Case("docx_bomb", "2023年10月 文档炸弹.docx", "docx",
         make=lambda: declared_bomb({"[Content_Types].xml": b"<Types/>", "word/document.xml": bytes(1 << 20)})),
    # Content and extension disagree; formats offices really use.
    Case("pdf_named_jpg", "扫描件.jpg", "pdf", ("wrong_extension",), MESSAGES["pdf_as_jpg"], pages=2),
    Case("jpeg_named_pdf", "照片.pdf", "jpeg", ("wrong_extension",), MESSAGES["jpeg_as_pdf"], pages=1, make=lambda: jpeg_bytes(80)),
    Case("docx_named_xlsx", "名单.xlsx", "docx", ("wrong_extension",), MESSAGES["docx_as_xlsx"], make=lambda: docx_bytes("名单")),
    Case("no_extension", "没有扩展名", "pdf", ("wrong_extension",), MESSAGES["no_extension"], pages=2),
    Case("heic_photo", "IMG_20230915_101500.HEIC", "heic", pages=1, make=lambda: ftyp(b"heic", b"mif1", b"heic") + bytes(512)),
    Case("doc", "旧版文档.doc", "doc", make=lambda: OLE_MAGIC + b"doc" + bytes(1024)),
    Case("wps", "金山文档.wps", "wps", make=lambda: OLE_MAGIC + b"wps" + bytes(1024)),
    Case("ofd", "电子公文.ofd", "ofd", make=lambda: zip_bytes({"OFD.xml": b"<ofd:OFD/>", "Doc_0/Document.xml": b"<Document/>"})),
    # Names: not UTF-8, control characters, markup, formulas, very long, very deep.
    Case("gbk_name", "", "pdf", ("bad_name",), MESSAGES["bad_name"], pages=2, shown=GBK_SHOWN),
    Case("newline_name", NEWLINE_NAME, "pdf", pages=2),
    Case("script_name", SCRIPT_PATH, "pdf", pages=2),
    Case("formula_path", FORMULA_PATH, "pdf", pages=2),
    Case("formula_name", FORMULA_NAME, "pdf", pages=2),
    Case("long_name", LONG_NAME, "pdf", pages=2),
    Case("backslash_name", BACKSLASH_NAME, "pdf", pages=2),
    Case("deep_nesting", DEEP_PATH, "pdf", pages=2),
    # Reads refused (simulated by `deny_reads`: the suite runs as root).
    Case("permission_denied", DENIED, "unknown", ("unreadable",), MESSAGES["denied"]),
]

IGNORED = ["Thumbs.db", "passwd.txt", "~$创建方案.docx", "命名管道.pdf", "循环", "指向方案.pdf"]
"""Entries the index lists as ignored and never opens: junk, symlinks (outside, loop, inside), a FIFO."""


@dataclass(frozen=True)
class Corpus:
    """Where the corpus was planted."""

    folder: str
    """The indicator folder's name (relative to evidence/)."""

    def path(self, case: Case) -> str:
        """The path the index shows for a case, relative to evidence/."""
        return f"{self.folder}/{case.shown or case.path}"

    def message(self, case: Case) -> str | None:
        return case.message.format(folder=self.folder) if case.message else None


def plant(project: Project) -> Corpus:
    """Write every case and every entry to ignore into the indicator folder of INDICATOR_ID."""
    indicator = next(i for i in project.standard.indicators if i.id == INDICATOR_ID)
    home = project.path("evidence") / folder_name(indicator)
    home.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        if case.shown:  # the name is raw bytes: create it through a bytes path, as unzip does
            with open(os.fsencode(home) + b"/" + GBK_NAME, "wb") as handle:
                handle.write(case.content())
            continue
        path = home / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.content())
    (home / "Thumbs.db").write_bytes(b"junk")
    (home / "~$创建方案.docx").write_bytes(b"lock")
    (home / "passwd.txt").symlink_to("/etc/passwd")
    (home / "循环").symlink_to(".", target_is_directory=True)
    (home / "指向方案.pdf").symlink_to(home / NORMAL_PDF)
    os.mkfifo(home / "命名管道.pdf")
    return Corpus(folder=home.name)


def deny_reads(monkeypatch, project: Project) -> None:
    """Make the indexer's reads of DENIED fail as a chmod 000 file does for an ordinary user."""
    from assess.evidence import sniff

    indicator = next(i for i in project.standard.indicators if i.id == INDICATOR_ID)
    target = project.path("evidence") / folder_name(indicator) / DENIED
    real = sniff.open_readonly

    def refusing(path: Path):
        if Path(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(sniff, "open_readonly", refusing)
