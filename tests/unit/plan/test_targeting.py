"""--target / --exclude (lfsync/plan/targeting.py): which changes a partial plan keeps, what a
picked change brings along, and the errors of patterns that match nothing or exclude a need."""

from __future__ import annotations

import pytest

from lfsync.errors import LfsyncError
from lfsync.plan.actions import Action
from lfsync.plan.model import Change
from lfsync.plan.planner import PlanInputs, plan_changes
from lfsync.plan.resources import DesiredAccount, resource_hash
from lfsync.plan.targeting import Selection, check_patterns, matches, select_addresses, select_changes, select_plan
from lfsync.state.records import ResourceState


def change(address: str, action: Action = Action.UPDATE) -> Change:
    return Change(address=address, action=action)


def addresses(changes: list[Change]) -> list[str]:
    return [c.address for c in changes]


def test_globs_match_whole_addresses():
    assert matches("account.acme-*", "account.acme-nordics")
    assert matches("account.acme-*", "account.acme-")
    assert not matches("account.acme-*", "account.acme")
    assert matches("account.*", "account.acme")
    assert matches("*.acme", "account.acme")
    assert not matches("account.acm", "account.acme")  # no prefix match without *
    assert not matches("account.a.c", "account.abc")  # '.' is literal


def test_without_patterns_every_change_is_kept():
    changes = [change("account.a"), change("account.b")]
    selected = select_changes(changes, {}, Selection())
    assert addresses(selected.changes) == ["account.a", "account.b"] and selected.left_out == 0


def test_a_target_keeps_only_its_changes_and_counts_the_rest():
    changes = [change("account.a"), change("account.b"), change("account.c", Action.DELETE)]
    selected = select_changes(changes, {}, Selection(targets=("account.b",)))
    assert addresses(selected.changes) == ["account.b"]
    assert selected.left_out == 2 and selected.brought_along == []


def test_excludes_take_out_what_targets_pick():
    changes = [change(f"account.acme-{n}") for n in ("eu", "us", "apac")] + [change("account.globex")]
    selected = select_changes(changes, {}, Selection(targets=("account.acme-*",), excludes=("account.acme-us",)))
    assert addresses(selected.changes) == ["account.acme-eu", "account.acme-apac"] and selected.left_out == 2
    only_excluded = select_changes(changes, {}, Selection(excludes=("account.acme-*",)))
    assert addresses(only_excluded.changes) == ["account.globex"]


def test_a_targeted_create_brings_along_what_it_needs_transitively_in_plan_order():
    changes = [change(a, Action.CREATE) for a in ("account.a", "account.child", "account.parent", "account.grandparent")]
    needs = {"account.child": ["account.parent"], "account.parent": ["account.grandparent"]}
    selected = select_changes(changes, needs, Selection(targets=("account.child",)))
    assert addresses(selected.changes) == ["account.child", "account.parent", "account.grandparent"]
    assert selected.brought_along == ["account.grandparent", "account.parent"] and selected.left_out == 1


def test_a_reference_cycle_comes_along_whole():
    changes = [change("account.x", Action.CREATE), change("account.y", Action.CREATE)]
    needs = {"account.x": ["account.y"], "account.y": ["account.x"]}
    selected = select_changes(changes, needs, Selection(targets=("account.x",)))
    assert addresses(selected.changes) == ["account.x", "account.y"]


def test_excluding_what_a_picked_change_needs_is_an_error_naming_both():
    changes = [change("account.child", Action.CREATE), change("account.parent", Action.CREATE)]
    with pytest.raises(LfsyncError) as refused:
        select_changes(changes, {"account.child": ["account.parent"]}, Selection(excludes=("account.par*",)))
    message = str(refused.value)
    assert "account.child needs account.parent" in message and "--exclude 'account.par*'" in message


def test_a_need_without_a_change_is_not_brought_along():
    # the referenced record has no change of its own (e.g. an ambiguous --adopt the plan refuses anyway)
    selected = select_changes([change("account.child", Action.CREATE)], {"account.child": ["account.gone"]}, Selection(targets=("account.child",)))
    assert addresses(selected.changes) == ["account.child"]


def test_patterns_matching_nothing_are_errors_with_a_suggestion():
    known = {"account.acme", "account.globex"}
    check_patterns(Selection(targets=("account.acme", "account.g*")), known)  # both match: no error
    with pytest.raises(LfsyncError) as refused:
        check_patterns(Selection(targets=("account.acmee",), excludes=("account.initech-*",)), known)
    message = str(refused.value)
    assert "--target 'account.acmee' matches no declared or managed address (did you mean 'account.acme'?)" in message
    assert "--exclude 'account.initech-*' matches no declared or managed address" in message
    with pytest.raises(LfsyncError, match=r"--target 'globex' .*did you mean 'account.globex'"):
        check_patterns(Selection(targets=("globex",)), known)


def test_orphans_are_shown_only_when_picked():
    assert select_addresses(["account.a", "account.b"], Selection(targets=("account.b",))) == ["account.b"]
    assert select_addresses(["account.a", "account.b"], Selection()) == ["account.a", "account.b"]


def _declared(address: str, relationships: dict | None = None) -> DesiredAccount:
    return DesiredAccount(address=address, fields={"$name": address}, relationships=relationships or {}, skip_enrichment=False)


def test_select_plan_takes_needs_from_references_to_records_not_in_state():
    parent = _declared("account.parent")
    managed = _declared("account.managed", {"parentAccount": "account.known"})
    known = _declared("account.known")
    desired = {
        "account.child": _declared("account.child", {"parentAccount": "account.parent"}),
        "account.parent": parent,
        "account.managed": managed,
        "account.known": known,
    }
    ids = {"account.known": "acc_known", "account.managed": "acc_managed"}
    resources = {
        address: ResourceState(id=ids[address], hash=resource_hash({}, address, "w"), applied={"fields": {}, "relationships": {}})
        for address in ids
    }
    planned = plan_changes(PlanInputs(desired=desired, resources=resources, workspace="w"))
    assert sorted(addresses(planned.changes)) == ["account.child", "account.known", "account.managed", "account.parent"]
    selected = select_plan(planned.changes, desired, resources, Selection(targets=("account.child", "account.managed")))
    # account.known is in state (its ID is known): the update of account.managed does not need its change
    assert sorted(addresses(selected.changes)) == ["account.child", "account.managed", "account.parent"]
    assert selected.brought_along == ["account.parent"] and selected.left_out == 1
    with pytest.raises(LfsyncError, match="'account.chld' matches no declared or managed address"):
        select_plan(planned.changes, desired, resources, Selection(targets=("account.chld",)))
