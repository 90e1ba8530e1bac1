"""Relative dates in plan and apply: the declared project resolved against the workspace's anchor,
the plan told which anchor it used, and apply recording it in state before any request needs it.
The rules themselves are lfsync/plan/anchoring.py (pure)."""

from __future__ import annotations

import dataclasses

from lfsync.api.serverclock import ServerTime
from lfsync.operations.declared_project import DeclaredProject
from lfsync.plan.anchoring import PlanAnchor, choose_anchor, relative_fields, resolved, shown_as, to_record
from lfsync.plan.model import Plan, PlanOptions
from lfsync.state.workspace import State


@dataclasses.dataclass(frozen=True)
class Anchored:
    """A declared project with its relative dates resolved, and the anchor they resolved against."""

    declared: DeclaredProject
    anchor: PlanAnchor | None  # None: nothing declared is relative (or the values are unchecked)
    relative: dict = dataclasses.field(default_factory=dict)  # plan.anchoring.RelativeFields

    def shown(self, plan: Plan) -> Plan:
        """`plan` carrying the anchor, its relative dates shown as `now+3d (<instant>)`."""
        if self.anchor is None:
            return plan
        values = [value for change in plan.changes for attribute in change.attributes for value in (attribute.before, attribute.after)]
        names = {**plan.names, **shown_as(self.relative, self.anchor, values)}
        return plan.model_copy(update={"anchor": self.anchor, "names": dict(sorted(names.items()))})


def anchored(
    declared: DeclaredProject, state: State, now: ServerTime, options: PlanOptions, saved: Plan | None = None
) -> Anchored:
    """`declared` with relative dates resolved: against a saved plan's anchor, the one state records,
    or `now` (first anchoring, --reanchor). Unchecked values (no definitions) stay as written: such
    plans compare declarations as written (plan/declared_form.py), expressions with expressions."""
    if declared.organisation is None:
        return Anchored(declared, None)
    relative = relative_fields(declared.desired, declared.organisation.organisation)
    if not relative:
        return Anchored(declared, None)
    anchor = choose_anchor(
        state.snapshot.anchor, now.moment, now.source, reanchor=options.reanchor, saved=saved.anchor if saved else None
    )
    desired = resolved(declared.desired, relative, anchor.moment)
    return Anchored(dataclasses.replace(declared, desired=desired), anchor, relative)


def record_anchor(state: State, anchor: PlanAnchor | None) -> None:
    """Write the anchor a plan resolved against into state (one serial, at once), when it is new:
    durable before the first request carrying a date resolved against it is sent."""
    if anchor is None or (recorded := to_record(anchor)) is None or state.snapshot.anchor == recorded:
        return
    state.snapshot.anchor = recorded
    state.snapshot.serial += 1
    state.compact()
