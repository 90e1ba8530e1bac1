"""ignore_changes in the pure planner: ignored keys are created, then never compared or updated;
what they left alone is reported as ignored drift. No server here."""

from __future__ import annotations

from lfsync.declare.ignorechanges import NOTHING_IGNORED, IgnoreChanges
from lfsync.plan.ignored import ignored_differences, kept_as_found
from lfsync.plan.model import RemoteRecord
from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.resources import DesiredAccount, resource_hash
from lfsync.state.records import ResourceState

WORKSPACE = "test"
TIER_AND_OWNER = IgnoreChanges(frozenset({"tier", "$owner"}))
EVERYTHING = IgnoreChanges(everything=True)


def account(fields=None, relationships=None, ignored=NOTHING_IGNORED, address="account.acme"):
    return DesiredAccount(
        address=address,
        fields={"$name": "Acme", **(fields or {})},
        relationships=relationships or {},
        skip_enrichment=True,
        location="accounts.yaml:1:3",
        ignore_changes=ignored,
    )


def applied(desired: DesiredAccount, resource_id: str = "acc_1") -> ResourceState:
    payload = desired.payload({})
    return ResourceState(id=resource_id, hash=resource_hash(payload, desired.address, WORKSPACE), applied=payload)


def plan(desired: DesiredAccount, resources: dict, remote=None):
    return plan_changes(
        PlanInputs(desired={desired.address: desired}, resources=resources, workspace=WORKSPACE, remote=remote)
    )


def test_kept_as_found_takes_ignored_keys_from_before_and_leaves_out_those_it_lacks():
    payload = {"fields": {"$name": "Acme", "tier": "smb", "region": "EU"}, "relationships": {"$owner": "mem_b"}}
    before = {"fields": {"$name": "Acme", "tier": "enterprise"}, "relationships": {}}
    kept = kept_as_found(payload, before, TIER_AND_OWNER)
    assert kept == {"fields": {"$name": "Acme", "tier": "enterprise", "region": "EU"}, "relationships": {}}
    assert payload["fields"]["tier"] == "smb"  # the declared payload itself is left as it was


def test_kept_as_found_with_everything_is_before_and_with_nothing_the_payload():
    payload = {"fields": {"$name": "New"}, "relationships": {"$owner": "mem_b"}}
    before = {"fields": {"$name": "Old", "tier": "smb"}, "relationships": {}}
    assert kept_as_found(payload, before, EVERYTHING) == before
    assert kept_as_found(payload, before, NOTHING_IGNORED) is payload


def test_ignored_differences_name_the_paths_fields_first():
    payload = {"fields": {"$name": "Acme", "tier": "smb"}, "relationships": {"$owner": "mem_b"}}
    before = {"fields": {"$name": "Acme Inc", "tier": "enterprise"}, "relationships": {"$owner": "mem_a"}}
    assert ignored_differences(payload, before, TIER_AND_OWNER) == ["fields.tier", "relationships.$owner"]
    assert ignored_differences(payload, before, EVERYTHING) == ["fields.$name", "fields.tier", "relationships.$owner"]
    assert ignored_differences(payload, payload, EVERYTHING) == []


def test_a_create_sends_ignored_fields():
    desired = account({"tier": "smb"}, {"$owner": "mem_a"}, TIER_AND_OWNER)
    [change] = plan(desired, {}).changes
    assert change.action == "create"
    assert [a.path for a in change.attributes] == ["fields.$name", "fields.tier", "relationships.$owner"]


def test_a_changed_declaration_of_an_ignored_field_plans_no_update_and_keeps_the_hash():
    created = account({"tier": "smb"}, ignored=IgnoreChanges(frozenset({"tier"})))
    state = {"account.acme": applied(created)}
    changed = account({"tier": "enterprise"}, ignored=IgnoreChanges(frozenset({"tier"})))
    result = plan(changed, state)
    assert result.changes == []
    assert result.ignored_drift == {"account.acme": ["fields.tier"]}
    # the payload the next update would move toward is the one state holds: same hash, nothing to do
    kept = kept_as_found(changed.payload({}), state["account.acme"].applied, changed.ignore_changes)
    assert resource_hash(kept, "account.acme", WORKSPACE) == state["account.acme"].hash


def test_an_update_of_another_field_leaves_the_ignored_one_out():
    created = account({"tier": "smb", "region": "EU"}, ignored=IgnoreChanges(frozenset({"tier"})))
    changed = account({"tier": "enterprise", "region": "US"}, ignored=IgnoreChanges(frozenset({"tier"})))
    [change] = plan(changed, {"account.acme": applied(created)}).changes
    assert change.action == "update"
    assert [(a.path, a.before, a.after) for a in change.attributes] == [("fields.region", "EU", "US")]


def test_refreshed_drift_on_an_ignored_key_is_not_reverted_but_reported():
    desired = account({"tier": "smb"}, {"$owner": "mem_a"}, TIER_AND_OWNER)
    state = {"account.acme": applied(desired)}
    observed = {"fields": {"$name": "Acme", "tier": "enterprise"}, "relationships": {"$owner": "mem_b"}}
    result = plan(desired, state, remote={"account.acme": RemoteRecord("present", observed)})
    assert result.changes == []
    assert result.ignored_drift == {"account.acme": ["fields.tier", "relationships.$owner"]}


def test_refreshed_drift_on_another_field_is_corrected_and_the_ignored_one_kept():
    desired = account({"tier": "smb", "region": "EU"}, ignored=IgnoreChanges(frozenset({"tier"})))
    state = {"account.acme": applied(desired)}
    observed = {"fields": {"$name": "Acme", "tier": "enterprise", "region": "US"}, "relationships": {}}
    [change] = plan(desired, state, remote={"account.acme": RemoteRecord("present", observed)}).changes
    assert change.observed == observed
    assert [(a.path, a.before, a.after) for a in change.attributes] == [("fields.region", "US", "EU")]


def test_ignore_all_is_create_only():
    created = account({"tier": "smb"}, ignored=EVERYTHING)
    changed = DesiredAccount(
        address="account.acme", fields={"$name": "Renamed", "tier": "enterprise", "region": "EU"},
        relationships={"$owner": "mem_a"}, skip_enrichment=True, ignore_changes=EVERYTHING,
    )
    result = plan(changed, {"account.acme": applied(created)})
    assert result.changes == []
    assert result.ignored_drift == {
        "account.acme": ["fields.$name", "fields.region", "fields.tier", "relationships.$owner"]
    }


def test_a_trashed_record_is_restored_without_reverting_ignored_keys():
    desired = account({"tier": "smb"}, ignored=IgnoreChanges(frozenset({"tier"})))
    observed = {"fields": {"$name": "Acme", "tier": "enterprise"}, "relationships": {}}
    [change] = plan(desired, {"account.acme": applied(desired)}, remote={"account.acme": RemoteRecord("trashed", observed)}).changes
    assert change.action == "restore" and change.attributes == []


def test_a_record_deleted_outside_lfsync_is_created_again_with_every_field_and_no_drift():
    desired = account({"tier": "smb"}, ignored=IgnoreChanges(frozenset({"tier"})))
    result = plan(desired, {"account.acme": applied(desired)}, remote={"account.acme": RemoteRecord("missing")})
    [change] = result.changes
    assert change.action == "create" and "fields.tier" in [a.path for a in change.attributes]
    assert result.ignored_drift == {}


def test_without_ignore_changes_nothing_is_reported_as_ignored():
    created = account({"tier": "smb"})
    result = plan(account({"tier": "enterprise"}), {"account.acme": applied(created)})
    assert [c.action for c in result.changes] == ["update"] and result.ignored_drift == {}
