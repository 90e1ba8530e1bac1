"""`$owner: ada@example.com`: members named by email, resolved to member IDs before planning."""

from __future__ import annotations

import dataclasses
from typing import Mapping

from lfsync.addresses import OWNER_RELATIONSHIP, is_member_email
from lfsync.errors import LfsyncError
from lfsync.lightfield import LightfieldClient
from lfsync.resources import DesiredAccount


def has_owner_emails(desired: Mapping[str, DesiredAccount]) -> bool:
    return any(is_member_email(account.relationships.get(OWNER_RELATIONSHIP)) for account in desired.values())


def member_ids_by_email(members: list[dict]) -> dict[str, str]:
    by_email: dict[str, str] = {}
    for member in members:
        email = (member.get("fields", {}).get("$email") or {}).get("value")
        for address in email if isinstance(email, list) else [email]:
            if isinstance(address, str):
                by_email[address.lower()] = member["id"]
    return by_email


def resolve_owner_emails(desired: Mapping[str, DesiredAccount], members: list[dict]) -> dict[str, DesiredAccount]:
    """`desired` with every `$owner` email replaced by that member's ID; unknown emails are errors."""
    by_email = member_ids_by_email(members)
    resolved: dict[str, DesiredAccount] = {}
    unknown: list[str] = []
    for address, account in desired.items():
        owner = account.relationships.get(OWNER_RELATIONSHIP)
        if not is_member_email(owner):
            resolved[address] = account
        elif owner.lower() in by_email:
            relationships = {**account.relationships, OWNER_RELATIONSHIP: by_email[owner.lower()]}
            resolved[address] = dataclasses.replace(account, relationships=relationships)
        else:
            where = f"{account.location}: " if account.location else ""
            unknown.append(f"{where}$owner of {address} is {owner!r}, which is no member of this organisation")
    if unknown:
        raise LfsyncError("\n".join(unknown))
    return resolved


async def with_member_ids(client: LightfieldClient, desired: Mapping[str, DesiredAccount]) -> dict[str, DesiredAccount]:
    if not has_owner_emails(desired):
        return dict(desired)
    return resolve_owner_emails(desired, await client.list_all_members())
