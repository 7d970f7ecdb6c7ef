"""Copies of the sample project to break on purpose, and what loading their data reports."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assess.config.data import load_data
from assess.config.project import load_project
from assess.errors import InvalidInput

SAMPLE_PARTS = ("standards", "evidence", "data", "templates")


def copy_sample(repo_root: Path, root: Path) -> Path:
    """A copy of the whole sample project (configuration, evidence, data, templates)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo_root / "assess.yaml", root / "assess.yaml")
    for name in SAMPLE_PARTS:
        shutil.copytree(repo_root / name, root / name, symlinks=True)
    return root


def touch_everything(folder: Path, when: int) -> None:
    """Give every file and folder another modification time, as copying to a USB stick does."""
    for path in folder.rglob("*"):
        os.utime(path, (when, when), follow_symlinks=False)


def write_data(root: Path, name: str, text: str) -> Path:
    """Write a file under the project's data/ folder."""
    path = root / "data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def data_problems(root: Path) -> list[str]:
    """The findings load_data reports for a project, as printed."""
    with pytest.raises(InvalidInput) as caught:
        load_data(load_project(root))
    return [str(f) for f in caught.value.findings]
