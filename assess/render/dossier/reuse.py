"""The previous dossier's evidence bytes, reused: a rebuild copies what is unchanged instead of writing it again.

The evidence objects open the dossier file, one source after another, numbered in order, so the
bytes up to the end of source k depend only on sources 1..k (their content and order), max_dpi
and this code. After each full dossier, a record in output/.cache keeps, per source, a key of what
made it and where its bytes end. The next build copies the longest run of leading sources whose
keys match from the old file (copy_file_range: in the kernel, nothing parsed) and writes only the
rest. When every source matches and the laid-out HTML parts are the same too, the dossier already
there is the one this build would write, byte for byte, and it is left untouched.

The old file is trusted only while its size, mtime and inode are those recorded right after it
was written: a dossier opened and saved by another program is never copied from.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from assess.atomic import write_text
from assess.caches import code_stamp
from assess.render.dossier.evidence import EvidencePages, Frame
from assess.render.dossier.fonts import stamp_face
from assess.render.dossier.plan import AppendixPlan
from assess.render.dossier.write import ObjectTable, copy_prefix

LIBRARIES = ("pikepdf", "img2pdf", "pillow")
"""Libraries whose output is in the evidence bytes: another version may write other bytes."""
EVIDENCE_CODE = (
    "assess.render.dossier.appendix",
    "assess.render.dossier.evidence",
    "assess.render.dossier.fonts",
    "assess.render.dossier.geometry",
    "assess.render.dossier.images",
    "assess.render.dossier.plan",
    "assess.render.dossier.reuse",
    "assess.render.dossier.sources",
    "assess.render.dossier.stamps",
    "assess.render.dossier.write",
    "assess.render.fonts",
)
"""The modules whose code decides the evidence pages' bytes: a dossier written by other code is not copied from."""

LOGGER = logging.getLogger(__name__)

TEXT = {
    "not_reused": "上次生成的申报材料无法复用（%s），证明材料页全部重新写入",
}
"""Chinese wording of this module, in one place."""


class EvidenceRecord(BaseModel):
    """What output/.cache/dossier-evidence.json holds about the dossier written last."""

    model_config = ConfigDict(extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")

    version: Literal[1] = 1
    dossier: str
    """The dossier file, resolved."""
    identity: tuple[int, int, int]
    """Its size, mtime_ns and inode right after it was written."""
    document_id: bytes
    keys: list[str | None]
    """Per embedded source, in appendix order: source_keys()."""
    ends: list[tuple[int, int]]
    """Per source: the file's size and object count once its pages were written."""
    offsets: list[int]
    frames: list[tuple[tuple[float, float], int | None, bytes]]
    unreadable: dict[int, str]


@dataclass(frozen=True)
class Prefix:
    """The leading sources a new dossier can copy from the previous one, and the evidence they make up."""

    path: Path
    """The previous dossier."""
    sources: int
    evidence: EvidencePages
    document_id: bytes
    """The previous dossier's /ID: equal to the new one's when nothing else changed either."""

    def complete(self, plan: AppendixPlan) -> bool:
        """Whether it holds every source of `plan`."""
        return self.sources == len(plan.embedded)

    def unchanged(self, laid_out: list[Path], plan: AppendixPlan, max_dpi: int) -> bool:
        """Whether the previous dossier is the one `plan` and these laid-out parts make, byte for byte."""
        return self.complete(plan) and document_id(laid_out, plan, self.evidence, max_dpi) == self.document_id

    def copy_into(self, handle: BinaryIO) -> EvidencePages:
        """Copy its evidence bytes into the new, empty file `handle`, and return the evidence they hold (more is written after).

        If the copy fails (the old file is gone or shorter), `handle` is emptied again and no
        evidence is returned: every source is then written.
        """
        try:
            copy_prefix(self.path, handle, self.evidence.objects.size)
            os.fdatasync(handle.fileno())  # up to a gigabyte left dirty would throttle the writes after it
        except OSError as exc:
            LOGGER.info(TEXT["not_reused"], exc)
            handle.seek(0)
            handle.truncate()
            return EvidencePages()
        held = self.evidence  # copied: the writer appends to its lists
        objects = ObjectTable(held.objects.size, list(held.objects.offsets))
        return EvidencePages(objects=objects, frames=list(held.frames), unreadable=dict(held.unreadable), ends=list(held.ends))


def document_id(laid_out: list[Path], plan: AppendixPlan, evidence: EvidencePages, max_dpi: int) -> bytes:
    """16 bytes that change with the dossier's content: the laid-out HTML parts, and what the appendix pages derive from.

    The dossier's /ID: a rebuild whose /ID equals the previous dossier's writes the same bytes
    (see Prefix.unchanged). The evidence pages are made from each embedded file's content (its
    SHA-256 from the index), its place and page count, max_dpi, and which files could not be
    read; the stamps from the plan.
    """
    digest = hashlib.sha256()
    for path in laid_out:
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    for placement in plan.embedded:
        digest.update(f"{placement.indicator_id}\0{placement.file.path}\0{placement.file.sha256}\0{placement.pages}\n".encode())
    digest.update(f"{max_dpi}\0{sorted(evidence.unreadable)}\0{evidence.page_sizes}".encode())
    return digest.digest()[:16]


def source_keys(plan: AppendixPlan, max_dpi: int) -> list[str | None]:
    """Per embedded source: a key of everything its bytes depend on, chained to the keys before it (None: never reused).

    An evidence file counts by its SHA-256 from the index (a touched file with the same content
    keeps its key); a Word/Excel file's PDF conversion by its size and mtime (LibreOffice may not
    write the same bytes twice).
    """
    chain = hashlib.sha256(_code_and_libraries(max_dpi))
    keys: list[str | None] = []
    broken = False
    for placement in plan.embedded:
        if placement.kind == "pdf" and placement.source is not None and placement.within is None:
            content = _stat_text(placement.source)
        else:
            content = placement.file.sha256
        broken = broken or content is None
        chain.update(f"{placement.kind}\0{placement.file.path}\0{content}\0{placement.pages}\n".encode())
        keys.append(None if broken else chain.hexdigest())
    return keys


def _code_and_libraries(max_dpi: int) -> bytes:
    """What every byte of a dossier depends on besides its sources: the renderer's code, the libraries, the stamps' font."""
    digest = hashlib.sha256(str(max_dpi).encode() + code_stamp(*EVIDENCE_CODE))
    digest.update(" ".join(metadata.version(name) for name in LIBRARIES).encode())
    face, number = stamp_face()
    digest.update(f"{face}\0{number}\0{_stat_text(face)}".encode())
    return digest.digest()


def _stat(path: Path) -> os.stat_result | None:
    """A file's stat (None if it is gone)."""
    try:
        return path.stat()
    except OSError:
        return None


def _stat_text(path: Path) -> str | None:
    """Size and mtime_ns of a file, as text (None if it is gone)."""
    info = _stat(path)
    return None if info is None else f"{info.st_size}:{info.st_mtime_ns}"


def _identity(path: Path) -> tuple[int, int, int] | None:
    """Size, mtime_ns and inode of a file (None if it is gone)."""
    info = _stat(path)
    return None if info is None else (info.st_size, info.st_mtime_ns, info.st_ino)


def reusable_prefix(record_file: Path, target: Path, plan: AppendixPlan, keys: list[str | None]) -> Prefix | None:
    """The previous dossier at `target`'s leading sources that `plan` (with source_keys() `keys`) has unchanged, if it is still as written."""
    try:
        record = EvidenceRecord.model_validate_json(record_file.read_bytes())
    except (OSError, ValidationError):
        return None
    if record.dossier != str(target.resolve()) or _identity(target) != tuple(record.identity):
        return None
    sources = 0
    for old, new in zip(record.keys, keys):
        if old is None or old != new:
            break
        sources += 1
    if not sources:
        return None
    size, objects = record.ends[sources - 1]
    frames = sum(placement.pages for placement in plan.embedded[:sources])
    evidence = EvidencePages(
        objects=ObjectTable(size, record.offsets[:objects]),
        frames=[Frame(tuple(page_size), form, placement) for page_size, form, placement in record.frames[:frames]],
        unreadable={position: error for position, error in record.unreadable.items() if position < sources},
        ends=record.ends[:sources],
    )
    return Prefix(target, sources, evidence, record.document_id)


def remember(record_file: Path, target: Path, keys: list[str | None], evidence: EvidencePages, dossier_id: bytes) -> None:
    """Record where the evidence of the dossier just written to `target` lies, and the source_keys() it was made from, for the next build."""
    identity = _identity(target)
    if identity is None:
        return
    record = EvidenceRecord(
        dossier=str(target.resolve()),
        identity=identity,
        document_id=dossier_id,
        keys=keys,
        ends=evidence.ends,
        offsets=evidence.objects.offsets,
        frames=[(frame.size, frame.form, frame.placement) for frame in evidence.frames],
        unreadable=evidence.unreadable,
    )
    write_text(record_file, record.model_dump_json())
