"""Relationship writes: create values, update operations, targets and the write limit."""

from __future__ import annotations

from typing import Any, Callable

from . import decisions
from .errors import ApiError, invalid_configuration, invalid_type
from .schema import ObjectSchema, RelationshipDefinition

UPDATE_OPERATIONS = ("replace", "remove", "add")  # the order they are applied in (decision 6)

# A lookup of a target ID: None when it does not exist, else whether it is trashed.
TargetLookup = Callable[[str, str], "bool | None"]


def count_referenced_ids(relationships: Any) -> int:
    """IDs named anywhere in a create or update `relationships` body."""
    if not isinstance(relationships, dict):
        return 0
    total = 0
    for value in relationships.values():
        operations = value.values() if isinstance(value, dict) else [value]
        for operand in operations:
            if isinstance(operand, str):
                total += 1
            elif isinstance(operand, list):
                total += len(operand)
    return total


def check_write_limit(relationships: Any) -> None:
    if count_referenced_ids(relationships) > decisions.RELATIONSHIP_WRITE_LIMIT:
        raise ApiError(
            422,
            f"A request may reference at most {decisions.RELATIONSHIP_WRITE_LIMIT} related IDs.",
            code="relationship_write_limit_exceeded",
            param="relationships",
        )


class RelationshipWriter:
    def __init__(self, schema: ObjectSchema, lookup: TargetLookup, record_id: str | None,
                 operations: tuple[str, ...] = UPDATE_OPERATIONS):
        self._schema = schema
        self._lookup = lookup
        self._record_id = record_id
        self._operations = operations  # the update operations this type takes (notes, lists: no replace)

    def definition(self, key: str) -> RelationshipDefinition:
        param = f"relationships.{key}"
        definition = self._schema.relationships.get(key)
        if definition is None:
            raise ApiError(400, f"Unknown relationship `{key}`.", code="unknown_relationship", param=param)
        if definition.read_only:
            raise invalid_configuration(param, f"Relationship `{key}` is read-only.")
        return definition

    def create_values(self, raw: Any) -> dict[str, list[str]]:
        """`{key: id | [ids] | null}` -> stored links."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise invalid_type("relationships", "`relationships` must be an object.")
        links: dict[str, list[str]] = {}
        for key, value in raw.items():
            definition = self.definition(key)
            ids = self._ids(definition, value, allow_null=True)
            for target in ids:
                self._check_target(definition, target)
            links[key] = self._check_cardinality(definition, ids)
        return links

    def apply_operations(self, raw: Any, current: dict[str, list[str]]) -> dict[str, list[str]]:
        """`{key: {replace?, remove?, add?}}` applied to `current` -> new stored links."""
        if raw is None:
            return dict(current)
        if not isinstance(raw, dict):
            raise invalid_type("relationships", "`relationships` must be an object.")
        links = {key: list(ids) for key, ids in current.items()}
        for key, operations in raw.items():
            definition = self.definition(key)
            param = f"relationships.{key}"
            if not isinstance(operations, dict) or not operations:
                raise invalid_type(param, "A relationship update is an object with `add`, `remove` or `replace`.")
            unknown = set(operations) - set(UPDATE_OPERATIONS)
            if unknown:
                raise invalid_type(param, f"Unknown relationship operation(s): {', '.join(sorted(unknown))}.")
            refused = set(operations) - set(self._operations)
            if refused:  # decisions 30, 31
                raise invalid_type(param, f"`{'`, `'.join(sorted(refused))}` is not supported here: use "
                                          f"{' or '.join(f'`{o}`' for o in self._operations)}.")
            values = links.get(key, [])
            for operation in UPDATE_OPERATIONS:
                if operation not in operations:
                    continue
                ids = self._ids(definition, operations[operation], allow_null=operation == "replace")
                if operation != "remove":
                    for target in ids:
                        self._check_target(definition, target)
                if operation == "replace":
                    values = ids
                elif operation == "remove":
                    values = [v for v in values if v not in ids]
                else:
                    values = values + [i for i in ids if i not in values]
            links[key] = self._check_cardinality(definition, values)
        return {key: ids for key, ids in links.items() if ids}

    def _ids(self, definition: RelationshipDefinition, value: Any, *, allow_null: bool) -> list[str]:
        param = f"relationships.{definition.key}"
        if value is None and allow_null:
            return []
        ids = [value] if isinstance(value, str) else value
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise invalid_type(param, "Expected an ID or a list of IDs.")
        for target in ids:
            if not target.startswith(definition.target_prefix) or len(target) <= len(definition.target_prefix):
                raise invalid_type(param, f"`{target}` is not a {definition.object_type} ID.")
        return list(dict.fromkeys(ids))

    def _check_target(self, definition: RelationshipDefinition, target: str) -> None:
        param = f"relationships.{definition.key}"
        if definition.self_referential and target == self._record_id:
            raise invalid_configuration(param, f"A {definition.object_type} cannot be related to itself.")
        trashed = self._lookup(definition.object_type, target)
        if trashed is None:
            raise ApiError(422, f"{definition.object_type.capitalize()} `{target}` does not exist.",
                           code="relationship_entity_missing", param=param)
        if trashed:
            raise ApiError(422, f"{definition.object_type.capitalize()} `{target}` is in the trash.",
                           code="relationship_entity_inactive", param=param)

    @staticmethod
    def _check_cardinality(definition: RelationshipDefinition, ids: list[str]) -> list[str]:
        if definition.cardinality == "HAS_ONE" and len(ids) > 1:
            raise invalid_type(
                f"relationships.{definition.key}",
                f"`{definition.key}` holds one {definition.object_type}; use `replace` to change it.",
            )
        return ids
