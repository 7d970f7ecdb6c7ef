"""The raw tools that bound `assess`: what the same work costs with nothing but hashlib, img2pdf and qpdf."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

CHUNK = 1 << 20


def read_all(paths: Iterable[Path]) -> int:
    """Read every file once, so the anchor and the tool both start from a warm page cache."""
    total = 0
    buffer = bytearray(CHUNK)
    for path in paths:
        with path.open("rb", buffering=0) as handle:
            while count := handle.readinto(buffer):
                total += count
    return total


def sha256_pass(paths: Iterable[Path]) -> dict[Path, str]:
    """A bare SHA-256 of every file in one process: the floor for a tool that must hash everything."""
    digests = {}
    for path in paths:
        with path.open("rb") as handle:
            digests[path] = hashlib.file_digest(handle, "sha256").hexdigest()
    return digests


def flush(path: Path) -> None:
    """Flush a written file to disk, as assess does with every output before it replaces the old one."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def img2pdf_command() -> str:
    """The img2pdf console script installed beside this interpreter."""
    return str(Path(sys.executable).with_name("img2pdf"))


def merge_with_raw_tools(images: list[Path], pdfs: list[Path], workdir: Path) -> list[Path]:
    """img2pdf over the images, qpdf joining every PDF: the appendix floor (two files, each source byte written once)."""
    workdir.mkdir(parents=True, exist_ok=True)
    written = []
    if images:
        written.append(workdir / "images.pdf")
        subprocess.run([img2pdf_command(), "-o", str(written[-1]), *map(str, images)], check=True)
    if pdfs:
        written.append(workdir / "pdfs.pdf")
        subprocess.run(["qpdf", "--empty", "--pages", *map(str, pdfs), "--", str(written[-1])], check=True)
    return written
