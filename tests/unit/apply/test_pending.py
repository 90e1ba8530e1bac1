"""The rules a pending intent must meet to be settled (lfsync.apply.pending.refusal): each genuine
intent, built as the applier builds it, passes; each way of forging one is refused."""

from __future__ import annotations

from lfsync.apply.applier import create_body
from lfsync.apply.dispatch import derived_create_key
from lfsync.apply.pending import describe_pending, refusal
from lfsync.plan.resources import create_idempotency_key, resource_hash, update_idempotency_key, update_operations
from lfsync.state.records import (
    AdoptIntent,
    CreateIntent,
    DeleteIntent,
    ResourceState,
    RestoreIntent,
    StateSnapshot,
    UpdateIntent,
    empty_payload,
)
from lfsync.state.replays import retire

AT = "2026-12-07T06:00:00.000+00:00"
ACME = {"fields": {"$name": "Acme Corp"}, "relationships": {}}
RENAMED = {"fields": {"$name": "Acme Corporation"}, "relationships": {"$owner": "mem_c1"}}


def hashed(payload: dict, address: str = "account.acme") -> str:
    return resource_hash(payload, address, "default")


def snapshot(serial: int = 4) -> StateSnapshot:
    acme = ResourceState(id="acc_c1", hash=hashed(ACME), applied=ACME)
    return StateSnapshot(lineage="l", serial=serial, workspace="default", target="local", resources={"account.acme": acme})


def refused(intent, state: StateSnapshot | None = None, owns: bool = False) -> str | None:
    return refusal(intent, state or snapshot(), owns_organisation=owns)


def update(resource_id: str = "acc_c1", serial: int = 3, request: dict | None = None) -> UpdateIntent:
    key = update_idempotency_key(hashed(RENAMED), hashed(ACME), serial)
    body = update_operations(ACME, RENAMED) if request is None else request
    return UpdateIntent(seq=1, at=AT, address="account.acme", resource_id=resource_id, idempotency_key=key,
                        request=body, hash=hashed(RENAMED), applied=RENAMED)


def create(address: str = "account.globex", key: str | None = None, payload: dict | None = None) -> CreateIntent:
    payload = payload or {"fields": {"$name": "Globex"}, "relationships": {}}
    digest = hashed(payload, address)
    return CreateIntent(seq=1, at=AT, address=address, idempotency_key=key or create_idempotency_key(digest),
                        request=create_body(payload, True), hash=digest, applied=payload)


def test_genuine_intents_pass():
    assert refused(DeleteIntent(seq=1, at=AT, address="account.acme", resource_id="acc_c1")) is None
    assert refused(RestoreIntent(seq=1, at=AT, address="account.acme", resource_id="acc_c1")) is None
    assert refused(update()) is None
    assert refused(create()) is None
    adopt_key = update_idempotency_key(hashed(ACME, "account.initech"), hashed(empty_payload(), "account.initech"), 4)
    adopt = AdoptIntent(seq=1, at=AT, address="account.initech", resource_id="acc_c9", idempotency_key=adopt_key,
                        request=update_operations(empty_payload(), ACME), hash=hashed(ACME, "account.initech"), applied=ACME)
    assert refused(adopt) is None
    reset = DeleteIntent(seq=1, at=AT, address="unmanaged.acc_c9", resource_id="acc_c9")
    assert refused(reset, owns=True) is None


def test_a_delete_may_name_the_id_the_address_last_retired():
    state = snapshot()
    retire(state.retired, "account.old", "acc_c7")
    assert refused(DeleteIntent(seq=1, at=AT, address="account.old", resource_id="acc_c7"), state) is None
    assert refused(RestoreIntent(seq=1, at=AT, address="account.old", resource_id="acc_c7"), state)
    assert refused(DeleteIntent(seq=1, at=AT, address="account.old", resource_id="acc_c8"), state)


def test_a_create_that_replaces_or_follows_a_retired_id_carries_it_in_its_key():
    state = snapshot()
    payload = {"fields": {"$name": "Acme Corp"}, "relationships": {}}
    replacing = derived_create_key(payload, hashed(payload), "account.acme", "default", "acc_c1")
    assert refused(create("account.acme", replacing, payload), state) is None  # deleted outside lfsync, created again
    assert "not the one lfsync derives" in refused(create("account.acme", None, payload), state)
    retire(state.retired, "account.globex", "acc_c5")
    assert "not the one lfsync derives" in refused(create(), state)
    globex = {"fields": {"$name": "Globex"}, "relationships": {}}
    after_tombstone = derived_create_key(globex, hashed(globex, "account.globex"), "account.globex", "default", "acc_c5")
    assert refused(create(key=after_tombstone), state) is None


def test_forged_intents_are_refused_saying_why():
    assert "not the account state holds" in refused(DeleteIntent(seq=1, at=AT, address="account.acme", resource_id="acc_c2"))
    assert "not the account state holds" in refused(RestoreIntent(seq=1, at=AT, address="account.globex", resource_id="acc_c2"))
    assert "not the account state holds" in refused(update(resource_id="acc_c2"))
    assert "does not start with 'acc_'" in refused(DeleteIntent(seq=1, at=AT, address="account.acme", resource_id="mem_c1"))
    assert "no kind of record" in refused(DeleteIntent(seq=1, at=AT, address="member.x", resource_id="mem_c1"))
    assert "not a time" in refused(DeleteIntent(address="account.acme", resource_id="acc_c1"))
    assert refused(update(serial=4)) is None  # planned from the state's own serial
    assert "not the one lfsync derives" in refused(update(serial=5))  # planned from a state not reached yet
    assert "sets values other than" in refused(update(request={"fields": {"$name": "Pwned"}}))
    assert "not the one lfsync derives" in refused(create(key="lfsync-0000"))
    tampered = create().model_copy(update={"request": {"fields": {"$name": "Pwned"}, "skipEnrichment": True}})
    assert "not the create of the payload" in refused(tampered)
    wrong_hash = create().model_copy(update={"hash": "0" * 64})
    assert "not the hash of the payload" in refused(wrong_hash)
    reset = DeleteIntent(seq=1, at=AT, address="unmanaged.acc_c9", resource_id="acc_c9")
    assert "owns_organisation" in refused(reset)
    assert "not the ID its address names" in refused(reset.model_copy(update={"resource_id": "acc_c8"}), owns=True)
    adopt = AdoptIntent(seq=1, at=AT, address="account.acme", resource_id="acc_c9", idempotency_key="k",
                        request={}, hash=hashed(ACME), applied=ACME)
    assert "in state already" in refused(adopt)


def test_pending_intents_are_described_with_their_id_and_the_name_for_that_id():
    resources = snapshot().resources
    delete = DeleteIntent(seq=1, at=AT, address="account.acme", resource_id="acc_c1")
    assert describe_pending(delete, resources).startswith(f"account.acme: delete of acc_c1 (Acme Corp) interrupted at {AT} (key -)")
    other = DeleteIntent(seq=1, at=AT, address="account.acme", resource_id="acc_c2")
    assert describe_pending(other, resources).startswith("account.acme: delete of acc_c2 interrupted")  # not Acme's name
    assert describe_pending(update(), resources).startswith("account.acme: update of acc_c1 (Acme Corporation) interrupted")
    assert describe_pending(create(), resources).startswith("account.globex: create (Globex) interrupted")
