"""The evidence manifest: every evidence file with its SHA-256, so anyone can check a dossier against the folder.

`build_manifest` turns the evidence index into a Manifest (written by `assess build` as
output/manifest.json, and shown as a page of the dossier); `verify_manifest` hashes the folder
again and says which files are missing, changed or not listed (`assess verify`).
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assess.atomic import write_json
from assess.config.project import Project
from assess.errors import AssessError, ExitCode, display_path, os_error_text
from assess.evidence import sniff
from assess.evidence.model import EvidenceIndex
from assess.evidence.walk import walk

MANIFEST_FILE = "manifest.json"

TEXT = {
    "missing_manifest": "{path}：找不到佐证材料清单。请先运行 assess build 生成，或用 --manifest 指定清单文件",
    "bad_manifest": "{path}：不是 assess 生成的佐证材料清单（{detail}）",
    "unreadable": "无法读取（{reason}）",
}
"""Chinese wording of the manifest check, in one place."""


class ManifestFile(BaseModel):
    """One evidence file as the dossier lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(description="相对佐证材料文件夹的路径（/ 分隔；不是 UTF-8 的字节写作 \\xNN）")
    indicator_id: str | None = Field(description="所属指标 id；位置不对时为空")
    indicator_label: str | None = Field(description="所属指标的原文编号，如 （一）3、27")
    size: int = Field(description="字节数")
    sha256: str = Field(description="内容的 SHA-256（生成时无法读取的文件为空）")
    kind: str = Field(description="按内容识别的类型")
    pages: int | None = Field(description="页数")
    usable: bool = Field(description="可作为佐证")
    flags: list[str] = Field(description="问题代码（见使用手册“佐证材料文件夹与索引”一章）")


class Manifest(BaseModel):
    """Every evidence file of one build, with a fingerprint of the whole set."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["assess-evidence-manifest"] = Field(default="assess-evidence-manifest", description="固定为 assess-evidence-manifest")
    version: Literal[1] = 1
    district: str = Field(description="创建单位")
    standard_id: str = Field(description="指标标准 id")
    report_date: date = Field(description="报告日期")
    evidence_folder: str = Field(description="佐证材料文件夹（相对项目文件夹）")
    file_count: int = Field(description="文件数")
    total_bytes: int = Field(description="总字节数")
    fingerprint: str = Field(description="整套材料的 SHA-256：按路径排序的“SHA-256  路径”各行（UTF-8，换行结尾）的哈希")
    files: list[ManifestFile] = Field(description="每个佐证文件，按路径排序")


class ManifestUnavailable(AssessError):
    """The manifest file is missing or is not one this tool wrote."""

    exit_code = ExitCode.INVALID_INPUT


class ManifestMismatch(AssessError):
    """The evidence folder no longer matches the manifest: files missing, changed or added."""

    exit_code = ExitCode.INVALID_INPUT


def fingerprint(files: list[ManifestFile]) -> str:
    """One SHA-256 for the whole set, like `sha256sum` output of the sorted files, hashed again."""
    lines = "".join(f"{file.sha256}  {file.path}\n" for file in sorted(files, key=lambda f: f.path))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def build_manifest(index: EvidenceIndex, project: Project) -> Manifest:
    """The manifest of an evidence index: what the dossier claims the folder holds."""
    labels = {indicator.id: indicator.label for indicator in project.standard.indicators}
    files = [
        ManifestFile(
            path=file.path,
            indicator_id=file.indicator_id,
            indicator_label=labels.get(file.indicator_id) if file.indicator_id else None,
            size=file.size,
            sha256=file.sha256,
            kind=file.kind,
            pages=file.pages,
            usable=file.usable,
            flags=[flag.code for flag in file.flags],
        )
        for file in sorted(index.files, key=lambda f: f.path)
    ]
    return Manifest(
        district=project.config.district,
        standard_id=project.standard.id,
        report_date=project.config.report_date,
        evidence_folder=project.config.paths.evidence,
        file_count=len(files),
        total_bytes=sum(file.size for file in files),
        fingerprint=fingerprint(files),
        files=files,
    )


def write_manifest(manifest: Manifest, target: Path) -> None:
    """Write output/manifest.json atomically (no times or machine details: same evidence, same bytes)."""
    write_json(target, manifest.model_dump(mode="json"))


def load_manifest(path: Path, project: Project) -> Manifest:
    """Read a manifest file, or explain why it cannot be used."""
    shown = display_path(path, project.root)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ManifestUnavailable(TEXT["missing_manifest"].format(path=shown)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        detail = os_error_text(exc) if isinstance(exc, OSError) else "不是 UTF-8 文本"
        raise ManifestUnavailable(TEXT["bad_manifest"].format(path=shown, detail=detail)) from exc
    try:
        return Manifest.model_validate(json.loads(text))
    except (ValueError, ValidationError) as exc:
        detail = "JSON 格式错误" if isinstance(exc, json.JSONDecodeError) else "字段不符"
        raise ManifestUnavailable(TEXT["bad_manifest"].format(path=shown, detail=detail)) from exc


class Verification(BaseModel):
    """What `assess verify` found: files whose content changed, that are gone, or that were added."""

    total: int
    changed: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    extra: list[str] = Field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def verify_manifest(manifest: Manifest, project: Project) -> Verification:
    """Hash every file of the evidence folder again (in parallel) and compare with the manifest."""
    entries, _, _ = walk(project.path("evidence"))
    on_disk = {entry.path: entry for entry in entries}
    listed = {file.path: file for file in manifest.files}
    both = [path for path in listed if path in on_disk]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        digests = dict(zip(both, pool.map(lambda path: _sha256(on_disk[path].absolute), both)))
    changed = []
    for path in both:
        digest, problem = digests[path]
        if problem:
            changed.append(f"{path}（{problem}）")
        elif digest != listed[path].sha256:
            changed.append(path)
    return Verification(
        total=len(listed),
        changed=changed,
        missing=[path for path in listed if path not in on_disk],
        extra=sorted(path for path in on_disk if path not in listed),
    )


def _sha256(path: Path) -> tuple[str, str | None]:
    """(SHA-256, None) of a file, streamed and never through a symlink; ("", why) when it cannot be read."""
    try:
        with sniff.open_readonly(path) as handle:
            return sniff.sha256_of(handle), None
    except OSError as exc:
        return "", TEXT["unreadable"].format(reason=os_error_text(exc))
