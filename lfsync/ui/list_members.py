"""How a plan shows a change to a list's members: each member added or removed on a line of its
own (`+ account.initech`), as apply sends them (list updates take `add` and `remove`, never a
whole new list), instead of the whole list before and after."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lfsync.kinds.lists import MEMBER_KEYS
from lfsync.plan.model import AttributeChange, Change
from lfsync.plan.resources import relationship_ids

Line = tuple[str, str | None]  # text, colour (as lfsync.ui.render's lines)
ADDED, REMOVED = "green", "red"


def member_lines(change: Change, attribute: AttributeChange, indent: str, show: Callable[[Any], str]) -> list[Line] | None:
    """The lines of a change to a list's members (`show`: how one member is written), or None
    for any other attribute (shown as usual)."""
    key = attribute.path.removeprefix("relationships.")
    if attribute.kind != "change" or key not in MEMBER_KEYS or not change.address.startswith("list."):
        return None
    before, after = relationship_ids(attribute.before), relationship_ids(attribute.after)
    added = [member for member in after if member not in before]
    removed = [member for member in before if member not in after]
    pending = " (known after apply)" if attribute.known_after_apply else ""
    lines: list[Line] = [(f"{indent}~ {key}: {len(added)} to add, {len(removed)} to remove{pending}", "yellow")]
    lines.extend((f"{indent}    + {show(member)}", ADDED) for member in added)
    lines.extend((f"{indent}    - {show(member)}", REMOVED) for member in removed)
    return lines
