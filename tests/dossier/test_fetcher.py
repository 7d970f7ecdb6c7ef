"""The dossier's URL fetcher: project files and data: URLs only, never the rest of the machine."""

from __future__ import annotations

import logging
from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML

from assess.render.dossier.fetcher import ProjectFetcher, RefusedURL


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with one stylesheet, next to a secret file outside it."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "style.css").write_text("p { color: red }", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("SECRET", encoding="utf-8")
    return root


def test_serves_a_file_inside_the_project(project: Path) -> None:
    response = ProjectFetcher(project).fetch((project / "style.css").as_uri())
    try:
        assert response.read() == b"p { color: red }"
        assert response.content_type == "text/css"
    finally:
        response.close()


def test_serves_data_urls(project: Path) -> None:
    response = ProjectFetcher(project).fetch("data:text/plain;base64,5Lit5paH")
    assert response.read().decode("utf-8") == "中文"


def test_refuses_a_file_outside_the_project(project: Path) -> None:
    with pytest.raises(RefusedURL, match="项目文件夹以外"):
        ProjectFetcher(project).fetch((project.parent / "secret.txt").as_uri())


def test_refuses_dot_dot_out_of_the_project(project: Path) -> None:
    with pytest.raises(RefusedURL):
        ProjectFetcher(project).fetch(project.as_uri() + "/../secret.txt")


def test_refuses_a_symlink_that_escapes_the_project(project: Path) -> None:
    (project / "link.txt").symlink_to(project.parent / "secret.txt")
    with pytest.raises(RefusedURL, match="项目文件夹以外"):
        ProjectFetcher(project).fetch((project / "link.txt").as_uri())


@pytest.mark.parametrize("url", ["http://example.com/logo.png", "https://example.com/a.css", "ftp://example.com/x"])
def test_refuses_network_urls(project: Path, url: str) -> None:
    with pytest.raises(RefusedURL):
        ProjectFetcher(project).fetch(url)


def test_refuses_files_on_another_host(project: Path) -> None:
    with pytest.raises(RefusedURL, match="其他主机"):
        ProjectFetcher(project).fetch(f"file://fileserver{project}/style.css")


def test_weasyprint_embeds_nothing_from_outside(project: Path, tmp_path: Path, caplog) -> None:
    """An attachment link to a file outside the project is skipped, one inside is embedded."""
    (project / "inside.txt").write_text("ok", encoding="utf-8")
    html = (
        f'<link rel="attachment" href="{(tmp_path / "secret.txt").as_uri()}">'
        '<link rel="attachment" href="inside.txt"><link rel="stylesheet" href="style.css">'
        '<img src="http://example.com/x.png"><p>中文</p>'
    )
    target = tmp_path / "out.pdf"
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        HTML(string=html, base_url=project.as_uri() + "/", url_fetcher=ProjectFetcher(project)).write_pdf(target)
    with pikepdf.open(target) as pdf:
        assert list(pdf.attachments) == ["inside.txt"]
    assert "secret.txt" in caplog.text and "example.com" in caplog.text
