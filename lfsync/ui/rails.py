"""What the safety rails add to a plan as shown: the note of a partial plan (--target/--exclude)
and the warning that apply will refuse a change too large (max_change_fraction), for the text,
markdown and JSON renderings alike (JSON carries the plan's own `partial` and `large_change`)."""

from __future__ import annotations

from lfsync.plan.model import Plan
from lfsync.plan.targeting import PARTIAL_OPTIONS


def partial_notes(plan: Plan) -> list[str]:
    """A partial plan says so, and what it brought along that was not targeted (nothing otherwise)."""
    if plan.partial is None:
        return []
    notes = [
        f"Note: this plan is partial ({PARTIAL_OPTIONS}): {plan.partial.left_out} other change(s) not shown and not applied."
    ]
    if plan.partial.brought_along:
        notes.append(
            f"Note: brought along because a targeted change refers to them before they exist: {', '.join(plan.partial.brought_along)}."
        )
    return notes


def large_change_line(plan: Plan) -> str | None:
    return f"Warning: {plan.large_change}" if plan.large_change else None


NO_SELECTED_CHANGES = "No changes in the selected records."
