"""`lfsync export`: bring an existing organisation under lfsync: write declarations, record state."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say
from lfsync.errors import LfsyncError, display_path
from lfsync.operations.export import ExportRequest, export_project
from lfsync.ui.progress import ReadsOnScreen

DEFAULT_EXPORT_FILE = "accounts/exported.yaml"
DEFAULT_CSV_EXPORT_FILE = "accounts/exported.csv"


@click.command()
@options.project_dir
@click.option(
    "--filter", "filters", multiple=True, metavar="KEY[OP]=VALUE",
    help="Export only accounts matching this list filter (repeat to AND), e.g. 'tier=enterprise', '$name[startsWith]=Acme'.",
)
@click.option(
    "--file", "file_name", default=None,
    help=f"The declaration file to write, relative to the project directory (must not exist) [default: {DEFAULT_EXPORT_FILE}, or {DEFAULT_CSV_EXPORT_FILE} with --format csv].",
)
@click.option("--format", "output_format", type=click.Choice(["yaml", "csv"]), default="yaml", show_default=True,
              help="Write YAML, or a CSV declaration file (one account per row).")
@options.lock_timeout
@options.workspace
def export(
    directory: Path, filters: tuple[str, ...], file_name: str | None, output_format: str, lock_timeout: float, workspace: str | None
) -> None:
    """Write declarations for the organisation's existing accounts and record them in state."""
    as_csv = output_format == "csv"
    file_name = file_name or (DEFAULT_CSV_EXPORT_FILE if as_csv else DEFAULT_EXPORT_FILE)
    request = ExportRequest(directory, parse_filters(filters), file_name, filters, lock_timeout, as_csv, workspace)
    result = export_project(request, ReadsOnScreen())
    if result.path is None:
        say("Nothing to export: every matching account is already managed." if result.matched else "No accounts match.")
        return
    say(f"Exported {result.exported} account(s) to {display_path(result.path)} and recorded them in state.")
    say("Next: `lfsync plan --refresh` should show no changes; commit the file and the state.")


def parse_filters(filters: tuple[str, ...]) -> dict[str, str]:
    """`KEY[OP]=VALUE` -> list query parameters, as the API's list endpoint takes them."""
    query: dict[str, str] = {}
    for text in filters:
        key, equals, value = text.partition("=")
        if not equals or not key or (("[" in key) != key.endswith("]")):
            raise LfsyncError(f"--filter {text!r}: expected KEY=VALUE or KEY[OP]=VALUE, e.g. 'tier=enterprise'")
        if key in query:
            raise LfsyncError(f"--filter {key} is given twice; combine the conditions in one filter")
        query[key] = value
    return query
