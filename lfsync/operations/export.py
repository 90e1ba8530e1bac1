"""`lfsync export`: declarations written for the organisation's accounts state does not know,
and those accounts recorded in state (so the next plan is empty). The file formats are lfsync.remote.declaring's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lfsync.api.client import READ_CONCURRENCY
from lfsync.api.records import ApiRecord
from lfsync.config.globs import selected
from lfsync.config.project import SCHEMA_FILE, Project
from lfsync.declare.csvwrite import csv_text
from lfsync.errors import LfsyncError, display_path
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.operations.connection import open_client
from lfsync.operations.declared_project import check_access, load_declared, with_checked_values
from lfsync.operations.terminal import UNSHOWN, ReadingTerminal
from lfsync.plan.declared_form import as_written, declared_as
from lfsync.plan.resources import resource_hash
from lfsync.remote.declaring import ExportedAccount, export_accounts, export_file_text
from lfsync.remote.organisation import fetch_organisation
from lfsync.state.records import ResourceState
from lfsync.state.workspace import State, load_state, locked_state
from lfsync.support import asyncrun
from lfsync.values.organisation import KnownOrganisation, Organisation


@dataclass(frozen=True)
class ExportRequest:
    directory: Path
    query: dict[str, str]  # list query parameters, as the API's list endpoint takes them
    file_name: str  # the declaration file to write, relative to the project directory
    filters: tuple[str, ...] = ()  # the --filter options as given, named in the file's header
    lock_timeout: float = 0.0
    as_csv: bool = False  # write a CSV declaration file instead of YAML
    workspace: str | None = None  # one of `workspaces:` (None: LFSYNC_WORKSPACE, else the project's own)


@dataclass(frozen=True)
class ExportResult:
    matched: int  # accounts the query matched, managed or not
    path: Path | None = None  # the file written; None when nothing was exported
    exported: int = 0


def export_project(request: ExportRequest, terminal: ReadingTerminal = UNSHOWN) -> ExportResult:
    """`lfsync export`: write declarations for the organisation's unmanaged accounts and record them in
    state; the read of the accounts is shown through `terminal`."""
    declared = load_declared(request.directory, request.workspace)
    project = declared.project
    target = _export_path(project, request.file_name)
    # Read first, lock after: a refused filter or a wrong key leaves no trace in the project.
    read_at = load_state(project).serial
    records, organisation = asyncrun.run(_read_organisation(project, request.query, terminal))
    with locked_state(project, "export", request.lock_timeout) as state:
        if state.pending:
            raise LfsyncError(f"{len(state.pending)} operation(s) from an interrupted apply are unsettled; run `lfsync apply` first")
        if state.serial != read_at:
            raise LfsyncError("the state changed while the organisation was read (another lfsync ran); run export again")
        managed = {resource.id: address for address, resource in state.resources.items()}
        unmanaged = [record for record in records if record.id not in managed]
        if not unmanaged:
            return ExportResult(matched=len(records))
        taken = {account.key for account in declared.declarations.accounts.values()}
        taken |= {address.split(".", 1)[1] for address in state.resources}
        exported = export_accounts(unmanaged, organisation.typed, managed, taken, ACCOUNT, organisation.member_emails)
        target.parent.mkdir(parents=True, exist_ok=True)
        if request.as_csv:
            text = csv_text([(account.key, account.body) for account in exported])
        else:
            text = export_file_text(exported, _export_header(project, target, request.filters))
        target.write_text(text, encoding="utf-8")
        try:
            known = KnownOrganisation(organisation, f"the definitions of {project.target}, read now")
            _record_exported(state, request, exported, {r.id: r for r in unmanaged}, known)
        except BaseException:
            target.unlink()  # nothing recorded: leave the project as it was
            raise
    return ExportResult(matched=len(records), path=target, exported=len(exported))


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


async def _read_organisation(
    project: Project, query: dict[str, str], terminal: ReadingTerminal
) -> tuple[list[ApiRecord], Organisation]:
    params: dict[str, Any] = {**query, "status": "active"}
    async with open_client(project) as client:
        await check_access(client, project)
        organisation = await fetch_organisation(client)
        with terminal.reading("export: reading accounts") as progress:
            records = await client.list_records(ACCOUNT, on_page=progress, window=READ_CONCURRENCY, **params)
    return records, organisation


def _export_header(project: Project, target: Path, filters: tuple[str, ...]) -> list[str]:
    lines = []
    schema = project.root / SCHEMA_FILE
    if schema.exists():
        relative = Path(*([".."] * len(target.parent.relative_to(project.root).parts)), SCHEMA_FILE).as_posix()
        lines.append(f"yaml-language-server: $schema={relative if relative.startswith('.') else './' + relative}")
    lines.append("Written by `lfsync export`" + (f" --filter {' --filter '.join(filters)}" if filters else "") + ".")
    return lines


def _record_exported(
    state: State, request: ExportRequest, exported: list[ExportedAccount], records: dict[str, ApiRecord], known: KnownOrganisation
) -> None:
    """State records for the exported accounts, made from the declarations as lfsync now reads and
    checks them (canonical values), so the next plan compares like with like; with the values as
    written (labels, emails, references) for plans without definitions."""
    written = load_declared(request.directory, request.workspace)
    declared = with_checked_values(written, known)
    ids = {**{a: r.id for a, r in state.resources.items()}, **{account.address: account.record_id for account in exported}}
    resources = dict(state.resources)
    for account in exported:
        payload = declared.desired[account.address].payload(ids)
        written_account = written.declarations.accounts[account.address]
        record = records[account.record_id]
        resources[account.address] = ResourceState(
            id=account.record_id,
            hash=resource_hash(payload, account.address, declared.project.workspace),
            http_link=record.http_link,
            created_at=record.created_at,
            updated_at=record.updated_at,
            applied=payload,
            declared_as=declared_as(as_written(written_account.fields, written_account.relationships), payload),
        )
    state.replace_resources(resources)

