"""`lfsync schema`: the JSON Schema of declaration files, for editors."""

from __future__ import annotations

import json

import click

from lfsync.commands.output import stdout
from lfsync.schema import declaration_json_schema


@click.command()
def schema() -> None:
    """Print the JSON Schema of declaration files (e.g. for yaml-language-server)."""
    stdout().out(json.dumps(declaration_json_schema(), indent=2))
