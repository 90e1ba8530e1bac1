"""`lfsync fmt`: rewrite declaration files in canonical form, comments kept."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say, stdout
from lfsync.declare.fmt import unified_diff
from lfsync.errors import EXIT_ERROR, EXIT_OK, display_path
from lfsync.operations.formatting import format_project
from lfsync.support.textsafe import for_terminal


@click.command()
@options.project_dir
@click.option("--check", is_flag=True, help="Change nothing; show the diff and exit 1 if any file is not formatted.")
def fmt(directory: Path, check: bool) -> int:
    """Format the declaration files (lfsync.yaml included); comments and quoting are kept."""
    changed = format_project(directory, write=not check)
    for path, before, after in changed:
        if check:
            stdout().out(for_terminal(unified_diff(display_path(path), before, after)), end="")
        else:
            say(display_path(path))
    if check and changed:
        say(f"{len(changed)} file(s) would be reformatted; run `lfsync fmt`.")
        return EXIT_ERROR
    return EXIT_OK
