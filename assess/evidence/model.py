"""The evidence index's data model: what each file is, what is wrong with it, and the index as a whole.

The contract the assessment and the renderers read; `assess.evidence.index` fills it.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assess.evidence.dates import FoundDate, Precision

FlagCode = Literal[
    "empty", "corrupt", "encrypted", "unreadable", "bad_name", "unsupported", "wrong_extension", "out_of_period",
    "duplicate", "misplaced",
]
DateSource = Literal["filename", "pdf", "exif"]

FLAG_LABELS: dict[str, str] = {
    "empty": "空文件",
    "corrupt": "已损坏",
    "encrypted": "已加密",
    "unreadable": "无法读取",
    "bad_name": "文件名乱码",
    "unsupported": "类型不支持",
    "wrong_extension": "扩展名不符",
    "out_of_period": "不在创建期间",
    "duplicate": "重复",
    "misplaced": "位置不对",
}
"""Short Chinese name of each flag code, for tables in the terminal and in the documents."""

BLOCKING_FLAGS = frozenset({"empty", "corrupt", "encrypted", "unreadable", "bad_name", "unsupported", "misplaced"})
"""Flags that stop a file from counting as proof: a reviewer could not open it, or it is not filed."""


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
    kind: str = Field(
        description=(
            "按内容识别的类型：pdf、ofd、jpeg、png、tiff、gif、bmp、webp、heic、avif、docx、xlsx、pptx、doc、xls、ppt、"
            "wps、et、dps、odt、ods、odp、rtf、text、video；不能作为佐证的 zip、rar、7z、gzip、shortcut、exe、audio、ole、unknown"
        )
    )
    pages: int | None = Field(default=None, description="页数（PDF 页、TIFF 帧，图片为 1）")
    width: int | None = Field(default=None, description="图片宽度（像素）")
    height: int | None = Field(default=None, description="图片高度（像素）")
    evidence_date: date | None = Field(default=None, description="材料日期（文件名、PDF 元数据或 EXIF），从不取修改时间")
    date_source: DateSource | None = Field(default=None, description="材料日期的来源")
    date_precision: Precision | None = Field(
        default=None, description="材料日期的精度：day（日）、month（月，日期取当月 1 日）、year（年，取 1 月 1 日）"
    )
    flags: list[Flag] = Field(default_factory=list, description="发现的问题")

    @property
    def name(self) -> str:
        """File name without folders."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def date_text(self) -> str | None:
        """The evidence date only as precise as it is known: 2023-07-15, 2023-07 or 2023."""
        if self.evidence_date is None:
            return None
        return FoundDate(self.evidence_date, self.date_precision or "day").text

    @property
    def usable(self) -> bool:
        """Counts as proof: no flag in BLOCKING_FLAGS (a wrong date, a copy or a wrong extension only warn)."""
        return not any(flag.code in BLOCKING_FLAGS for flag in self.flags)


class IndexStats(BaseModel):
    """How much work one indexing run did: lets tests see that unchanged files were not re-read."""

    files: int = Field(default=0, description="索引中的文件数")
    analysed: int = Field(default=0, description="本次读取并计算哈希的文件数")
    reused: int = Field(default=0, description="未变化、沿用缓存的文件数")
    bytes_analysed: int = Field(default=0, description="本次读取的字节数")


class EvidenceIndex(BaseModel):
    """The whole evidence/ folder as indexed: every file, sorted by path, plus the ignored junk."""

    files: list[EvidenceFile] = Field(default_factory=list)
    ignored: list[str] = Field(
        default_factory=list,
        description="未编入索引的路径：系统文件（Thumbs.db、.DS_Store、~$ 锁文件等）、符号链接、特殊文件（命名管道等）、无法打开的文件夹（以 / 结尾）",
    )
    folders: dict[str, str] = Field(default_factory=dict, description="指标 id → 其佐证文件夹（相对 evidence/）")
    stats: IndexStats = Field(default_factory=IndexStats, exclude=True, description="本次运行的工作量（不写入 JSON）")

    def files_for(self, indicator_id: str) -> list[EvidenceFile]:
        """Files filed under one indicator, in path order."""
        return [f for f in self.files if f.indicator_id == indicator_id]
