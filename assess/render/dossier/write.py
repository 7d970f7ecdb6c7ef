"""A streaming PDF writer: objects go to the file as they are made, so the dossier's gigabyte of evidence is written once.

pikepdf (QPDF) saves a whole document it holds. The dossier is instead written in two runs into
one file: the appendix process writes the evidence objects as it reads each source, then the
renderer appends the skeleton (HTML parts, stamps, links, bookmarks) and one cross-reference
table for both. Objects are copied from pikepdf documents: stream data raw (still compressed),
every other value as its PDF syntax, references renumbered. A rebuild may open the file with the
previous dossier's unchanged evidence bytes instead (copy_prefix; see reuse).
"""

from __future__ import annotations

import errno
import os
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

import pikepdf

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
SYNC_BYTES = 64 * 1024 * 1024
"""Written bytes after which the file is flushed to disk (see ObjectWriter.sync_every)."""
COPY_CHUNK = 64 * 1024 * 1024
NOT_COPYABLE = {errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL}
"""copy_file_range errors that only mean "not between these files": copied through Python instead."""

Numbers = dict[tuple[int, int], int]
"""Object number in the file being written, by (object, generation) in one source document."""


class OutputFailed(Exception):
    """Writing the output file failed (disk full, …): unlike a bad source, this ends the dossier."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


@dataclass
class ObjectTable:
    """Where each object of a file lies, so another writer can append to it and finish it."""

    size: int = 0
    """Bytes written so far (the next object's offset)."""
    offsets: list[int] = field(default_factory=list)
    """Offset of object n at index n - 1."""


class ObjectWriter:
    """Writes numbered PDF objects to `handle`, continuing `table` (a new file when it is empty)."""

    def __init__(self, handle: BinaryIO, table: ObjectTable | None = None, sync_every: int | None = None):
        self.handle = handle
        self.table = table or ObjectTable()
        self.sync_every = sync_every
        """Flush to disk after this many bytes: the writer runs beside the layout while the disk
        is idle, and a gigabyte left dirty in the page cache would throttle later writes."""
        self._unsynced = 0
        if not self.table.size:
            self._emit(HEADER)

    def copy(self, obj: pikepdf.Object, numbers: Numbers) -> int:
        """Write indirect `obj` and every object it refers to that `numbers` lacks; return its number.

        If copying fails half-way (a damaged source), the numbers already handed out are written
        as null objects, so the file stays consistent and the caller can carry on.
        """
        pending: list[tuple[int, pikepdf.Object]] = []

        def reference(target: pikepdf.Object) -> int:
            key = target.objgen
            number = numbers.get(key)
            if number is None:
                number = numbers[key] = self._reserve()
                pending.append((number, target))
            return number

        first = reference(obj)
        unwritten: list[int] = []
        try:
            while pending:
                number, target = pending.pop()
                unwritten = [number]
                self._write(number, _object_body(target, reference))
                unwritten = []
        except OutputFailed:
            raise
        except Exception:
            for number in [*unwritten, *(number for number, _ in pending)]:
                self._write(number, [b"null"])
            raise
        return first

    def finish(self, root: int, info: int, document_id: bytes) -> None:
        """Write the cross-reference table and the trailer: the file is complete."""
        offsets = self.table.offsets
        at = self.table.size
        rows = [b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)]
        rows += [b"%010d 00000 n \n" % offset for offset in offsets]
        identifier = b"<" + document_id.hex().encode() + b">"
        rows.append(b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [%s %s] >>\nstartxref\n%d\n%%%%EOF\n" % (len(offsets) + 1, root, info, identifier, identifier, at))
        self._emit(b"".join(rows))

    def _reserve(self) -> int:
        self.table.offsets.append(-1)
        return len(self.table.offsets)

    def _write(self, number: int, body: list[bytes]) -> None:
        self.table.offsets[number - 1] = self.table.size
        for piece in (b"%d 0 obj\n" % number, *body, b"\nendobj\n"):
            self._emit(piece)

    def _emit(self, data: bytes) -> None:
        try:
            self.handle.write(data)
            self._unsynced += len(data)
            if self.sync_every and self._unsynced >= self.sync_every:
                self.handle.flush()
                os.fdatasync(self.handle.fileno())
                self._unsynced = 0
        except OSError as exc:
            raise OutputFailed(str(exc)) from exc
        self.table.size += len(data)


def copy_prefix(source: Path, handle: BinaryIO, length: int) -> None:
    """Copy the first `length` bytes of `source` into the open, empty file `handle`, which then stands after them."""
    with source.open("rb") as old:
        if os.fstat(old.fileno()).st_size < length:
            raise OSError(errno.EIO, f"{source} is shorter than recorded")
        copied = _copy_in_kernel(old, handle, length)
        handle.seek(copied)
        while copied < length:
            chunk = old.read(min(COPY_CHUNK, length - copied))
            if not chunk:
                raise OSError(errno.EIO, f"{source} shrank while it was copied")
            handle.write(chunk)
            copied += len(chunk)
    handle.flush()


def _copy_in_kernel(old: BinaryIO, handle: BinaryIO, length: int) -> int:
    """Bytes copied by copy_file_range (the page cache to the new file, no copy through Python); 0 where it cannot."""
    copied = 0
    try:
        while copied < length:
            done = os.copy_file_range(old.fileno(), handle.fileno(), min(COPY_CHUNK, length - copied), copied, copied)
            if not done:
                break
            copied += done
    except OSError as exc:
        if exc.errno not in NOT_COPYABLE:
            raise
    old.seek(copied)
    return copied


def _object_body(obj: pikepdf.Object, reference: Callable[[pikepdf.Object], int]) -> list[bytes]:
    """The PDF syntax of indirect `obj` itself (a stream with its data), in pieces (stream data is not copied again)."""
    if isinstance(obj, pikepdf.Stream):
        data = obj.read_raw_bytes()
        entries = {key: value for key, value in obj.stream_dict.items() if key != "/Length"}
        if "/Filter" not in entries:  # made by pikepdf (a page as a form): compress it as QPDF would
            data = zlib.compress(data)
            entries["/Filter"] = pikepdf.Name.FlateDecode
            entries.pop("/DecodeParms", None)
        entries["/Length"] = len(data)
        return [_dictionary(entries.items(), reference), b"\nstream\n", data, b"\nendstream"]
    return [_direct(obj, reference)]


def _value(value: object, reference: Callable[[pikepdf.Object], int]) -> bytes:
    """The PDF syntax of a value inside an object: a reference for indirect objects."""
    if isinstance(value, pikepdf.Object) and value.is_indirect:
        return b"%d 0 R" % reference(value)
    return _direct(value, reference)


def _direct(value: object, reference: Callable[[pikepdf.Object], int]) -> bytes:
    """The PDF syntax of a direct value (pikepdf hands numbers, booleans and null over as Python values)."""
    if isinstance(value, pikepdf.Dictionary):
        return _dictionary(value.items(), reference)
    if isinstance(value, pikepdf.Array):
        return b"[" + b" ".join(_value(item, reference) for item in value) + b"]"
    if isinstance(value, pikepdf.Object):
        return value.unparse()
    if value is None:
        return b"null"
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, (Decimal, float)):
        return _real(Decimal(value))
    raise TypeError(f"cannot write {type(value).__name__} into a PDF")


def _dictionary(entries: Iterable[tuple[str, object]], reference: Callable[[pikepdf.Object], int]) -> bytes:
    return b"<<" + b"".join(pikepdf.Name(key).unparse() + b" " + _value(value, reference) for key, value in entries) + b">>"


def _real(number: Decimal) -> bytes:
    """A PDF real: plain digits, never an exponent."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return (text if text not in ("", "-", "-0") else "0").encode()
