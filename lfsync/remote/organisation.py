"""The target organisation read live: definitions and members, once per run."""

from __future__ import annotations

import asyncio

from lfsync.api.client import LightfieldClient
from lfsync.kinds.catalogue import ACCOUNT
from lfsync.values.organisation import Organisation


async def fetch_organisation(client: LightfieldClient) -> Organisation:
    """Definitions (of accounts: the one kind declared so far) and members, read once per run."""
    definitions, members = await asyncio.gather(client.definitions_of(ACCOUNT), client.members())
    return Organisation.from_api(definitions, members)
