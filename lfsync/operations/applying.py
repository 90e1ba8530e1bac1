"""`lfsync apply` (and destroy, reset): check access and every value, then under the state lock
settle interrupted work, plan again, confirm, execute and write state. A saved plan is applied
only while it still holds (the staleness checks below)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from lfsync.api.client import LightfieldClient
from lfsync.apply.applier import DEFAULT_CONCURRENCY, Applier
from lfsync.apply.declarations import DeclarationRecorder
from lfsync.apply.pending import refuse_untrusted
from lfsync.apply.protection import record_protection
from lfsync.apply.recovery import RecoveryReport, RecoveryStopped, settle_pending
from lfsync.errors import LfsyncError
from lfsync.operations.anchoring import anchored, record_anchor
from lfsync.operations.connection import open_client
from lfsync.operations.declared_project import DeclaredProject, checked_and_learned, load_declared
from lfsync.operations.planning import build_plan, read_remote, with_settings
from lfsync.operations.terminal import ApplyTerminal
from lfsync.plan.actions import ApplyReport
from lfsync.plan.anchoring import anchor_staleness
from lfsync.plan.blast_radius import change_size, managed_noun, refusal
from lfsync.plan.model import Plan, PlanOptions, load_plan, staleness
from lfsync.plan.refreshing import NO_REFRESH, SAVED_UNREFRESHED, refresh_decided
from lfsync.remote.drifthistory import explain_drift
from lfsync.state.workspace import State, locked_state
from lfsync.support import asyncrun
from lfsync.values.organisation import SNAPSHOT_FILE, Organisation, differences, read_snapshot, snapshot_path


@dataclass(frozen=True)
class ApplyRequest:
    source: Path  # the project directory, or (with `saved`) where the saved plan was made
    options: PlanOptions
    saved: Plan | None = None  # a saved plan: apply exactly its changes, or refuse
    concurrency: int = DEFAULT_CONCURRENCY
    lock_timeout: float = 0.0
    auto_approve: bool = False
    allow_large_change: bool = False  # --allow-large-change: past max_change_fraction for this run

    @property
    def asks_confirmation(self) -> bool:
        """Whether apply asks before it acts: always without --auto-approve, except for a saved plan
        (approved when it was reviewed); but destroy, reset and prune ask also for a saved plan."""
        if self.auto_approve:
            return False
        return self.saved is None or trashes_by_option(self.options)


def trashes_by_option(options: PlanOptions) -> bool:
    """Options under which a plan moves accounts to the trash: destroy, reset, prune."""
    return options.destroy or options.reset or options.prune


@dataclass(frozen=True)
class ApplyResult:
    declared: DeclaredProject
    plan: Plan  # the plan applied (made again now, also for a saved plan)
    report: ApplyReport | None  # None: the user did not confirm


def apply_request(
    dir_or_plan: Path, options: PlanOptions, *, concurrency: int = DEFAULT_CONCURRENCY, lock_timeout: float = 0.0,
    auto_approve: bool = False, in_workspaces: bool = False, allow_large_change: bool = False, refresh_given: bool = False,
) -> ApplyRequest:
    """`lfsync apply DIR|PLANFILE`: a directory is planned now with `options`; a saved plan is
    applied with the options it was made with, in the one workspace it was made for
    (`refresh_given`: --refresh or --no-refresh was on the command line)."""
    saved = load_plan(dir_or_plan) if dir_or_plan.is_file() else None
    if saved is None:
        return ApplyRequest(dir_or_plan, options, None, concurrency, lock_timeout, auto_approve, allow_large_change)
    if options.reanchor:
        raise LfsyncError("--reanchor belongs to `lfsync plan` for a saved plan: the plan shows the dates it moves")
    if refresh_given or options.prune or options.adopt or options.target or options.exclude:
        raise LfsyncError(
            "--refresh, --no-refresh, --prune, --adopt, --target and --exclude belong to `lfsync plan`; "
            "a saved plan is applied with the options it was made with"
        )
    if in_workspaces:
        raise LfsyncError("a saved plan belongs to one workspace; --workspace and --all-workspaces plan anew")
    return ApplyRequest(saved_project_dir(saved), saved.options, saved, concurrency, lock_timeout, auto_approve, allow_large_change)


def saved_project_dir(saved: Plan) -> Path:
    """Saved plans name their project relative to where plan ran, so CI can apply them in another checkout."""
    directory = Path(saved.project_dir)
    if not directory.is_dir():
        raise LfsyncError(
            f"the saved plan belongs to the project in {saved.project_dir!r}, which is not a directory here; "
            "run apply from where plan ran"
        )
    return directory


def apply_project(request: ApplyRequest, terminal: ApplyTerminal) -> ApplyResult:
    """`lfsync apply`: check access and every value, then under the lock settle interrupted work,
    plan, confirm, execute and write state. Nothing is written before the values are checked."""
    declared = load_declared(request.source, read_files=not request.options.destroy, values_checked_next=True)
    return asyncrun.run(apply_declared(declared, request, terminal))


async def apply_declared(declared: DeclaredProject, request: ApplyRequest, terminal: ApplyTerminal) -> ApplyResult:
    """The apply of a loaded project (one workspace), shown and asked through `terminal`. A saved
    plan keeps the options it was made with; otherwise lfsync.yaml's `prune:` counts as --prune."""
    if request.saved is None:  # apply always asks the target: it refreshes unless told not to
        request = dataclasses.replace(request, options=refresh_decided(with_settings(request.options, declared.project), True))
    async with open_client(declared.project, concurrency=request.concurrency) as client:
        declared = await checked_and_learned(client, declared)
        if declared.organisation is None:  # learned above: apply never runs unchecked
            raise RuntimeError("apply has no organisation to check the declarations against")
        _check_snapshot_current(declared.project.root, declared.project.target, declared.organisation.organisation)
        if request.saved is not None:
            _check_same_organisation(request.saved, declared.organisation.organisation)
        with locked_state(declared.project, "apply", request.lock_timeout) as state:
            return await _apply_locked(client, declared, state, request, terminal)


async def _apply_locked(
    client: LightfieldClient, declared: DeclaredProject, state: State, request: ApplyRequest, terminal: ApplyTerminal
) -> ApplyResult:
    if request.saved is not None:
        _check_fresh(request.saved, declared, state)
    if state.pending:
        refuse_untrusted(state.snapshot, state.pending, owns_organisation=declared.project.owns_organisation)
        terminal.settling(len(state.pending))
        recovered, stopped = RecoveryReport(), None
        try:
            await settle_pending(
                client, state, report=recovered,
                owns_organisation=declared.project.owns_organisation, identity=declared.project.identity,
            )
        except RecoveryStopped as error:  # part-way: what it settled before is stored and said all the same
            stopped = error
        state.compact()
        terminal.settled(recovered.settled + recovered.dropped)
        if stopped is not None:
            raise stopped
    not_refreshed = NO_REFRESH if request.saved is None else SAVED_UNREFRESHED
    dated = anchored(declared, state, client.server_clock.now(), request.options, request.saved)
    declared = dated.declared
    remote = await read_remote(client, declared, state, request.options, terminal, not_refreshed)
    current = dated.shown(build_plan(declared, state, request.options, remote))
    await explain_drift(client, current, state.resources, terminal.reading)  # drifted fields: when they changed
    if request.saved is not None:
        _check_within(current, request.saved)
    terminal.show_plan(current)
    if current.problems:
        raise LfsyncError("the plan has errors (above); nothing was applied")
    _check_change_size(current, declared, request)
    if not current.changes:
        record_anchor(state, current.anchor)
        if _record_declared(state, declared) or state.settled_in_journal:
            state.compact()
        return ApplyResult(declared, current, ApplyReport())
    if request.asks_confirmation and not terminal.confirm(current):
        return ApplyResult(declared, current, None)
    record_anchor(state, current.anchor)  # durable before a request carries a date resolved against it
    recorder = _declaration_recorder(state, declared)
    applier = Applier(
        client, state, declared.desired, declared.project.workspace,
        concurrency=request.concurrency, progress=terminal.progress(), on_applied=recorder.applied,
    )
    with terminal.interrupts(applier):
        report = await applier.execute(current.changes)
    _record_declared(state, declared, recorder)
    state.compact()
    return ApplyResult(declared, current, report)


def _check_change_size(plan: Plan, declared: DeclaredProject, request: ApplyRequest) -> None:
    """The blast radius rail, checked on the plan about to be sent (also a saved plan's, which
    carries no allowance of its own): destroy and reset are explicit and exempt."""
    if request.allow_large_change or plan.options.destroy or plan.options.reset:
        return
    size = change_size(plan.changes, plan.managed)
    if reason := refusal(size, declared.project.max_change_fraction, managed_noun(declared.declarations.accounts)):
        raise LfsyncError(reason)


def _declaration_recorder(state: State, declared: DeclaredProject) -> DeclarationRecorder:
    return DeclarationRecorder(state, declared.declarations.accounts, declared.desired, declared.project.workspace)


def _record_declared(state: State, declared: DeclaredProject, recorder: DeclarationRecorder | None = None) -> bool:
    """What state keeps of the declarations once applied: `protect`, and how values were written
    (`recorder`: the one the apply recorded them with as its changes succeeded)."""
    protected = record_protection(state, declared.desired)
    written = (recorder or _declaration_recorder(state, declared)).finish()
    return protected or written


# --- does the saved plan still hold? -------------------------------------------------------


def _check_fresh(saved: Plan, declared: DeclaredProject, state: State) -> None:
    reason = anchor_staleness(saved.anchor, state.snapshot.anchor) or staleness(
        saved, lineage=state.lineage, serial=state.serial, digest=declared.declarations.digest,
        workspace=declared.project.workspace, target=declared.project.target,
    )
    if reason:
        raise LfsyncError(f"the saved plan is stale: {reason}. Run `lfsync plan` again.")


def _check_snapshot_current(root: Path, target: str, organisation: Organisation) -> None:
    """A committed definitions snapshot is what pull-request plans were checked against: apply
    refuses while the live organisation differs from it."""
    snapshot = read_snapshot(snapshot_path(root), target)
    if snapshot is not None:
        snapshot = snapshot.narrowed_to(organisation.kinds)  # the kinds the project declares
    if snapshot is None or snapshot.digest == organisation.digest:
        return
    changes = differences(snapshot, organisation)
    raise LfsyncError(
        f"the organisation has changed since {SNAPSHOT_FILE} was pulled ({'; '.join(changes[:10]) or 'details differ'}"
        f"{f'; and {len(changes) - 10} more' if len(changes) > 10 else ''}): plans checked against it may not hold. "
        f"Run `lfsync definitions pull`, review the plan again and commit the new {SNAPSHOT_FILE}."
    )


def _check_same_organisation(saved: Plan, organisation: Organisation) -> None:
    if saved.organisation_digest and saved.organisation_digest != organisation.digest:
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
