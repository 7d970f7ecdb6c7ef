"""A second build on the same project stops with a clear message instead of interleaving writes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assess.atomic import OutputError
from assess.lock import ProjectBusy, project_lock


def test_second_holder_is_refused(tmp_path):
    with project_lock(tmp_path):
        child = subprocess.run(
            [sys.executable, "-c", "from assess.lock import project_lock; import pathlib\n"
             f"with project_lock(pathlib.Path({str(tmp_path)!r})): pass"],
            capture_output=True,
            text=True,
        )
    assert child.returncode != 0
    assert "另一个 assess 构建正在进行" in child.stderr


def test_lock_is_released_after_use(tmp_path):
    with project_lock(tmp_path):
        pass
    with project_lock(tmp_path):
        pass


def test_same_process_second_lock_is_refused(tmp_path):
    with project_lock(tmp_path), pytest.raises(ProjectBusy, match="另一个 assess 构建正在进行"), project_lock(tmp_path):
        pass


def test_unusable_output_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "output"
    blocker.write_text("不是文件夹", encoding="utf-8")
    with pytest.raises(OutputError, match="无法写入输出文件"), project_lock(blocker / "sub"):
        pass
