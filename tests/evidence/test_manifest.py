"""The evidence manifest (output/manifest.json) and `assess verify`, which checks the folder against it."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import hostile
from support.projects import copy_sample

from assess.cli import cli
from assess.config.project import Project, load_project
from assess.errors import ExitCode
from assess.evidence import sniff
from assess.evidence.index import build_index
from assess.evidence.manifest import (
    MANIFEST_FILE,
    fingerprint,
    load_manifest,
)
from assess.pipeline import BuildOptions, build


@pytest.fixture
def built(tmp_path, repo_root) -> Project:
    """A copy of the sample project after `assess build --only xlsx` (which writes the manifest)."""
    project = load_project(copy_sample(repo_root, tmp_path))
    build(project, BuildOptions(only=("xlsx",)))
    return project


def verify(project: Project, *args: str):
    return CliRunner().invoke(cli, ["verify", "--project", str(project.root), *args])


def manifest_data(project: Project) -> dict:
    return json.loads((project.path("output") / MANIFEST_FILE).read_text(encoding="utf-8"))


def test_build_writes_every_evidence_file_with_its_hash(built):
    data = manifest_data(built)
    index = build_index(built)
    assert (data["format"], data["version"], data["district"], data["report_date"]) == ("assess-evidence-manifest", 1, "呼和浩特市回民区", "2024-06-30")
    assert [f["path"] for f in data["files"]] == [f.path for f in index.files]
    assert data["file_count"] == len(index.files) > 40
    first = data["files"][0]
    assert set(first) == {"path", "indicator_id", "indicator_label", "size", "sha256", "kind", "pages", "usable", "flags"}
    on_disk = built.path("evidence") / first["path"]
    assert first["sha256"] == hashlib.sha256(on_disk.read_bytes()).hexdigest()
    assert (first["indicator_id"], first["indicator_label"]) == ("item-15", "15")
    broken = next(f for f in data["files"] if f["flags"] == ["corrupt"])
    assert broken["usable"] is False


def test_fingerprint_is_the_hash_of_sha256sum_lines(built):
    data = manifest_data(built)
    lines = "".join(f"{f['sha256']}  {f['path']}\n" for f in sorted(data["files"], key=lambda f: f["path"]))
    assert data["fingerprint"] == hashlib.sha256(lines.encode("utf-8")).hexdigest()
    manifest = load_manifest(built.path("output") / MANIFEST_FILE, built)
    assert fingerprint(manifest.files) == data["fingerprint"]


def test_manifest_is_the_same_whenever_and_wherever_built(built, tmp_path, repo_root):
    elsewhere = load_project(copy_sample(repo_root, tmp_path / "别处"))
    for path in elsewhere.path("evidence").rglob("*"):
        os.utime(path, (1_600_000_000, 1_600_000_000))
    build(elsewhere, BuildOptions(only=("xlsx",)))
    assert (elsewhere.path("output") / MANIFEST_FILE).read_bytes() == (built.path("output") / MANIFEST_FILE).read_bytes()


def test_verify_passes_on_the_untouched_folder(built):
    count = manifest_data(built)["file_count"]
    result = verify(built)
    assert result.exit_code == ExitCode.OK, result.output
    assert result.output == f"核对通过：evidence/ 中的 {count} 个文件与清单 output/manifest.json 完全一致（SHA-256 逐一核对）。\n"


def test_verify_lists_changed_missing_and_extra_files(built):
    files = manifest_data(built)["files"]
    count = len(files)
    evidence = built.path("evidence")
    tampered = evidence / files[0]["path"]
    info = tampered.stat()
    data = bytearray(tampered.read_bytes())
    data[-10] ^= 0xFF  # same size, and the old mtime put back: only the hash can tell
    tampered.write_bytes(bytes(data))
    os.utime(tampered, ns=(info.st_atime_ns, info.st_mtime_ns))
    (evidence / files[1]["path"]).unlink()
    (evidence / files[2]["path"]).with_name("后来放入的材料.pdf").write_bytes(b"%PDF-1.4 new")
    result = verify(built)
    assert result.exit_code == ExitCode.INVALID_INPUT
    added = str(Path(files[2]["path"]).with_name("后来放入的材料.pdf"))
    assert result.output.splitlines() == [
        f"错误：佐证材料与清单 output/manifest.json 不一致（清单共 {count} 个文件）：",
        "内容已改变（1 个）：",
        f"  {files[0]['path']}",
        "清单中有、文件夹中已没有（1 个）：",
        f"  {files[1]['path']}",
        "文件夹中有、清单中没有（1 个）：",
        f"  {added}",
    ]


def test_verify_against_a_manifest_kept_elsewhere(built, tmp_path_factory):
    kept = tmp_path_factory.mktemp("reviewer") / "评审专家收到的清单.json"
    kept.write_bytes((built.path("output") / MANIFEST_FILE).read_bytes())
    (built.path("output") / MANIFEST_FILE).unlink()
    result = verify(built, "--manifest", str(kept))
    assert result.exit_code == ExitCode.OK
    assert f"与清单 {kept} 完全一致" in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "错误：output/manifest.json：找不到佐证材料清单。请先运行 assess build 生成，或用 --manifest 指定清单文件"),
        (b"{not json", "错误：output/manifest.json：不是 assess 生成的佐证材料清单（JSON 格式错误）"),
        (b'{"format": "something-else"}', "错误：output/manifest.json：不是 assess 生成的佐证材料清单（字段不符）"),
        ("清单".encode("gbk"), "错误：output/manifest.json：不是 assess 生成的佐证材料清单（不是 UTF-8 文本）"),
    ],
)
def test_unusable_manifest_is_explained(built, content, expected):
    target = built.path("output") / MANIFEST_FILE
    if content is None:
        target.unlink()
    else:
        target.write_bytes(content)
    result = verify(built)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.output.strip() == expected


def test_a_manifest_naming_files_outside_evidence_never_makes_verify_read_them(built, monkeypatch):
    target = built.path("output") / MANIFEST_FILE
    data = manifest_data(built)
    outsider = {**data["files"][0], "path": "../../../../etc/passwd"}
    data["files"].append(outsider)
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    opened = []
    real = sniff.open_readonly
    monkeypatch.setattr(sniff, "open_readonly", lambda path: opened.append(Path(path)) or real(path))
    result = verify(built)
    assert "清单中有、文件夹中已没有（1 个）：\n  ../../../../etc/passwd" in result.output
    assert opened and all(path.is_relative_to(built.path("evidence")) for path in opened)


def test_verify_over_the_hostile_corpus(tmp_path, repo_root, monkeypatch):
    project = load_project(copy_sample(repo_root, tmp_path))
    corpus = hostile.plant(project)
    build(project, BuildOptions(only=("xlsx",)))
    assert verify(project).exit_code == ExitCode.OK  # names that are not UTF-8 are hashed through their real bytes
    hostile.deny_reads(monkeypatch, project)
    result = verify(project)
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert f"  {corpus.folder}/{hostile.DENIED}（无法读取（没有访问权限））" in result.output
    assert f"{corpus.folder}/会议?纪要（2023年7月15日）.pdf" not in result.output

