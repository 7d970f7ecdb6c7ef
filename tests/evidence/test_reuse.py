"""A run that finds nothing changed reuses the last index; any change the index could show makes it build afresh."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from support.evidence import by_name, codes, folder
from support.files import make_jpeg, make_pdf, write

import assess.evidence.index as evidence
from assess.caches import EVIDENCE_CACHE
from assess.config.project import Project, load_project
from assess.evidence.cache import AnalysisCache
from assess.evidence.index import build_index, init_evidence, write_index_json


@pytest.fixture
def project(project_copy: Path) -> Project:
    """Indicator folders holding a dated PDF, a copy of it under a department, an old policy, an empty file and junk."""
    loaded = load_project(project_copy)
    init_evidence(loaded)
    original = make_pdf(folder(loaded, "org-4") / "2023年7月 方案.pdf", pages=3)
    shutil.copy2(original, folder(loaded, "item-34", "区卫健委") / "方案副本.pdf")
    make_pdf(folder(loaded, "dev-14") / "回卫健发〔2021〕7号 规划（2021年3月10日）.pdf")
    make_jpeg(folder(loaded, "dev-8") / "讲座现场.jpg", taken="2023:11:02 15:20:00")
    write(folder(loaded, "org-1") / "空.pdf", b"")
    write(loaded.path("evidence") / "放错位置.pdf", make_pdf(loaded.root / "scratch.pdf", pages=4).read_bytes())
    build_index(loaded)
    return loaded


def reload(project: Project) -> Project:
    """The project as the next command loads it (after its YAML files were edited)."""
    return load_project(project.root)


def index_json(index, target: Path) -> bytes:
    write_index_json(index, target)
    return target.read_bytes()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def touch(project: Project) -> None:
    """Change the dated PDF's mtime by one nanosecond, as a save that keeps the size would."""
    path = folder(project, "org-4") / "2023年7月 方案.pdf"
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1))


def copy_again(project: Project) -> None:
    shutil.copy2(folder(project, "org-4") / "2023年7月 方案.pdf", folder(project, "org-5") / "方案又一份.pdf")


def remove_copy(project: Project) -> None:
    (folder(project, "item-34", "区卫健委") / "方案副本.pdf").unlink()


def rename(project: Project) -> None:
    target = folder(project, "dev-8")
    (target / "讲座现场.jpg").rename(target / "2023年12月 讲座现场.jpg")


def move_out_of_place(project: Project) -> None:
    (folder(project, "dev-8") / "讲座现场.jpg").rename(project.path("evidence") / "讲座现场.jpg")


def test_nothing_changed_reuses_the_last_index_without_reading_the_file_rows(project, monkeypatch, tmp_path):
    monkeypatch.setattr(AnalysisCache, "load", lambda self, paths: pytest.fail("file rows read although nothing changed"))
    warm = build_index(project)
    assert (warm.stats.files, warm.stats.analysed, warm.stats.reused) == (6, 0, 5)
    monkeypatch.undo()
    rebuilt = build_index(project, rehash=True)
    assert index_json(warm, tmp_path / "warm.json") == index_json(rebuilt, tmp_path / "rebuilt.json")
    assert {code for file in warm.files for code in codes(file)} == {"duplicate", "out_of_period", "empty", "misplaced"}


def test_a_touched_file_is_read_again(project):
    touch(project)
    index = build_index(project)
    assert (index.stats.analysed, index.stats.bytes_analysed) == (1, by_name(index, "2023年7月 方案.pdf").size)


def test_changed_content_shows_and_the_copies_are_no_longer_duplicates(project):
    make_pdf(folder(project, "org-4") / "2023年7月 方案.pdf", pages=5)
    index = build_index(project)
    assert by_name(index, "2023年7月 方案.pdf").pages == 5
    assert codes(by_name(index, "方案副本.pdf")) == []


def test_a_renamed_file_shows_under_its_new_name(project):
    target = folder(project, "org-4")
    (target / "2023年7月 方案.pdf").rename(target / "2023年8月 方案.pdf")  # a rename keeps size and mtime
    index = build_index(project)
    assert [f.name for f in index.files if f.indicator_id == "org-4"] == ["2023年8月 方案.pdf"]
    assert by_name(index, "2023年8月 方案.pdf").evidence_date.month == 8


def test_a_new_and_a_removed_file_show(project):
    make_pdf(folder(project, "org-5") / "2023年9月 总结.pdf")
    (folder(project, "dev-8") / "讲座现场.jpg").unlink()
    names = [f.name for f in build_index(project).files]
    assert "2023年9月 总结.pdf" in names and "讲座现场.jpg" not in names


def test_a_removed_and_a_new_empty_folder_show(project):
    shutil.rmtree(folder(project, "org-5"))
    assert "org-5" not in build_index(project).folders
    (project.path("evidence") / "（一）5 考核").mkdir()
    assert build_index(project).folders["org-5"] == "（一）5 考核"


def test_new_junk_is_listed_as_ignored(project):
    write(folder(project, "org-4") / "Thumbs.db", b"junk")
    assert build_index(project).ignored[-1].endswith("/Thumbs.db")


def test_a_changed_period_changes_the_out_of_period_flags(project):
    edit(project.root / "assess.yaml", "start: 2023-06-01", "start: 2021-01-01")
    index = build_index(reload(project))
    assert codes(by_name(index, "回卫健发〔2021〕7号 规划（2021年3月10日）.pdf")) == []


def test_a_changed_standard_changes_where_files_are_filed(project):
    edit(project.root / "standards" / "huimin-2023.yaml", "title: 创建方案与年度工作计划总结", "title: 创建方案")
    edit(project.root / "standards" / "huimin-2023.yaml", "label: （一）4\n", "label: （一）9\n")
    index = build_index(reload(project))
    placed = by_name(index, "2023年7月 方案.pdf")
    assert (placed.indicator_id, codes(placed)) == (None, ["misplaced", "duplicate"])
    assert "（一）9-创建方案" in placed.flags[0].message


def test_a_changed_department_list_changes_the_department(project):
    make_pdf(folder(project, "org-4", "卫健局办公室") / "2023年7月 通知.pdf")
    assert by_name(build_index(project), "2023年7月 通知.pdf").department is None
    edit(project.root / "standards" / "departments.yaml", "aliases: [卫健委,", "aliases: [卫健局办公室, 卫健委,")
    assert by_name(build_index(reload(project)), "2023年7月 通知.pdf").department == "区卫健委"


def test_an_index_made_by_other_code_is_not_reused(project, monkeypatch):
    monkeypatch.setitem(evidence.MESSAGES, "empty", "新版说明：文件为空")
    assert by_name(build_index(project), "空.pdf").flags[0].message != "新版说明：文件为空"  # same code stamp: reused
    monkeypatch.setattr(evidence, "INDEX_CODE", (*evidence.INDEX_CODE, "assess.caches"))  # other code, as after an upgrade
    assert by_name(build_index(project), "空.pdf").flags[0].message == "新版说明：文件为空"


def test_a_copied_project_follows_its_own_files(project, tmp_path):
    copy = tmp_path / "副本"
    shutil.copytree(project.root, copy)  # copy2: same sizes and mtimes, the cache included
    moved = load_project(copy)
    assert build_index(moved).files == build_index(project).files
    (folder(moved, "dev-8") / "讲座现场.jpg").unlink()
    assert len(build_index(moved).files) == 5
    assert len(build_index(project).files) == 6


def test_a_damaged_kept_index_is_rebuilt_silently(project):
    first = build_index(project)
    with sqlite3.connect(project.path("output") / EVIDENCE_CACHE) as db:
        db.execute("UPDATE result SET index_json = '{\"files\": [1]}'")
    again = build_index(project)
    assert again.files == first.files
    assert (again.stats.analysed, again.stats.reused) == (0, 5)


def test_the_hostile_tree_reused_writes_the_same_json_as_a_full_rebuild(project, monkeypatch, tmp_path):
    from support import hostile

    hostile.plant(project)
    build_index(project)
    monkeypatch.setattr(AnalysisCache, "load", lambda self, paths: pytest.fail("file rows read although nothing changed"))
    warm = build_index(project)
    monkeypatch.undo()
    assert any(codes(file) == ["bad_name"] for file in warm.files)
    assert index_json(warm, tmp_path / "warm.json") == index_json(build_index(project, rehash=True), tmp_path / "rebuilt.json")


def test_an_unreadable_file_is_not_reused_but_read_again(project, monkeypatch):
    from assess.evidence import sniff

    path = make_pdf(folder(project, "org-5") / "2023年9月 总结.pdf", pages=6)
    monkeypatch.setattr(sniff, "open_readonly", lambda target: (_ for _ in ()).throw(PermissionError(13, "denied")))
    assert codes(by_name(build_index(project), path.name)) == ["unreadable"]
    monkeypatch.undo()
    again = build_index(project)  # nothing changed on disk, yet the failed read is retried
    assert (again.stats.analysed, codes(by_name(again, path.name))) == (1, [])


CHANGES = [touch, copy_again, remove_copy, rename, move_out_of_place]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_after_a_change_only_changed_files_are_described_and_the_index_is_what_a_full_rebuild_makes(project, change, tmp_path):
    real_load = AnalysisCache.load
    looked_up: list[str] = []

    def load(self, paths):
        looked_up.extend(paths)
        return real_load(self, looked_up)

    change(project)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AnalysisCache, "load", load)
        after = build_index(project)
    assert len(looked_up) <= 1  # the other files' entries come from the last index
    assert index_json(after, tmp_path / "after.json") == index_json(build_index(project, rehash=True), tmp_path / "full.json")


def test_a_new_copy_flags_the_unchanged_original_and_removing_it_clears_the_flag(project):
    copy_again(project)
    assert codes(by_name(build_index(project), "2023年7月 方案.pdf")) == ["duplicate"]
    assert "方案又一份.pdf" in by_name(build_index(project), "2023年7月 方案.pdf").flags[0].message
    remove_copy(project)
    (folder(project, "org-5") / "方案又一份.pdf").unlink()
    assert codes(by_name(build_index(project), "2023年7月 方案.pdf")) == []


def looked_up_after_a_touch(project: Project) -> list[str]:
    """Touch a file and index: the paths whose cached facts the run looked up (the files it described afresh)."""
    touch(project)
    looked_up: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AnalysisCache, "load", lambda self, paths: looked_up.extend(paths) or {})
        build_index(project)
    return looked_up


DAMAGED_MTIMES = [
    b"[1, 2]",  # as many mtimes as files, else the kept entries are not used
    b"not json",
    b"7",
]


@pytest.mark.parametrize("value", DAMAGED_MTIMES, ids=lambda value: value.decode())
def test_kept_mtimes_that_do_not_match_the_kept_index_are_ignored(project, tmp_path, value):
    with sqlite3.connect(project.path("output") / EVIDENCE_CACHE) as db:
        db.execute("UPDATE result SET mtimes_json = ?", (value,))
    assert len(looked_up_after_a_touch(project)) == 5  # every file described afresh
    assert index_json(build_index(project), tmp_path / "after.json") == index_json(build_index(project, rehash=True), tmp_path / "full.json")


def test_removing_one_of_three_copies_renames_the_others_in_the_flags_of_the_two_left(project, tmp_path):
    copy_again(project)
    build_index(project)
    remove_copy(project)
    after = build_index(project)
    assert by_name(after, "2023年7月 方案.pdf").flags[-1].message.count(".pdf") == 1
    assert index_json(after, tmp_path / "after.json") == index_json(build_index(project, rehash=True), tmp_path / "full.json")


def test_a_touched_copy_keeps_the_duplicate_flags_of_both(project):
    path = folder(project, "item-34", "区卫健委") / "方案副本.pdf"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1))
    index = build_index(project)
    assert codes(by_name(index, "方案副本.pdf"))[-1] == codes(by_name(index, "2023年7月 方案.pdf"))[-1] == "duplicate"


def cached_paths(project: Project) -> set[str]:
    with sqlite3.connect(project.path("output") / EVIDENCE_CACHE) as db:
        return {path for (path,) in db.execute("SELECT path FROM files")}


def test_a_renamed_file_leaves_no_cache_row_under_its_old_name(project):
    rename(project)
    index = build_index(project)
    assert cached_paths(project) == {file.path for file in index.files if file.size}


def test_the_garbage_collector_is_back_as_it_was_after_an_index_even_a_failed_one(project_copy):
    import gc

    missing = load_project(project_copy)  # no evidence/ yet
    with pytest.raises(evidence.EvidenceFolderMissing):
        build_index(missing)
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(evidence.EvidenceFolderMissing):
            build_index(missing)
        assert not gc.isenabled()
    finally:
        gc.enable()
