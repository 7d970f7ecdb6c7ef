"""Evidence folders of the sample project, and finding a file and its flags in an index."""

from __future__ import annotations

from pathlib import Path

from assess.config.project import Project
from assess.evidence.folders import folder_name


def folder(project: Project, indicator_id: str, *sub: str) -> Path:
    """The conventional folder of an indicator (plus sub-folders, created on demand)."""
    indicator = next(i for i in project.standard.indicators if i.id == indicator_id)
    path = project.path("evidence").joinpath(folder_name(indicator), *sub)
    path.mkdir(parents=True, exist_ok=True)
    return path


def by_name(index, name: str):
    return next(f for f in index.files if f.name == name)


def codes(file) -> list[str]:
    return [flag.code for flag in file.flags]
