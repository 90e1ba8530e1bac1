"""Moves, renames and one record per address in the pure planner: no server here."""

from __future__ import annotations

from lfsync.declare.model import MoveDeclaration
from lfsync.errors import SourceLocation
from lfsync.plan.actions import Action
from lfsync.plan.model import Change, Plan
from lfsync.plan.one_address import one_record_one_address
from lfsync.plan.renames import rename_hints
from lfsync.state.records import empty_payload
from unit.plan.test_planner import account, applied_state, plan

HERE = SourceLocation("accounts.yaml", 9, 5)


def move(source: str, destination: str) -> MoveDeclaration:
    return MoveDeclaration(source, destination, HERE)


def test_a_moved_record_is_one_move_with_its_id_and_no_request():
    old, new = account("account.litware"), account("account.litware-inc", {"$name": "Litware"})
    state = {"account.litware": applied_state(account("account.litware", {"$name": "Litware"}), "acc_1")}
    result = plan([new], state, moves=[move("account.litware", "account.litware-inc")])
    [change] = result.changes
    assert (change.address, change.action, change.resource_id, change.moved_from) == (
        "account.litware-inc", Action.MOVE, "acc_1", "account.litware",
    )
    assert change.attributes == [] and change.requests == 0
    assert result.orphans == [] and result.problems == [] and result.renames == []
    assert old.address not in {c.address for c in result.changes}


def test_a_move_with_a_field_change_is_one_update_of_the_same_id():
    before = account("account.litware", {"$name": "Litware", "tier": "smb"})
    after = account("account.litware-inc", {"$name": "Litware", "tier": "enterprise"})
    result = plan([after], {"account.litware": applied_state(before, "acc_1")}, moves=[move("account.litware", "account.litware-inc")])
    [change] = result.changes
    assert (change.action, change.resource_id, change.moved_from) == (Action.UPDATE, "acc_1", "account.litware")
    assert [(a.path, a.before, a.after) for a in change.attributes] == [("fields.tier", "smb", "enterprise")]
    summary = Plan(project_dir=".", workspace="w", target="local", lineage="", serial=0, declarations_digest="",
                   changes=result.changes)
    assert (summary.count(Action.UPDATE), summary.count(Action.MOVE)) == (1, 1)


def test_references_to_the_moved_record_resolve_to_its_id():
    litware = account("account.litware-inc", {"$name": "Litware"})
    contoso = account("account.contoso", relationships={"parentAccount": "account.litware-inc"})
    state = {
        "account.litware": applied_state(account("account.litware", {"$name": "Litware"}), "acc_1"),
        "account.contoso": applied_state(contoso, "acc_2", {"account.litware-inc": "acc_1"}),
    }
    result = plan([litware, contoso], state, moves=[move("account.litware", "account.litware-inc")])
    assert [(c.address, c.action) for c in result.changes] == [("account.litware-inc", Action.MOVE)]


def test_a_move_whose_from_is_not_in_state_is_ignored():
    litware = account("account.litware-inc", {"$name": "Litware"})
    state = {"account.litware-inc": applied_state(litware, "acc_1")}
    result = plan([litware], state, moves=[move("account.litware", "account.litware-inc")])
    assert result.changes == [] and result.problems == []


def test_a_move_into_an_address_state_holds_is_a_problem_naming_both_records():
    litware = account("account.litware-inc", {"$name": "Litware"})
    state = {
        "account.litware": applied_state(account("account.litware", {"$name": "Litware"}), "acc_1"),
        "account.litware-inc": applied_state(litware, "acc_2"),
    }
    result = plan([litware], state, moves=[move("account.litware", "account.litware-inc")])
    assert any(problem.startswith("accounts.yaml:9:5: moved: account.litware -> account.litware-inc: state records both "
                                  "(acc_1 and acc_2)") for problem in result.problems)


def test_moved_records_read_back_are_compared_under_their_new_address():
    from lfsync.plan.model import RemoteRecord

    before = account("account.litware", {"$name": "Litware"})
    new = account("account.litware-inc", {"$name": "Litware"})
    result = plan(
        [new], {"account.litware": applied_state(before, "acc_1")}, moves=[move("account.litware", "account.litware-inc")],
        remote={"account.litware": RemoteRecord("trashed", before.payload({}))},
    )
    [change] = result.changes
    assert (change.action, change.moved_from, change.resource_id) == (Action.RESTORE, "account.litware", "acc_1")


def test_a_create_while_an_orphan_with_the_same_name_leaves_state_hints_at_moved():
    old = account("account.litware", {"$name": "Litware"})
    new = account("account.litware-inc", {"$name": "Litware"})
    result = plan([new], {"account.litware": applied_state(old, "acc_1")})
    [hint] = result.renames
    assert (hint.from_address, hint.to_address, hint.identity_field) == ("account.litware", "account.litware-inc", "$name")
    assert "looks like a rename: add `moved: [{from: account.litware, to: account.litware-inc}]`" in hint.hint
    pruned = plan([new], {"account.litware": applied_state(old, "acc_1")}, prune=True)
    assert [h.from_address for h in pruned.renames] == ["account.litware"]


def test_renames_follow_the_identity_setting_and_only_unambiguous_pairs():
    old = account("account.litware", {"$name": "Litware Old", "domain": "litware.example"})
    new = account("account.litware-inc", {"$name": "Litware Inc", "domain": "litware.example"})
    state = {"account.litware": applied_state(old, "acc_1")}
    assert plan([new], state).renames == []  # $name differs
    assert [h.to_address for h in plan([new], state, identity_field="domain").renames] == ["account.litware-inc"]
    twin = account("account.litware-2", {"$name": "Litware Old"})
    ambiguous = plan([account("account.litware-3", {"$name": "Litware Old"}), twin], state)
    assert ambiguous.renames == []


def test_adopting_into_one_address_and_trashing_through_another_is_refused_as_a_rename():
    old = account("account.litware", {"$name": "Litware"})
    new = account("account.litware-inc", {"$name": "Litware"})
    result = plan([new], {"account.litware": applied_state(old, "acc_1")}, prune=True,
                  identity_matches={"account.litware-inc": ["acc_1"]})
    assert [(c.address, c.action) for c in result.changes] == [
        ("account.litware-inc", Action.ADOPT), ("account.litware", Action.DELETE),
    ]
    [problem] = result.problems
    assert problem.startswith("one record, one address: account.litware-inc would adopt acc_1, which state records as "
                              "account.litware and this plan moves to the trash")
    assert "add `moved: [{from: account.litware, to: account.litware-inc}]`" in problem


def test_adopting_a_record_state_holds_for_another_declaration_is_refused_naming_both():
    litware = account("account.litware", {"$name": "Litware"})
    twin = account("account.twin", {"$name": "Litware"})
    result = plan([litware, twin], {"account.litware": applied_state(litware, "acc_1")},
                  identity_matches={"account.twin": ["acc_1"]})
    [problem] = result.problems
    assert problem.startswith("one record, one address: account.twin would adopt acc_1, which is declared and managed as "
                              "account.litware")


def test_one_record_one_address_is_checked_over_any_changes():
    state = {"account.a": applied_state(account("account.a"), "acc_1")}
    fine = [Change("account.a", Action.UPDATE, "acc_1"), Change("account.b", Action.ADOPT, "acc_2")]
    assert one_record_one_address(fine, state, {"account.a", "account.b"}) == []
    twice = [Change("account.b", Action.ADOPT, "acc_2"), Change("account.c", Action.ADOPT, "acc_2")]
    [problem] = one_record_one_address(twice, state, {"account.a", "account.b", "account.c"})
    assert problem == ("one record, one address: this plan would adopt acc_2 as account.c and adopt it as account.b; "
                       "nothing is sent for such a plan")
    orphaned = [Change("account.b", Action.ADOPT, "acc_1")]
    [problem] = one_record_one_address(orphaned, state, {"account.b"})
    assert "which state records as account.a. This looks like a rename" in problem


def test_rename_hints_need_a_create_and_a_leaving_address():
    state = {"account.a": applied_state(account("account.a", {"$name": "Same"}), "acc_1")}
    desired = {"account.b": account("account.b", {"$name": "Same"})}
    update = [Change("account.b", Action.UPDATE, "acc_9")]
    assert rename_hints(update, ["account.a"], state, desired, "$name") == []
    create = [Change("account.b", Action.CREATE, attributes=[])]
    assert [h.from_address for h in rename_hints(create, ["account.a"], state, desired, "$name")] == ["account.a"]
    assert rename_hints(create, [], state, desired, "$name") == []
    state["account.a"] = state["account.a"].model_copy(update={"applied": empty_payload()})
    assert rename_hints(create, ["account.a"], state, desired, "$name") == []


def test_a_move_alone_needs_no_scope_and_a_move_with_an_update_the_update_scope():
    from lfsync.plan.scopes import needed_scopes

    assert needed_scopes(Change("account.b", Action.MOVE, "acc_1", moved_from="account.a")) == []
    assert needed_scopes(Change("account.b", Action.UPDATE, "acc_1", moved_from="account.a")) == ["accounts:update"]


def test_old_addresses_name_the_moved_record_only_where_state_no_longer_holds_them():
    from lfsync.plan.moves import with_old_addresses

    ids = {"account.b": "acc_1", "account.c": "acc_2"}
    assert with_old_addresses(ids, [move("account.a", "account.b")]) == {**ids, "account.a": "acc_1"}
    assert with_old_addresses(ids, [move("account.c", "account.b")]) is ids  # both in state: nothing to alias
    assert with_old_addresses(ids, [move("account.a", "account.z")]) is ids
