"""Determinism: the same inputs and SOURCE_DATE_EPOCH give byte-identical .docx and .xlsx, wherever and whenever built.

Each build runs in its own process with a different PYTHONHASHSEED, so set and dict ordering that
depended on string hashes would show up as a difference; the second copy lives in another folder
and its evidence files carry other modification times.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from support.projects import copy_sample, touch_everything

from assess.atomic import ZIP_EPOCH, document_time

EPOCH = 1719705600
"""2024-06-30 00:00:00 UTC."""


def build(root: Path, seed: int, epoch: int | None) -> dict[str, bytes]:
    """Run `assess build --only docx --only xlsx` in a fresh process; the two documents' bytes by suffix."""
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    subprocess.run(
        [sys.executable, "-m", "assess", "build", "--project", str(root), "--only", "docx", "--only", "xlsx"],
        env=env, check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return {p.suffix: p.read_bytes() for p in (root / "output").iterdir() if p.suffix in (".docx", ".xlsx")}


@pytest.fixture(scope="module")
def two_copies(tmp_path_factory, repo_root) -> tuple[Path, Path]:
    first = copy_sample(repo_root, tmp_path_factory.mktemp("here"))
    second = copy_sample(repo_root, tmp_path_factory.mktemp("elsewhere") / "另一个文件夹")
    touch_everything(second / "evidence", 1_600_000_000)
    return first, second


@pytest.mark.parametrize("epoch", [EPOCH, None], ids=["SOURCE_DATE_EPOCH", "report-date"])
def test_two_builds_are_byte_identical(two_copies, epoch):
    first, second = two_copies
    one, other = build(first, 1, epoch), build(second, 2, epoch)
    assert set(one) == {".docx", ".xlsx"}
    assert one == other


def test_documents_carry_the_source_date_never_the_clock(tmp_path, repo_root):
    root = copy_sample(repo_root, tmp_path)
    build(root, 3, EPOCH + 3600)
    moment = datetime(2024, 6, 30, 1, 0)
    report = Document(next((root / "output").glob("*.docx")))
    utc = moment.replace(tzinfo=UTC)
    assert (report.core_properties.created, report.core_properties.modified) == (utc, utc)
    workbook = load_workbook(next((root / "output").glob("*.xlsx")))
    assert (workbook.properties.created, workbook.properties.modified) == (moment, moment)
    for document in (root / "output").glob("*.[dx][ol][cs]x"):
        assert {entry.date_time for entry in zipfile.ZipFile(document).infolist()} == {ZIP_EPOCH}


def test_without_source_date_epoch_the_report_date_is_used(monkeypatch, huimin):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert document_time(huimin.config.report_date) == datetime(2024, 6, 30)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(EPOCH))
    assert document_time(huimin.config.report_date) == datetime(2024, 6, 30)


def test_malformed_source_date_epoch_is_explained(tmp_path, repo_root):
    root = copy_sample(repo_root, tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "assess", "build", "--project", str(root), "--only", "xlsx"],
        env={**os.environ, "SOURCE_DATE_EPOCH": "昨天"}, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "环境变量 SOURCE_DATE_EPOCH 应为整数秒（Unix 时间戳，如 1719705600），实际为“昨天”" in result.stderr
