"""`lfsync export`: bring an existing organisation under lfsync: write declarations, record state."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from lfsync.commands import options
from lfsync.commands.output import say
from lfsync.commands.init import SCHEMA_FILE
from lfsync.errors import LfsyncError, display_path
from lfsync.export import ExportedAccount, export_accounts, export_file_text
from lfsync.globs import selected
from lfsync.journal import ResourceState
from lfsync.project import Project, load_project
from lfsync.progress import reading_progress
from lfsync.resources import resource_hash
from lfsync.state import State, load_state, locked_state
from lfsync.target import open_client
from lfsync.workflow import check_access, load_inputs

DEFAULT_EXPORT_FILE = "accounts/exported.yaml"


@click.command()
@options.project_dir
@click.option(
    "--filter", "filters", multiple=True, metavar="KEY[OP]=VALUE",
    help="Export only accounts matching this list filter (repeat to AND), e.g. 'tier=enterprise', '$name[startsWith]=Acme'.",
)
@click.option(
    "--file", "file_name", default=DEFAULT_EXPORT_FILE, show_default=True,
    help="The declaration file to write, relative to the project directory (must not exist).",
)
@options.lock_timeout
def export(directory: Path, filters: tuple[str, ...], file_name: str, lock_timeout: float) -> None:
    """Write declarations for the organisation's existing accounts and record them in state."""
    project = load_project(directory)
    query = parse_filters(filters)
    target = _export_path(project, file_name)
    inputs = load_inputs(directory)
    # Read first, lock after: a refused filter or a wrong key leaves no trace in the project.
    read_at = load_state(project).serial
    records, definitions = asyncio.run(_read_organisation(project, query))
    with locked_state(project, "export", lock_timeout) as state:
        if state.pending:
            raise LfsyncError(f"{len(state.pending)} operation(s) from an interrupted apply are unsettled; run `lfsync apply` first")
        if state.serial != read_at:
            raise LfsyncError("the state changed while the organisation was read (another lfsync ran); run export again")
        managed = {resource.id: address for address, resource in state.resources.items()}
        unmanaged = [record for record in records if record["id"] not in managed]
        if not unmanaged:
            say("Nothing to export: every matching account is already managed." if records else "No accounts match.")
            return
        taken = {account.key for account in inputs.declarations.accounts.values()}
        taken |= {address.split(".", 1)[1] for address in state.resources}
        exported = export_accounts(unmanaged, definitions, managed, taken)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(export_file_text(exported, _header(project, target, filters)), encoding="utf-8")
        try:
            _record(state, project, directory, exported, {r["id"]: r for r in unmanaged})
        except BaseException:
            target.unlink()  # nothing recorded: leave the project as it was
            raise
    say(f"Exported {len(exported)} account(s) to {display_path(target)} and recorded them in state.")
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


def _export_path(project: Project, file_name: str) -> Path:
    target = (project.root / file_name).resolve()
    try:
        relative = target.relative_to(project.root).as_posix()
    except ValueError:
        raise LfsyncError(f"--file {file_name!r} must be inside the project directory") from None
    if target.exists():
        raise LfsyncError(f"{display_path(target)} already exists; choose another --file")
    if not selected(relative, project.declaration_globs):
        raise LfsyncError(
            f"{relative} is not among the declaration files (`declarations:` in lfsync.yaml); choose a --file they select"
        )
    return target


async def _read_organisation(project: Project, query: dict[str, str]) -> tuple[list[dict], dict]:
    async with open_client(project) as client:
        await check_access(client, project)
        definitions = await client.definitions()
        with reading_progress("export: reading accounts") as progress:
            records = await client.list_all("/v1/accounts", on_page=progress, **query, status="active")
    return records, definitions


def _header(project: Project, target: Path, filters: tuple[str, ...]) -> list[str]:
    lines = []
    schema = project.root / SCHEMA_FILE
    if schema.exists():
        relative = Path(*([".."] * len(target.parent.relative_to(project.root).parts)), SCHEMA_FILE).as_posix()
        lines.append(f"yaml-language-server: $schema={relative if relative.startswith('.') else './' + relative}")
    lines.append("Written by `lfsync export`" + (f" --filter {' --filter '.join(filters)}" if filters else "") + ".")
    return lines


def _record(state: State, project: Project, directory: Path, exported: list[ExportedAccount], records: dict[str, dict]) -> None:
    """State records for the exported accounts, made from the declarations as lfsync now reads them,
    so the next plan compares like with like."""
    desired = load_inputs(directory).desired
    ids = {**{a: r.id for a, r in state.resources.items()}, **{account.address: account.record_id for account in exported}}
    resources = dict(state.resources)
    for account in exported:
        payload = desired[account.address].payload(ids)
        record = records[account.record_id]
        resources[account.address] = ResourceState(
            id=account.record_id,
            hash=resource_hash(payload, account.address, project.workspace),
            http_link=record.get("httpLink"),
            created_at=record.get("createdAt"),
            applied=payload,
        )
    state.replace_resources(resources)
