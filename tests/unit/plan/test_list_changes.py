"""The planner's list rules (lfsync.plan.list_members): trashes and re-creates of lists marked
irreversible, a changed `$objectType` refused where the list is declared."""

from __future__ import annotations

from lfsync.plan.actions import Action
from lfsync.plan.list_members import mark_irreversible, object_type_changes
from lfsync.plan.model import AttributeChange, Change
from lfsync.plan.resources import DesiredAccount


def test_trashes_and_re_creates_of_lists_alone_are_irreversible():
    changes = [
        Change("list.q1", Action.DELETE, resource_id="list_c1"),
        Change("unmanaged.list_c2", Action.DELETE, resource_id="list_c2"),
        Change("list.q2", Action.CREATE, replaces="list_c3"),
        Change("list.q3", Action.CREATE),
        Change("account.acme", Action.DELETE, resource_id="acc_c1"),
        Change("account.globex", Action.CREATE, replaces="acc_c2"),
    ]
    mark_irreversible(changes)
    assert [change.irreversible for change in changes] == [
        "lists cannot be restored", "lists cannot be restored", "lists cannot be restored", None, None, None,
    ]


def test_a_changed_object_type_is_a_problem_at_the_declaration():
    desired = {"list.q1": DesiredAccount("list.q1", {"$name": "Q1"}, {}, False, location="lists.yaml:3:3")}
    update = Change("list.q1", Action.UPDATE, resource_id="list_c1", attributes=[
        AttributeChange("fields.$objectType", "change", "$account", "$contact"),
    ])
    renamed = Change("list.q1", Action.UPDATE, resource_id="list_c1", attributes=[
        AttributeChange("fields.$name", "change", "Q", "Q1"),
    ])
    problems = object_type_changes([update, renamed], desired)
    assert len(problems) == 1
    assert problems[0].startswith("list.q1: a list's $objectType cannot change ($account -> $contact)")
    assert problems[0].endswith("keep $objectType $account (lists.yaml:3:3)")
