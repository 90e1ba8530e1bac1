"""What plan and apply do, apart from the terminal: load the project, read the target, plan, settle
and execute. Commands parse their options, make one call here and render what it returns."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Protocol

from lfsync.api.client import (
    READ_CONCURRENCY,
    ApiError,
    LightfieldClient,
    RetryPolicy,
)
from lfsync.apply.applier import DEFAULT_CONCURRENCY, Applier
from lfsync.apply.protection import record_protection
from lfsync.apply.recovery import RecoveryReport, RecoveryStopped, settle_pending
from lfsync.config.project import LOCAL_DIR, Project, load_project
from lfsync.declare.declarations import Declarations, load_declarations
from lfsync.declare.parsecache import ParseCache, Uncached
from lfsync.errors import DeclarationError, LfsyncError, display_path
from lfsync.operations.connection import api_key_from, open_client
from lfsync.plan.actions import ApplyReport
from lfsync.plan.model import Change, Plan, PlanOptions, RemoteRecord, staleness
from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.resources import DesiredAccount
from lfsync.remote.identity import identity_matches as find_identity_matches
from lfsync.remote.linked_records import linked_account_problems
from lfsync.remote.organisation import fetch_organisation
from lfsync.remote.refresh import refresh_remote
from lfsync.state.records import CreateIntent, Intent, ResourceState, empty_payload
from lfsync.state.workspace import State, load_state, locked_state
from lfsync.support import asyncrun, collector
from lfsync.ui.progress import Progress, reading_progress
from lfsync.values.check import check_declarations_cached
from lfsync.values.organisation import (
    SNAPSHOT_FILE,
    KnownOrganisation,
    Organisation,
    differences,
    offline_organisation,
    read_snapshot,
    remember,
    snapshot_path,
    write_snapshot,
)


@dataclass(frozen=True)
class DeclaredProject:
    """A project with its declarations loaded and resolved into desired accounts."""

    project: Project
    declarations: Declarations
    desired: dict[str, DesiredAccount]
    # What the values were checked against and canonicalised with; None: not checked (no definitions)
    organisation: KnownOrganisation | None = None


@collector.paused()
def load_declared(directory: Path, workspace: str | None = None, *, read_files: bool = True) -> DeclaredProject:
    """`read_files=False` (destroy): the project without its declarations, which destroy ignores,
    so a teardown never waits on files that no longer parse."""
    project = load_project(directory, workspace=workspace)
    if not read_files:
        return DeclaredProject(project, Declarations(accounts={}, files=[], digest=""), {})
    declarations = load_declarations(
        project.root, state_dir=project.state_dir, patterns=project.declaration_globs, cache=parse_cache_for(project)
    )
    return DeclaredProject(project, declarations, desired_accounts(declarations, project))


def parse_cache_for(project: Project) -> ParseCache | Uncached:
    """The parse cache lives in the project's .lfsync folder, but never creates it: a run that writes
    nothing else there (a remote target not yet read, e.g. a plan without an API key) leaves no trace."""
    if project.is_local or (project.root / LOCAL_DIR).is_dir():
        return ParseCache.for_project(project.root)
    return Uncached()


@collector.paused()
def with_checked_values(declared: DeclaredProject, known: KnownOrganisation | None) -> DeclaredProject:
    """Every value checked against the organisation and put in its canonical form; raises
    DeclarationError with every problem. Without definitions the declarations stay as written.
    Files checked against the same organisation before take their values from the parse cache."""
    if known is None:
        return declared
    checked = check_declarations_cached(declared.declarations, known.organisation, parse_cache_for(declared.project))
    if checked.problems:
        raise DeclarationError(list(checked.problems))
    fields, relationships = checked.fields, checked.relationships
    desired = {
        # the constructor with the account's own attributes: dataclasses.replace costs 3x as much
        address: DesiredAccount(**{**vars(account), "fields": fields[address], "relationships": relationships[address]})
        for address, account in declared.desired.items()
    }
    return dataclasses.replace(declared, desired=desired, organisation=known)


def can_ask_target(project: Project, env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if project.api_key_env is not None:
        return project.is_local or bool(env.get(project.api_key_env))
    return project.is_local or bool(api_key_from(env))


async def learn_organisation(
    client: LightfieldClient, declared: DeclaredProject, organisation: Organisation | None = None
) -> DeclaredProject:
    """Read the live definitions and members (once per run), keep them under .lfsync/, check values."""
    organisation = organisation or await fetch_organisation(client)
    remember(declared.project, organisation)
    checked = with_checked_values(declared, KnownOrganisation(organisation, f"the definitions of {declared.project.target}, read now"))
    problems = await linked_account_problems(client, declared.declarations)
    if problems:
        raise DeclarationError(list(problems))
    return checked


def desired_accounts(declarations: Declarations, project: Project) -> dict[str, DesiredAccount]:
    return {
        address: DesiredAccount(
            address=address,
            fields=dict(account.fields),
            relationships=dict(account.relationships),
            skip_enrichment=project.skip_enrichment if account.skip_enrichment is None else account.skip_enrichment,
            location=str(account.location),
            protect=account.protect,
        )
        for address, account in declarations.accounts.items()
    }


# --- reading the target -------------------------------------------------------------------


async def checked_and_learned(client: LightfieldClient, declared: DeclaredProject) -> DeclaredProject:
    """check_access, then learn_organisation, with the organisation read while access is checked
    (a round trip saved per run); a refused key or an unreachable API is reported as such."""
    fetching = asyncio.ensure_future(fetch_organisation(client))
    try:
        await check_access(client, declared.project)
    except BaseException:
        fetching.cancel()
        await asyncio.gather(fetching, return_exceptions=True)
        raise
    return await learn_organisation(client, declared, await fetching)


# A wrong URL or a down API is said within seconds; a passing fault is still ridden out.
PREFLIGHT_RETRY = RetryPolicy(attempts=5, base_delay=0.25, max_delay=2.0)


async def check_access(client: LightfieldClient, project: Project) -> None:
    """Fail fast and clearly on a wrong URL or key, before anything is settled or sent."""
    try:
        await client.validate_auth(PREFLIGHT_RETRY)
    except ApiError as error:
        if error.status == 0:
            raise LfsyncError(f"cannot reach the Lightfield API at {project.target}: {error.message}") from None
        if error.status in (401, 403):
            raise LfsyncError(f"the API key was refused ({error.describe()}); check LIGHTFIELD_API_KEY") from None
        raise


@dataclass(frozen=True)
class RemoteView:
    """What --adopt, --refresh and reset read from the target (None without them)."""

    matches: dict[str, list[str]] | None = None  # address -> IDs of live accounts with its $name
    records: dict[str, RemoteRecord] | None = None  # address -> the managed record as read back
    unmanaged: dict[str, str] | None = None  # ID -> $name of live accounts state does not know


async def read_remote(
    client: LightfieldClient, declared: DeclaredProject, state: State, options: PlanOptions
) -> RemoteView:
    matches = records = None
    if options.adopt:
        with reading_progress("adopt: looking for existing accounts") as progress:
            matches = await identity_matches(client, declared, state, progress)
    if options.refresh:
        fields_by_key = declared.organisation.organisation.fields if declared.organisation else {}
        records = await refresh_remote(client, state, fields_by_key, reading_progress)
    unmanaged = None
    if options.reset and declared.project.owns_organisation:
        with reading_progress("reset: reading every live account") as progress:
            live = await client.list_all("/v1/accounts", on_page=progress, window=READ_CONCURRENCY, status="active")
        managed = {resource.id for resource in state.resources.values()}
        unmanaged = {
            record["id"]: str((record.get("fields", {}).get("$name") or {}).get("value") or "")
            for record in live
            if record["id"] not in managed
        }
    return RemoteView(matches, records, unmanaged)


async def identity_matches(
    client: LightfieldClient, declared: DeclaredProject, state: State, on_read: Callable[[int, int], None] | None = None
) -> dict[str, list[str]]:
    """For --adopt: live accounts holding the identity value (`identity:`, $name by default) of each
    account not yet in state."""
    return await find_identity_matches(
        client, declared.desired, state.resources, declared.project.identity, on_read
    )


# --- planning -----------------------------------------------------------------------------


@collector.paused()
def build_plan(
    declared: DeclaredProject, state: State, options: PlanOptions = PlanOptions(), remote: RemoteView = RemoteView()
) -> Plan:
    planned = plan_changes(
        PlanInputs(
            # destroy plans as if nothing were declared, with --prune: every account in state is deleted
            desired={} if options.destroy else declared.desired,
            resources=state.resources,
            workspace=declared.project.workspace,
            prune=options.prune or options.destroy,
            identity_matches=remote.matches,
            identity_field=declared.project.identity,
            remote=remote.records,
            unmanaged=remote.unmanaged,
        )
    )
    return Plan(
        project_dir=display_path(declared.project.root),
        workspace=declared.project.workspace,
        target=declared.project.target,
        lineage=state.lineage if state.existed else "",
        serial=state.serial,
        declarations_digest=declared.declarations.digest,
        options=options,
        changes=planned.changes,
        orphans=planned.orphans,
        problems=planned.problems,
        pending=[describe_pending(intent) for intent in sorted(state.pending.values(), key=lambda i: i.seq)],
        values_checked_against=declared.organisation.source if declared.organisation else "",
        organisation_digest=declared.organisation.organisation.digest if declared.organisation else "",
        names=display_names(declared, state, planned.changes),
    )


def display_names(declared: DeclaredProject, state: State, changes: list[Change]) -> dict[str, str]:
    """What a reviewer calls each ID the changes show: accounts by address, options by label,
    members by email (only the IDs shown, so a big plan does not carry every name)."""
    known = {resource.id: address for address, resource in state.resources.items()}
    if declared.organisation is not None:
        organisation = declared.organisation.organisation
        for spec in organisation.fields.values():
            known.update({option.id: option.label for option in spec.options})
        known.update({member_id: email for member_id, email in organisation.member_emails.items() if email})
    if not known:
        return {}
    names: dict[str, str] = {}
    for change in changes:
        for attribute in change.attributes:
            for value in (attribute.before, attribute.after):
                if isinstance(value, str):
                    if value in known:
                        names[value] = known[value]
                elif isinstance(value, list):
                    names.update((item, known[item]) for item in value if isinstance(item, str) and item in known)
    return dict(sorted(names.items()))


def describe_pending(intent: Intent) -> str:
    return (
        f"{intent.address}: {intent.operation} interrupted at {intent.at} "
        f"(key {intent.key or '-'}); the next apply settles it first"
    )


def plan_project(directory: Path, options: PlanOptions, workspace: str | None = None) -> tuple[DeclaredProject, Plan]:
    """`lfsync plan`: reads only. Values are checked against the live organisation when the target
    can be asked (its key checked first), else against the committed definitions snapshot."""
    return asyncrun.run(_plan(load_declared(directory, workspace), options))


async def _plan(declared: DeclaredProject, options: PlanOptions) -> tuple[DeclaredProject, Plan]:
    state = load_state(declared.project)
    if can_ask_target(declared.project) or options.adopt or options.refresh:
        declared, remote = await _read_for_plan(declared, state, options)
    else:
        declared, remote = with_checked_values(declared, offline_organisation(declared.project)), RemoteView()
    return declared, build_plan(declared, state, options, remote)


# --- many workspaces at once ----------------------------------------------------------------

# per workspace: what its run came to, or the error that ended it (other workspaces go on)
Outcomes = dict[str, "tuple[DeclaredProject, Plan] | ApplyResult | BaseException"]


def selected_workspaces(directory: Path, names: tuple[str, ...], every: bool) -> list[str]:
    """The workspaces of `workspaces:` that --workspace NAME (repeatable) or --all-workspaces choose."""
    declared_names = load_project(directory).workspace_names
    if every and not declared_names:
        raise LfsyncError("--all-workspaces: lfsync.yaml declares no 'workspaces:'")
    chosen = list(declared_names) if every else list(dict.fromkeys(names))
    for name in chosen:
        load_project(directory, workspace=name)  # an unknown name or a bad target stops the run before anything is read
    return chosen


def plan_workspaces(directory: Path, options: PlanOptions, names: list[str]) -> Outcomes:
    """`lfsync plan --workspace ...`: every workspace planned concurrently (each its own organisation)."""
    declared = [load_declared(directory, name) for name in names]

    async def plan_all() -> list:
        return await asyncio.gather(*(_plan(one, options) for one in declared), return_exceptions=True)

    return dict(zip(names, asyncrun.run(plan_all())))


def apply_workspaces(request: ApplyRequest, names: list[str], terminal_for: Callable[[str], "ApplyTerminal"]) -> Outcomes:
    """`lfsync apply --workspace ...`: every workspace applied concurrently, each with its own
    target, key, rate limit, state and lock; one failing does not stop the others."""
    declared = [load_declared(request.source, name, read_files=not request.options.destroy) for name in names]

    async def apply_all() -> list:
        return await asyncio.gather(
            *(_apply(one, request, terminal_for(name)) for name, one in zip(names, declared)), return_exceptions=True
        )

    return dict(zip(names, asyncrun.run(apply_all())))


async def _read_for_plan(
    declared: DeclaredProject, state: State, options: PlanOptions
) -> tuple[DeclaredProject, RemoteView]:
    async with open_client(declared.project) as client:
        declared = await checked_and_learned(client, declared)
        return declared, await read_remote(client, declared, state, options)


# --- applying -----------------------------------------------------------------------------


class ApplyTerminal(Protocol):
    """What apply needs from the command edge: showing, asking, progress and Ctrl-C."""

    def settling(self, count: int) -> None: ...

    def settled(self, lines: list[str]) -> None: ...

    def show_plan(self, plan: Plan) -> None: ...

    def confirm(self, plan: Plan) -> bool: ...

    def progress(self) -> Progress: ...

    def interrupts(self, stop: asyncio.Event) -> AbstractContextManager: ...


@dataclass(frozen=True)
class ApplyRequest:
    source: Path  # the project directory, or (with `saved`) where the saved plan was made
    options: PlanOptions
    saved: Plan | None = None  # a saved plan: apply exactly its changes, or refuse
    concurrency: int = DEFAULT_CONCURRENCY
    lock_timeout: float = 0.0
    auto_approve: bool = False


@dataclass(frozen=True)
class ApplyResult:
    declared: DeclaredProject
    plan: Plan  # the plan applied (made again now, also for a saved plan)
    report: ApplyReport | None  # None: the user did not confirm


def apply_project(request: ApplyRequest, terminal: ApplyTerminal) -> ApplyResult:
    """`lfsync apply`: check access and every value, then under the lock settle interrupted work,
    plan, confirm, execute and write state. Nothing is written before the values are checked."""
    declared = load_declared(request.source, read_files=not request.options.destroy)
    return asyncrun.run(_apply(declared, request, terminal))


async def _apply(declared: DeclaredProject, request: ApplyRequest, terminal: ApplyTerminal) -> ApplyResult:
    async with open_client(declared.project, concurrency=request.concurrency) as client:
        declared = await checked_and_learned(client, declared)
        _check_snapshot_current(declared)
        if request.saved is not None:
            _check_same_organisation(request.saved, declared)
        with locked_state(declared.project, "apply", request.lock_timeout) as state:
            return await _apply_locked(client, declared, state, request, terminal)


async def _apply_locked(
    client: LightfieldClient, declared: DeclaredProject, state: State, request: ApplyRequest, terminal: ApplyTerminal
) -> ApplyResult:
    if request.saved is not None:
        _check_fresh(request.saved, declared, state)
    if state.pending:
        terminal.settling(len(state.pending))
        recovered, stopped = RecoveryReport(), None
        try:
            await settle_pending(client, state, report=recovered)
        except RecoveryStopped as error:  # part-way: what it settled before is stored and said all the same
            stopped = error
        state.compact()
        terminal.settled(recovered.settled + recovered.dropped)
        if stopped is not None:
            raise stopped
    remote = await read_remote(client, declared, state, request.options)
    current = build_plan(declared, state, request.options, remote)
    if request.saved is not None:
        _check_within(current, request.saved)
    terminal.show_plan(current)
    if current.problems:
        raise LfsyncError("the plan has errors (above); nothing was applied")
    if not current.changes:
        if record_protection(state, declared.desired):
            state.compact()
        return ApplyResult(declared, current, ApplyReport())
    if not (request.auto_approve or request.saved is not None) and not terminal.confirm(current):
        return ApplyResult(declared, current, None)
    applier = Applier(
        client, state, declared.desired, declared.project.workspace,
        concurrency=request.concurrency, progress=terminal.progress(),
    )
    with terminal.interrupts(applier.stop):
        report = await applier.execute(current.changes)
    record_protection(state, declared.desired)
    state.compact()
    return ApplyResult(declared, current, report)


def _check_fresh(saved: Plan, declared: DeclaredProject, state: State) -> None:
    reason = staleness(
        saved, lineage=state.lineage, serial=state.serial, digest=declared.declarations.digest,
        workspace=declared.project.workspace, target=declared.project.target,
    )
    if reason:
        raise LfsyncError(f"the saved plan is stale: {reason}. Run `lfsync plan` again.")


def _check_snapshot_current(declared: DeclaredProject) -> None:
    """A committed definitions snapshot is what pull-request plans were checked against: apply
    refuses while the live organisation differs from it."""
    assert declared.organisation is not None
    snapshot = read_snapshot(snapshot_path(declared.project.root), declared.project.target)
    if snapshot is None or snapshot.digest == declared.organisation.organisation.digest:
        return
    changes = differences(snapshot, declared.organisation.organisation)
    raise LfsyncError(
        f"the organisation has changed since {SNAPSHOT_FILE} was pulled ({'; '.join(changes[:10]) or 'details differ'}"
        f"{f'; and {len(changes) - 10} more' if len(changes) > 10 else ''}): plans checked against it may not hold. "
        f"Run `lfsync definitions pull`, review the plan again and commit the new {SNAPSHOT_FILE}."
    )


def _check_same_organisation(saved: Plan, declared: DeclaredProject) -> None:
    assert declared.organisation is not None
    if saved.organisation_digest and saved.organisation_digest != declared.organisation.organisation.digest:
        raise LfsyncError(
            "the saved plan is stale: the organisation's definitions or members have changed since it was made. "
            "Run `lfsync plan` again."
        )


def _check_within(current: Plan, saved: Plan) -> None:
    """Apply nothing the saved plan did not show (settling interrupted work may have done some of it)."""
    approved = {(c.address, c.action): c for c in saved.changes}
    for change in current.changes:
        match = approved.get((change.address, change.action))
        if match is None or dataclasses.replace(match, depends_on=[]) != dataclasses.replace(change, depends_on=[]):
            raise LfsyncError(
                f"the saved plan is stale: {change.address} now needs a {change.action} it did not show. "
                "Run `lfsync plan` again."
            )


def saved_project_dir(saved: Plan) -> Path:
    """Saved plans name their project relative to where plan ran, so CI can apply them in another checkout."""
    directory = Path(saved.project_dir)
    if not directory.is_dir():
        raise LfsyncError(
            f"the saved plan belongs to the project in {saved.project_dir!r}, which is not a directory here; "
            "run apply from where plan ran"
        )
    return directory


def import_account(directory: Path, address: str, account_id: str, lock_timeout: float = 0.0) -> None:
    """`lfsync import`: record an existing account under a declared address (nothing is sent but a read)."""
    declared = load_declared(directory)
    if address not in declared.desired:
        raise LfsyncError(f"{address} is not declared; declare it first, then import it")
    with locked_state(declared.project, "import", lock_timeout) as state:
        if address in state.resources:
            raise LfsyncError(f"{address} is already in state as {state.resources[address].id}; `lfsync state rm` it first")
        for other, managed in state.resources.items():
            if managed.id == account_id:
                raise LfsyncError(f"{account_id} is already managed as {other}")
        record = asyncrun.run(_retrieve(declared.project, account_id))
        for intent in [i for i in state.pending.values() if i.address == address and isinstance(i, CreateIntent)]:
            state.reject(intent, f"settled by `lfsync import {address} {account_id}`", abandoned=True)
        resources = dict(state.resources)
        resources[address] = ResourceState(
            id=record["id"],
            hash="",  # nothing applied yet: the next plan shows every declared value as an update
            http_link=record.get("httpLink"),
            created_at=record.get("createdAt"),
            updated_at=record.get("updatedAt"),
            applied=empty_payload(),
        )
        state.replace_resources(resources)


async def _retrieve(project: Project, account_id: str) -> dict:
    async with open_client(project) as client:
        try:
            return await client.retrieve_account(account_id)
        except ApiError as error:
            raise LfsyncError(f"cannot import {account_id}: {error.describe()}") from None


@dataclass(frozen=True)
class Validated:
    declared: DeclaredProject  # .organisation says what the values were checked against (None: offline only)


def validate_project(directory: Path, *, offline: bool, env: Mapping[str, str] | None = None) -> Validated:
    """`lfsync validate`: offline checks, and against the target's definitions when it can be reached
    (the local target, or a remote one with an API key). Raises DeclarationError with every problem."""
    declared = load_declared(directory)
    if offline:
        return Validated(declared)
    if can_ask_target(declared.project, env):
        return Validated(asyncrun.run(_learn(declared)))
    return Validated(with_checked_values(declared, offline_organisation(declared.project)))


async def _learn(declared: DeclaredProject) -> DeclaredProject:
    async with open_client(declared.project) as client:
        return await checked_and_learned(client, declared)


def pull_definitions(directory: Path) -> tuple[Path, Organisation]:
    """`lfsync definitions pull`: write the organisation's definitions and members beside lfsync.yaml."""
    project = load_project(directory)
    organisation = asyncrun.run(_fetch(project))
    path = snapshot_path(project.root)
    write_snapshot(path, organisation, project.target)
    return path, organisation


async def _fetch(project: Project) -> Organisation:
    async with open_client(project) as client:
        await check_access(client, project)
        return await fetch_organisation(client)
