"""The command line: one module per group of commands, each with its terminal view."""

from assess.cli.app import cli, main

__all__ = ["cli", "main"]
