"""`lfsync schema`: the JSON Schema of declaration files, for editors."""

from __future__ import annotations

import click

from lfsync.commands.output import stdout
from lfsync.operations.scaffolding import schema_text


@click.command()
def schema() -> None:
    """Print the JSON Schema of declaration files (e.g. for yaml-language-server).

    `lfsync init` writes it to lfsync.schema.json; refresh that file after upgrading lfsync with
    `lfsync schema > lfsync.schema.json`.
    """
    stdout().out(schema_text(), end="")

