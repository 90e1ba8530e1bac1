"""The API's relationship write limit, checked over each planned update. Pure.

Lightfield refuses (422 `relationship_write_limit_exceeded`) a request that references more than
25 IDs or changes more than 25 links, counted over its whole body. The declared links of a
record are checked against it (lfsync.values.check: what a create sends), but an update sends
the links removed and those added in one body: 13 list members swapped for 13 others are 26 IDs
in one request, which the API would refuse on every apply after a green plan. Such an update is
refused here, at plan time, naming the record, where it is declared, the counts and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable

from lfsync.plan.actions import Action
from lfsync.plan.model import Change
from lfsync.plan.resources import update_operations
from lfsync.values.check import MAX_RELATIONSHIP_IDS

RELATIONSHIPS = "relationships."
UPDATING = (Action.UPDATE, Action.ADOPT, Action.RESTORE)  # what apply sends as an update body


def counted_ids(change: Change) -> dict[str, tuple[int, int, int]]:
    """relationship key -> (IDs replaced with, removed, added) in the update body `change` sends,
    as apply builds it (update_operations) from the change's before and after values."""
    before: dict = {"fields": {}, "relationships": {}}
    after: dict = {"fields": {}, "relationships": {}}
    for attribute in change.attributes:
        if attribute.path.startswith(RELATIONSHIPS):
            key = attribute.path.removeprefix(RELATIONSHIPS)
            if attribute.before is not None:
                before["relationships"][key] = attribute.before
            if attribute.after is not None:
                after["relationships"][key] = attribute.after
    operations = update_operations(before, after).get("relationships", {})
    return {
        key: (
            0 if operation.get("replace") is None else len(_ids(operation["replace"])),
            len(operation.get("remove", [])),
            len(operation.get("add", [])),
        )
        for key, operation in operations.items()
    }


def write_limit_problems(changes: Iterable[Change]) -> list[str]:
    """A problem for each planned update whose body would reference more IDs than the API takes."""
    problems = []
    for change in changes:
        if change.action not in UPDATING:
            continue
        counts = counted_ids(change)
        total = sum(sum(count) for count in counts.values())
        if total <= MAX_RELATIONSHIP_IDS:
            continue
        parts = "; ".join(_described(key, count) for key, count in sorted(counts.items()) if sum(count))
        where = f"{change.location}: " if change.location else ""
        problems.append(
            f"{where}{change.address}: this update would reference {total} IDs in one request ({parts}); the API "
            f"takes at most {MAX_RELATIONSHIP_IDS}: apply it in two steps (first declare part of the change, apply "
            "it, then the rest)"
        )
    return problems


def _described(key: str, count: tuple[int, int, int]) -> str:
    replaced, removed, added = count
    said = [f"{replaced} replaced"] if replaced else []
    said += [f"{removed} removed"] if removed else []
    said += [f"{added} added"] if added else []
    return f"relationships.{key}: {', '.join(said)}"


def _ids(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)
