"""The steps plan and apply share: load a project, build a plan, settle and execute it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lfsync.declarations import Declarations, load_declarations
from lfsync.errors import LfsyncError, display_path
from lfsync.identity import identity_matches as find_identity_matches
from lfsync.lightfield import ApiError, LightfieldClient, RetryPolicy, with_retries
from lfsync.plan import Plan, PlanOptions
from lfsync.planner import PlanInputs, plan_changes
from lfsync.progress import reading_progress
from lfsync.project import Project, load_project
from lfsync.refresh import RemoteRecord, refresh_remote
from lfsync.resources import DesiredAccount
from lfsync.state import State


@dataclass(frozen=True)
class Inputs:
    project: Project
    declarations: Declarations
    desired: dict[str, DesiredAccount]


def load_inputs(directory: Path) -> Inputs:
    project = load_project(directory)
    declarations = load_declarations(project.root, state_dir=project.state_dir, patterns=project.declaration_globs)
    return Inputs(project, declarations, desired_accounts(declarations, project))


def desired_accounts(declarations: Declarations, project: Project) -> dict[str, DesiredAccount]:
    return {
        address: DesiredAccount(
            address=address,
            fields=dict(account.fields),
            relationships=dict(account.relationships),
            skip_enrichment=project.skip_enrichment if account.skip_enrichment is None else account.skip_enrichment,
            location=str(account.location),
            field_locations={key: str(where) for key, where in account.field_locations.items()},
            protect=account.protect,
        )
        for address, account in declarations.accounts.items()
    }


PREFLIGHT_RETRY = RetryPolicy(attempts=3, base_delay=0.5)


async def check_access(client: LightfieldClient, project: Project) -> None:
    """Fail fast and clearly on a wrong URL or key, before anything is settled or sent."""
    try:
        await with_retries(lambda: client.request("GET", "/v1/auth/validate", category="read"), PREFLIGHT_RETRY)
    except ApiError as error:
        if error.status == 0:
            raise LfsyncError(f"cannot reach the Lightfield API at {project.target}: {error.message}") from None
        if error.status in (401, 403):
            raise LfsyncError(f"the API key was refused ({error.describe()}); check LIGHTFIELD_API_KEY") from None
        raise


async def read_target(
    client: LightfieldClient, inputs: Inputs, state: State, options: PlanOptions
) -> tuple[dict[str, list[str]] | None, dict[str, RemoteRecord] | None]:
    """What --adopt and --refresh need from the target (nothing without them)."""
    matches = remote = None
    if options.adopt:
        with reading_progress("adopt: looking for existing accounts") as progress:
            matches = await identity_matches(client, inputs, state, progress)
    if options.refresh:
        with reading_progress("refresh: reading managed accounts") as progress:
            remote = await refresh_remote(client, state, progress)
    return matches, remote


async def identity_matches(
    client: LightfieldClient, inputs: Inputs, state: State, on_read: Callable[[int, int], None] | None = None
) -> dict[str, list[str]]:
    """For --adopt: live accounts holding the identity value (`identity:`, $name by default) of each
    account not yet in state."""
    return await find_identity_matches(client, inputs.desired, state.resources, inputs.project.identity, on_read)


def build_plan(
    inputs: Inputs,
    state: State,
    options: PlanOptions = PlanOptions(),
    *,
    matches: dict[str, list[str]] | None = None,
    remote: dict[str, RemoteRecord] | None = None,
) -> Plan:
    """`matches` and `remote` are what --adopt and --refresh read from the target."""
    planned = plan_changes(
        PlanInputs(
            desired=inputs.desired,
            resources=state.resources,
            workspace=inputs.project.workspace,
            prune=options.prune,
            identity_matches=matches,
            identity_field=inputs.project.identity,
            remote=remote,
        )
    )
    return Plan(
        project_dir=display_path(inputs.project.root),
        workspace=inputs.project.workspace,
        target=inputs.project.target,
        lineage=state.lineage if state.existed else "",
        serial=state.serial,
        declarations_digest=inputs.declarations.digest,
        options=options,
        changes=planned.changes,
        orphans=planned.orphans,
        problems=planned.problems,
        pending=[describe_pending(intent) for intent in sorted(state.pending.values(), key=lambda i: i.seq)],
    )


def describe_pending(intent) -> str:
    return (
        f"{intent.address}: {intent.operation} interrupted at {intent.at} "
        f"(key {intent.idempotency_key or '-'}); the next apply settles it first"
    )
