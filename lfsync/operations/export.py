"""`lfsync export`: declarations written for the organisation's records (accounts, contacts,
opportunities, tasks, notes, lists with their members) state does not know, and those records
recorded in state (so the next plan is empty). YAML: one file holding a map per kind; CSV: one file per kind (lfsync.operations.export_files).
The declarations are lfsync.remote.export_graph's."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from lfsync.api.client import READ_CONCURRENCY, ApiError, LightfieldClient
from lfsync.api.records import ApiRecord, Definitions
from lfsync.config.project import Project
from lfsync.declare.model import AccountDeclaration
from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import DECLARABLE_KINDS, LIST, kind_named, kind_of_address
from lfsync.kinds.record_kind import RecordKind
from lfsync.operations.connection import open_client
from lfsync.operations.declared_project import check_access, load_declared, with_checked_values
from lfsync.operations.export_files import export_paths, file_texts
from lfsync.operations.terminal import UNSHOWN, ReadingTerminal
from lfsync.plan.declared_form import as_written, declared_as
from lfsync.plan.resources import resource_hash
from lfsync.remote.declaring import ExportedRecord
from lfsync.remote.export_graph import KindToExport, OutsideLink, export_graph
from lfsync.remote.list_members import list_filter_problem, with_members
from lfsync.remote.organisation import fetch_organisation
from lfsync.state.records import ResourceState
from lfsync.state.workspace import State, load_state, locked_state
from lfsync.support import asyncrun
from lfsync.values.organisation import KnownOrganisation, Organisation

UNKNOWN_FIELD = "unknown_field"  # the code of a list refusing a filter on a field its kind lacks


# What export writes: every declarable kind (a list with its members, read apart: lfsync.remote.list_members).
EXPORTED_KINDS = DECLARABLE_KINDS

@dataclass(frozen=True)
class ExportRequest:
    directory: Path
    query: dict[str, str]  # list query parameters, as the API's list endpoint takes them
    file_name: str  # the declaration file to write, relative to the project directory
    filters: tuple[str, ...] = ()  # the --filter options as given, named in the file's header
    lock_timeout: float = 0.0
    as_csv: bool = False  # write a CSV declaration file instead of YAML
    workspace: str | None = None  # one of `workspaces:` (None: LFSYNC_WORKSPACE, else the project's own)
    kinds: tuple[str, ...] = ()  # the kinds named by --kind; () = every declarable kind

    @property
    def named_kinds(self) -> tuple[RecordKind, ...]:
        named = {kind_named(name) for name in self.kinds}
        return tuple(kind for kind in EXPORTED_KINDS if kind in named) if named else EXPORTED_KINDS


@dataclass(frozen=True)
class ExportResult:
    matched: int  # records the query matched, managed or not
    paths: tuple[Path, ...] = ()  # the files written; none when nothing was exported
    counts: dict[str, int] = field(default_factory=dict)  # kind name -> records exported
    outside: tuple[OutsideLink, ...] = ()  # links written as IDs: their records are neither managed nor exported
    kinds: tuple[RecordKind, ...] = ()  # the kinds read (a kind the filters name no field of is left out)

    @property
    def path(self) -> Path | None:
        """The first file written (None when nothing was exported)."""
        return self.paths[0] if self.paths else None

    @property
    def exported(self) -> int:
        return sum(self.counts.values())


def export_project(request: ExportRequest, terminal: ReadingTerminal = UNSHOWN) -> ExportResult:
    """`lfsync export`: write declarations for the organisation's unmanaged records of the
    requested kinds and record them in state; the reads are shown through `terminal`."""
    declared = load_declared(request.directory, request.workspace)
    project = declared.project
    targets = export_paths(project, request.file_name, request.as_csv, request.named_kinds)
    # Read first, lock after: a refused filter or a wrong key leaves no trace in the project.
    read_at = load_state(project).serial
    declared_kinds = {kind_of_address(address) for address in declared.declarations.accounts}
    listed, organisation = asyncrun.run(_read_organisation(project, request, declared_kinds, terminal))
    matched = sum(len(records) for records in listed.values())
    with locked_state(project, "export", request.lock_timeout) as state:
        if state.pending:
            raise LfsyncError(f"{len(state.pending)} operation(s) from an interrupted apply are unsettled; run `lfsync apply` first")
        if state.serial != read_at:
            raise LfsyncError("the state changed while the organisation was read (another lfsync ran); run export again")
        managed = {resource.id: address for address, resource in state.resources.items()}
        parts = [
            KindToExport(kind, unmanaged, _definitions_of(organisation, kind))
            for kind, records in listed.items()
            if (unmanaged := [record for record in records if record.id not in managed])
        ]
        if not parts:
            return ExportResult(matched=matched, kinds=tuple(listed))
        taken = _taken_keys(declared.declarations.accounts.values(), state.resources)
        graph = export_graph(parts, managed, taken, organisation.member_emails)
        texts = file_texts(graph.records, targets, project, _options(request), request.as_csv)
        written: list[Path] = []
        try:
            for path, text in texts.items():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                written.append(path)
            known = KnownOrganisation(organisation, f"the definitions of {project.target}, read now")
            _record_exported(state, request, graph.records, {r.id: r for part in parts for r in part.records}, known)
        except BaseException:
            for path in written:
                path.unlink()  # nothing recorded: leave the project as it was
            raise
    counts = {part.kind.name: len(part.records) for part in parts}
    return ExportResult(matched=matched, paths=tuple(texts), counts=counts, outside=tuple(graph.outside), kinds=tuple(listed))


def _definitions_of(organisation: Organisation, kind: RecordKind) -> Definitions:
    of_kind = organisation.of_kind(kind.name)
    assert of_kind is not None, f"the definitions of {kind.declaration_key} were read"
    return of_kind.typed


def _taken_keys(declarations: Iterable[AccountDeclaration], resources: Mapping[str, ResourceState]) -> dict[str, set[str]]:
    """kind name -> keys that declarations or state already use (keys are unique per kind)."""
    taken: dict[str, set[str]] = {}
    for address in [*(declaration.address for declaration in declarations), *resources]:
        name, _, key = address.partition(".")
        taken.setdefault(name, set()).add(key)
    return taken


async def _read_organisation(
    project: Project, request: ExportRequest, declared_kinds: set[RecordKind], terminal: ReadingTerminal
) -> tuple[dict[RecordKind, list[ApiRecord]], Organisation]:
    """The records of each requested kind the query matches, and the organisation: the
    definitions of the kinds exported (written) and of those declared (checked), no others (a key
    may lack the scopes of a kind neither exported nor declared)."""
    async with open_client(project) as client:
        await check_access(client, project)
        wanted = [kind for kind in DECLARABLE_KINDS if kind in declared_kinds or kind in request.named_kinds]
        organisation = await fetch_organisation(client, wanted)
        listed: dict[RecordKind, list[ApiRecord]] = {}
        refused: list[ApiError] = []
        for kind in request.named_kinds:  # one after another: one progress line at a time
            if kind is LIST and (problem := list_filter_problem(request.query)):
                if request.kinds:
                    raise LfsyncError(problem)
                continue  # no list can match: left out, as a kind lacking a filtered field is
            try:
                listed[kind] = await _list_kind(client, kind, request.query, terminal)
            except ApiError as error:
                if not _lacks_filtered_field(error, request):
                    raise
                refused.append(error)  # no record of the kind has the field, so none matches the filter
    if refused and not listed:
        raise refused[0]
    return listed, organisation


async def _list_kind(client: LightfieldClient, kind: RecordKind, query: dict[str, str], terminal: ReadingTerminal) -> list[ApiRecord]:
    params: dict[str, Any] = {**query, "status": "active"}
    with terminal.reading(f"export: reading {kind.declaration_key}") as progress:
        records = await client.list_records(kind, on_page=progress, window=READ_CONCURRENCY, **params)
    if kind is LIST:  # a list's members are read from its own paths, one list after another
        return [await with_members(client, record) for record in records]
    return records


def _lacks_filtered_field(error: ApiError, request: ExportRequest) -> bool:
    """A filter on a field the kind does not have, where --kind did not name the kind: the kind is
    left out (a kind named with --kind that lacks the field is an error)."""
    return not request.kinds and bool(request.query) and error.status == 400 and error.code == UNKNOWN_FIELD


def _options(request: ExportRequest) -> str:
    """The options that narrowed the export, as the YAML file's header names them."""
    return "".join(f" --kind {name}" for name in request.kinds) + "".join(f" --filter {text}" for text in request.filters)


def _record_exported(
    state: State, request: ExportRequest, exported: list[ExportedRecord], records: dict[str, ApiRecord], known: KnownOrganisation
) -> None:
    """State records for the exported records, made from the declarations as lfsync now reads and
    checks them (canonical values), so the next plan compares like with like; with the values as
    written (labels, emails, references) for plans without definitions."""
    written = load_declared(request.directory, request.workspace)
    declared = with_checked_values(written, known)
    ids = {**{a: r.id for a, r in state.resources.items()}, **{one.address: one.record_id for one in exported}}
    resources = dict(state.resources)
    for one in exported:
        payload = declared.desired[one.address].payload(ids)
        written_one = written.declarations.accounts[one.address]
        record = records[one.record_id]
        resources[one.address] = ResourceState(
            id=one.record_id,
            hash=resource_hash(payload, one.address, declared.project.workspace),
            http_link=record.http_link,
            created_at=record.created_at,
            updated_at=record.updated_at,
            applied=payload,
            declared_as=declared_as(as_written(written_one.fields, written_one.relationships), payload),
        )
    state.replace_resources(resources)

