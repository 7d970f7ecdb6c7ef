"""The evidence index: placement, every flag, dates, incremental cache, read-only guarantee, JSON, CLI."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.evidence import by_name, codes, folder
from support.files import OLE_MAGIC, make_jpeg, make_pdf, make_zip, write

from assess.caches import EVIDENCE_CACHE
from assess.cli import cli
from assess.config.project import Project, load_project
from assess.errors import ExitCode
from assess.evidence.folders import folder_name
from assess.evidence.index import build_index, init_evidence, write_index_json
from assess.evidence.walk import GUIDE_FILE


@pytest.fixture
def project(project_copy: Path) -> Project:
    """A copy of the Huimin project with every indicator folder created."""
    loaded = load_project(project_copy)
    init_evidence(loaded)
    return loaded


# --- init-evidence ---


def test_init_creates_a_folder_and_guide_for_every_indicator(project):
    root = project.path("evidence")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    assert len(folders) == 42
    guide = (root / "（一）3-研究部署中医药工作与联席会议" / GUIDE_FILE).read_bytes()
    assert guide.startswith("\ufeff".encode()) and b"\r\n" in guide
    text = guide.decode("utf-8-sig")
    assert "建立中医药工作联席会议机制" in text
    assert "牵头：区委办" in text and "配合：区政府办" in text
    assert "- 联席会议制度" in text
    assert "2023年7月15日" in text and "2023-06-01 至 2024-09-30" in text


def test_init_is_idempotent_and_respects_folders_named_differently(project_copy):
    loaded = load_project(project_copy)
    (project_copy / "evidence" / "27 诊疗人次").mkdir(parents=True)
    created = init_evidence(loaded)
    assert not (project_copy / "evidence" / "27-中医诊疗人次占比").exists()
    assert len([p for p in created if p.is_dir()]) == 41
    assert len([p for p in created if p.name == GUIDE_FILE]) == 41
    assert init_evidence(loaded) == []


def test_guides_are_not_evidence_and_every_folder_is_recorded(project):
    index = build_index(project)
    assert index.files == []
    assert len(index.folders) == 42
    assert index.folders["org-3"] == "（一）3-研究部署中医药工作与联席会议"


# --- placement ---


def test_files_are_filed_under_indicator_and_department(project):
    make_pdf(folder(project, "item-27", "区卫健委") / "2023年统计报表.pdf")
    make_pdf(folder(project, "item-27", "卫健委", "2023年") / "月报.pdf")
    make_pdf(folder(project, "item-27") / "说明材料.pdf")
    index = build_index(project)
    assert [(f.indicator_id, f.department) for f in index.files] == [
        ("item-27", "区卫健委"),
        ("item-27", "区卫健委"),
        ("item-27", None),
    ]
    assert [f.path for f in index.files] == sorted(f.path for f in index.files)


def index_one(project: Project, *parts: str):
    """Index a project holding a single PDF at evidence/<parts>; return its entry."""
    path = project.path("evidence").joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    make_pdf(path)
    return build_index(project).files[0]


def test_file_at_the_root_is_misplaced(project):
    file = index_one(project, "2023年8月 工作简报.pdf")
    assert (file.indicator_id, codes(file), file.usable) == (None, ["misplaced"], False)
    assert "直接放在 evidence/ 下" in file.flags[0].message


def test_folder_naming_no_indicator_is_misplaced_with_a_suggestion(project):
    file = index_one(project, "中医诊疗人次占比", "2023年报表.pdf")
    assert codes(file) == ["misplaced"]
    assert "“中医诊疗人次占比”不对应任何指标" in file.flags[0].message
    assert "27-中医诊疗人次占比" in file.flags[0].message


def test_department_folder_at_the_top_is_explained(project):
    file = index_one(project, "区教育局", "2023年9月 活动.pdf")
    assert (codes(file), file.department) == (["misplaced"], "区教育局")
    assert "“区教育局”是部门名称" in file.flags[0].message


def test_junk_is_listed_as_ignored_not_indexed(project):
    target = folder(project, "dev-8")
    for name in ("Thumbs.db", ".DS_Store", "desktop.ini", "~$会议纪要.docx"):
        write(target / name, b"junk")
    (target / "__MACOSX").mkdir()
    write(target / "__MACOSX" / "._photo.jpg", b"junk")
    index = build_index(project)
    assert index.files == []
    prefix = folder_name(project.standard.indicators[12]) + "/"
    assert sorted(index.ignored) == sorted(prefix + n for n in (".DS_Store", "Thumbs.db", "__MACOSX/", "desktop.ini", "~$会议纪要.docx"))


# --- flags ---


def test_content_flags(project):
    target = folder(project, "org-4")
    write(target / "2023年7月 空白.pdf", b"")
    data = make_pdf(target / "2023年7月 完整.pdf").read_bytes()
    write(target / "2023年7月 截断.pdf", data[: len(data) // 2])
    make_pdf(target / "2023年7月 加密.pdf", encryption=__import__("pikepdf").Encryption(owner="o", user="u"))
    make_zip(target / "2023年7月 材料.zip", {"a.pdf": b"%PDF"})
    write(target / "2023年7月 链接.lnk", b"L\x00\x00\x00\x01\x14\x02\x00" + bytes(64))
    write(target / "2023年7月 旧表.dat", OLE_MAGIC + bytes(504))
    write(target / "2023年7月 数据.bin", bytes(range(256)))
    write(target / "2023年7月 录音.mp3", b"ID3\x04\x00" + bytes(64))
    index = build_index(project)
    flags = {f.name: f.flags for f in index.files}
    assert flags["2023年7月 完整.pdf"] == []
    assert [f.code for f in flags["2023年7月 空白.pdf"]] == ["empty"]
    assert flags["2023年7月 截断.pdf"][0].code == "corrupt"
    assert "文件无法使用：PDF 文件不完整" in flags["2023年7月 截断.pdf"][0].message
    assert [f.code for f in flags["2023年7月 加密.pdf"]] == ["encrypted"]
    assert "压缩包（zip）" in flags["2023年7月 材料.zip"][0].message
    assert "快捷方式" in flags["2023年7月 链接.lnk"][0].message
    assert "扩展名“.dat”无法判断" in flags["2023年7月 旧表.dat"][0].message
    assert "无法识别的文件类型（扩展名“.bin”）" in flags["2023年7月 数据.bin"][0].message
    assert "音频文件" in flags["2023年7月 录音.mp3"][0].message
    unsupported = ("材料.zip", "链接.lnk", "旧表.dat", "数据.bin", "录音.mp3")
    assert all(f.code == "unsupported" for name in unsupported for f in flags[f"2023年7月 {name}"])
    assert [f.usable for f in index.files].count(True) == 1


def test_out_of_period_is_a_warning_that_keeps_the_file_usable(project):
    make_pdf(folder(project, "dev-14") / "回卫健发〔2021〕7号 中医药发展规划（2021年3月10日）.pdf")
    file = build_index(project).files[0]
    assert codes(file) == ["out_of_period"]
    assert file.usable
    assert file.flags[0].message.startswith("材料日期 2021-03-10（取自文件名）不在创建期间（2023-06-01 至 2024-09-30）内")
    assert "现仍有效的政策文件" in file.flags[0].message


def test_every_copy_of_a_duplicate_names_all_other_places(project):
    original = make_pdf(folder(project, "org-3") / "2023年7月20日 联席会议纪要.pdf").read_bytes()
    write(folder(project, "item-34") / "2023年7月20日 联席会议纪要.pdf", original)
    write(folder(project, "item-34", "区卫健委") / "纪要副本.pdf", original)
    index = build_index(project)
    assert all(codes(f) == ["duplicate"] for f in index.files)
    for file in index.files:
        others = [f.path for f in index.files if f.path != file.path]
        assert all(other in file.flags[0].message for other in others)
        assert file.usable


def test_empty_files_are_not_duplicates_of_each_other(project):
    write(folder(project, "org-1") / "a.pdf", b"")
    write(folder(project, "org-2") / "b.pdf", b"")
    assert [codes(f) for f in build_index(project).files] == [["empty"], ["empty"]]


# --- dates ---


def test_file_name_date_beats_pdf_metadata(project):
    make_pdf(folder(project, "org-4") / "2023年9月1日 方案.pdf", created="D:20210101000000")
    file = build_index(project).files[0]
    assert (file.evidence_date, file.date_source, file.date_precision, file.date_text) == (date(2023, 9, 1), "filename", "day", "2023-09-01")


def test_pdf_metadata_then_exif_when_the_name_has_no_date(project):
    make_pdf(folder(project, "org-4") / "方案.pdf", created="D:20230805100000+08'00'")
    make_jpeg(folder(project, "dev-8") / "讲座现场.jpg", taken="2023:11:02 15:20:00")
    index = build_index(project)
    assert (by_name(index, "方案.pdf").evidence_date, by_name(index, "方案.pdf").date_source) == (date(2023, 8, 5), "pdf")
    photo = by_name(index, "讲座现场.jpg")
    assert (photo.evidence_date, photo.date_source, photo.width) == (date(2023, 11, 2), "exif", 64)


def test_modification_time_is_never_an_evidence_date(project):
    path = make_pdf(folder(project, "org-4") / "方案.pdf", created=None)
    os.utime(path, (1_689_400_000, 1_689_400_000))  # 2023-07-15
    file = build_index(project).files[0]
    assert (file.evidence_date, file.date_source, file.mtime) == (None, None, 1_689_400_000)


# --- incremental cache ---


def test_second_run_reads_nothing_and_a_touched_file_is_read_again(project):
    target = folder(project, "org-4")
    for n in range(3):
        make_pdf(target / f"2023年7月 材料{n}.pdf")
    first = build_index(project)
    assert (first.stats.analysed, first.stats.reused) == (3, 0)
    second = build_index(project)
    assert (second.stats.analysed, second.stats.reused) == (0, 3)
    assert second.files == first.files
    touched = target / "2023年7月 材料1.pdf"
    stat_before = touched.stat()
    os.utime(touched, ns=(stat_before.st_atime_ns, stat_before.st_mtime_ns + 1_000_000))
    third = build_index(project)
    assert (third.stats.analysed, third.stats.reused, third.stats.bytes_analysed) == (1, 2, stat_before.st_size)


def test_changed_content_is_picked_up(project):
    path = make_pdf(folder(project, "org-4") / "2023年7月 方案.pdf", pages=1)
    build_index(project)
    make_pdf(path, pages=4)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    index = build_index(project)
    assert index.files[0].pages == 4
    assert index.files[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def cached_paths(project: Project) -> list[str]:
    with sqlite3.connect(project.path("output") / EVIDENCE_CACHE) as db:
        return [row[0] for row in db.execute("SELECT path FROM files ORDER BY path")]


def test_deleted_files_leave_the_cache(project):
    target = folder(project, "org-4")
    make_pdf(target / "a.pdf")
    make_pdf(target / "b.pdf", pages=3)
    build_index(project)
    (target / "a.pdf").unlink()
    build_index(project)
    assert cached_paths(project) == [f"{target.name}/b.pdf"]


def test_rehash_reads_everything_again(project):
    make_pdf(folder(project, "org-4") / "a.pdf")
    build_index(project)
    assert build_index(project, rehash=True).stats.analysed == 1


def test_damaged_cache_is_rebuilt_silently(project):
    make_pdf(folder(project, "org-4") / "a.pdf")
    cache = project.path("output") / EVIDENCE_CACHE
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"this is not a database" * 100)
    index = build_index(project)
    assert index.stats.analysed == 1 and index.files[0].kind == "pdf"
    assert build_index(project).stats.reused == 1


# --- read-only guarantee ---


def snapshot(root: Path) -> dict[str, tuple]:
    """Content hash, size, mode and mtime of every file and folder under root."""
    state = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if stat.S_ISREG(info.st_mode) else None
        state[path.relative_to(root).as_posix()] = (digest, info.st_size if digest else None, info.st_mode, info.st_mtime_ns)
    return state


def test_init_and_index_never_change_the_evidence_tree(project):
    make_pdf(folder(project, "org-4", "区卫健委") / "2023年7月 方案.pdf")
    make_jpeg(folder(project, "dev-8") / "2023年9月12日 活动.jpg")
    write(project.path("evidence") / "Thumbs.db", b"junk")
    write(folder(project, "org-1") / "空.pdf", b"")
    before = snapshot(project.path("evidence"))
    assert init_evidence(project) == []
    build_index(project)
    build_index(project, rehash=True)
    assert snapshot(project.path("evidence")) == before


def test_reading_evidence_leaves_access_times_alone(project):
    path = make_pdf(folder(project, "org-4") / "a.pdf")
    info = path.stat()
    old = info.st_mtime_ns - 10**12  # atime older than mtime: a plain read would update it
    os.utime(path, ns=(old, info.st_mtime_ns))
    probe = write(project.root / "probe.bin", b"probe")
    os.utime(probe, ns=(old, info.st_mtime_ns))
    probe.read_bytes()
    if probe.stat().st_atime_ns == old:
        pytest.skip("this file system does not record access times")
    build_index(project)
    assert path.stat().st_atime_ns == old


# --- JSON and CLI ---


def test_index_json_fields(project, tmp_path):
    make_pdf(folder(project, "item-27", "区卫健委") / "2021年3月 报表.pdf")
    target = project.path("output") / "evidence-index.json"
    write_index_json(build_index(project), target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert (data["format"], data["version"]) == ("assess-evidence-index", 1)
    assert set(data) == {"format", "version", "files", "ignored", "folders"}
    entry = data["files"][0]
    assert set(entry) == {
        "path", "indicator_id", "department", "size", "mtime", "sha256", "kind", "pages", "width", "height",
        "evidence_date", "date_source", "date_precision", "flags",
    }
    assert entry["path"] == "27-中医诊疗人次占比/区卫健委/2021年3月 报表.pdf"
    assert (entry["indicator_id"], entry["department"], entry["kind"], entry["pages"]) == ("item-27", "区卫健委", "pdf", 2)
    assert (entry["evidence_date"], entry["date_precision"]) == ("2021-03-01", "month")
    assert entry["flags"][0]["code"] == "out_of_period"
    assert data["folders"]["item-27"] == "27-中医诊疗人次占比"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_index_command_prints_the_table_and_the_flagged_files(project):
    make_pdf(folder(project, "org-3") / "2023年7月20日 联席会议纪要.pdf", pages=3)
    write(project.path("evidence") / "2023年8月 简报.pdf", b"")
    result = run("index", "--project", str(project.root))
    assert result.exit_code == ExitCode.OK, result.output
    lines = result.output.splitlines()
    row = next(line for line in lines if "（一）3" in line)
    assert row.split("│")[3:6] == [" 1 ".rjust(8), " 3 ".rjust(6), " 0 ".rjust(8)]
    assert "有问题的文件（1 个）：" in result.output
    assert "[空文件] 文件为空" in result.output
    assert "1 项指标有可用佐证，41 项缺少" in result.output
    assert "已写入 output/evidence-index.json" in result.output
    assert (project.path("output") / "evidence-index.json").is_file()
    again = run("index", "--project", str(project.root))
    assert "本次读取 0 个文件" in again.output


def test_hostile_file_names_are_printed_as_plain_text(project):
    write(project.path("evidence") / "[bold red]x\x1b[31my.pdf", b"")
    result = run("index", "--project", str(project.root))
    assert "[bold red]x?[31my.pdf" in result.output
    assert "\x1b" not in result.output


def test_init_evidence_command_lists_what_it_created(project_copy):
    first = run("init-evidence", "--project", str(project_copy))
    assert first.exit_code == ExitCode.OK
    assert "已创建 42 个指标文件夹（各含 说明.txt）" in first.output
    assert "evidence/（一）1-纳入国民经济和社会发展规划/" in first.output
    second = run("init-evidence", "--project", str(project_copy))
    assert second.output.strip() == "每项指标都已有文件夹，未做任何改动。"


def test_index_without_evidence_folder_says_how_to_start(project_copy):
    result = run("index", "--project", str(project_copy))
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert "找不到佐证材料文件夹“evidence”。请先运行 assess init-evidence" in result.output


def test_progress_bar_only_for_long_runs_on_a_terminal(monkeypatch):
    from assess.evidence import index as evidence

    assert evidence.progress_bar(True, 10_000, 0) is None  # pytest's stderr is not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert evidence.progress_bar(True, 10_000, 0) is not None
    assert evidence.progress_bar(True, 0, 1 << 30) is not None
    assert evidence.progress_bar(True, 10, 1 << 20) is None
    assert evidence.progress_bar(False, 10_000, 0) is None


def test_a_long_run_with_progress_gives_the_same_index(project, monkeypatch):
    from assess.evidence import index as evidence

    for n in range(3):
        make_pdf(folder(project, "org-4") / f"{n}.pdf", pages=n + 1)
    quiet = build_index(project)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setattr(evidence, "LONG_RUN_FILES", 1)
    shown = build_index(project, rehash=True, progress=True)
    assert shown.files == quiet.files and shown.stats.analysed == 3


def test_unwritable_output_folder_still_indexes(project):
    make_pdf(folder(project, "org-4") / "a.pdf")
    write(project.path("output"), b"a file where the output folder should be")
    index = build_index(project)
    assert index.stats.analysed == 1 and index.files[0].pages == 2


def test_symlinks_are_listed_not_followed(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    make_pdf(outside / "secret.pdf")
    target = folder(project, "org-4")
    (target / "link.pdf").symlink_to(outside / "secret.pdf")
    (target / "linked-folder").symlink_to(outside, target_is_directory=True)
    index = build_index(project)
    assert index.files == []
    assert index.ignored == [f"{target.name}/link.pdf", f"{target.name}/linked-folder"]


def test_init_stops_when_evidence_is_a_file(project_copy):
    from assess.evidence.index import EvidenceFolderError

    write(project_copy / "evidence", b"not a folder")
    with pytest.raises(EvidenceFolderError, match="是一个文件，不是文件夹"):
        init_evidence(load_project(project_copy))


def test_work_done_before_an_interruption_is_kept(project, monkeypatch):
    from assess.evidence.cache import AnalysisCache

    for n in range(4):
        make_pdf(folder(project, "org-4") / f"{n}.pdf", pages=n + 1)
    real_store = AnalysisCache.store
    stored = []

    def store_then_ctrl_c(self, *args):
        if len(stored) == 2:
            raise KeyboardInterrupt
        stored.append(args[0])
        real_store(self, *args)

    monkeypatch.setattr(AnalysisCache, "store", store_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        build_index(project)
    monkeypatch.setattr(AnalysisCache, "store", real_store)
    again = build_index(project)
    assert (again.stats.reused, again.stats.analysed) == (2, 2)
