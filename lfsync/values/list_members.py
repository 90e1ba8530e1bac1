"""Declared lists against what the API takes (lightfield-api-objects.md "Lists"): members are
written under the key of the list's `$objectType` (`$accounts` on a `$account` list) and are
always a list of IDs (a single ID would plan a `replace`, which list updates do not take). Kinds
of members are checked with every relationship (an `$accounts` member must be an account); this
module adds what only lists have."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lfsync.declare.model import AccountDeclaration
from lfsync.errors import Problem
from lfsync.kinds.catalogue import LIST, kind_of_address
from lfsync.kinds.lists import MEMBER_KEYS, OBJECT_TYPE_FIELD, member_type_of


def check_list(
    address: str, declared: AccountDeclaration, fields: Mapping[str, Any], relationships: dict[str, str | list[str]]
) -> list[Problem]:
    """Problems of list `address` (nothing for another kind); its checked `relationships` are
    made lists of IDs in place."""
    if kind_of_address(address) is not LIST:
        return []
    problems = []
    member_type = member_type_of(fields.get(OBJECT_TYPE_FIELD))
    for key in sorted(set(declared.relationships) & MEMBER_KEYS):
        if member_type is not None and key != member_type.key:
            problems.append(Problem(
                f"relationships.{key} of {address}: this list's $objectType is {member_type.object_type}, so its "
                f"members are {member_type.path}, written under {member_type.key}",
                declared.relationship_location(key),
            ))
        if isinstance(value := relationships.get(key), str):
            relationships[key] = [value]
    return problems
