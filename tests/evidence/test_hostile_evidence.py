"""The hostile evidence corpus (tests/hostile.py): every case gets its exact message, the rest is indexed as usual.

Index-level checks that already exist elsewhere are not repeated: content sniffing of single files
(test_sniff.py), junk and symlinks to folders, the damaged cache and Ctrl-C (test_evidence_index.py).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from support import hostile
from support.files import make_pdf
from support.projects import copy_sample

from assess.caches import EVIDENCE_CACHE
from assess.cli import cli
from assess.config.project import Project, load_project
from assess.errors import ExitCode
from assess.evidence import sniff
from assess.evidence.folders import folder_name
from assess.evidence.index import build_index


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory, repo_root) -> tuple[Project, hostile.Corpus]:
    """The sample project with the whole hostile corpus planted into one indicator folder."""
    project = load_project(copy_sample(repo_root, tmp_path_factory.mktemp("hostile")))
    return project, hostile.plant(project)


@pytest.fixture(scope="module")
def hostile_index(hostile_project):
    """The index of the hostile tree, with the reads of one file refused."""
    project, _ = hostile_project
    with pytest.MonkeyPatch.context() as patch:
        hostile.deny_reads(patch, project)
        return build_index(project, rehash=True)


@pytest.mark.parametrize("case", hostile.CASES, ids=lambda case: case.name)
def test_hostile_file_gets_its_exact_message(hostile_project, hostile_index, case):
    _, corpus = hostile_project
    [found] = [f for f in hostile_index.files if f.path == corpus.path(case)]
    assert (found.kind, found.pages) == (case.kind, case.pages)
    assert [flag.code for flag in found.flags] == list(case.codes)
    assert (found.flags[0].message if found.flags else None) == corpus.message(case)
    assert found.usable == (not case.codes or case.codes == ("wrong_extension",))


def test_junk_symlinks_and_special_files_are_listed_never_opened(hostile_project, hostile_index, monkeypatch):
    project, corpus = hostile_project
    assert {f"{corpus.folder}/{name}" for name in hostile.IGNORED} <= set(hostile_index.ignored)
    opened = []
    real = sniff.open_readonly
    monkeypatch.setattr(sniff, "open_readonly", lambda path: opened.append(Path(path)) or real(path))
    index = build_index(project, rehash=True)
    evidence = project.path("evidence")
    assert len(opened) == sum(1 for f in index.files if f.size)
    assert all(path.is_relative_to(evidence) and not path.is_symlink() for path in opened)
    assert not {path.name for path in opened} & set(hostile.IGNORED)


def test_the_sample_files_are_indexed_exactly_as_without_the_corpus(tmp_path, repo_root, hostile_index):
    plain = build_index(load_project(copy_sample(repo_root, tmp_path)))
    among_hostile = {f.path: f for f in hostile_index.files}
    for file in plain.files:
        assert among_hostile[file.path].model_dump(exclude={"mtime"}) == file.model_dump(exclude={"mtime"})


def test_index_command_explains_every_hostile_file(hostile_project, monkeypatch):
    project, corpus = hostile_project
    hostile.deny_reads(monkeypatch, project)
    result = CliRunner().invoke(cli, ["index", "--project", str(project.root), "--rehash"])
    assert result.exit_code == ExitCode.OK, result.output
    output = result.output
    for case in hostile.CASES:
        if case.message:
            assert corpus.message(case) in output, case.name
    assert f"{corpus.folder}/会议?纪要（2023年7月15日）.pdf" not in output  # unflagged: not listed
    assert "[文件名乱码]" in output and "[无法读取]" in output and "[扩展名不符]" in output
    assert "root:x:0:0" not in output


def test_build_writes_the_report_and_workbook_over_the_hostile_tree(hostile_project, monkeypatch):
    project, corpus = hostile_project
    hostile.deny_reads(monkeypatch, project)
    narrative = project.path("data") / "narratives" / f"{hostile.INDICATOR_ID}.md"
    narrative.write_text("已印发\x07创建方案\x1b[31m；\x0c附件\x00见\t文件夹。\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--project", str(project.root), "--rehash", "--only", "docx", "--only", "xlsx"])
    assert result.exit_code == ExitCode.OK, result.output
    output = project.path("output")
    report = Document(output / project.config.output_name("report"))
    assert any(p.text.endswith("。已印发 创建方案 [31m； 附件 见 文件夹。") for p in report.paragraphs)  # control characters dropped
    book = load_workbook(output / project.config.output_name("workbook"))
    names = {c.value: c for row in book["佐证材料清单"].iter_rows() for c in row if isinstance(c.value, str)}
    for case in hostile.CASES:
        assert (case.shown or case.path).rsplit("/", 1)[-1] in names, case.name
    assert names[hostile.FORMULA_NAME].data_type == "s" and names[hostile.FORMULA_NAME].quotePrefix
    assert f"{corpus.folder}/<script>alert(1)<" in names  # the folder column, as literal text
    assert names[hostile.NEWLINE_NAME].value == hostile.NEWLINE_NAME
    assert names[hostile.GBK_SHOWN].hyperlink is None  # no file has that name: no link
    assert names[hostile.BACKSLASH_NAME].hyperlink is None  # Windows would read \ as folders and climb out
    workbook_dir = output.resolve()
    links = [c.hyperlink.target for ws in book.worksheets for row in ws.iter_rows() for c in row if c.hyperlink]
    assert len(links) > len(hostile.CASES)
    for link in links:
        as_windows_reads_it = unquote(link).replace("\\", "/")
        opened = Path(os.path.normpath(workbook_dir / as_windows_reads_it))
        assert opened.is_relative_to(project.root) and opened.exists(), link


# --- files that change, vanish or cannot be read while the index runs ---


@pytest.fixture
def one_pdf(project_copy: Path) -> tuple[Project, Path]:
    """A project with one PDF in one indicator folder."""
    project = load_project(project_copy)
    folder = project.path("evidence") / folder_name(project.standard.indicators[0])
    folder.mkdir(parents=True)
    return project, make_pdf(folder / "2023年7月15日 方案.pdf")


def only_file(project: Project, **options):
    [file] = build_index(project, **options).files
    return file


def messages(file) -> list[str]:
    return [flag.message for flag in file.flags]


def test_file_modified_while_being_read_is_reported_and_not_cached(one_pdf, monkeypatch):
    project, path = one_pdf
    real = sniff.inspect

    def append_then_inspect(handle, *args):
        with open(path, "ab") as writer:
            writer.write(b"% still being copied\n")
        return real(handle, *args)

    monkeypatch.setattr(sniff, "inspect", append_then_inspect)
    changed = only_file(project)
    assert messages(changed) == ["文件在读取过程中被修改（可能正在复制或保存），本次结果不可靠。请等复制或保存完成后重新运行"]
    assert not changed.usable and changed.sha256 == ""
    monkeypatch.setattr(sniff, "inspect", real)
    again = build_index(project)
    assert (again.stats.analysed, again.files[0].flags, again.files[0].pages) == (1, [], 2)


def test_file_deleted_while_being_read_is_reported_then_gone(one_pdf, monkeypatch):
    project, path = one_pdf
    real = sniff.inspect

    def delete_then_inspect(handle, *args):
        path.unlink()
        return real(handle, *args)

    monkeypatch.setattr(sniff, "inspect", delete_then_inspect)
    assert messages(only_file(project)) == ["文件在索引过程中被删除或移走。如仍需要，请放回原处后重新运行"]
    monkeypatch.setattr(sniff, "inspect", real)
    assert build_index(project).files == []


def test_file_deleted_between_walk_and_read(one_pdf, monkeypatch):
    project, path = one_pdf
    real = sniff.open_readonly
    monkeypatch.setattr(sniff, "open_readonly", lambda p: path.unlink() or real(p))
    assert messages(only_file(project)) == ["文件在索引过程中被删除或移走。如仍需要，请放回原处后重新运行"]


def test_file_swapped_for_a_symlink_after_the_walk_is_not_followed(one_pdf, monkeypatch):
    project, path = one_pdf
    real = sniff.open_readonly

    def swap_then_open(target):
        path.unlink()
        path.symlink_to("/etc/passwd")
        return real(target)

    monkeypatch.setattr(sniff, "open_readonly", swap_then_open)
    file = only_file(project)
    assert messages(file) == ["无法读取（这是一个符号链接，不会跟随读取）。请检查文件权限，或关闭正在使用它的程序后重新运行"]
    assert file.sha256 == "" and file.kind == "unknown"


def test_permission_denied_is_reported_and_retried_once_readable(one_pdf, monkeypatch):
    project, path = one_pdf
    real = sniff.open_readonly

    def refusing(target):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(sniff, "open_readonly", refusing)
    denied = only_file(project)
    assert [flag.code for flag in denied.flags] == ["unreadable"]
    assert messages(denied) == ["无法读取（没有访问权限）。请检查文件权限，或关闭正在使用它的程序后重新运行"]
    monkeypatch.setattr(sniff, "open_readonly", real)
    again = build_index(project)  # same size and mtime: only a result that was never cached is read again
    assert (again.stats.analysed, again.files[0].flags) == (1, [])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_chmod_000_file_is_reported(one_pdf):
    project, path = one_pdf
    path.chmod(0)
    try:
        assert messages(only_file(project)) == ["无法读取（没有访问权限）。请检查文件权限，或关闭正在使用它的程序后重新运行"]
    finally:
        path.chmod(0o644)


def test_a_failed_read_leaves_no_cache_entry(one_pdf, monkeypatch):
    import sqlite3

    project, _ = one_pdf
    monkeypatch.setattr(sniff, "open_readonly", lambda target: (_ for _ in ()).throw(PermissionError(13, "denied")))
    build_index(project)
    with sqlite3.connect(project.path("output") / EVIDENCE_CACHE) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone() == (0,)
