"""Outputs appear whole or not at all, with ordinary permissions."""

from __future__ import annotations

import os
import stat

import pytest

from assess.atomic import OutputError, atomic_path, write_text


def test_failed_write_keeps_the_previous_file(tmp_path):
    target = tmp_path / "报告.docx"
    target.write_text("旧版本", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_text("写了一半", encoding="utf-8")
        raise RuntimeError("crash")
    assert target.read_text(encoding="utf-8") == "旧版本"
    assert [p.name for p in tmp_path.iterdir()] == ["报告.docx"]


def test_written_file_is_readable_by_the_office(tmp_path):
    target = tmp_path / "a.json"
    write_text(target, "{}")
    mode = stat.S_IMODE(target.stat().st_mode)
    assert (mode & stat.S_IRGRP and mode & stat.S_IROTH) or os.umask(os.umask(0)) & 0o044


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_gives_a_clear_error(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="无法写入输出文件（没有访问权限"):
            write_text(folder / "x.txt", "x")
    finally:
        folder.chmod(0o755)
