"""The planner is pure: desired accounts + state (+ remote view) in, changes out. No server here."""

from __future__ import annotations

from lfsync.plan.model import RemoteRecord
from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.resources import DesiredAccount, resource_hash
from lfsync.state.records import ResourceState

WORKSPACE = "test"


def account(address, fields=None, relationships=None, skip=False):
    return DesiredAccount(
        address=address,
        fields={"$name": address.split(".")[1].title(), **(fields or {})},
        relationships=relationships or {},
        skip_enrichment=skip,
        location="accounts.yaml:1:3",
    )


def applied_state(desired: DesiredAccount, resource_id: str, ids: dict[str, str] | None = None) -> ResourceState:
    payload = desired.payload(ids or {})
    return ResourceState(id=resource_id, hash=resource_hash(payload, desired.address, WORKSPACE), applied=payload)


def plan(desired, resources=None, **options):
    return plan_changes(
        PlanInputs(desired={d.address: d for d in desired}, resources=resources or {}, workspace=WORKSPACE, **options)
    )


def test_undeclared_in_state_is_created_with_every_field():
    result = plan([account("account.acme", {"tier": "smb"})])
    [change] = result.changes
    assert (change.address, change.action) == ("account.acme", "create")
    assert [(a.path, a.kind, a.after) for a in change.attributes] == [
        ("fields.$name", "add", "Acme"),
        ("fields.tier", "add", "smb"),
    ]


def test_same_hash_is_no_change():
    acme = account("account.acme", {"tier": "smb"})
    result = plan([acme], {"account.acme": applied_state(acme, "acc_1")})
    assert result.changes == [] and result.orphans == []


def test_changed_field_is_an_update_with_only_that_field():
    before = account("account.acme", {"tier": "smb", "icp-score": 10})
    after = account("account.acme", {"tier": "enterprise", "icp-score": 10})
    [change] = plan([after], {"account.acme": applied_state(before, "acc_1")}).changes
    assert change.action == "update" and change.resource_id == "acc_1"
    assert [(a.path, a.kind, a.before, a.after) for a in change.attributes] == [
        ("fields.tier", "change", "smb", "enterprise")
    ]


def test_removed_field_is_cleared():
    before = account("account.acme", {"tier": "smb"})
    after = account("account.acme")
    [change] = plan([after], {"account.acme": applied_state(before, "acc_1")}).changes
    assert [(a.path, a.kind) for a in change.attributes] == [("fields.tier", "remove")]


def test_reference_to_a_new_account_is_known_after_apply_and_ordered():
    parent = account("account.parent")
    child = account("account.child", relationships={"parentAccount": "account.parent"})
    changes = {c.address: c for c in plan([parent, child]).changes}
    assert changes["account.child"].depends_on == ["account.parent"]
    [link] = [a for a in changes["account.child"].attributes if a.path == "relationships.parentAccount"]
    assert link.known_after_apply and link.after == "account.parent"
    assert changes["account.parent"].depends_on == []


def test_reference_to_an_applied_account_resolves_to_its_id():
    parent = account("account.parent")
    child = account("account.child", relationships={"parentAccount": "account.parent"})
    resources = {
        "account.parent": applied_state(parent, "acc_p"),
        "account.child": applied_state(child, "acc_c", {"account.parent": "acc_p"}),
    }
    assert plan([parent, child], resources).changes == []


def test_state_entry_without_declaration_is_orphaned_unless_pruned():
    gone = account("account.gone")
    resources = {"account.gone": applied_state(gone, "acc_9")}
    kept = plan([], resources)
    assert kept.changes == [] and kept.orphans == ["account.gone"]
    [change] = plan([], resources, prune=True).changes
    assert (change.action, change.resource_id) == ("delete", "acc_9")


def test_reference_cycle_defers_one_link_to_a_follow_up_update():
    a = account("account.a", relationships={"parentAccount": "account.b"})
    b = account("account.b", relationships={"parentAccount": "account.a"})
    changes = {c.address: c for c in plan([a, b]).changes}
    deferred = [c for c in changes.values() if c.deferred_relationships]
    assert len(deferred) == 1 and deferred[0].deferred_relationships == ["parentAccount"]
    assert deferred[0].depends_on == []
    other = changes[({"account.a", "account.b"} - {deferred[0].address}).pop()]
    assert other.depends_on == [deferred[0].address]
    assert deferred[0].requests == 2


def test_self_free_chain_has_no_deferral():
    chain = [account(f"account.n{i}", relationships={"parentAccount": f"account.n{i - 1}"} if i else None) for i in range(5)]
    changes = plan(chain).changes
    assert all(not c.deferred_relationships for c in changes)


def test_adopt_takes_a_single_identity_match_and_reports_ambiguity():
    one, two = account("account.one"), account("account.two")
    result = plan([one, two], identity_matches={"account.one": ["acc_x"], "account.two": ["acc_y", "acc_z"]})
    assert [(c.address, c.action, c.resource_id) for c in result.changes] == [("account.one", "adopt", "acc_x")]
    assert "account.two" in result.problems[0] and "acc_y, acc_z" in result.problems[0]


def test_update_keeps_unmanaged_relationship_shapes():
    before = account("account.acme", relationships={"$contact": ["con_a", "con_b"]})
    after = account("account.acme", relationships={"$contact": ["con_b", "con_c"]})
    [change] = plan([after], {"account.acme": applied_state(before, "acc_1")}).changes
    assert [(a.path, a.before, a.after) for a in change.attributes] == [
        ("relationships.$contact", ["con_a", "con_b"], ["con_b", "con_c"])
    ]


def test_refresh_drift_plans_an_update_from_the_observed_values():
    acme = account("account.acme", {"tier": "smb"})
    current = applied_state(acme, "acc_1")
    observed = {"fields": {"$name": "Acme", "tier": "enterprise"}, "relationships": {}}
    [change] = plan([acme], {"account.acme": current}, remote={"account.acme": RemoteRecord("present", observed)}).changes
    assert change.action == "update" and change.observed == observed
    assert [(a.path, a.before, a.after) for a in change.attributes] == [("fields.tier", "enterprise", "smb")]


def test_refresh_without_drift_is_no_change():
    acme = account("account.acme", {"tier": "smb"})
    current = applied_state(acme, "acc_1")
    remote = {"account.acme": RemoteRecord("present", current.applied)}
    assert plan([acme], {"account.acme": current}, remote=remote).changes == []


def test_refresh_missing_record_is_created_again_and_trashed_one_restored():
    gone, trashed = account("account.gone"), account("account.trashed")
    resources = {"account.gone": applied_state(gone, "acc_g"), "account.trashed": applied_state(trashed, "acc_t")}
    remote = {
        "account.gone": RemoteRecord("missing"),
        "account.trashed": RemoteRecord("trashed", resources["account.trashed"].applied),
    }
    changes = {c.address: c for c in plan([gone, trashed], resources, remote=remote).changes}
    assert (changes["account.gone"].action, changes["account.gone"].replaces) == ("create", "acc_g")
    assert (changes["account.trashed"].action, changes["account.trashed"].attributes) == ("restore", [])


def test_long_parent_chains_and_a_long_cycle_plan_without_recursion_limits():
    count = 3000
    chain = [account(f"account.n{i}", relationships={"parentAccount": f"account.n{i - 1}"} if i else None) for i in range(count)]
    assert all(not c.deferred_relationships for c in plan(chain).changes)
    ring = [account(f"account.r{i}", relationships={"parentAccount": f"account.r{(i + 1) % count}"}) for i in range(count)]
    deferred = [c for c in plan(ring).changes if c.deferred_relationships]
    assert len(deferred) == 1


def test_many_targets_in_one_relationship_are_all_walked():
    hub = account("account.hub", relationships={"$contact": ["con_1"], "parentAccount": "account.a"})
    a = account("account.a", relationships={"parentAccount": "account.b"})
    b = account("account.b", relationships={"parentAccount": "account.hub"})
    changes = {c.address: c for c in plan([hub, a, b]).changes}
    assert sum(len(c.deferred_relationships) for c in changes.values()) == 1


def test_unmanaged_accounts_are_deleted_with_the_reason_after_the_declared_ones():
    acme = account("account.acme")
    result = plan([acme], {"account.acme": applied_state(acme, "acc_1")}, unmanaged={"acc_9": "Demo Prospect"})
    [change] = result.changes
    assert (change.address, change.action, change.resource_id) == ("unmanaged.acc_9", "delete", "acc_9")
    assert change.reason and "'Demo Prospect' is declared nowhere" in change.reason
    assert result.orphans == [] and result.problems == []


def test_without_an_unmanaged_view_nothing_outside_state_is_touched():
    acme = account("account.acme")
    assert plan([acme], {"account.acme": applied_state(acme, "acc_1")}).changes == []
