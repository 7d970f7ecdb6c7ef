"""Safety: evidence/ is never written (across the whole hostile corpus), user templates run sandboxed.

Excel's formula-like text and in-project hyperlinks over the hostile names are checked in
test_hardening_evidence.py (and for single cells in test_xlsx.py).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import hostile
from support.projects import copy_sample
from support.templates import make_template

from assess.cli import cli
from assess.config.project import load_project
from assess.errors import ExitCode
from assess.render.docx import TemplateProblem, render_docx


def snapshot(root: Path) -> dict[bytes, tuple]:
    """Every entry under root by raw name (names need not be UTF-8): type, mode, size, mtime, content hash.

    Nothing is followed or opened except regular files (a named pipe would block).
    """
    state = {}
    for folder, folders, files in os.walk(os.fsencode(root)):
        for name in folders + files:
            path = os.path.join(folder, name)
            info = os.lstat(path)
            digest = None
            if stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                digest = os.readlink(path)
            state[os.path.relpath(path, os.fsencode(root))] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return state


def test_nothing_under_evidence_is_ever_written(tmp_path, repo_root, monkeypatch):
    project = load_project(copy_sample(repo_root, tmp_path))
    hostile.plant(project)
    hostile.deny_reads(monkeypatch, project)
    before = snapshot(project.path("evidence"))
    runner = CliRunner()
    for command in (["init-evidence"], ["index"], ["index", "--rehash"], ["build", "--only", "docx", "--only", "xlsx"]):
        result = runner.invoke(cli, [*command, "--project", str(project.root)])
        assert result.exit_code == ExitCode.OK, (command, result.output)
    assert snapshot(project.path("evidence")) == before  # same entries, contents, modes and mtimes; nothing new


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ title.format.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.system('id') }}",
        "{{ results.__class__.__base__ }}",
    ],
)
def test_unsafe_expression_in_a_user_template_is_refused(sample_assessment, huimin, tmp_path, expression):
    template = make_template(tmp_path / "恶意模板.docx", "标题", expression)
    with pytest.raises(TemplateProblem) as caught:
        render_docx(sample_assessment, huimin, tmp_path / "r.docx", template=template)
    message = str(caught.value)
    assert message.startswith(f"Word 模板 {template}：标记试图访问程序内部（access to attribute '")
    assert message.endswith("出于安全考虑已拒绝；模板只能使用使用手册列出的变量")
    assert not (tmp_path / "r.docx").exists()


@pytest.mark.parametrize(
    ("expression", "detail"),
    [
        ("{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
        ("{{ range(10 ** 9) | list }}", "OverflowError: Range too big."),
    ],
)
def test_expression_failing_in_python_is_a_template_problem(sample_assessment, huimin, tmp_path, expression, detail):
    template = make_template(tmp_path / "模板.docx", expression)
    with pytest.raises(TemplateProblem, match="Jinja 标记无法执行（" + detail):
        render_docx(sample_assessment, huimin, tmp_path / "r.docx", template=template)


def test_unsafe_template_fails_only_the_report_in_a_build(tmp_path, repo_root):
    project = load_project(copy_sample(repo_root, tmp_path))
    template = make_template(tmp_path / "恶意模板.docx", "{{ ''.__class__ }}")
    args = ["build", "--project", str(project.root), "--only", "docx", "--only", "xlsx", "--template", str(template)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == ExitCode.FAILED
    assert "出于安全考虑已拒绝" in result.output and "Traceback" not in result.output
    assert (project.path("output") / project.config.output_name("workbook")).is_file()
    assert not (project.path("output") / project.config.output_name("report")).exists()
