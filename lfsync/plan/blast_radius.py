"""The blast radius rail: a plan that updates and deletes more than `max_change_fraction` of the
managed records (the records in the workspace's state) is refused by apply and warned about by
`plan --detailed-exitcode`, unless `--allow-large-change` is given. Pure: counts in, a verdict out.

What counts is what can damage records lfsync already manages: updates (drift corrections
included) and deletes. Creates never count; nor do adopts (a record not yet managed, taken into
state) and restores (a managed record brought back from the trash to what is declared). The rule
applies from MIN_MANAGED_RECORDS managed records on: below that, every change is a large share.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable

from lfsync.kinds.catalogue import ACCOUNT, kind_of_address
from lfsync.plan.actions import Action
from lfsync.plan.model import Change, Plan

DEFAULT_MAX_CHANGE_FRACTION = 0.3
MIN_MANAGED_RECORDS = 10
ALLOW_FLAG = "--allow-large-change"
SETTING = "max_change_fraction"


@dataclass(frozen=True)
class ChangeSize:
    """How much of the managed records a plan changes: its updates and deletes, out of `managed`."""

    updates: int
    deletes: int
    managed: int

    @property
    def changed(self) -> int:
        return self.updates + self.deletes

    def exceeds(self, max_fraction: float) -> bool:
        """More than `max_fraction` of at least MIN_MANAGED_RECORDS managed records. Compared as exact
        fractions of the decimal written in lfsync.yaml: 3 of 10 is exactly 0.3, not more."""
        if self.managed < MIN_MANAGED_RECORDS:
            return False
        return Fraction(self.changed, self.managed) > Fraction(repr(float(max_fraction)))


def change_size(changes: Iterable[Change], managed: int) -> ChangeSize:
    """The updates and deletes among `changes`, out of `managed` records in state."""
    updates = deletes = 0
    for change in changes:
        if change.action == Action.UPDATE:
            updates += 1
        elif change.action == Action.DELETE:
            deletes += 1
    return ChangeSize(updates, deletes, managed)


def managed_noun(declared: Iterable[str]) -> str:
    """What the managed records are called in the verdict: "accounts" in a project that declares
    accounts alone, "records" once it declares contacts or opportunities too."""
    return "accounts" if all(kind_of_address(address) is ACCOUNT for address in declared) else "records"


def too_large(size: ChangeSize, max_fraction: float, noun: str = "accounts") -> str | None:
    """Why the plan is too large (its numbers, against the setting), or None when it is within it."""
    if not size.exceeds(max_fraction):
        return None
    share, limit = _percentages(Fraction(size.changed, size.managed), Fraction(repr(float(max_fraction))))
    return (
        f"this plan updates {size.updates} and deletes {size.deletes} of {size.managed} managed {noun} ({share}), "
        f"more than {SETTING} {max_fraction:g} ({limit}) allows"
    )


def refusal(size: ChangeSize, max_fraction: float, noun: str = "accounts") -> str | None:
    """apply's refusal of a plan too large, or None."""
    reason = too_large(size, max_fraction, noun)
    if reason is None:
        return None
    return f"{reason}. Review it, then apply with {ALLOW_FLAG} (or raise {SETTING} in lfsync.yaml)."


def warning(size: ChangeSize, max_fraction: float, noun: str = "accounts") -> str | None:
    """`plan --detailed-exitcode`'s warning that apply will refuse this plan, or None."""
    reason = too_large(size, max_fraction, noun)
    if reason is None:
        return None
    return f"{reason}: `lfsync apply` will refuse it without {ALLOW_FLAG} (or a higher {SETTING} in lfsync.yaml)."


def _percentages(share: Fraction, limit: Fraction) -> tuple[str, str]:
    """Both as percentages: the limit as written, the share with as many decimals as it takes to
    tell it from the limit (30.05% is not shown as 30%)."""
    limit_percent = limit * 100
    shown = ""
    for decimals in range(5):
        shown = f"{float(share * 100):.{decimals}f}"
        if Fraction(shown) != limit_percent:
            break
    return f"{shown}%", f"{float(limit_percent):g}%"


def large_change_warning(plan: Plan, max_fraction: float, noun: str = "accounts") -> str | None:
    """The warning a plan (`--detailed-exitcode`) carries when apply would refuse it; destroy and
    reset are exempt. `noun`: managed_noun of the project's declarations."""
    if plan.options.destroy or plan.options.reset:
        return None
    return warning(change_size(plan.changes, plan.managed), max_fraction, noun)
