"""The documentation: every command has help text and is documented on the command reference page
(sqlite-utils' test_docs habit), the manual builds with mkdocs --strict, and the README stays short."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest

from assess.cli import cli

CONTEXT = click.Context(cli)
COMMANDS = sorted(cli.list_commands(CONTEXT))
COMMAND_PAGE = "docs/commands.md"
README_LIMIT = 10 * 1024


def _long_options(command) -> list[str]:
    """The --long-name of each option of a command (not --help)."""
    return [
        name
        for param in command.params
        if param.param_type_name == "option" and param.name != "help"
        for name in [*param.opts, *param.secondary_opts]
        if name.startswith("--")
    ]


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help(name):
    command = cli.get_command(CONTEXT, name)
    assert command.help, f"命令 {name} 缺少帮助文字"
    for param in command.params:
        if param.param_type_name == "option" and param.name != "help":
            assert param.help, f"命令 {name} 的选项 {param.name} 缺少帮助文字"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented(name, repo_root):
    page = (repo_root / COMMAND_PAGE).read_text(encoding="utf-8")
    assert f"`assess {name}" in page, f"{COMMAND_PAGE} 未介绍命令 assess {name}"
    assert f"## assess {name}\n" in page, f"{COMMAND_PAGE} 没有命令 assess {name} 的小节"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_options_are_documented(name, repo_root):
    page = (repo_root / COMMAND_PAGE).read_text(encoding="utf-8")
    section = page.split(f"## assess {name}\n", 1)[-1].split("\n## ", 1)[0]
    missing = [option for option in _long_options(cli.get_command(CONTEXT, name)) if f"`{option}" not in section]
    assert not missing, f"{COMMAND_PAGE} 中 assess {name} 一节未介绍选项 {', '.join(missing)}"


def test_global_options_are_documented(repo_root):
    page = (repo_root / COMMAND_PAGE).read_text(encoding="utf-8")
    missing = [option for option in _long_options(cli) if f"`{option}" not in page]
    assert not missing, f"{COMMAND_PAGE} 未介绍全局选项 {', '.join(missing)}"


def test_exit_codes_are_documented(repo_root):
    from assess.errors import ExitCode

    page = (repo_root / COMMAND_PAGE).read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {code.value} | `{code.name}` |" in page, f"{COMMAND_PAGE} 的退出码表缺少 {code.value} {code.name}"


def test_site_builds_strictly(repo_root, tmp_path):
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=repo_root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, f"mkdocs build --strict 失败：\n{result.stderr}"
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "工作流程" in index
    assert (site / "commands.html").is_file()


def test_readme_is_short(repo_root):
    size = (repo_root / "README.md").stat().st_size
    assert size <= README_LIMIT, f"README.md 有 {size} 字节，超过 {README_LIMIT}；详细内容请写入 docs/"
