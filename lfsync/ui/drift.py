"""Drift explained, as a plan shows it: the words after a drifted attribute saying when it changed
in Lightfield, and the one note for what the plan could not tell (lfsync.plan.drift fills both in)."""

from __future__ import annotations

from lfsync.plan.model import AttributeChange, Plan


def drift_suffix(attribute: AttributeChange) -> str:
    """`  (changed in Lightfield 2 days ago)` after a drifted attribute's values; "" when unknown.
    With a time but no age (the server's clock unknown), the time itself."""
    if attribute.changed_ago:
        return f"  (changed in Lightfield {attribute.changed_ago})"
    if attribute.changed_at:
        return f"  (changed in Lightfield at {attribute.changed_at})"
    return ""


def drift_note(plan: Plan) -> str | None:
    """The plan's note on drift it could not date, as a line of its own."""
    return f"Note: {plan.drift_history_note}" if plan.drift_history_note else None
