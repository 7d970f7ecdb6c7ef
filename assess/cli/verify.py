"""`assess verify`: the evidence folder checked, file by file, against the dossier's manifest."""

from __future__ import annotations

from pathlib import Path

import click

from assess.cli.common import project_options, safe
from assess.config.project import load_project
from assess.errors import display_path
from assess.evidence.manifest import (
    MANIFEST_FILE,
    ManifestMismatch,
    Verification,
    load_manifest,
    verify_manifest,
)

TEXT = {
    "changed": "内容已改变（{count} 个）：",
    "missing": "清单中有、文件夹中已没有（{count} 个）：",
    "extra": "文件夹中有、清单中没有（{count} 个）：",
    "mismatch": "佐证材料与清单 {manifest} 不一致（清单共 {total} 个文件）：",
    "matched": "核对通过：{folder}/ 中的 {total} 个文件与清单 {manifest} 完全一致（SHA-256 逐一核对）。",
}
"""Chinese wording of the check's report, in one place."""


@click.command()
@project_options
@click.option(
    "--manifest",
    "manifest_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="要核对的佐证材料清单（默认 output/manifest.json，由 assess build 生成）。",
)
def verify(project_dir: Path, manifest_file: Path | None) -> None:
    """重新计算每个佐证文件的 SHA-256，与清单核对：列出内容改变、缺少和清单外的文件，不一致时退出码为 1。"""
    project = load_project(project_dir)
    path = manifest_file.resolve() if manifest_file else project.path("output") / MANIFEST_FILE
    result = verify_manifest(load_manifest(path, project), project)
    lines = verification_lines(result, display_path(path, project.root), project.config.paths.evidence)
    if not result.matches:
        raise ManifestMismatch("\n".join(lines))
    click.echo(lines[0])


def verification_lines(result: Verification, manifest_shown: str, folder: str) -> list[str]:
    """The Chinese report of a check: a one-line pass, or every difference by kind."""
    if result.matches:
        return [TEXT["matched"].format(folder=folder, total=result.total, manifest=manifest_shown)]
    lines = [TEXT["mismatch"].format(manifest=manifest_shown, total=result.total)]
    for kind in ("changed", "missing", "extra"):
        paths = getattr(result, kind)
        if paths:
            lines.append(TEXT[kind].format(count=len(paths)))
            lines += [f"  {safe(path).plain}" for path in paths]
    return lines
