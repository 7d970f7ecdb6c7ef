"""Shared fixtures: the repository's own sample project, and copies of it to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assess.config.project import Project, load_project

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository, which is itself the sample district's project folder."""
    return ROOT


@pytest.fixture(scope="session")
def huimin(repo_root: Path) -> Project:
    """The sample project (回民区) as loaded by the tool."""
    return load_project(repo_root)


@pytest.fixture
def project_copy(tmp_path: Path, repo_root: Path) -> Path:
    """A writable copy of the project configuration (assess.yaml and standards/) in tmp_path."""
    shutil.copy(repo_root / "assess.yaml", tmp_path / "assess.yaml")
    shutil.copytree(repo_root / "standards", tmp_path / "standards")
    return tmp_path


@pytest.fixture(scope="session")
def sample_assessment(huimin: Project):
    """A hand-built Assessment over all 42 Huimin indicators, for renderer tests."""
    from support.sample_assessment import build_sample_assessment

    return build_sample_assessment(huimin)
