"""State is a file anyone can edit (and a GitOps repository commits): every field is checked when
it is read. A hand-edited serial, lineage, address, ID or hash stops the command with exit 1 and a
message naming the file and the field; nothing is sent and the state is left as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lfsync.state.records import INTENT, STORED, StateSnapshot

STATE = Path("state") / "default.lfstate.json"
JOURNAL = Path("state") / "default.journal.jsonl"


@pytest.fixture
def applied(project, cli):
    result = cli("apply", project, "--auto-approve")
    assert result.exit_code == 0, result.output
    return project


def edited(project: Path, edit) -> str:
    path = project / STATE
    document = json.loads(path.read_text())
    edit(document)
    text = json.dumps(document, indent=2)
    path.write_text(text)
    return text


def first_address(document: dict) -> str:
    return sorted(document["resources"])[0]


def set_serial(value):
    return lambda document: document.update(serial=value)


def rename_first(new_address: str):
    def edit(document: dict) -> None:
        document["resources"][new_address] = document["resources"].pop(first_address(document))

    return edit


def set_first(field: str, value):
    return lambda document: document["resources"][first_address(document)].update({field: value})


CASES = {
    "serial -5": (set_serial(-5), "serial: Input should be greater than or equal to 0"),
    "serial 10^30": (set_serial(10**30), "serial: Input should be less than or equal to 9223372036854775807"),
    "serial true": (set_serial(True), "serial: Input should be a valid integer"),
    "serial 1.0": (set_serial(1.0), "serial: Input should be a valid integer"),
    "lineage": (lambda document: document.update(lineage="not-a-uuid"), "lineage: 'not-a-uuid' is not a UUID"),
    "odd address": (rename_first("account.Acme Corp"), 'resources."account.Acme Corp": \'account.Acme Corp\' is not a valid address'),
    "unknown kind": (rename_first("contract.acme"), 'resources."contract.acme": \'contract.acme\' is not an address of a known kind'),
    "ID with ../": (set_first("id", "acc_../../v1/members"), 'resources."account.acme".id: the ID \'acc_../../v1/members\' is not URL-safe'),
    "ID of another kind": (set_first("id", "mem_cadalovelace000000000"), 'resources."account.acme".id: the ID \'mem_cadalovelace000000000\' does not start with \'acc_\''),
    "bad hash": (set_first("hash", "deadbeef"), 'resources."account.acme".hash: \'deadbeef\' is not a SHA-256 hash'),
    "retired ID": (lambda document: document.update(retired={"account.gone": ["acc_x?y=1"]}), 'retired."account.gone".0: the ID \'acc_x?y=1\' is not URL-safe'),
}


@pytest.mark.parametrize("case", CASES)
def test_a_hand_edited_state_field_is_named_and_nothing_is_sent(applied, cli, server_accounts, case):
    edit, message = CASES[case]
    before = server_accounts(applied)
    written = edited(applied, edit)
    (applied / "accounts.yaml").write_text((applied / "accounts.yaml").read_text().replace("Globex", "Globex Two"))
    result = cli("apply", applied, "--auto-approve")
    assert result.exit_code == 1, result.output
    assert f"{STATE}: invalid state at {message}" in result.stderr
    assert "Traceback" not in result.output and "unexpected" not in result.stderr
    assert server_accounts(applied) == before  # the update of Globex was not sent
    assert (applied / STATE).read_text() == written


def test_a_journal_intent_with_an_unsafe_id_is_named(applied, cli, server_accounts):
    before = server_accounts(applied)
    intent = {"seq": 5, "operation": "delete", "address": "account.acme", "resource_id": "acc_../members", "at": "2026-01-01T00:00:00.000+00:00"}
    (applied / JOURNAL).write_text(json.dumps({"format_version": 1, "intent": intent}) + "\n")
    result = cli("apply", applied, "--auto-approve")
    assert result.exit_code == 1, result.output
    assert f"{JOURNAL}:1: damaged journal: invalid intent: delete.resource_id: the ID 'acc_../members' is not URL-safe" in result.stderr
    assert server_accounts(applied) == before


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"seq": -1}, "seq: Input should be greater than or equal to 0"),
        ({"seq": True}, "seq: Input should be a valid integer"),
        ({"address": "account"}, "address: 'account' is not an address of a known kind"),
        ({"resource_id": "mem_x"}, "resource_id: the ID 'mem_x' does not start with 'acc_'"),
    ],
)
def test_journal_intents_are_checked_field_by_field(change, problem):
    from pydantic import ValidationError

    from lfsync.state.records import invalid_field

    intent = {"seq": 1, "operation": "delete", "address": "account.a", "resource_id": "acc_1", "at": "x", **change}
    with pytest.raises(ValidationError) as caught:
        INTENT.validate_python(intent, context=STORED)
    assert problem in invalid_field(caught.value)


def test_state_lfsync_writes_reads_back_including_imports_and_reset_addresses():
    """What lfsync itself writes stays valid: an imported record's empty hash, `unmanaged.<ID>`
    addresses in intents (reset), tombstones of retired IDs."""
    snapshot = StateSnapshot.model_validate(context=STORED, obj={
        "lineage": "0b6f3c6e-4c1a-4f7e-9d1a-2f3e4d5c6b7a", "serial": 2**63 - 1, "workspace": "w", "target": "local",
        "resources": {"account.a-b_1": {"id": "acc_1", "hash": "", "applied": {}}, "account.c": {"id": "acc_2", "hash": "a" * 64, "applied": {}}},
        "retired": {"account.gone": ["acc_3", "acc_4"]},
    })
    assert StateSnapshot.model_validate_json(snapshot.to_json(), context=STORED) == snapshot
    INTENT.validate_python({"seq": 3, "operation": "delete", "address": "unmanaged.acc_9", "resource_id": "acc_9", "at": "x"}, context=STORED)


def test_the_postgresql_backend_checks_its_snapshot_and_journal_the_same_way(make_project, postgres_url):
    from lfsync.config.project import load_project
    from lfsync.errors import LfsyncError
    from lfsync.state.records import CreateIntent, ResourceState
    from lfsync.state.workspace import load_state, locked_state

    from pgtesting import sql_under_lock

    ws = load_project(make_project({}, settings="workspace: w1\n"))
    with locked_state(ws, "test") as state:
        intent = state.begin(CreateIntent(address="account.a", idempotency_key="k", request={}, hash="h", applied={}))
        state.finish(intent, ResourceState(id="acc_1", hash="0" * 64, applied={}))
        state.compact()
    sql_under_lock(postgres_url, "w1", "update lfsync_state set snapshot = jsonb_set(snapshot, '{serial}', 'true') where workspace = 'w1'")
    with pytest.raises(LfsyncError, match=r"\(workspace w1\): invalid state: serial: Input should be a valid integer"):
        load_state(ws)
    sql_under_lock(postgres_url, "w1", "update lfsync_state set snapshot = jsonb_set(snapshot, '{serial}', '1') where workspace = 'w1'")
    load_state(ws)
    with locked_state(ws, "test") as state:
        state.begin(CreateIntent(address="account.b", idempotency_key="k", request={}, hash="h", applied={}))
    sql_under_lock(postgres_url, "w1", "update lfsync_journal set body = jsonb_set(body, '{address}', '\"account.B\"') where workspace = 'w1'")
    with pytest.raises(LfsyncError, match=r"invalid intent: create.address: 'account.B' is not a valid address"):
        load_state(ws)
