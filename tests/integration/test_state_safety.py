"""State is not trusted blindly: torn and damaged journals, corrupt snapshots, shared IDs, failed
writes and hostile settings each end in a clear message, and nothing is lost."""

from __future__ import annotations

import errno
import hashlib
import json
import resource
import signal
import subprocess
import sys

import pytest

from lfsync.config.project import load_project
from lfsync.emulator.testing import served_emulator
from lfsync.errors import LfsyncError
from lfsync.state.journal import Journal
from lfsync.state.records import CreateIntent, DeleteIntent, ResourceState
from lfsync.state.workspace import StatePaths, StateWriteFailed, load_state, locked_state

from served import all_accounts, lfsync_env, numbered_accounts


@pytest.fixture
def ws(make_project):
    return load_project(make_project({}, settings="target: local\nworkspace: w1\n"))


def create(address: str, key: str = "k") -> CreateIntent:
    return CreateIntent(address=address, idempotency_key=key, request={"fields": {}}, hash="h", applied={"fields": {}, "relationships": {}})


def resource_state(resource_id: str) -> ResourceState:
    return ResourceState(id=resource_id, hash=hashlib.sha256(resource_id.encode()).hexdigest(), applied={"fields": {"$name": resource_id}, "relationships": {}})


def test_a_new_append_never_joins_a_torn_fragment(ws):
    """Kill mid-append, run again, kill mid-append again: every later run still reads the journal."""
    journal = StatePaths(ws).journal
    for round_ in range(3):
        with locked_state(ws, "test") as state:
            intent = state.begin(create(f"account.a{round_}", key=f"k{round_}"))
            state.finish(intent, resource_state(f"acc_{round_}"))
        with journal.open("a") as handle:
            handle.write('{"intent": {"seq": 99, "operation": "cre')  # killed mid-append
    state = load_state(ws)
    assert sorted(state.resources) == ["account.a0", "account.a1", "account.a2"]
    assert state.pending == {}
    assert journal.read_text().count("\n") == 6 and journal.read_text().endswith('"cre')


def test_a_fragment_glued_to_an_entry_by_older_versions_is_read_past(ws):
    journal = StatePaths(ws).journal
    with locked_state(ws, "test") as state:
        state.begin(create("account.a"))
    entry = journal.read_text()
    journal.write_text('{"intent": {"seq": 7, "oper' + entry)
    assert [i.address for i in load_state(ws).pending.values()] == ["account.a"]


@pytest.mark.parametrize(
    "line, problem",
    [
        ("42", "not a journal entry"),
        ("[]", "not a journal entry"),
        ("{}", "not a journal entry"),
        ('{"note": {}}', "unknown entry kind 'note'"),
        ('{"intent": {"seq": "x", "operation": "delete"}}', "invalid intent: delete.seq"),
        ("not json at all", "not a JSON document"),
    ],
)
def test_a_damaged_journal_line_is_named(ws, cli, line, problem):
    journal = StatePaths(ws).journal
    with locked_state(ws, "test") as state:
        state.finish(state.begin(create("account.a")), resource_state("acc_1"))
    journal.write_text(journal.read_text() + line + "\n" + journal.read_text())
    result = cli("plan", ws.root)
    assert result.exit_code == 1
    assert "w1.journal.jsonl:3: damaged journal" in result.stderr and problem in result.stderr
    assert "unexpected" not in result.stderr


@pytest.mark.parametrize("content", ["[]", "null", "42", '"state"', "{not json", "\xff\xfe"])
def test_a_corrupt_state_file_is_named_and_points_at_the_backup(ws, cli, content):
    paths = StatePaths(ws)
    with locked_state(ws, "test") as state:
        state.finish(state.begin(create("account.a")), resource_state("acc_1"))
        state.compact()  # a second compaction leaves a backup
    paths.snapshot.write_bytes(content.encode("latin-1"))
    result = cli("plan", ws.root)
    assert result.exit_code == 1, result.output
    assert "w1.lfstate.json:" in result.stderr and "unexpected" not in result.stderr
    assert "w1.lfstate.backup.json" in result.stderr and "cp " in result.stderr


def test_state_with_a_wrong_shape_inside_is_named(ws, cli):
    with locked_state(ws, "test"):
        pass
    paths = StatePaths(ws)
    document = json.loads(paths.snapshot.read_text())
    document["resources"] = {"account.a": {"id": 5}}
    paths.snapshot.write_text(json.dumps(document))
    result = cli("plan", ws.root)
    assert result.exit_code == 1
    assert 'invalid state at resources."account.a".id' in result.stderr


def test_two_addresses_with_one_id_stop_plan_and_apply(project, cli):
    assert cli("apply", project, "--auto-approve").exit_code == 0
    paths = StatePaths(load_project(project))
    document = json.loads(paths.snapshot.read_text())
    document["resources"]["account.globex"]["id"] = document["resources"]["account.acme"]["id"]
    paths.snapshot.write_text(json.dumps(document))
    acme_id = document["resources"]["account.acme"]["id"]
    for command in (["plan"], ["apply", "--auto-approve"]):
        result = cli(*command, project)
        assert result.exit_code == 1, result.output
        assert f"state records account {acme_id} under 2 addresses (account.acme, account.globex)" in result.output
    assert json.loads(paths.snapshot.read_text()) == document


def test_a_failed_snapshot_write_names_what_the_journal_keeps(ws, monkeypatch):
    import lfsync.state.localstore

    def disk_full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    with locked_state(ws, "test") as state:
        for n in range(25):
            state.finish(state.begin(create(f"account.a{n:02d}")), resource_state(f"acc_{n}"))
        monkeypatch.setattr(lfsync.state.localstore, "write_atomically", disk_full)
        with pytest.raises(StateWriteFailed) as failure:
            state.compact()
        monkeypatch.undo()
    message = str(failure.value)
    assert "No space left on device" in message
    assert "This run changed 25 account(s) (account.a00, account.a01" in message and "and 5 more" in message
    assert "w1.journal.jsonl" in message
    assert len(load_state(ws).resources) == 25  # the journal keeps every one


def fill_limit(limit: int):
    def apply_limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply_limit


def test_a_full_disk_mid_apply_stops_cleanly_and_the_next_apply_settles(make_project, tmp_path):
    """The journal hits a file-size limit (a full disk, as far as the process can tell) mid-apply."""
    project = make_project({"accounts.yaml": numbered_accounts(40)}, settings="skip_enrichment: true\n")
    with served_emulator(tmp_path / "emulator.db") as url:
        command = [sys.executable, "-m", "lfsync", "apply", str(project), "--auto-approve"]
        full = subprocess.run(
            command, env=lfsync_env(url), stdin=subprocess.DEVNULL, capture_output=True, text=True,
            preexec_fn=fill_limit(12_000), timeout=300,
        )
        assert full.returncode == 1, full.stdout + full.stderr
        assert "could not write the journal" in full.stderr and "File too large" in full.stderr
        assert "Traceback" not in full.stderr and "unexpected" not in full.stderr
        again = subprocess.run(command, env=lfsync_env(url), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stdout + again.stderr
        names = sorted(record["fields"]["$name"]["value"] for record in all_accounts(url))
    assert names == sorted(f"Crash Test {i:04d}" for i in range(40))
    assert len(json.loads((project / "state" / "default.lfstate.json").read_text())["resources"]) == 40


def test_journal_write_failure_is_an_lfsync_error(tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    journal = Journal(blocker / "w.journal.jsonl")
    with pytest.raises(LfsyncError, match="could not write the journal .*its request was not sent"):
        journal.append("intent", DeleteIntent(seq=1, address="account.a", resource_id="acc_1", at="2026-01-01T00:00:00+00:00"))


def test_a_state_folder_that_cannot_be_created_is_named(make_project, cli):
    project = make_project({"accounts.yaml": "accounts: {}\n"}, settings="target: local\nstate_dir: blocked\n")
    (project / "blocked").write_text("a file where the state folder should be")
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 1
    assert "cannot lock the state" in result.stderr and "unexpected" not in result.stderr


@pytest.mark.parametrize(
    "target, message",
    [
        ("https://user:hunter2@api.example.com", "must not contain credentials"),
        ("http://api.example.com", "plain http:// to a host that is not loopback"),
        ("ftp://api.example.com", "must be 'local' or an https:// base URL"),
        ("https://api.example.com:notaport", "not a valid URL"),
    ],
)
def test_unsafe_targets_are_refused_without_echoing_secrets(make_project, cli, target, message):
    project = make_project({"accounts.yaml": "accounts: {}\n"})
    result = cli("plan", project, env={"LIGHTFIELD_BASE_URL": target})
    assert result.exit_code == 1 and message in result.stderr
    assert "hunter2" not in result.output


@pytest.mark.parametrize("target", ["http://127.0.0.1:8787", "http://localhost:1", "http://[::1]:2", "https://api.example.com"])
def test_loopback_http_and_https_targets_are_accepted(make_project, target):
    assert load_project(make_project({}), env={"LIGHTFIELD_BASE_URL": target}).target == target


def test_a_workspace_name_ending_in_a_newline_is_refused(make_project):
    with pytest.raises(LfsyncError, match="is not a valid name"):
        load_project(make_project({}), env={"LFSYNC_WORKSPACE": "demo\n"})


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "soon"])
def test_lock_timeout_must_be_a_finite_number_of_seconds(project, cli, value):
    result = cli("apply", project, "--auto-approve", "--lock-timeout", value)
    assert result.exit_code != 0 and "--lock-timeout" in result.output
    assert not (project / "state").exists()


def test_the_api_key_can_come_from_a_file(project, cli, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("sk_lf_wrong_key_from_file\n")
    with served_emulator(tmp_path / "e.db") as url:
        refused = cli("plan", project, "--refresh", env={"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY_FILE": str(key_file)})
        key_file.write_text("sk_lf_local_dev\n")
        accepted = cli("plan", project, "--refresh", env={"LIGHTFIELD_BASE_URL": url, "LIGHTFIELD_API_KEY_FILE": str(key_file)})
    assert refused.exit_code == 1 and "the API key was refused" in refused.stderr
    assert "sk_lf_wrong_key_from_file" not in refused.output
    assert accepted.exit_code == 0, accepted.output
    missing = cli("plan", project, "--refresh", env={"LIGHTFIELD_BASE_URL": "https://api.example.com", "LIGHTFIELD_API_KEY_FILE": str(tmp_path / "none")})
    assert missing.exit_code == 1 and "cannot read the API key from LIGHTFIELD_API_KEY_FILE" in missing.stderr


def test_an_apply_with_nothing_to_do_compacts_outcomes_a_killed_apply_left(make_project, cli, monkeypatch):
    """Killed after its last outcome, before its compaction: the journal holds settled entries only.
    The next apply has nothing to send, and still folds them into the snapshot and empties the journal."""
    from lfsync.state.workspace import State

    project = make_project({"accounts.yaml": numbered_accounts(2)}, settings="target: local\n")
    assert cli("apply", project, "--auto-approve").exit_code == 0
    (project / "accounts.yaml").write_text(numbered_accounts(5), encoding="utf-8")
    with monkeypatch.context() as killed:
        killed.setattr(State, "compact", lambda self: None)  # the kill: no compaction
        assert cli("apply", project, "--auto-approve").exit_code == 0
    journal, snapshot = project / "state" / "default.journal.jsonl", project / "state" / "default.lfstate.json"
    assert journal.read_text().count('"outcome"') == 3 and len(json.loads(snapshot.read_text())["resources"]) == 2

    again = cli("apply", project, "--auto-approve")
    assert again.exit_code == 0 and "No changes" in again.output
    assert not journal.exists()
    assert len(json.loads(snapshot.read_text())["resources"]) == 5
