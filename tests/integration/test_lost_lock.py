"""A lock that stops writes (issue 23): a store that has held the state lock never writes without it.

On both backends a write after the lock was released, broken (force-unlock) or lost with its
database session raises LockLost and writes nothing; with PostgreSQL the database itself refuses
journal and state rows from a session that does not hold the workspace's lock. The fault test
freezes an apply mid-way (SIGSTOP), breaks its lock, lets another runner apply everything, then
resumes the frozen one: it must write nothing more and stop naming the lost lock, and the next
apply ends exact.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from lfsync.config.project import Project, load_project
from lfsync.emulator.testing import served_emulator
from lfsync.state.backend import open_store
from lfsync.state.locks import LockLost
from lfsync.state.pgschema import LOCK_CLASS, REFUSED_WITHOUT_LOCK
from lfsync.state.records import CreateIntent, ResourceState
from lfsync.state.workspace import load_state, locked_state

from pgtesting import sql
from served import account_count, assert_exactly_once, crash_project, lfsync_env, start_apply, wait_until


def create(address: str) -> CreateIntent:
    return CreateIntent(address=address, idempotency_key=f"k-{address}", request={}, hash="h", applied={})


def resource_state(account_id: str) -> ResourceState:
    return ResourceState(id=account_id, hash="0" * 64, applied={})


@pytest.fixture
def ws(make_project, backend) -> Project:
    return load_project(make_project({}, settings="target: local\nworkspace: w1\n"))


def stored(project: Project) -> object:
    """Everything the backend holds for the workspace, to compare before and after: the journal's
    entries and the snapshot (rows in PostgreSQL, the two files locally)."""
    if project.backend == "local":
        files = (project.state_file("journal.jsonl"), project.state_file("lfstate.json"))
        return [path.read_bytes() if path.exists() else None for path in files]
    return (
        sql(project.backend, "select entry_id, kind, body from lfsync_journal where workspace = %s order by entry_id",
            (project.workspace,)),
        sql(project.backend, "select serial, snapshot from lfsync_state where workspace = %s", (project.workspace,)),
    )


# --- a store after its lock ---------------------------------------------------------------------


def test_a_store_used_after_its_lock_context_exits_writes_nothing(ws):
    with locked_state(ws, "test") as state:
        state.finish(state.begin(create("account.a")), resource_state("acc_a"))
        lock_id = state.store.holder().lock_id  # type: ignore[union-attr]
    before = stored(ws)
    with pytest.raises(LockLost, match=f"the state lock {lock_id} was lost: it was released"):
        state.begin(create("account.b"))
    with pytest.raises(LockLost, match=f"the state lock {lock_id} was lost"):
        state.compact()
    store = state.store
    with pytest.raises(LockLost, match="nothing more"):
        store.append("outcome", state.resources["account.a"])
    assert stored(ws) == before
    assert list(load_state(ws).resources) == ["account.a"] and not load_state(ws).pending


def test_a_store_writes_again_only_under_a_lock_it_takes_anew(ws):
    store = open_store(ws)
    with store.lock("test", 0):
        pass
    state = load_state(ws, store)
    with pytest.raises(LockLost):
        state.begin(create("account.a"))
    with store.lock("test", 0):
        state = load_state(ws, store)
        state.finish(state.begin(create("account.a")), resource_state("acc_a"))
        state.compact()
    store.close()
    assert list(load_state(ws).resources) == ["account.a"]


def test_a_pg_store_whose_session_ended_never_reconnects_to_write(make_project, postgres_url):
    ws = load_project(make_project({}, settings="target: local\nworkspace: w1\n"))
    with locked_state(ws, "apply") as state:
        state.finish(state.begin(create("account.a")), resource_state("acc_a"))
        lock_id = state.store.holder().lock_id  # type: ignore[union-attr]
        sql(ws.backend, "select pg_terminate_backend(backend_pid) from lfsync_lock_holders where lock_id = %s", (lock_id,))
        before = stored(ws)
        with pytest.raises(LockLost, match=f"the state lock {lock_id} was lost: its database session ended"):
            state.begin(create("account.b"))
        with pytest.raises(LockLost, match=f"the state lock {lock_id} was lost: its database session ended"):
            state.begin(create("account.c"))  # no new connection: it would not hold the lock
        with pytest.raises(LockLost, match=f"the state lock {lock_id} was lost"):
            state.compact()
        assert stored(ws) == before
    assert list(load_state(ws).resources) == ["account.a"]


# --- the database refuses writes without the lock -------------------------------------------------


@pytest.fixture
def pg_ws(make_project, postgres_url) -> Project:
    project = load_project(make_project({}, settings="target: local\nworkspace: w1\n"))
    with locked_state(project, "test") as state:  # tables created, a snapshot and one journal row written
        state.begin(create("account.a"))
    return project


def refused(url: str, write: str, params: tuple = (), holding_lock: bool = False) -> str:
    """Run `write` on a session of its own (holding workspace w1's advisory lock, if asked); return
    the message of the database's refusal."""
    with psycopg.connect(url, autocommit=True) as connection:
        if holding_lock:
            connection.execute("select pg_advisory_lock(%s, hashtext('w1'))", (LOCK_CLASS,))
        with pytest.raises(psycopg.Error) as refusal:
            connection.execute(write, params)
    assert refusal.value.sqlstate == REFUSED_WITHOUT_LOCK, refusal.value
    return str(refusal.value)


@pytest.mark.parametrize("write", [
    "insert into lfsync_journal (workspace, kind, format_version, body) values ('w1', 'intent', 1, '{}')",
    "update lfsync_journal set body = '{}' where workspace = 'w1'",
    "delete from lfsync_journal where workspace = 'w1'",
    "insert into lfsync_state (workspace, lineage, serial, snapshot) values ('w1', 'x', 9, '{}') "
    "on conflict (workspace) do update set serial = 9",
    "delete from lfsync_state where workspace = 'w1'",
])
def test_a_session_without_the_lock_cannot_write_journal_or_state(pg_ws, write):
    before = stored(pg_ws)
    message = refused(pg_ws.backend, write)
    assert "this session does not hold the state lock of workspace w1" in message
    assert stored(pg_ws) == before


def test_a_session_holding_the_advisory_lock_must_also_name_the_live_lock(pg_ws):
    [(stale,)] = sql(pg_ws.backend, "select lock_id from lfsync_journal where workspace = 'w1'")  # the lock that wrote it
    before = stored(pg_ws)
    for lock_id in (stale, None):
        message = refused(
            pg_ws.backend,
            "insert into lfsync_journal (workspace, kind, format_version, body, lock_id) values ('w1', 'intent', 1, '{}', %s)",
            (lock_id,), holding_lock=True,
        )
        assert f"lock {lock_id or '(none)'} is not the lock this session holds on workspace w1" in message
    assert stored(pg_ws) == before


def test_a_write_the_database_refuses_stops_the_store_naming_its_lock(pg_ws):
    """The holder's row names another lock (its record taken over): the database refuses the
    write, and the store stops with the lost-lock error, not a traceback, for good."""
    with locked_state(pg_ws, "apply") as state:
        lock_id = state.store.holder().lock_id  # type: ignore[union-attr]
        before = stored(pg_ws)
        sql(pg_ws.backend, "update lfsync_lock_holders set lock_id = 'taken-over' where workspace = 'w1'")
        with pytest.raises(LockLost, match=(
            f"the state lock {lock_id} was lost: the database refused the write "
            rf"\(lock {lock_id} is not the lock this session holds on workspace w1\)"
        )):
            state.begin(create("account.b"))
        with pytest.raises(LockLost, match="the database refused the write"):
            state.compact()
        assert stored(pg_ws) == before


def test_every_row_written_carries_its_lock_id(pg_ws):
    with locked_state(pg_ws, "test") as state:
        lock_id = state.store.holder().lock_id  # type: ignore[union-attr]
        state.finish(state.begin(create("account.b")), resource_state("acc_b"))
        kinds = sql(pg_ws.backend, "select kind from lfsync_journal where lock_id = %s order by entry_id", (lock_id,))
        assert kinds == [("intent",), ("outcome",)]
        state.compact()
        assert sql(pg_ws.backend, "select lock_id from lfsync_state") == [(lock_id,)]
        assert sql(pg_ws.backend, "select lock_id from lfsync_journal") == [(lock_id,)]  # account.a's pending intent


# --- whose clock says since when --------------------------------------------------------------


class RunnerClockAYearOff(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return datetime(2001, 2, 3, 4, 5, 6, tzinfo=tz)


def test_the_lock_since_is_the_databases_clock_not_the_runners(ws, backend, monkeypatch):
    monkeypatch.setattr("lfsync.state.locks.datetime", RunnerClockAYearOff)
    if backend == "local":  # one machine: its own clock is the only one (LockHolder.taking)
        with locked_state(ws, "apply") as state:
            assert state.store.holder().since == "2001-02-03T04:05:06+00:00"  # type: ignore[union-attr]
        return
    [(before,)] = sql(ws.backend, "select date_trunc('second', now())")
    with locked_state(ws, "apply") as state:
        since = state.store.holder().since  # type: ignore[union-attr]
        [(recorded,)] = sql(ws.backend, "select since from lfsync_lock_holders where workspace = 'w1'")
    [(after,)] = sql(ws.backend, "select now()")
    assert before <= datetime.fromisoformat(since) <= after
    assert since == recorded.astimezone(datetime.fromisoformat(since).tzinfo).isoformat(timespec="seconds")


# --- the frozen holder ------------------------------------------------------------------------


def lfsync(project: Path, base_url: str, *args: str) -> subprocess.CompletedProcess:
    """Another runner's lfsync command, as a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "lfsync", *args], env=lfsync_env(base_url), stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=600,
    )


def break_by_force_unlock(project: Path, base_url: str, lock_id: str) -> None:
    unlocked = lfsync(project, base_url, "force-unlock", lock_id, str(project), "--force")
    assert unlocked.returncode == 0 and f"Lock {lock_id} broken" in unlocked.stdout, unlocked.stdout + unlocked.stderr


def break_by_terminating_the_session(project: Path, base_url: str, lock_id: str) -> None:
    """What a network cut or an operator's pg_terminate_backend does: the holder's session ends."""
    url = os.environ["LFSYNC_BACKEND"]
    [(session,)] = sql(url, "select backend_pid from lfsync_lock_holders where lock_id = %s", (lock_id,))
    assert sql(url, "select pg_terminate_backend(%s)", (session,)) == [(True,)]


@pytest.mark.parametrize(("backend", "breaking"), [
    ("local", break_by_force_unlock),
    ("postgres", break_by_force_unlock),
    ("postgres", break_by_terminating_the_session),
], indirect=["backend"])
def test_a_frozen_holder_whose_lock_was_broken_writes_nothing_when_resumed(make_project, tmp_path, backend, breaking):
    project = crash_project(make_project)
    workspace = load_project(project)
    with served_emulator(tmp_path / "emulator.db", "--write-rate", "150") as url:
        frozen = start_apply(project, url, "--concurrency", "8")
        try:
            assert wait_until(lambda: account_count(url) >= 40, frozen), frozen.communicate()[0]
            frozen.send_signal(signal.SIGSTOP)  # mid-apply, holding the lock, requests in flight
            store = open_store(workspace)
            holder = store.holder()
            store.close()
            assert holder is not None and holder.pid == frozen.pid
            breaking(project, url, holder.lock_id)
            other = lfsync(project, url, "apply", str(project), "--auto-approve", "--concurrency", "8")
            assert other.returncode == 0, other.stdout + other.stderr  # it settled the frozen one's intents too
            assert "Apply complete!" in other.stdout
            after_other = stored(workspace)
        finally:
            frozen.send_signal(signal.SIGCONT)
        output = frozen.communicate(timeout=600)[0]
        assert frozen.returncode == 1, output
        assert f"the state lock {holder.lock_id} was lost" in output and "writes nothing more" in output, output
        assert "Traceback" not in output
        assert stored(workspace) == after_other  # not one journal entry, no state, after it resumed
        again = lfsync(project, url, "apply", str(project), "--auto-approve")
        assert again.returncode == 0, again.stdout + again.stderr
        assert_exactly_once(project, url)  # 300 live accounts for 300 declared, each once in state
