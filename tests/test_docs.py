"""Every command has help text and is documented in the README (sqlite-utils' test_docs habit)."""

from __future__ import annotations

import click
import pytest

from assess.cli import cli

COMMANDS = sorted(cli.list_commands(click.Context(cli)))


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help(name):
    command = cli.get_command(click.Context(cli), name)
    assert command.help, f"命令 {name} 缺少帮助文字"
    for param in command.params:
        if param.param_type_name == "option" and param.name != "help":
            assert param.help, f"命令 {name} 的选项 {param.name} 缺少帮助文字"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_in_readme(name, repo_root):
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    assert f"`assess {name}" in readme, f"README 未介绍命令 assess {name}"
