from lfsync.plan.resources import (
    DesiredAccount,
    create_idempotency_key,
    resource_hash,
    update_idempotency_key,
    update_operations,
)


def test_hash_is_canonical_and_scoped_by_address_and_workspace():
    payload = {"fields": {"b": 1, "a": [1, 2]}, "relationships": {}}
    reordered = {"relationships": {}, "fields": {"a": [1, 2], "b": 1}}
    assert resource_hash(payload, "account.x", "w") == resource_hash(reordered, "account.x", "w")
    assert resource_hash(payload, "account.x", "w") != resource_hash(payload, "account.y", "w")
    assert resource_hash(payload, "account.x", "w") != resource_hash(payload, "account.x", "v")


def test_idempotency_keys():
    digest = "ab" * 32
    assert create_idempotency_key(digest) == "lfsync-" + digest[:40]
    assert update_idempotency_key(digest, "cd" * 32, 7) == f"lfsync-{digest[:40]}-{('cd' * 32)[:40]}-s7"
    assert update_idempotency_key(digest, "cd" * 32, 7) != update_idempotency_key(digest, "cd" * 32, 9)
    assert len(update_idempotency_key(digest, digest, 10**12)) <= 255


def test_payload_resolves_known_references_and_leaves_out_deferred_keys():
    account = DesiredAccount(
        address="account.c",
        fields={"$name": "C"},
        relationships={"parentAccount": "account.p", "$contact": ["con_1", "account.q"], "$owner": "mem_1"},
        skip_enrichment=False,
    )
    payload = account.payload({"account.p": "acc_p"}, leave_out=frozenset({"$owner"}))
    assert payload["relationships"] == {"parentAccount": "acc_p", "$contact": ["con_1", "account.q"]}
    assert account.unresolved({"account.p": "acc_p"}) == ["account.q"]


def test_update_operations_send_only_differences():
    before = {
        "fields": {"$name": "A", "tier": "smb", "gone": 1},
        "relationships": {"$owner": "mem_1", "$contact": ["con_1", "con_2"], "parentAccount": "acc_p"},
    }
    after = {
        "fields": {"$name": "A", "tier": "enterprise"},
        "relationships": {"$owner": "mem_2", "$contact": ["con_2", "con_3"]},
    }
    assert update_operations(before, after) == {
        "fields": {"tier": "enterprise", "gone": None},
        "relationships": {
            "$contact": {"remove": ["con_1"], "add": ["con_3"]},
            "$owner": {"replace": "mem_2"},
            "parentAccount": {"replace": None},
        },
    }
    assert update_operations(after, after) == {}
