"""The walk's string-based name handling agrees with pathlib, so dropping Path objects changed no result."""

from __future__ import annotations

from pathlib import Path

import pytest

from assess.evidence import walk
from assess.evidence_dates import date_from_name

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
