"""`lfsync schema [DIR]`: the JSON Schema of declaration files, for editors."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import stdout
from lfsync.operations.scaffolding import schema_text


@click.command()
@options.project_dir
def schema(directory: Path) -> None:
    """Print the JSON Schema of declaration files (e.g. for yaml-language-server).

    `lfsync init` writes it to lfsync.schema.json; refresh that file after upgrading lfsync, or after
    `lfsync definitions pull`, with `lfsync schema > lfsync.schema.json`. In a project with
    lfsync.definitions.json (or definitions an earlier run kept in .lfsync/) it holds the
    organisation's fields, option labels and relationships, so editors complete and check them.
    """
    stdout().out(schema_text(directory), end="")
