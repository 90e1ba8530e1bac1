"""The PostgreSQL backend against a real server (pgserver): state, journal, lock, schema, secrets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lfsync.config.project import load_project
from lfsync.state.locks import LockHeld
from lfsync.state.records import CreateIntent, ResourceState
from lfsync.state.workspace import load_state, locked_state

from pgtesting import sql


def create(address: str) -> CreateIntent:
    return CreateIntent(address=address, idempotency_key=f"k-{address}", request={}, hash="h", applied={})


def resource_state(account_id: str) -> ResourceState:
    return ResourceState(id=account_id, hash="0" * 64, applied={})


@pytest.fixture
def ws(make_project, postgres_url):
    return load_project(make_project({}, settings="workspace: w1\n"))


def test_state_lives_in_the_database_journal_first_then_compacted(ws, postgres_url):
    with locked_state(ws, "test") as state:
        lineage = state.lineage
        state.finish(state.begin(create("account.a")), resource_state("acc_1"))
        state.begin(create("account.b"))  # sent, never answered
        rows = sql(postgres_url, "select kind from lfsync_journal where workspace = 'w1' order by entry_id")
        assert [kind for (kind,) in rows] == ["intent", "outcome", "intent"]  # committed before anything else
    reloaded = load_state(ws)
    assert reloaded.lineage == lineage and reloaded.existed
    assert reloaded.resources["account.a"].id == "acc_1"
    assert [i.address for i in reloaded.pending.values()] == ["account.b"]
    with locked_state(ws, "test") as state:
        state.compact()
    assert sql(postgres_url, "select kind from lfsync_journal where workspace = 'w1'") == [("intent",)]
    assert sql(postgres_url, "select lineage, serial from lfsync_state where workspace = 'w1'") == [(lineage, 1)]
    assert not (ws.state_dir / "w1.lfstate.json").exists()  # nothing written locally


def test_the_tables_are_versioned_and_a_newer_schema_is_refused(ws, postgres_url):
    load_state(ws)
    assert sql(postgres_url, "select version from lfsync_schema_version order by version") == [(1,), (2,), (3,)]
    sql(postgres_url, "insert into lfsync_schema_version values (99)")
    with pytest.raises(Exception, match="schema version 99, newer than this lfsync's"):
        load_state(ws)


def test_a_second_runner_is_refused_naming_the_holder(ws):
    with locked_state(ws, "apply"):
        with pytest.raises(LockHeld, match=r"state is locked by pid \d+ on .* \(apply\) since"):
            with locked_state(ws, "state rm", lock_timeout=0.3):
                pass
    with locked_state(ws, "state rm"):  # released with the first
        pass


HOLD = """
import sys
from pathlib import Path
from lfsync.config.project import load_project
from lfsync.state.workspace import locked_state
from lfsync.state.backend import open_store
project = load_project(Path(sys.argv[1]))
with locked_state(project, "apply") as state:
    print("locked", flush=True)
    print(open_store(project).holder().lock_id, flush=True)
    sys.stdin.read()
"""


def test_a_killed_holder_releases_the_lock(ws):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ws.root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "locked\n"  # it holds the lock now
        with pytest.raises(LockHeld, match=f"pid {holder.pid} on"):
            with locked_state(ws, "apply"):
                pass
        holder.kill()
        holder.wait()
        with locked_state(ws, "apply", lock_timeout=30):  # its session ends with it, and the lock
            pass
    finally:
        holder.kill()
        holder.wait()


def test_a_password_is_never_shown(make_project, postgres, monkeypatch):
    url = postgres.new_database().replace("postgres:@", "postgres:s3cret-pw@").replace("/lfsync_test_", "/missing_")
    monkeypatch.setenv("LFSYNC_BACKEND", url)
    project = load_project(make_project({}))
    with pytest.raises(Exception) as failure:
        load_state(project)
    assert "s3cret-pw" not in str(failure.value)
    assert "***" in str(failure.value)


def test_a_password_in_libpq_query_form_is_never_shown(make_project, postgres, monkeypatch):
    url = postgres.new_database().replace("/lfsync_test_", "/missing_")
    monkeypatch.setenv("LFSYNC_BACKEND", f"{url}{'&' if '?' in url else '?'}password=s3cret-query-pw")
    project = load_project(make_project({}))
    with pytest.raises(Exception) as failure:
        load_state(project)
    assert "s3cret-query-pw" not in str(failure.value)
    assert "password=***" in str(failure.value)


@pytest.mark.parametrize("backend", [
    "postgresql://db.example/lfsync?password=s3cret-pw",
    "postgresql://db.example/lfsync?sslmode=require&password=s3cret-pw",
    "host=db.example dbname=lfsync password=s3cret-pw",
    "host=db.example password = 's3cret-pw' dbname=lfsync",
])
def test_every_form_of_a_password_in_lfsync_yaml_is_refused_without_showing_it(make_project, cli, backend):
    root = make_project({}, settings=f"target: local\nbackend: \"{backend}\"\n")
    refused = cli("plan", root)
    assert refused.exit_code == 1
    assert "lfsync.yaml:2:1" in refused.output and "password" in refused.output
    assert "s3cret-pw" not in refused.output


def test_a_key_value_dsn_in_lfsync_backend_is_refused_without_its_password(make_project, cli, monkeypatch):
    root = make_project({})
    monkeypatch.setenv("LFSYNC_BACKEND", "host=db.example password=s3cret-pw dbname=lfsync")
    refused = cli("plan", root)
    assert refused.exit_code == 1
    assert "backend must be 'local' or a PostgreSQL URL" in refused.output
    assert "password=***" in refused.output and "s3cret-pw" not in refused.output


def test_a_password_in_lfsync_yaml_is_refused_at_its_position(make_project, cli):
    root = make_project({}, settings="target: local\nbackend: postgresql://me:pw@db.example/lfsync\n")
    refused = cli("plan", root)
    assert refused.exit_code == 1
    assert "lfsync.yaml:2:1" in refused.output and "contains a password" in refused.output
    assert "pw@" not in refused.output


def test_a_backend_that_is_not_postgresql_is_refused(make_project, cli, monkeypatch):
    root = make_project({})
    monkeypatch.setenv("LFSYNC_BACKEND", "mysql://me:pw@db.example/lfsync")
    refused = cli("plan", root)
    assert refused.exit_code == 1
    assert "LFSYNC_BACKEND: backend must be 'local' or a PostgreSQL URL" in refused.output
    assert "me:***@db.example" in refused.output and ":pw@" not in refused.output


def test_push_then_pull_moves_state_and_refuses_to_overwrite_newer(ws, cli, postgres_url, monkeypatch):
    monkeypatch.delenv("LFSYNC_BACKEND")
    with locked_state(load_project(ws.root), "test") as local:  # local state, serial 1
        local.finish(local.begin(create("account.a")), resource_state("acc_1"))
        local.compact()
    monkeypatch.setenv("LFSYNC_BACKEND", postgres_url)
    assert cli("state", "pull", "--dir", ws.root).exit_code == 1  # nothing in the database yet
    pushed = cli("state", "push", "--dir", ws.root)
    assert pushed.exit_code == 0, pushed.output
    assert "Pushed 1 resource(s) (serial 1)" in pushed.output
    assert load_state(ws).resources["account.a"].id == "acc_1"
    with locked_state(ws, "test") as shared:  # the database moves on: serial 2
        shared.finish(shared.begin(create("account.b")), resource_state("acc_2"))
        shared.compact()
    refused = cli("state", "push", "--dir", ws.root)
    assert refused.exit_code == 1 and "is newer (serial 2)" in refused.output
    pulled = cli("state", "pull", "--dir", ws.root)
    assert pulled.exit_code == 0, pulled.output
    monkeypatch.delenv("LFSYNC_BACKEND")
    assert sorted(load_state(load_project(ws.root)).resources) == ["account.a", "account.b"]


def test_push_refuses_another_lineage(ws, cli, postgres_url, monkeypatch):
    with locked_state(ws, "test") as shared:
        shared.finish(shared.begin(create("account.a")), resource_state("acc_1"))
        shared.compact()
    monkeypatch.delenv("LFSYNC_BACKEND")
    with locked_state(load_project(ws.root), "test"):  # a fresh local lineage
        pass
    monkeypatch.setenv("LFSYNC_BACKEND", postgres_url)
    refused = cli("state", "push", "--dir", ws.root)
    assert refused.exit_code == 1 and "another lineage" in refused.output
    assert load_state(ws).resources["account.a"].id == "acc_1"


def test_force_unlock_ends_the_holders_session(ws, cli, postgres_url):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(ws.root)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline() == "locked\n"
        lock_id = holder.stdout.readline().strip()
        [(session,)] = sql(postgres_url, "select backend_pid from lfsync_lock_holders where lock_id = %s", (lock_id,))
        unlocked = cli("force-unlock", lock_id, ws.root, "--force")
        assert unlocked.exit_code == 0, unlocked.output
        assert f"Lock {lock_id} broken (was held by pid {holder.pid} on" in unlocked.output
        assert sql(postgres_url, "select 1 from pg_stat_activity where pid = %s", (session,)) == []  # its session ended
        assert sql(postgres_url, "select 1 from lfsync_lock_holders") == []
        with locked_state(ws, "apply"):
            pass
        assert cli("force-unlock", lock_id, ws.root, "--force").output.startswith("The state is not locked")
    finally:
        holder.kill()
        holder.wait()


def test_a_holder_of_an_older_lfsync_without_a_lock_id_is_named_and_not_broken(ws, postgres_url, cli):
    """A row migrated from schema 1 has no lock_id: the holder is still shown, and no ID breaks it."""
    with locked_state(ws, "apply"):
        sql(postgres_url, "update lfsync_lock_holders set lock_id = null, session_started = null")
        with pytest.raises(LockHeld, match=r"pid \d+ on .* \(apply\) since .* \(no lock ID\)"):
            with locked_state(ws, "state rm"):
                pass
        refused = cli("force-unlock", "None", ws.root, "--force")
        assert refused.exit_code == 1 and "(no lock ID)" in refused.stderr


def test_without_psycopg_the_message_names_the_extra(make_project, monkeypatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # what an install without lfsync[postgres] sees
    monkeypatch.setenv("LFSYNC_BACKEND", "postgresql://db.example/lfsync")
    with pytest.raises(Exception, match=r"pip install 'lfsync\[postgres\]'"):
        load_state(load_project(make_project({})))
