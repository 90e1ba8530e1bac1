"""What a plan's and an apply's texts call the records they involve: "accounts" while accounts are
all a plan covers (the words, and the outputs that depend on them, as they always were), "records"
once contacts or opportunities are involved.   [pure]"""

from __future__ import annotations

from lfsync.kinds.present import kinds_present, records_noun
from lfsync.plan.model import Plan


def records_word(plan: Plan, plural: bool = True) -> str:
    """"accounts" ("account") for a plan of accounts alone, else "records" ("record"): the kinds it
    recorded (Plan.kinds) and those of its changes and orphans (a saved plan from before Plan.kinds)."""
    changed = kinds_present([*(change.address for change in plan.changes), *plan.orphans])
    return records_noun([*plan.kinds, *(kind.name for kind in changed)], plural)
