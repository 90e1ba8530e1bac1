"""The relationship write limit counted over a planned update's body (lfsync.plan.write_limit):
removes and adds together, a `replace` by its IDs, a cleared link as none. Pure."""

from __future__ import annotations

from lfsync.plan.actions import Action
from lfsync.plan.model import AttributeChange, Change
from lfsync.plan.write_limit import counted_ids, write_limit_problems


def ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{n}" for n in range(count)]


def update(*attributes: AttributeChange, action: Action = Action.UPDATE) -> Change:
    return Change(address="note.minutes", action=action, resource_id="note_1", location="notes.yaml:2:3",
                  attributes=list(attributes))


def test_removes_and_adds_are_counted_together_over_the_whole_body():
    change = update(
        AttributeChange("fields.$title", "change", "Old", "New"),
        AttributeChange("relationships.$account", "change", ids("acc_a", 10), ids("acc_b", 10)),
        AttributeChange("relationships.$contact", "change", ids("con_", 3), ids("con_", 6)),
        AttributeChange("relationships.$owner", "change", "mem_1", "mem_2"),
    )
    assert counted_ids(change) == {"$account": (0, 10, 10), "$contact": (0, 0, 3), "$owner": (1, 0, 0)}
    assert write_limit_problems([change]) == []  # 24 IDs: within the limit


def test_one_id_over_the_limit_is_refused_and_a_cleared_link_counts_none():
    change = update(
        AttributeChange("relationships.$account", "change", ids("acc_a", 13), ids("acc_b", 13)),
        AttributeChange("relationships.$owner", "remove", "mem_1", None),
    )
    assert counted_ids(change) == {"$account": (0, 13, 13), "$owner": (0, 0, 0)}
    assert write_limit_problems([change]) == [
        "notes.yaml:2:3: note.minutes: this update would reference 26 IDs in one request (relationships.$account: "
        "13 removed, 13 added); the API takes at most 25: apply it in two steps (first declare part of the change, "
        "apply it, then the rest)"
    ]
    assert write_limit_problems([update(*change.attributes, action=Action.DELETE)]) == []  # a trash sends no links
