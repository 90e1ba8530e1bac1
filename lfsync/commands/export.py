"""`lfsync export`: bring an existing organisation under lfsync: write declarations (accounts,
contacts, opportunities), record state."""

from __future__ import annotations

from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say
from lfsync.errors import LfsyncError, display_path
from lfsync.operations.export import EXPORTED_KINDS, ExportRequest, ExportResult, export_project
from lfsync.ui.progress import ReadsOnScreen

DEFAULT_EXPORT_FILE = "accounts/exported.yaml"
DEFAULT_CSV_EXPORT_FILE = "accounts/exported.csv"
SHOWN_OUTSIDE_LINKS = 5  # links written as IDs named in the note; the rest counted


@click.command()
@options.project_dir
@click.option(
    "--kind", "kinds", multiple=True, type=click.Choice([kind.name for kind in EXPORTED_KINDS]),
    help="Export only records of this kind (repeat for several) [default: every kind].",
)
@click.option(
    "--filter", "filters", multiple=True, metavar="KEY[OP]=VALUE",
    help="Export only records matching this list filter (repeat to AND), e.g. 'tier=enterprise', '$name[startsWith]=Acme'. "
    "Each filter applies to every kind exported; without --kind, a kind that has no field a filter names is left out "
    "(none of its records can match); with --kind, that is an error.",
)
@click.option(
    "--file", "file_name", default=None,
    help=f"The declaration file to write, relative to the project directory (must not exist) [default: {DEFAULT_EXPORT_FILE}, "
    f"or {DEFAULT_CSV_EXPORT_FILE} with --format csv, where contacts and opportunities go beside it: "
    "accounts/exported-contacts.csv, accounts/exported-opportunities.csv].",
)
@click.option("--format", "output_format", type=click.Choice(["yaml", "csv"]), default="yaml", show_default=True,
              help="Write YAML (one file, a map per kind), or CSV declaration files (one file per kind, one record per row).")
@options.lock_timeout
@options.workspace
def export(
    directory: Path, kinds: tuple[str, ...], filters: tuple[str, ...], file_name: str | None, output_format: str,
    lock_timeout: float, workspace: str | None,
) -> None:
    """Write declarations for the organisation's existing accounts, contacts, opportunities, tasks and notes and record them in state."""
    as_csv = output_format == "csv"
    file_name = file_name or (DEFAULT_CSV_EXPORT_FILE if as_csv else DEFAULT_EXPORT_FILE)
    request = ExportRequest(
        directory, parse_filters(filters), file_name, filters, lock_timeout, as_csv, workspace, tuple(dict.fromkeys(kinds))
    )
    result = export_project(request, ReadsOnScreen())
    records = " or ".join(kind.declaration_key for kind in result.kinds)
    if result.path is None:
        say("Nothing to export: every matching record is already managed." if result.matched else f"No {records} match.")
        return
    say(f"Exported {_counted(result)} to {', '.join(display_path(path) for path in result.paths)} and recorded them in state.")
    _note_outside_links(result)
    say("Next: `lfsync plan --refresh` should show no changes; commit the files and the state.")


def _counted(result: ExportResult) -> str:
    """`4 account(s), 3 contact(s)`: the records exported, by kind."""
    return ", ".join(f"{count} {name}(s)" for name, count in result.counts.items())


def _note_outside_links(result: ExportResult) -> None:
    """Links to records neither managed nor exported are written as IDs: say which, and what to do."""
    if not result.outside:
        return
    shown = [f"{link.address} {link.relationship} {link.target_id}" for link in result.outside[:SHOWN_OUTSIDE_LINKS]]
    more = len(result.outside) - len(shown)
    kinds = sorted({link.target_kind.name for link in result.outside})
    say(
        f"Note: {len(result.outside)} link(s) name records neither managed nor exported, written as their IDs: "
        + "; ".join(shown) + (f"; and {more} more" if more else "")
        + f". To have them written as addresses, export those records too (--kind {' --kind '.join(kinds)}, "
        "a wider --filter) or `lfsync import` them, before exporting these."
    )


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
