"""The walk's string-based name handling agrees with pathlib, so dropping Path objects changed no result."""

from __future__ import annotations

from pathlib import Path

import pytest

from assess.evidence.dates import date_from_name
from assess.evidence.walk import walk

NAMES = ["2023年7月15日-通知.pdf", "扫描件.PDF", "a.b.c.docx", "无扩展名", "结尾点.", "两点..x", "x.tar.gz"]


@pytest.mark.parametrize("name", NAMES)
def test_entry_suffix_and_stem_match_pathlib(tmp_path, name):
    (tmp_path / "1.1").mkdir()
    (tmp_path / "1.1" / name).write_bytes(b"x")
    [entry], _, _ = walk(tmp_path)
    assert (entry.suffix, entry.stem) == (Path(name).suffix, Path(name).stem)
    assert entry.absolute == tmp_path / "1.1" / name


def test_files_in_nested_folders_are_found_with_their_disk_location(tmp_path):
    deep = tmp_path / "1.1" / "区卫健委" / "2023"
    deep.mkdir(parents=True)
    (deep / "照片.jpg").write_bytes(b"x")
    [entry], _, folders = walk(tmp_path)
    assert entry.path == "1.1/区卫健委/2023/照片.jpg"
    assert entry.absolute.read_bytes() == b"x"
    assert folders == ["1.1"]


def test_memoised_name_dates_are_the_same_value_each_time():
    first = date_from_name("2023年7月-会议纪要")
    assert first == date_from_name("2023年7月-会议纪要")
    assert (first.text, first.precision) == ("2023-07", "month")


def test_the_walk_by_path_where_folders_cannot_be_listed_open_finds_the_same(tmp_path, monkeypatch):
    deep = tmp_path / "1.1" / "区卫健委"
    deep.mkdir(parents=True)
    for name in ("照片.jpg", "Thumbs.db", ".hidden"):
        (deep / name).write_bytes(b"x")
    (tmp_path / "1.1" / "链接.pdf").symlink_to(deep / "照片.jpg")
    by_descriptor = walk(tmp_path)
    monkeypatch.setattr("os.supports_fd", set())  # as on Windows
    assert walk(tmp_path) == by_descriptor
    assert [entry.path for entry in by_descriptor[0]] == ["1.1/区卫健委/照片.jpg"]
    assert by_descriptor[1] == ["1.1/区卫健委/.hidden", "1.1/区卫健委/Thumbs.db", "1.1/链接.pdf"]
