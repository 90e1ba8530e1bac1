"""`lfsync definitions pull`: snapshot the organisation's definitions and members for offline plans."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say
from lfsync.errors import display_path
from lfsync.operations.definitions import pull_definitions


@click.group()
def definitions() -> None:
    """The organisation's field and relationship definitions, as plan checks values against them."""


@definitions.command()
@options.project_dir
def pull(directory: Path) -> None:
    """Write lfsync.definitions.json beside lfsync.yaml (commit it: plans without an API key use it)."""
    path, organisation = pull_definitions(directory)
    say(
        f"Wrote {display_path(path)}: {len(organisation.fields)} fields, {len(organisation.relationships)} "
        f"relationships, {len(organisation.members or [])} members. Commit it; apply refuses while the "
        "organisation differs from it."
    )
