"""What every command shares: option bundles, the --as-of date, untrusted text made safe to print."""

from __future__ import annotations

import functools
import unicodedata
from datetime import date
from pathlib import Path

import click
from rich.text import Text

from assess.config.coerce import DATE_HINT, parse_date


def project_options(command):
    """The option every command shares: which project folder (default: the current one)."""

    @click.option(
        "--project",
        "project_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="项目文件夹（含 assess.yaml），默认为当前文件夹。",
    )
    @functools.wraps(command)
    def wrapper(project_dir: Path | None, **kwargs):
        return command(project_dir=project_dir or Path.cwd(), **kwargs)

    return wrapper


def as_of_option(help_text: str):
    """The --as-of option: assess as of another day than assess.yaml's report_date."""
    return click.option("--as-of", "as_of", default=None, help=help_text)


def parse_as_of(text: str | None) -> date | None:
    """The --as-of date, or None for the project's report_date."""
    if text is None:
        return None
    day = parse_date(text)
    if day is None:
        raise click.BadParameter(f"无法识别的日期“{text}”，{DATE_HINT}", param_hint="--as-of")
    return day


def safe(text: str) -> Text:
    """Untrusted text (file names) as plain rich Text: no markup, control characters replaced."""
    return Text("".join("?" if unicodedata.category(char) == "Cc" else char for char in text))
