"""The one summary line a plan gives what `ignore_changes:` left alone (Plan.ignored_drift), in
text, markdown and `lfsync show` alike; `--format json` carries the plan's field itself."""

from __future__ import annotations

from lfsync.kinds.catalogue import ACCOUNT, kind_of_address
from lfsync.plan.model import Plan


def ignored_drift_line(plan: Plan) -> str | None:
    """`Ignored drift: 3 field(s) on 2 account(s) differ in Lightfield (ignore_changes): tier, $owner.`
    ("record(s)" once contacts or opportunities are among them)
    The keys are named once each, fields before relationships; None when nothing was left alone."""
    if not plan.ignored_drift:
        return None
    paths = [path for paths in plan.ignored_drift.values() for path in paths]
    records = "account(s)" if all(kind_of_address(address) is ACCOUNT for address in plan.ignored_drift) else "record(s)"
    keys = dict.fromkeys(path.split(".", 1)[1] for path in sorted(paths, key=_fields_first))
    return (
        f"Ignored drift: {len(paths)} field(s) on {len(plan.ignored_drift)} {records} differ in Lightfield "
        f"(ignore_changes): {', '.join(keys)}."
    )


def _fields_first(path: str) -> tuple[bool, str]:
    return (not path.startswith("fields."), path)
