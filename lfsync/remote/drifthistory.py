"""Drift explained, the reads: for the fields a refreshed plan shows as changed in Lightfield, the
time of each one's newest field-history entry, attached to the plan (lfsync.plan.drift).

The cost stays small: nothing is read when nothing drifted; one Read request per drifted field
(`limit=1`: the newest entry only), at most `MAX_HISTORY_READS` per plan (the rest are shown
without an age, said once), up to READ_CONCURRENCY in flight under the Read pacer. Ages are
measured against the server's clock (the client's `server_clock`, from every answer's Date).

History is decoration, never a reason to fail a plan: a field the API keeps no history of (a
column-backed system field is refused; the code is not documented, so any 400, 404 or 422), an
empty history, or a kind without history shows its drift without an age; other failures (the API
unreachable, an answer in no documented shape) are counted in the plan's note. A halted run stops.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Mapping

from lfsync.api.client import ApiError, LightfieldClient, gather_bounded
from lfsync.api.history import read_field_history
from lfsync.api.records import UnexpectedAnswer
from lfsync.kinds.catalogue import kind_of_address
from lfsync.plan.drift import DriftedField, DriftTimes, annotate_drift, drifted_fields
from lfsync.plan.model import Plan
from lfsync.remote.refresh import ReadCallback, Reading
from lfsync.state.records import ResourceState

MAX_HISTORY_READS = 50  # field histories read per plan; the other drifted fields go without an age
NO_HISTORY_STATUSES = frozenset({400, 404, 422})  # how the API says a field keeps no history here


class _Unreadable:
    """A history read that failed for another reason than "no history"."""


UNREADABLE = _Unreadable()


def _quiet(label: str) -> AbstractContextManager[ReadCallback | None]:
    return nullcontext(None)


async def explain_drift(
    client: LightfieldClient,
    plan: Plan,
    resources: Mapping[str, ResourceState],
    reading: Reading = _quiet,
    most_reads: int | None = None,
) -> None:
    """Annotate the drifted fields of `plan` (made from a refresh) with when they changed in
    Lightfield; nothing is read when nothing drifted. `most_reads`: MAX_HISTORY_READS unless given."""
    wanted = drifted_fields(plan.changes, resources)
    if wanted:
        bound = MAX_HISTORY_READS if most_reads is None else most_reads
        annotate_drift(plan, await read_drift_times(client, wanted, reading, bound))


async def read_drift_times(
    client: LightfieldClient, wanted: list[DriftedField], reading: Reading = _quiet, most_reads: int = MAX_HISTORY_READS
) -> DriftTimes:
    """The newest history entry's time of the first `most_reads` of `wanted` whose kind keeps field
    history, read concurrently; the server's time now, when the server has told it."""
    with_history = [drifted for drifted in wanted if _keeps_history(drifted.address)]
    asked = with_history[: max(0, most_reads)]
    times = DriftTimes(not_read=len(with_history) - len(asked), most_reads=most_reads)
    if not asked:
        return times
    with reading(f"refresh: reading when {len(asked)} drifted field(s) changed") as progress:
        answers = await gather_bounded({drifted: _newest_change(client, drifted) for drifted in asked}, on_done=progress)
    for drifted, answer in answers.items():
        if isinstance(answer, datetime):
            times.changed_at[(drifted.address, drifted.key)] = answer
        elif answer is UNREADABLE:
            times.unreadable += 1
    now = client.server_clock.now()
    times.server_now = now.moment if now.from_server else None
    return times


async def _newest_change(client: LightfieldClient, drifted: DriftedField) -> datetime | _Unreadable | None:
    """When the field's newest history entry was recorded; None when it keeps no history."""
    try:
        page = await read_field_history(client, kind_of_address(drifted.address), drifted.record_id, drifted.key, limit=1)
    except ApiError as error:
        return None if error.status in NO_HISTORY_STATUSES else UNREADABLE
    except UnexpectedAnswer:
        return UNREADABLE
    newest = page.newest
    return newest.recorded_at if newest is not None else None


def _keeps_history(address: str) -> bool:
    try:
        return kind_of_address(address).field_history
    except KeyError:
        return False
