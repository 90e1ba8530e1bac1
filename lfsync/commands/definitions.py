"""`lfsync definitions pull`: snapshot the organisation's definitions and members for offline plans;
`lfsync definitions show`: list them (fields and options, relationships, members)."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import print_lines, say, write_out
from lfsync.errors import display_path
from lfsync.operations.definitions import known_definitions, pull_definitions
from lfsync.ui.definitions import definitions_json, definitions_lines


@click.group()
def definitions() -> None:
    """The organisation's field and relationship definitions, as plan checks values against them."""


@definitions.command()
@options.project_dir
@options.workspace
def pull(directory: Path, workspace: str | None) -> None:
    """Write lfsync.definitions.json beside lfsync.yaml (commit it: plans without an API key use it)."""
    path, organisation = pull_definitions(directory, workspace)
    say(
        f"Wrote {display_path(path)}: {len(organisation.fields)} fields, {len(organisation.relationships)} "
        f"relationships, {len(organisation.members or [])} members. Commit it; apply refuses while the "
        "organisation differs from it."
    )


@definitions.command()
@options.project_dir
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--workspace", metavar="NAME", help="A workspace of `workspaces:` in lfsync.yaml: its target's definitions.")
def show(directory: Path, output_format: str, workspace: str | None) -> None:
    """List the fields (type, required, options with their IDs), relationships and members with emails:
    live when the target can be asked (an API key, or the local target), else from lfsync.definitions.json."""
    known = known_definitions(directory, workspace)
    if output_format == "json":
        write_out(definitions_json(known))
    else:
        print_lines(definitions_lines(known))
