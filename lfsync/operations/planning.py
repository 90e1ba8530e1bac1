"""`lfsync plan`: read what --adopt, refresh (the default) and reset need from the target, and plan
the declared project against its state (the planner itself is lfsync.plan.planner, pure)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lfsync.api.client import LightfieldClient
from lfsync.api.serverclock import ServerClock
from lfsync.apply.pending import describe_pending, untrusted_intents
from lfsync.config.project import Project
from lfsync.declare.fakes import faker_version
from lfsync.errors import display_path
from lfsync.kinds.catalogue import DECLARABLE_KINDS
from lfsync.kinds.present import mixed_kinds
from lfsync.operations.anchoring import anchored
from lfsync.operations.connection import open_client
from lfsync.operations.declared_project import (
    DeclaredProject,
    can_ask_target,
    check_ignored_without_definitions,
    checked_and_learned,
    load_declared,
    with_checked_values,
)
from lfsync.operations.terminal import UNSHOWN, ReadingTerminal
from lfsync.plan.generator_version import generator_version_note
from lfsync.plan.model import Change, PartialPlan, Plan, PlanOptions, RemoteRecord
from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.refreshing import NO_KEY, NO_REFRESH, refresh_decided, refresh_note
from lfsync.plan.scopes import scope_problem
from lfsync.plan.targeting import Selection, select_addresses, select_plan
from lfsync.remote.drifthistory import explain_drift
from lfsync.remote.identity import identity_matches as find_identity_matches
from lfsync.remote.refresh import refresh_remote
from lfsync.remote.unmanaged import reset_kinds, unmanaged_records
from lfsync.state.workspace import State, load_state
from lfsync.support import asyncrun, collector
from lfsync.values.organisation import offline_organisation
from lfsync.values.types import FieldSpec


@dataclass(frozen=True)
class RemoteView:
    """What --adopt, --refresh and reset read from the target (None without them)."""

    matches: dict[str, list[str]] | None = None  # address -> IDs of live accounts with its $name
    records: dict[str, RemoteRecord] | None = None  # address -> the managed record as read back
    unmanaged: dict[str, str] | None = None  # ID -> name of live records (reset's kinds) state does not know
    # Why the managed records were not read back, when a plan could have shown drift ("" otherwise)
    not_refreshed: str = ""


async def read_remote(
    client: LightfieldClient, declared: DeclaredProject, state: State, options: PlanOptions,
    terminal: ReadingTerminal = UNSHOWN, not_refreshed: str = NO_REFRESH,
) -> RemoteView:
    """The reads `options` ask for, each shown through `terminal`; `not_refreshed`: why, when
    `options` read no records back (destroy aside), as the plan will say."""
    matches = records = None
    if options.adopt:
        with terminal.reading("adopt: looking for existing accounts") as progress:
            matches = await identity_matches(client, declared, state, progress)
    if options.refresh:
        records = await refresh_remote(client, state, fields_by_kind(declared), terminal.reading)
    unmanaged = None
    if options.reset and declared.project.owns_organisation:
        kinds = reset_kinds(declared.desired, state.resources)
        managed = {resource.id for resource in state.resources.values()}
        unmanaged = await unmanaged_records(client, kinds, managed, terminal.reading)
    why = "" if options.refresh or options.destroy else not_refreshed
    return RemoteView(matches, records, unmanaged, why)


def fields_by_kind(declared: DeclaredProject) -> dict[str, dict[str, FieldSpec]]:
    """Each declarable kind's field definitions, where the organisation's were read."""
    organisation = declared.organisation.organisation if declared.organisation else None
    views = {kind.name: organisation.of_kind(kind.name) for kind in DECLARABLE_KINDS} if organisation else {}
    return {name: view.fields for name, view in views.items() if view is not None}


async def identity_matches(
    client: LightfieldClient, declared: DeclaredProject, state: State, on_read: Callable[[int, int], None] | None = None
) -> dict[str, list[str]]:
    """For --adopt: live accounts holding the identity value (`identity:`, $name by default) of each
    account not yet in state."""
    return await find_identity_matches(
        client, declared.desired, state.resources, declared.project.identity, on_read
    )


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
            values_checked=declared.organisation is not None,
            moves=declared.declarations.moves,
        )
    )
    selection = Selection(tuple(options.target), tuple(options.exclude))
    selected = select_plan(planned.changes, declared.desired, state.resources, selection)
    return Plan(
        project_dir=display_path(declared.project.root),
        workspace=declared.project.workspace,
        target=declared.project.target,
        lineage=state.lineage if state.existed else "",
        serial=state.serial,
        declarations_digest=declared.declarations.digest,
        options=options,
        changes=selected.changes,
        orphans=select_addresses(planned.orphans, selection),
        problems=untrusted_intents(state.snapshot, state.pending, owns_organisation=declared.project.owns_organisation)
        + planned.problems
        + ([needs] if (needs := scope_problem(selected.changes, declared.scopes)) else []),
        pending=[describe_pending(intent, state.resources) for intent in sorted(state.pending.values(), key=lambda i: i.seq)],
        values_checked_against=declared.organisation.source if declared.organisation else "",
        organisation_digest=declared.organisation.organisation.digest if declared.organisation else "",
        names=display_names(declared, state, selected.changes),
        ignored_drift=planned.ignored_drift,
        managed=len(state.resources),
        partial=PartialPlan(left_out=selected.left_out, brought_along=selected.brought_along) if selection.partial else None,
        refreshed=remote.records is not None,
        refresh_note=refresh_note(remote.not_refreshed) if remote.not_refreshed else "",
        renames=planned.renames,
        generator_note=generator_version_note(declared.declarations.generated, selected.changes, faker_version()),
        kinds=mixed_kinds([*declared.desired, *state.resources, *(change.address for change in selected.changes)]),
    )


def display_names(declared: DeclaredProject, state: State, changes: list[Change]) -> dict[str, str]:
    """What a reviewer calls each ID the changes show: accounts by address, options by label,
    members by email (only the IDs shown, so a big plan does not carry every name)."""
    known = {resource.id: address for address, resource in state.resources.items()}
    known.update((change.resource_id, change.address) for change in changes if change.moved_from and change.resource_id)
    if declared.organisation is not None:
        organisation = declared.organisation.organisation
        every_kind = [organisation, *(organisation.of_kind(name) for name in organisation.kinds)]
        for spec in (spec for of_kind in every_kind if of_kind is not None for spec in of_kind.fields.values()):
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


def plan_project(
    directory: Path, options: PlanOptions, workspace: str | None = None, terminal: ReadingTerminal = UNSHOWN,
    *, refresh_required: bool = False,
) -> tuple[DeclaredProject, Plan]:
    """`lfsync plan`: reads only. Values are checked against the live organisation when the target
    can be asked (its key checked first), else against the committed definitions snapshot; the
    managed records are read back (refresh) when it can be asked, unless options say not to.
    `refresh_required` (`--refresh` given): a target that cannot be asked is an error."""
    declared = load_declared(directory, workspace, values_checked_next=True)
    return asyncrun.run(plan_declared(declared, options, terminal, refresh_required=refresh_required))


def with_settings(options: PlanOptions, project: Project) -> PlanOptions:
    """The options a plan is made with: `prune: true` in lfsync.yaml (or the workspace's entry)
    plans as --prune does, and the plan records it (its fingerprint covers it). destroy and reset
    keep their own rules."""
    if project.prune and not (options.prune or options.destroy or options.reset):
        return options.model_copy(update={"prune": True})
    return options


async def plan_declared(
    declared: DeclaredProject, options: PlanOptions, terminal: ReadingTerminal = UNSHOWN, *, refresh_required: bool = False
) -> tuple[DeclaredProject, Plan]:
    """The plan of a loaded project, its values checked (live, else against the snapshot), its
    records read back where the target can be asked (see plan_project)."""
    reachable = can_ask_target(declared.project)
    options = refresh_decided(with_settings(options, declared.project), reachable or refresh_required)
    state = load_state(declared.project)
    if reachable or options.adopt or options.refresh:
        return await _plan_with_target(declared, state, options, terminal)
    declared = with_checked_values(declared, offline_organisation(declared.project))
    check_ignored_without_definitions(declared, state.resources)
    dated = anchored(declared, state, ServerClock().now(), options)  # no server to ask: this machine's clock
    remote = RemoteView(not_refreshed="" if options.destroy else NO_KEY)
    return dated.declared, dated.shown(build_plan(dated.declared, state, options, remote))


async def _plan_with_target(
    declared: DeclaredProject, state: State, options: PlanOptions, terminal: ReadingTerminal
) -> tuple[DeclaredProject, Plan]:
    async with open_client(declared.project) as client:
        dated = anchored(await checked_and_learned(client, declared), state, client.server_clock.now(), options)
        declared = dated.declared
        remote = await read_remote(client, declared, state, options, terminal)
        plan = dated.shown(build_plan(declared, state, options, remote))
        await explain_drift(client, plan, state.resources, terminal.reading)  # drifted fields: when they changed
        return declared, plan
