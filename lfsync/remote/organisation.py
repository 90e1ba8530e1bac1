"""The target organisation read live: definitions and members, once per run."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from lfsync.api.client import LightfieldClient
from lfsync.kinds.catalogue import ACCOUNT, DECLARABLE_KINDS
from lfsync.kinds.record_kind import RecordKind
from lfsync.values.organisation import Organisation


async def fetch_organisation(client: LightfieldClient, kinds: Iterable[RecordKind] = ()) -> Organisation:
    """The accounts' definitions, those of `kinds` besides (the other kinds a project declares),
    and the members, read once per run, together."""
    others = [kind for kind in dict.fromkeys(kinds) if kind is not ACCOUNT]
    (definitions, members), of_kinds = await asyncio.gather(
        asyncio.gather(client.definitions_of(ACCOUNT), client.members()),
        asyncio.gather(*(client.definitions_of(kind) for kind in others)),
    )
    return Organisation.from_api(definitions, members, {kind.name: typed for kind, typed in zip(others, of_kinds)})


def every_declarable_kind() -> tuple[RecordKind, ...]:
    """What `lfsync definitions pull` reads: a committed snapshot serves whatever a project declares."""
    return DECLARABLE_KINDS
