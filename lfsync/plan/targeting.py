"""`--target ADDRESS` / `--exclude ADDRESS`: which of a plan's changes a partial plan keeps. Pure.

A pattern is an address in which `*` matches any run of characters (`account.acme-*`). A change
is picked when its address matches a --target (any address, without one) and no --exclude. A
picked change brings along the changes of the records it references that are not created yet: it
cannot be sent without their IDs (transitively; a reference cycle comes along whole). An --exclude
that leaves out such a record is an error naming both addresses, never a silent widening of what
the user excluded. A pattern matching no declared or managed address is an error with "did you
mean" (a typo in --exclude would otherwise apply what it meant to hold back).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Collection, Mapping, Sequence

from lfsync.errors import LfsyncError
from lfsync.kinds.catalogue import DECLARABLE_KINDS
from lfsync.plan.model import Change
from lfsync.plan.resources import DesiredAccount
from lfsync.state.records import ResourceState
from lfsync.support.suggestions import closest

PARTIAL_OPTIONS = "--target/--exclude"


@dataclass(frozen=True)
class Selection:
    """The --target and --exclude patterns of one run (empty: every change)."""

    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    @property
    def partial(self) -> bool:
        return bool(self.targets or self.excludes)

    def picks(self, address: str) -> bool:
        """Whether `address` is chosen by the patterns themselves (before anything is brought along)."""
        if self.targets and not any(matches(pattern, address) for pattern in self.targets):
            return False
        return not any(matches(pattern, address) for pattern in self.excludes)

    def excluded(self, address: str) -> str | None:
        """The --exclude pattern that leaves `address` out, if any."""
        return next((pattern for pattern in self.excludes if matches(pattern, address)), None)


@dataclass
class Selected:
    """The changes a partial plan keeps, in the plan's order, and what it left out."""

    changes: list[Change] = field(default_factory=list)
    left_out: int = 0  # changes neither picked nor needed by a picked one
    brought_along: list[str] = field(default_factory=list)  # needed by a picked change, not picked themselves


def matches(pattern: str, address: str) -> bool:
    return _compiled(pattern).fullmatch(address) is not None


def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def check_patterns(selection: Selection, known: Collection[str]) -> None:
    """Every pattern must match a known address (declared, or in state): a LfsyncError names each
    one that does not, with the address it may have meant."""
    problems = [
        _matches_nothing(option, pattern, known)
        for option, patterns in (("--target", selection.targets), ("--exclude", selection.excludes))
        for pattern in patterns
        if not any(matches(pattern, address) for address in known)
    ]
    if problems:
        raise LfsyncError("; ".join(problems))


def _matches_nothing(option: str, pattern: str, known: Collection[str]) -> str:
    suggestion = None
    if "." not in pattern:  # a bare key: the address it names has its kind in front
        suggestion = next(
            (
                kind.address_prefix + pattern
                for kind in DECLARABLE_KINDS
                if any(matches(kind.address_prefix + pattern, address) for address in known)
            ),
            None,
        )
    suggestion = suggestion or closest(pattern, sorted(known))
    hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
    return f"{option} {pattern!r} matches no declared or managed address{hint}"


def select_changes(changes: Sequence[Change], needs: Mapping[str, Sequence[str]], selection: Selection) -> Selected:
    """The changes `selection` picks, with the changes they need (`needs`: address -> the addresses
    it references whose records are not created yet)."""
    if not selection.partial:
        return Selected(list(changes))
    by_address = {change.address: change for change in changes}
    picked = {change.address for change in changes if selection.picks(change.address)}
    kept = set(picked)
    waiting = sorted(picked)
    while waiting:
        address = waiting.pop()
        for needed in needs.get(address, ()):
            if needed in kept or needed not in by_address:
                continue
            if (pattern := selection.excluded(needed)) is not None:
                raise LfsyncError(
                    f"{address} needs {needed}, which this plan creates (its ID is not known yet), but "
                    f"--exclude {pattern!r} leaves it out: exclude {address} too, or narrow the --exclude"
                )
            kept.add(needed)
            waiting.append(needed)
    return Selected(
        changes=[change for change in changes if change.address in kept],
        left_out=len(changes) - len(kept),
        brought_along=sorted(kept - picked),
    )


def select_addresses(addresses: Sequence[str], selection: Selection) -> list[str]:
    """The addresses (e.g. the plan's orphans) the patterns pick."""
    return [address for address in addresses if selection.picks(address)]


def select_plan(
    changes: Sequence[Change], desired: Mapping[str, DesiredAccount], resources: Mapping[str, ResourceState], selection: Selection
) -> Selected:
    """The changes of a plan that `selection` keeps, its patterns checked against the declared and
    managed addresses; what each change needs are the references of its declaration to records not
    in state yet."""
    if not selection.partial:
        return Selected(list(changes))
    check_patterns(selection, set(desired) | set(resources))
    ids = {address: resource.id for address, resource in resources.items()}
    needs = {change.address: desired[change.address].unresolved(ids) for change in changes if change.address in desired}
    return select_changes(changes, needs, selection)
