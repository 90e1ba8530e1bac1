"""Per-workspace state: the snapshot file, folded with the journal, behind an exclusive lock."""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

from pydantic import ValidationError

from lfsync.atomicfile import write_atomically
from lfsync.errors import LfsyncError, display_path
from lfsync.filelock import exclusive_lock
from lfsync.journal import DamagedJournal, Journal, utc_now
from lfsync.project import Project
from lfsync.records import (
    STATE_FORMAT_VERSION,
    Intent,
    Outcome,
    ResourceState,
    StateSnapshot,
)
from lfsync.replays import retire


class StatePaths:
    def __init__(self, project: Project):
        self.snapshot = project.state_file("lfstate.json")
        self.backup = project.state_file("lfstate.backup.json")
        self.journal = project.state_file("journal.jsonl")
        self.lock = project.state_file("lock")


class State:
    """The state as it stands: the snapshot with every journalled outcome folded in.

    Writers record through `begin` / `finish` / `reject`, which journal first and then change the
    in-memory view; `compact` folds it all into a new snapshot.
    """

    def __init__(
        self, snapshot: StateSnapshot, pending: dict[int, Intent], journal: Journal, paths: StatePaths, next_seq: int
    ):
        self.snapshot = snapshot
        self.pending = pending
        self._journal = journal
        self._paths = paths
        self._next_seq = next_seq
        self._changed: list[str] = []  # addresses changed since the last compaction, for error messages
        # Whether a snapshot was on disk when loaded: a saved plan made against none has no lineage.
        self.existed = paths.snapshot.exists()

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

    def begin(self, request: Intent) -> Intent:
        """Journal `request` (numbered and timed here) before it is sent; returns the journalled intent."""
        intent = request.model_copy(update={"seq": self._take_seq(), "at": utc_now()})
        self._journal.append("intent", intent)
        self.pending[intent.seq] = intent
        return intent

    def finish(self, intent: Intent, resource: ResourceState | None) -> None:
        """Record that `intent` took effect: `resource` is the address's new state, None if removed."""
        serial = self.snapshot.serial + 1
        outcome = Outcome(intent=intent.seq, result="done", serial=serial, address=intent.address, resource=resource)
        self._journal.append("outcome", outcome)
        _fold(self.snapshot, outcome)
        self.pending.pop(intent.seq, None)
        self._changed.append(intent.address)

    def reject(self, intent: Intent, error: str, *, abandoned: bool = False) -> None:
        """Record that `intent` is settled without effect (a definite 4xx, or found never to have landed)."""
        outcome = Outcome(
            intent=intent.seq, result="abandoned" if abandoned else "rejected", address=intent.address, error=error
        )
        self._journal.append("outcome", outcome)
        self.pending.pop(intent.seq, None)

    def compact(self) -> None:
        """Write the folded snapshot atomically (keeping a backup), then shrink the journal."""
        try:
            write_snapshot(self._paths, self.snapshot)
            self._journal.replace_with(sorted(self.pending.values(), key=lambda i: i.seq))
        except OSError as error:
            raise StateWriteFailed(self._paths, error, self._changed) from None
        self._next_seq = max(self.pending, default=0) + 1
        self._changed = []

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
        self._journal.close()

    def _take_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq



class StateWriteFailed(LfsyncError):
    """The snapshot could not be rewritten. Nothing is lost while the journal is readable: every
    outcome is in it, and the next command folds it in."""

    CHANGES_NAMED = 20

    def __init__(self, paths: StatePaths, error: OSError, changed: list[str]):
        where = display_path(Path(error.filename)) if error.filename else display_path(paths.snapshot)
        message = f"could not write the state: {where}: {error.strerror}."
        if changed:
            named = ", ".join(changed[: self.CHANGES_NAMED])
            more = f" and {len(changed) - self.CHANGES_NAMED} more" if len(changed) > self.CHANGES_NAMED else ""
            message += (
                f" This run changed {len(changed)} account(s) ({named}{more}); they are recorded in the journal "
                f"{display_path(paths.journal)}, and the next lfsync command that reads this state folds them in."
            )
        message += " Fix the cause (free disk space, permissions), then run `lfsync apply` again; do not delete the journal."
        super().__init__(message)


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


def write_snapshot(paths: StatePaths, snapshot: StateSnapshot) -> None:
    if paths.snapshot.exists():
        write_atomically(paths.backup, paths.snapshot.read_text(encoding="utf-8"))
    write_atomically(paths.snapshot, snapshot.to_json())


def load_state(project: Project) -> State:
    """Snapshot + journal, read-only unless the caller holds the lock."""
    paths = StatePaths(project)
    snapshot = _read_snapshot(paths) or StateSnapshot(
        lineage=str(uuid.uuid4()), workspace=project.workspace, target=project.target
    )
    _check_matches(snapshot, project, paths.snapshot)
    journal = Journal(paths.journal)
    try:
        intents, outcomes = journal.read()
    except DamagedJournal as damage:
        raise LfsyncError(
            f"{display_path(paths.journal)}:{damage.line}: damaged journal: {damage.problem}. It records requests "
            "sent by an apply that did not finish, so lfsync will not guess: look at that line (a line that is "
            "not an intent or outcome of lfsync can be removed), then run the command again"
        ) from None
    except OSError as error:
        raise LfsyncError(f"cannot read the journal {display_path(paths.journal)}: {error.strerror}") from None
    written_serial = snapshot.serial
    for outcome in outcomes:
        if outcome.serial is None or outcome.serial > written_serial:  # not yet in the snapshot
            _fold(snapshot, outcome)
    resolved = {outcome.intent for outcome in outcomes}
    pending = {seq: intent for seq, intent in intents.items() if seq not in resolved}
    return State(snapshot, pending, journal, paths, next_seq=max(intents, default=0) + 1)


@contextmanager
def locked_state(project: Project, command: str, lock_timeout: float = 0.0) -> Iterator[State]:
    """Hold the workspace lock and yield the state for writing; the journal is closed afterwards."""
    paths = StatePaths(project)
    with exclusive_lock(paths.lock, command, lock_timeout):
        state = load_state(project)
        if not state.existed:
            state.compact()  # fixes the lineage before anything is journalled against it
        try:
            yield state
        finally:
            state.close()


def _read_snapshot(paths: StatePaths) -> StateSnapshot | None:
    path = paths.snapshot
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise LfsyncError(f"cannot read the state file {display_path(path)}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise CorruptState(paths, "1:1: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise CorruptState(paths, f"{error.lineno}:{error.colno}: not valid JSON: {error.msg}") from None
    if not isinstance(document, dict):
        raise CorruptState(paths, f"1:1: not a state file (a JSON {type(document).__name__}, not an object)")
    if document.get("format_version") != STATE_FORMAT_VERSION:
        raise LfsyncError(
            f"{display_path(path)}: state format_version {document.get('format_version')!r} "
            f"is not supported (this lfsync reads {STATE_FORMAT_VERSION})"
        )
    try:
        return StateSnapshot.model_validate(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise CorruptState(paths, f"invalid state at {where}: {first['msg']}") from None


class CorruptState(LfsyncError):
    def __init__(self, paths: StatePaths, problem: str):
        separator = "" if problem[:1].isdigit() else " "
        advice = (
            f"The previous version is kept in {display_path(paths.backup)}: compare the two, and restore it "
            f"with `cp {display_path(paths.backup)} {display_path(paths.snapshot)}` if it is the one to keep."
            if paths.backup.exists()
            else "No backup exists; restore the file from version control."
        )
        super().__init__(f"{display_path(paths.snapshot)}:{separator}{problem}. {advice}")


def _check_matches(snapshot: StateSnapshot, project: Project, path: Path) -> None:
    if snapshot.workspace != project.workspace:
        raise LfsyncError(
            f"{display_path(path)} belongs to workspace {snapshot.workspace!r}, not {project.workspace!r}"
        )
    if snapshot.target != project.target:
        raise LfsyncError(
            f"{display_path(path)} records accounts of target {snapshot.target!r}, but this run targets "
            f"{project.target!r}. Use another workspace (LFSYNC_WORKSPACE) for a different organisation."
        )
