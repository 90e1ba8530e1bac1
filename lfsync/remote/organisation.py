"""The target organisation read live: definitions and members, once per run."""

from __future__ import annotations

import asyncio

from lfsync.api.client import LightfieldClient
from lfsync.values.organisation import Organisation


async def fetch_organisation(client: LightfieldClient) -> Organisation:
    """Definitions and members, read once per run."""
    definitions, members = await asyncio.gather(client.definitions(), client.list_all_members())
    return Organisation.from_wire(definitions, members)
