"""Evidence index: walks evidence/ (read-only) and records what each file is and what is wrong with it.

This module currently holds the index's data model (the contract the assessment and the renderers
read); the walker lands with issue #3.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FlagCode = Literal["empty", "corrupt", "encrypted", "unsupported", "out_of_period", "duplicate", "misplaced"]
DateSource = Literal["filename", "pdf", "exif"]


class Flag(BaseModel):
    """One problem with an evidence file, with the Chinese explanation shown to the office."""

    model_config = ConfigDict(frozen=True)

    code: FlagCode = Field(description="问题类型代码")
    message: str = Field(description="中文说明")


class EvidenceFile(BaseModel):
    """What the index knows about one file under evidence/."""

    model_config = ConfigDict(frozen=True)

    path: str = Field(description="相对 evidence/ 的路径（/ 分隔）")
    indicator_id: str | None = Field(description="所属指标 id；无法归属时为空")
    department: str | None = Field(default=None, description="提供部门简称（来自部门子文件夹）")
    size: int = Field(description="字节数")
    mtime: float = Field(description="修改时间（Unix 时间戳）")
    sha256: str = Field(description="内容的 SHA-256")
    kind: str = Field(description="按内容识别的类型：pdf、jpeg、png、tiff、heic、docx、xlsx、doc、xls、wps、ofd、zip、video、text、unknown")
    pages: int | None = Field(default=None, description="页数（PDF 页、TIFF 帧，图片为 1）")
    width: int | None = Field(default=None, description="图片宽度（像素）")
    height: int | None = Field(default=None, description="图片高度（像素）")
    evidence_date: date | None = Field(default=None, description="材料日期（文件名、PDF 元数据或 EXIF），从不取修改时间")
    date_source: DateSource | None = Field(default=None, description="材料日期的来源")
    flags: list[Flag] = Field(default_factory=list, description="发现的问题")

    @property
    def name(self) -> str:
        """File name without folders."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def usable(self) -> bool:
        """Counts as proof: not empty, corrupt, encrypted, unsupported or misplaced."""
        blocking = {"empty", "corrupt", "encrypted", "unsupported", "misplaced"}
        return not any(flag.code in blocking for flag in self.flags)


class EvidenceIndex(BaseModel):
    """The whole evidence/ folder as indexed: every file, sorted by path, plus the ignored junk."""

    files: list[EvidenceFile] = Field(default_factory=list)
    ignored: list[str] = Field(default_factory=list, description="被忽略的系统文件（Thumbs.db、.DS_Store、~$ 锁文件等）")
    folders: dict[str, str] = Field(default_factory=dict, description="指标 id → 其佐证文件夹（相对 evidence/）")

    def files_for(self, indicator_id: str) -> list[EvidenceFile]:
        """Files filed under one indicator, in path order."""
        return [f for f in self.files if f.indicator_id == indicator_id]
