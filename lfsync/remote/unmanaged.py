"""`lfsync reset` of an organisation the workspace owns: the live records nobody declared, of each
kind the workspace manages, read by list pages; each with the name its plan line shows."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Callable

from lfsync.api.client import READ_CONCURRENCY, LightfieldClient
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.kinds.present import kinds_present
from lfsync.kinds.record_kind import RecordKind
from lfsync.values.names import record_name

ReadCallback = Callable[[int, int], None]
Reading = Callable[[str], AbstractContextManager[ReadCallback | None]]


def _quiet(label: str) -> AbstractContextManager[ReadCallback | None]:
    return nullcontext(None)


def reset_kinds(declared: Iterable[str], managed: Iterable[str]) -> list[RecordKind]:
    """The kinds reset looks for unmanaged records of: accounts always, and each other kind the
    project declares or state holds (an accounts-only project reads, and needs scopes for, accounts
    alone, as it always did)."""
    return kinds_present([*declared, *managed], always=(ACCOUNT,))


async def unmanaged_records(
    client: LightfieldClient, kinds: Iterable[RecordKind], managed_ids: Collection[str], reading: Reading = _quiet
) -> dict[str, str]:
    """ID -> name of every live record of `kinds` whose ID is not in `managed_ids` (and is known as
    the kind's by its prefix), one kind after another (list pages, asked ahead), each read shown
    through `reading`."""
    unmanaged: dict[str, str] = {}
    for kind in kinds:
        with reading(f"reset: reading every live {kind.name}") as progress:
            live = await client.list_records(kind, on_page=progress, window=READ_CONCURRENCY, status="active")
        unmanaged.update(
            (record.id, record_name(record.fields))
            for record in live
            # an ID of no prefix the kind is known by (tasks' and notes' are not documented) would name
            # no kind as `unmanaged.<ID>`: such a record is left alone
            if record.id not in managed_ids and kind.owns_id(record.id)
        )
    return unmanaged
