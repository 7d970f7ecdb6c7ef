"""Finding a CJK font on this machine, or stopping with a Chinese message saying how to get one."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from assess.errors import AssessError

INSTALL_HINT = "请安装中文字体后重试：Debian/Ubuntu 执行 sudo apt-get install fonts-noto-cjk（或运行 make setup）"


class FontMissing(AssessError):
    """No font with Chinese glyphs is installed, so a PDF would print boxes."""

    def __init__(self) -> None:
        super().__init__(f"未找到中文字体，无法生成 PDF/图表。{INSTALL_HINT}")


@functools.cache
def cjk_font_families() -> tuple[str, ...]:
    """Family names of the installed fonts that cover Simplified Chinese, sorted."""
    if shutil.which("fc-list") is None:
        return ()
    listing = subprocess.run(
        ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
    ).stdout
    families = {name.strip() for line in listing.splitlines() for name in line.split(",") if name.strip()}
    return tuple(sorted(families))


def require_cjk_font() -> tuple[str, ...]:
    """The installed CJK families; raise FontMissing when there are none."""
    families = cjk_font_families()
    if not families:
        raise FontMissing()
    return families


@functools.cache
def cjk_font_file(prefer: str = "Noto Sans CJK SC") -> Path:
    """Path of a CJK font file (preferring `prefer`), for libraries that need a file, not a name."""
    require_cjk_font()
    for pattern in (f"{prefer}:lang=zh", ":lang=zh"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", pattern], capture_output=True, text=True, check=False
        ).stdout.strip()
        if found and Path(found).is_file():
            return Path(found)
    raise FontMissing()
