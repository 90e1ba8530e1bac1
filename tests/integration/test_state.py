"""State: snapshot + journal folding, atomic writes with a backup, and the workspace lock."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from lfsync.config.project import load_project
from lfsync.state import filelock
from lfsync.state.filelock import exclusive_lock, is_locked
from lfsync.state.localstore import LocalStore
from lfsync.state.locks import LockHeld, LockLost
from lfsync.state.records import CreateIntent, DeleteIntent, ResourceState
from lfsync.state.workspace import StatePaths, load_state, locked_state


@pytest.fixture
def ws(make_project):
    return load_project(make_project({}, settings="target: local\nworkspace: w1\n"))


def create(address: str, request: dict | None = None) -> CreateIntent:
    payload = {"fields": {}, "relationships": {}}
    return CreateIntent(address=address, idempotency_key="k", request=request or {"fields": {}}, hash="h", applied=payload)


def resource(resource_id: str) -> ResourceState:
    return ResourceState(id=resource_id, hash=hashlib.sha256(resource_id.encode()).hexdigest(), applied={"fields": {"$name": resource_id}, "relationships": {}})


def test_first_lock_fixes_lineage_and_outcomes_survive_without_compaction(ws):
    with locked_state(ws, "test") as state:
        lineage = state.lineage
        intent = state.begin(create("account.a"))
        state.finish(intent, resource("acc_1"))
        assert state.serial == 1
    reloaded = load_state(ws)  # journal folded in, no compaction happened
    assert reloaded.lineage == lineage
    assert reloaded.serial == 1 and reloaded.resources["account.a"].id == "acc_1"
    assert reloaded.pending == {}


def test_unresolved_intent_is_pending_after_reload(ws):
    with locked_state(ws, "test") as state:
        state.begin(create("account.a", {"fields": {"$name": "A"}}))
    pending = list(load_state(ws).pending.values())
    assert [(i.address, i.idempotency_key, i.request) for i in pending] == [("account.a", "k", {"fields": {"$name": "A"}})]


def test_torn_last_journal_line_is_ignored(ws):
    with locked_state(ws, "test") as state:
        state.finish(state.begin(create("account.a")), resource("acc_1"))
    journal = StatePaths(ws).journal
    with journal.open("a") as handle:
        handle.write('{"intent": {"seq": 9, "oper')  # killed mid-append
    state = load_state(ws)
    assert state.resources["account.a"].id == "acc_1" and state.pending == {}


def test_compaction_writes_sorted_snapshot_with_backup_and_empties_journal(ws):
    paths = StatePaths(ws)
    with locked_state(ws, "test") as state:
        for name in ("b", "a"):
            state.finish(state.begin(create(f"account.{name}")), resource(f"acc_{name}"))
        state.compact()
        state.finish(state.begin(DeleteIntent(address="account.b", resource_id="acc_b")), None)
        state.compact()
    assert not paths.journal.exists()
    snapshot = json.loads(paths.snapshot.read_text())
    assert list(snapshot["resources"]) == ["account.a"] and snapshot["serial"] == 3
    assert list(json.loads(paths.backup.read_text())["resources"]) == ["account.a", "account.b"]
    text = paths.snapshot.read_text()
    assert text == json.dumps(snapshot, indent=2, sort_keys=True) + "\n"


def test_outcomes_already_in_snapshot_are_not_folded_twice(ws):
    paths = StatePaths(ws)
    with locked_state(ws, "test") as state:
        state.finish(state.begin(create("account.a")), resource("acc_1"))
        journal_text = paths.journal.read_text()
        state.compact()
    paths.journal.write_text(journal_text)  # killed between snapshot write and journal truncation
    state = load_state(ws)
    assert state.serial == 1 and list(state.resources) == ["account.a"] and state.pending == {}


def test_state_of_another_target_is_refused(ws, monkeypatch):
    with locked_state(ws, "test"):
        pass
    monkeypatch.setenv("LIGHTFIELD_BASE_URL", "https://api.lightfield.app")
    from lfsync.errors import LfsyncError

    with pytest.raises(LfsyncError, match="records accounts of target 'local'"):
        load_state(load_project(ws.root))


HOLDER = """
import sys, time
from pathlib import Path
from lfsync.state.filelock import exclusive_lock
with exclusive_lock(Path(sys.argv[1]), "apply") as held:
    print("locked", held.holder.lock_id, flush=True)
    sys.stdin.readline()  # held until told (or until killed)
"""


def hold_lock(path: Path) -> subprocess.Popen:
    """Another process holding the lock at `path` until a line is written to its stdin."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    word, process.lock_id = process.stdout.readline().split()  # type: ignore[attr-defined]
    assert word == "locked"
    return process


def test_second_writer_fails_naming_the_holder(tmp_path):
    holder = hold_lock(tmp_path / "w.lock")
    try:
        with pytest.raises(LockHeld, match=rf"pid {holder.pid} on .* \(apply\) since .*, lock ID {holder.lock_id}"):
            with exclusive_lock(tmp_path / "w.lock", "apply"):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_second_writer_waits_for_lock_timeout(tmp_path):
    holder = hold_lock(tmp_path / "w.lock")
    acquired = threading.Event()

    def second_writer() -> None:
        with exclusive_lock(tmp_path / "w.lock", "apply", timeout=300):
            acquired.set()

    waiter = threading.Thread(target=second_writer)
    waiter.start()
    assert not acquired.is_set()  # the holder still has it: the second writer is waiting
    holder.communicate("release\n")  # the holder lets go and exits
    waiter.join()
    assert acquired.is_set()


def test_lock_of_a_killed_holder_does_not_block(tmp_path):
    holder = hold_lock(tmp_path / "w.lock")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with exclusive_lock(tmp_path / "w.lock", "apply"):
        pass


def test_cli_lock_blocks_a_second_apply_and_force_unlock(project, cli):
    lock = project.parent / "project" / "state" / "default.lock"
    holder = hold_lock(lock)
    try:
        result = cli("apply", project, "--auto-approve")
        assert result.exit_code == 1
        assert f"state is locked by pid {holder.pid}" in result.stderr
        assert f"`lfsync force-unlock {holder.lock_id}`" in result.stderr
        unlocked = cli("force-unlock", holder.lock_id, project, "--force")
        assert unlocked.exit_code == 0 and f"Lock {holder.lock_id} broken" in unlocked.stdout
        assert "still running on this machine" in unlocked.stdout  # the holder lives on, lock broken
        assert not lock.exists()
        assert cli("apply", project, "--auto-approve").exit_code == 0
    finally:
        holder.kill()
        holder.wait()


def test_is_locked_follows_the_holder_and_force_unlock_leaves_a_free_lock_alone(project, cli):
    lock = project / "state" / "default.lock"
    assert not is_locked(lock)
    holder = hold_lock(lock)
    assert is_locked(lock)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert not is_locked(lock)
    result = cli("force-unlock", holder.lock_id, project, "--force")
    assert result.exit_code == 0 and "not locked; nothing to do" in result.stdout
    assert lock.exists()


def test_a_broken_holder_that_lives_on_writes_nothing_more(ws):
    with locked_state(ws, "apply") as state:
        lock_id = LocalStore(ws).holder().lock_id  # type: ignore[union-attr]
        LocalStore(ws).break_lock(lock_id)
        with locked_state(ws, "state rm") as newer:  # the next command takes a fresh lock file at once
            assert LocalStore(ws).holder().lock_id != lock_id  # type: ignore[union-attr]
            with pytest.raises(LockLost, match=f"the state lock {lock_id} was lost: `lfsync force-unlock` broke it"):
                state.begin(create("account.a"))
            newer.finish(newer.begin(create("account.b")), resource("acc_b"))
        with pytest.raises(LockLost, match=f"the state lock {lock_id} was lost"):
            state.compact()
    assert list(load_state(ws).resources) == ["account.b"]  # only the newer holder wrote


GUARD_HOLDER = """
import fcntl, sys
with open(sys.argv[1], "a") as guard:
    fcntl.flock(guard.fileno(), fcntl.LOCK_EX)  # as a holder frozen (SIGSTOP) inside the guard would
    print("guarded", flush=True)
    sys.stdin.readline()  # held until told (or until killed)
"""


@pytest.mark.timeout(60)  # a safety net: a blocking guard hangs here for ever
def test_a_guard_held_for_ever_is_an_error_naming_it_not_a_hang(project, cli, monkeypatch):
    monkeypatch.setattr(filelock, "GUARD_WAIT_SECONDS", 0.5)
    guard = project / "state" / ".default.guard.lock"
    guard.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", GUARD_HOLDER, str(guard)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "guarded\n"
        result = cli("apply", project, "--auto-approve")
        assert result.exit_code == 1, result.output
        assert "the state lock's guard" in result.stderr and ".default.guard.lock" in result.stderr
        assert "held by another process for more than 0.5s" in result.stderr
    finally:
        holder.kill()
        holder.wait()
    assert cli("apply", project, "--auto-approve").exit_code == 0  # its holder gone, the guard is free
