"""Restores before what links to them: a change whose declaration references a record this plan
restores from the trash waits for that restore (`depends_on`), since a link to a trashed record is
refused (422 "... is in the trash"); e.g. reset restoring an account and its contact, or an
opportunity whose account a demo trashed.   [pure]"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lfsync.plan.actions import Action
from lfsync.plan.model import Change
from lfsync.plan.resources import DesiredAccount


def wait_for_restores(changes: Sequence[Change], desired: Mapping[str, DesiredAccount]) -> None:
    """Add to each create, update, adopt or restore the restores of the records it references."""
    restored = {change.address for change in changes if change.action == Action.RESTORE}
    if not restored:
        return
    for change in changes:
        if change.action in (Action.DELETE, Action.MOVE) or change.address not in desired:
            continue
        for target in desired[change.address].references():
            if target in restored and target != change.address and target not in change.depends_on:
                change.depends_on.append(target)
