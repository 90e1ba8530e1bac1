"""Lock IDs on both backends (local flock, PostgreSQL advisory lock): every acquisition has its own
LOCK_ID, `holder()` reports it, and `break_lock` / `lfsync force-unlock LOCK_ID` break that lock
and no other, never a lock taken after the ID was read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lfsync.config.project import load_project
from lfsync.state.backend import open_store
from lfsync.state.locks import LockHeld, LockNotBroken
from lfsync.state.workspace import locked_state

HOLD = """
import sys
from pathlib import Path
from lfsync.config.project import load_project
from lfsync.state.backend import open_store
store = open_store(load_project(Path(sys.argv[1])))
with store.lock("apply", 0) as holder:
    print(holder.lock_id, flush=True)
    sys.stdin.readline()  # held until told (or until killed, or its lock is broken)
store.close()
"""


class Holder:
    """Another process holding the workspace's lock until told to let go."""

    def __init__(self, root: Path):
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.lock_id = self.process.stdout.readline().strip()
        assert self.lock_id, "the holder did not take the lock"

    def release(self) -> None:
        self.process.communicate("release\n")
        assert self.process.returncode == 0

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


@pytest.fixture
def root(make_project, backend) -> Path:
    return make_project({}, settings="target: local\nworkspace: w1\n")


@pytest.fixture
def holders(root):
    started: list[Holder] = []

    def start() -> Holder:
        started.append(Holder(root))
        return started[-1]

    yield start
    for holder in started:
        holder.stop()


def current_lock_id(root: Path) -> str | None:
    store = open_store(load_project(root))
    try:
        holder = store.holder()
        return holder.lock_id if holder else None
    finally:
        store.close()


def test_each_lock_has_its_own_id_reported_by_holder_and_in_the_held_message(root, holders):
    assert current_lock_id(root) is None
    first = holders()
    assert current_lock_id(root) == first.lock_id
    with pytest.raises(LockHeld) as refused:
        with locked_state(load_project(root), "apply"):
            pass
    message = str(refused.value)
    assert f"pid {first.process.pid} on" in message and "(apply)" in message
    assert f"lock ID {first.lock_id}" in message and f"`lfsync force-unlock {first.lock_id}`" in message
    first.release()
    assert current_lock_id(root) is None
    second = holders()
    assert second.lock_id != first.lock_id and current_lock_id(root) == second.lock_id


def test_a_wrong_id_is_refused_and_nothing_is_broken(root, holders, cli):
    holder = holders()
    store = open_store(load_project(root))
    try:
        with pytest.raises(LockNotBroken, match=f"lock ID {holder.lock_id}") as refused:
            store.break_lock("not-the-lock-id")
        assert refused.value.holder is not None and refused.value.holder.lock_id == holder.lock_id
    finally:
        store.close()
    result = cli("force-unlock", "not-the-lock-id", root, "--force")
    assert result.exit_code == 1
    assert "lock ID not-the-lock-id is not the lock held now" in result.stderr
    assert f"pid {holder.process.pid} on" in result.stderr and f"lock ID {holder.lock_id}" in result.stderr
    assert current_lock_id(root) == holder.lock_id
    with pytest.raises(LockHeld):  # still held
        with locked_state(load_project(root), "apply"):
            pass


def test_the_right_id_breaks_the_lock(root, holders, cli):
    holder = holders()
    result = cli("force-unlock", holder.lock_id, root, "--force")
    assert result.exit_code == 0, result.output
    assert f"Lock {holder.lock_id} broken (was held by pid {holder.process.pid} on" in result.stdout
    assert current_lock_id(root) is None
    with locked_state(load_project(root), "apply"):  # taken at once, without waiting
        pass
    again = cli("force-unlock", holder.lock_id, root, "--force")
    assert again.exit_code == 0 and again.stdout.startswith("The state is not locked")


def test_a_newer_holder_is_never_broken_by_the_id_of_an_older_one(root, holders, cli):
    older = holders()
    read_before = current_lock_id(root)  # what an operator reads, then types into force-unlock
    assert read_before == older.lock_id
    older.release()
    newer = holders()  # took the lock after the ID was read
    store = open_store(load_project(root))
    try:
        with pytest.raises(LockNotBroken) as refused:
            store.break_lock(older.lock_id)
        assert refused.value.holder is not None and refused.value.holder.lock_id == newer.lock_id
    finally:
        store.close()
    result = cli("force-unlock", older.lock_id, root, "--force")
    assert result.exit_code == 1 and f"lock ID {newer.lock_id}" in result.stderr
    assert current_lock_id(root) == newer.lock_id
    with pytest.raises(LockHeld, match=newer.lock_id):
        with locked_state(load_project(root), "apply"):
            pass
    newer.release()  # it held its lock to the end, and lets go normally


def test_unattended_force_unlock_without_force_is_refused(root, holders, cli):
    holder = holders()
    result = cli("force-unlock", holder.lock_id, root)
    assert result.exit_code == 1 and "pass --force when not on a terminal" in result.stderr
    assert current_lock_id(root) == holder.lock_id


def test_on_a_terminal_force_unlock_asks_first(root, holders, cli, monkeypatch):
    monkeypatch.setattr("lfsync.commands.unlock.is_interactive", lambda: True)
    holder = holders()
    declined = cli("force-unlock", holder.lock_id, root, input="n\n")
    assert declined.exit_code == 0 and f"Break the lock held by pid {holder.process.pid}" in declined.stdout
    assert "Nothing changed." in declined.stdout and current_lock_id(root) == holder.lock_id
    accepted = cli("force-unlock", holder.lock_id, root, input="y\n")
    assert accepted.exit_code == 0 and f"Lock {holder.lock_id} broken" in accepted.stdout
    assert current_lock_id(root) is None


def test_a_lock_taken_while_the_operator_confirms_is_not_broken(root, holders, cli, monkeypatch):
    """The ID is read, the prompt waits; meanwhile the holder finishes and a new command locks."""
    monkeypatch.setattr("lfsync.commands.unlock.is_interactive", lambda: True)
    older = holders()
    newer: list[Holder] = []

    def confirm_after_the_lock_changed_hands(prompt: str) -> bool:
        older.release()
        newer.append(holders())
        return True

    monkeypatch.setattr("lfsync.commands.unlock.click.confirm", confirm_after_the_lock_changed_hands)
    result = cli("force-unlock", older.lock_id, root)
    assert result.exit_code == 1, result.output
    assert f"lock ID {older.lock_id} is not the lock held now" in result.stderr
    assert f"lock ID {newer[0].lock_id}" in result.stderr
    assert current_lock_id(root) == newer[0].lock_id
