"""`lfsync init`: scaffold a project."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands.output import say
from lfsync.operations.scaffolding import scaffold_project


@click.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path) -> None:
    """Create lfsync.yaml, an example declaration, the JSON Schema editors use and .gitignore lines."""
    written = scaffold_project(directory)
    for name in written:
        say(f"  created {directory / name}")
    say("lfsync is ready. Next: `lfsync plan` to see what would be created." if written else "Nothing to do: the project already exists.")
