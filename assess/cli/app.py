"""The `assess` command group: commands load on first use; errors become messages in one place."""

from __future__ import annotations

import traceback
from importlib import import_module

import click

from assess.errors import AssessError, ExitCode, InvalidInput

COMMANDS = {
    "check": "assess.cli.project:check",
    "schema": "assess.cli.project:schema",
    "init-evidence": "assess.cli.evidence:init_evidence_command",
    "index": "assess.cli.evidence:index_command",
    "status": "assess.cli.assessment:status",
    "gaps": "assess.cli.assessment:gaps",
    "build": "assess.cli.build:build",
    "import-xlsx": "assess.cli.workbook:import_xlsx",
    "verify": "assess.cli.verify:verify",
}
"""Each command and where it lives, in the order `assess --help` lists them.

Loaded on first use (click's lazy subcommands): a command imports only its own module, so
`assess check` does not pay for openpyxl or WeasyPrint. `assess --help` loads them all, to print
each command's help.
"""


class AssessGroup(click.Group):
    """Click group that loads commands lazily and reports an AssessError once, in Chinese, with its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        return getattr(import_module(module), name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except InvalidInput as exc:
            for finding in exc.findings:
                click.echo(str(finding), err=True)
            click.echo(f"共发现 {len(exc.findings)} 个问题，请修改后重新运行。", err=True)
            ctx.exit(exc.exit_code)
        except AssessError as exc:
            self._report(ctx, f"错误：{exc}")
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly instead of dumping a traceback
            self._report(ctx, f"程序内部错误（{type(exc).__name__}: {exc}）。请加 -v 重新运行并把输出发给维护人员。")
            ctx.exit(ExitCode.FAILED)

    @staticmethod
    def _report(ctx: click.Context, message: str) -> None:
        """Print the message, preceded by the traceback when -v was given."""
        if ctx.params.get("verbose"):
            traceback.print_exc()
        click.echo(message, err=True)


@click.group(cls=AssessGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="出错时显示完整的技术细节（traceback）。")
@click.version_option(package_name="assess")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """assess：全国基层中医药工作示范县（区）创建自评工具。"""
    ctx.ensure_object(dict)["verbose"] = verbose


def main() -> None:
    """Console-script entry point (`assess` and `python -m assess`)."""
    cli(prog_name="assess")
