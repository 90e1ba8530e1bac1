"""Per-workspace state: the snapshot folded with the journal, behind an exclusive lock, kept by a
backend (backend.py: local files or PostgreSQL)."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator, Literal, Mapping

from lfsync.api.serverclock import ServerTime
from lfsync.config.project import Project
from lfsync.errors import LfsyncError
from lfsync.state.backend import StateStore, open_store
from lfsync.state.journal import utc_now
from lfsync.state.localstore import StatePaths, StateWriteFailed
from lfsync.state.records import Intent, Outcome, ResourceState, StateSnapshot
from lfsync.state.replays import retire

__all__ = ["State", "StatePaths", "StateWriteFailed", "load_state", "locked_state"]


class State:
    """The state as it stands: the snapshot with every journalled outcome folded in.

    Writers record through `begin` / `finish` / `reject`, which journal first and then change the
    in-memory view; `compact` folds it all into a new snapshot.
    """

    def __init__(
        self,
        snapshot: StateSnapshot,
        pending: dict[int, Intent],
        store: StateStore,
        next_seq: int,
        existed: bool,
        settled_in_journal: int = 0,
    ):
        self.snapshot = snapshot
        self.pending = pending
        self.store = store
        self._next_seq = next_seq
        self._changed: list[str] = []  # addresses changed since the last compaction, for error messages
        # False while an applier runs: entries are made durable in groups, awaited by `journalled()`
        # before a request is sent and before an outcome counts (journal.py, group commit)
        self.sync_each_entry = True
        # Whether a snapshot was stored when loaded: a saved plan made against none has no lineage.
        self.existed = existed
        # Outcomes loaded from the journal, folded in but not yet compacted (an apply killed after its
        # last outcome and before its compaction leaves them): an apply with nothing to do compacts them.
        self.settled_in_journal = settled_in_journal

    @property
    def resources(self) -> dict[str, ResourceState]:
        return self.snapshot.resources

    @property
    def lineage(self) -> str:
        return self.snapshot.lineage

    @property
    def serial(self) -> int:
        return self.snapshot.serial

    def ids(self) -> "IdsView":
        """address -> ID, a live view (copying it per request would make an apply quadratic)."""
        return IdsView(self.snapshot.resources)

    def begin(self, request: Intent, server_time: ServerTime | None = None) -> Intent:
        """Journal `request` (numbered and timed here) before it is sent; returns the journalled intent.
        `server_time`: the API's time now, as the client knows it (its `Date` headers); kept as the
        intent's `server_at` unless it is only the runner's clock."""
        stamps: dict[str, object] = {"seq": self._take_seq(), "at": utc_now()}
        if server_time is not None and server_time.from_server:
            stamps.update(server_at=server_time.iso(), server_clock=server_time.source)
        intent = request.model_copy(update=stamps)
        self.store.append("intent", intent, sync=self.sync_each_entry)
        self.pending[intent.seq] = intent
        return intent

    def finish(self, intent: Intent, resource: ResourceState | None) -> None:
        """Record that `intent` took effect: `resource` is the address's new state, None if removed."""
        serial = self.snapshot.serial + 1
        outcome = Outcome(intent=intent.seq, result="done", serial=serial, address=intent.address, resource=resource)
        self.store.append("outcome", outcome, sync=self.sync_each_entry)
        _fold(self.snapshot, outcome)
        self.pending.pop(intent.seq, None)
        self._changed.append(intent.address)

    def reject(self, intent: Intent, error: str, *, abandoned: bool = False) -> None:
        """Record that `intent` is settled without effect (a definite 4xx, or found never to have landed)."""
        outcome = Outcome(
            intent=intent.seq, result="abandoned" if abandoned else "rejected", address=intent.address, error=error
        )
        self.store.append("outcome", outcome, sync=self.sync_each_entry)
        self.pending.pop(intent.seq, None)

    async def journalled(self, kind: Literal["intent", "outcome"] = "intent") -> None:
        """Every entry recorded so far is durable (at once while `sync_each_entry`)."""
        await self.store.synced(kind)

    def compact(self) -> None:
        """Store the folded snapshot and shrink the journal to the pending intents, atomically."""
        self.store.compact(self.snapshot, sorted(self.pending.values(), key=lambda i: i.seq), self._changed)
        self._next_seq = max(self.pending, default=0) + 1
        self._changed = []
        self.settled_in_journal = 0

    def replace_resources(self, resources: dict[str, ResourceState]) -> None:
        """For state commands (rm, mv, import): a direct edit, one serial, written at once."""
        if self.pending:
            raise LfsyncError(
                f"{len(self.pending)} operation(s) from an interrupted apply are unsettled; "
                "run `lfsync apply` first so state is complete"
            )
        self.snapshot.resources = dict(sorted(resources.items()))
        self.snapshot.serial += 1
        self.compact()

    def close(self) -> None:
        self.store.close()

    def _take_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq



def _fold(snapshot: StateSnapshot, outcome: Outcome) -> None:
    if outcome.serial is not None:
        snapshot.serial = max(snapshot.serial, outcome.serial)
    if outcome.result != "done":
        return
    if outcome.resource is None:
        removed = snapshot.resources.pop(outcome.address, None)
        if removed is not None:
            retire(snapshot.retired, outcome.address, removed.id)
    else:
        snapshot.resources[outcome.address] = outcome.resource


class IdsView(Mapping[str, str]):
    def __init__(self, resources: dict[str, ResourceState]):
        self._resources = resources

    def __getitem__(self, address: str) -> str:
        return self._resources[address].id

    def __iter__(self) -> Iterator[str]:
        return iter(self._resources)

    def __len__(self) -> int:
        return len(self._resources)


def load_state(project: Project, store: StateStore | None = None) -> State:
    """Snapshot + journal, read-only unless the caller holds the lock (locked_state)."""
    reading = store or open_store(project)
    try:
        stored, intents, outcomes = reading.read()
        snapshot = stored or StateSnapshot(lineage=str(uuid.uuid4()), workspace=project.workspace, target=project.target)
        _check_matches(snapshot, project, reading.where)
    finally:
        if store is None:
            reading.close()  # a read-only load keeps nothing open; writing reopens lazily
    _check_outcomes(intents, outcomes, reading.where)
    written_serial = snapshot.serial
    for outcome in outcomes:
        if outcome.serial is None or outcome.serial > written_serial:  # not yet in the snapshot
            _fold(snapshot, outcome)
    resolved = {outcome.intent for outcome in outcomes}
    pending = {seq: intent for seq, intent in intents.items() if seq not in resolved}
    return State(
        snapshot, pending, reading, next_seq=max(intents, default=0) + 1, existed=stored is not None,
        settled_in_journal=len(outcomes),
    )


def _check_outcomes(intents: Mapping[int, Intent], outcomes: list[Outcome], where: str) -> None:
    """Every outcome settles an intent journalled beside it, as lfsync writes them (an intent is
    appended before its outcome, and compaction drops both together): an outcome naming no intent,
    another address, or a result its operation cannot have (a delete leaving a record, an update
    of one ID recording another) would re-point an address at any record, so it is refused."""
    for outcome in outcomes:
        intent = intents.get(outcome.intent)
        problem = _outcome_problem(intent, outcome)
        if problem:
            raise LfsyncError(
                f"{where}: journal outcome of intent {outcome.intent} for {outcome.address}: {problem}. lfsync did "
                "not write it; if it came with a change to the journal, remove that change, then run the command again"
            )


def _outcome_problem(intent: Intent | None, outcome: Outcome) -> str | None:
    if intent is None:
        return "no intent with that number is in the journal"
    if intent.address != outcome.address:
        return f"its intent is for {intent.address}"
    if outcome.result != "done":
        return None
    if intent.operation == "delete":
        return "a delete leaves no record in state" if outcome.resource is not None else None
    if outcome.resource is None:
        return f"a {intent.operation} that took effect leaves a record in state"
    if intent.operation in ("update", "adopt", "restore") and outcome.resource.id != getattr(intent, "resource_id"):
        return f"its record {outcome.resource.id} is not the one its {intent.operation} names"
    return None


@contextmanager
def locked_state(project: Project, command: str, lock_timeout: float = 0.0) -> Iterator[State]:
    """Hold the workspace lock and yield the state for writing; the store is closed afterwards."""
    store = open_store(project)
    with store.lock(command, lock_timeout):
        try:
            state = load_state(project, store)
            if not state.existed:
                state.compact()  # fixes the lineage before anything is journalled against it
            yield state
        finally:
            store.close()


def _check_matches(snapshot: StateSnapshot, project: Project, where: str) -> None:
    if snapshot.workspace != project.workspace:
        raise LfsyncError(
            f"{where} belongs to workspace {snapshot.workspace!r}, not {project.workspace!r}"
        )
    if snapshot.target != project.target:
        raise LfsyncError(
            f"{where} records accounts of target {snapshot.target!r}, but this run targets "
            f"{project.target!r}. {_other_organisation_hint(project, snapshot.target)}"
        )


def _other_organisation_hint(project: Project, recorded_target: str) -> str:
    """What to do about a workspace whose state records another target; never what the user just did."""
    if project.from_workspaces:
        return (
            f"lfsync.yaml gives workspace {project.workspace!r} this target (chosen by {project.chosen_by}): put its "
            "target back, or add a workspace of its own under `workspaces:` for the other organisation."
        )
    if project.chosen_by == "LFSYNC_WORKSPACE":
        return (
            f"LFSYNC_WORKSPACE={project.workspace} chose this workspace: target {recorded_target} again (LIGHTFIELD_BASE_URL or `target:`), "
            "or name a workspace not used yet in LFSYNC_WORKSPACE for the other organisation."
        )
    return "Use another workspace (LFSYNC_WORKSPACE, or `workspace:` in lfsync.yaml) for a different organisation."


def copy_state(project: Project, source: StateStore, destination: StateStore, command: str, lock_timeout: float) -> State:
    """Copy the workspace's state from `source` to `destination` (`state push` / `state pull`), both
    locked. Refuses a source with unsettled intents, and a destination of another lineage or a newer
    serial: those would lose accounts from state."""
    with source.lock(command, lock_timeout), destination.lock(command, lock_timeout):
        try:
            copied = load_state(project, source)
            present = load_state(project, destination)
            if not copied.existed:
                raise LfsyncError(f"{source.where} holds no state for workspace {project.workspace!r}; nothing to copy")
            for state, where in ((copied, source.where), (present, destination.where)):
                if state.pending:
                    raise LfsyncError(
                        f"{where} has {len(state.pending)} unsettled operation(s) from an interrupted apply; "
                        "run `lfsync apply` against it first"
                    )
            if present.existed and present.lineage != copied.lineage:
                raise LfsyncError(
                    f"{destination.where} holds state of another lineage ({present.lineage}, serial {present.serial}) "
                    f"than {source.where} ({copied.lineage}); it would be overwritten. Remove one of them first if "
                    "that is what you mean"
                )
            if present.existed and present.serial > copied.serial:
                raise LfsyncError(
                    f"{destination.where} is newer (serial {present.serial}) than {source.where} "
                    f"(serial {copied.serial}); copy it the other way"
                )
            destination.compact(copied.snapshot, [], [])
            return copied
        finally:
            source.close()
            destination.close()
