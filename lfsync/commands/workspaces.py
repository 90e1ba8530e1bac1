"""`lfsync workspaces`: the project's workspaces (name, target, backend), as text or as the JSON a
CI matrix fans out over (one job per workspace)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from lfsync.commands.output import print_lines, write_out
from lfsync.operations.workspaces import list_workspaces


@click.command()
@click.option(
    "--dir", "directory", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The project directory.",
)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def workspaces(directory: Path, output_format: str) -> None:
    """List the project's workspaces: name, target, backend (JSON for a CI matrix)."""
    entries = list_workspaces(directory)
    if output_format == "json":
        write_out(json.dumps([asdict(entry) for entry in entries], indent=2) + "\n")
        return
    rows = [("NAME", "TARGET", "BACKEND")] + [(entry.name, entry.target, entry.backend) for entry in entries]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    print_lines([(f"{name.ljust(widths[0])}  {target.ljust(widths[1])}  {backend}".rstrip(), None) for name, target, backend in rows])
