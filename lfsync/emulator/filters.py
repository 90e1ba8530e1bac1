"""List filters: `key[op]=value`, `key[-op]=value` (negated), `key=value` (default op).

`parse_filters` validates the query against the schema; `Filter.matches` tests one
record. Matching rules are decision 15; `$pipeline` and `$stage` filters decision 27.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from operator import eq, ge, gt, le, lt
from typing import Any, Callable

from .errors import invalid_type, unknown_field
from .pipelines import PIPELINE_KEY, STAGE_KEY, Pipelines
from .schema import FieldDefinition, ObjectSchema, RelationshipDefinition
from .values import ADDRESS_TEXT_KEYS, FULL_NAME_KEYS, parse_filter_datetime, resolve_option

ORDERING_OPERATORS = ("equal", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual")
OPERATORS_BY_VALUE_TYPE: dict[str, tuple[str, ...]] = {
    "NUMBER": ORDERING_OPERATORS,
    "CURRENCY": ORDERING_OPERATORS,
    "DATETIME": ORDERING_OPERATORS,
    "TEXT": ("equal", "startsWith"),
    "FULL_NAME": ("equal", "startsWith"),
    "SOCIAL_HANDLE": ("equal", "startsWith"),
    "ADDRESS": ("equal", "startsWith"),
    "CHECKBOX": ("equal",),
    "SINGLE_SELECT": ("equal",),
    "EMAIL": ("contains",),
    "TELEPHONE": ("contains",),
    "URL": ("contains",),
}
RELATIONSHIP_OPERATORS = ("contains", "equal")  # documented: `equal` behaves like `contains` here
DIRECTIONS = ("asSource", "asDestination")
FILTER_KEY = re.compile(r"^(?P<key>[^\[\]]+?)(?:\[(?P<op>[^\[\]]*)\])?$")

# (relationship key, direction or None for merged) -> IDs, for the record being tested
RelationshipValues = Callable[[str, "str | None"], list[str]]


@dataclass(frozen=True)
class Filter:
    param: str
    operator: str
    negated: bool
    operand: Any
    field: FieldDefinition | None = None
    relationship: RelationshipDefinition | None = None
    direction: str | None = None
    value_of: Callable[[dict[str, Any]], Any] | None = None  # a value derived from others (`$pipeline`)
    raw: str = ""  # the value as given, for filters resolved against others (`$stage`, `$pipeline`)

    def matches(self, fields: dict[str, Any], relationship_values: RelationshipValues) -> bool:
        if self.relationship is not None:
            hit = self.operand in relationship_values(self.relationship.key, self.direction)
        elif self.field is not None:
            stored = self.value_of(fields) if self.value_of else fields.get(self.field.key)
            hit = _field_matches(self.field, self.operator, stored, self.operand)
        else:
            raise ValueError(f"a {self.operator} condition names neither a field nor a relationship")
        return hit != self.negated


def parse_filters(
    schema: ObjectSchema, items: list[tuple[str, str]], pipelines: Pipelines | None = None
) -> list[Filter]:
    parsed = [_parse_filter(schema, param, value) for param, value in items]
    if pipelines is None:
        return parsed
    return _resolve_pipeline_filters(parsed, pipelines)


def _resolve_pipeline_filters(parsed: list[Filter], pipelines: Pipelines) -> list[Filter]:
    """Decision 27: `$pipeline` filters take pipeline IDs (one positive at most); a `$stage` label
    resolves within the positive one, or must name one stage of all pipelines."""
    pipeline_filters = [f for f in parsed if f.field is not None and f.field.key == PIPELINE_KEY]
    positive = [f for f in pipeline_filters if not f.negated]
    if len(positive) > 1:
        raise invalid_type(positive[1].param, f"Give at most one positive `{PIPELINE_KEY}` filter.")
    pinned = pipelines.filter_pipeline(positive[0].raw, positive[0].param) if positive else None
    resolved = []
    for item in parsed:
        key = item.field.key if item.field is not None else None
        if key == PIPELINE_KEY:
            operand = pipelines.filter_pipeline(item.raw, item.param)
            item = replace(item, operand=operand, value_of=lambda f: pipelines.pipeline_of_stage(f.get(STAGE_KEY)))
        elif key == STAGE_KEY:
            item = replace(item, operand=pipelines.filter_stage(item.raw, pinned, item.param))
        resolved.append(item)
    return resolved


def _parse_filter(schema: ObjectSchema, param: str, text: str) -> Filter:
    match = FILTER_KEY.match(param)
    if match is None:
        raise invalid_type(param, f"`{param}` is not a filter (use key[operator]=value).")
    key, operator = match.group("key"), match.group("op")
    negated = bool(operator) and operator.startswith("-")
    operator = operator[1:] if negated else operator

    name, _, direction = key.partition(":")
    relationship = schema.relationship_for_filter(name)
    if relationship is not None:
        if direction and (direction not in DIRECTIONS or not relationship.self_referential):
            raise invalid_type(param, f"`{direction}` is not a direction of `{name}`.")
        operator = operator or "contains"
        if operator not in RELATIONSHIP_OPERATORS:
            raise invalid_type(param, f"Relationship filters support: {', '.join(RELATIONSHIP_OPERATORS)}.")
        return Filter(param, operator, negated, text, relationship=relationship, direction=direction or None)

    definition = schema.fields.get(key)
    if definition is None:
        raise unknown_field(param, f"Unknown filter field `{key}`.")
    allowed = OPERATORS_BY_VALUE_TYPE.get(definition.value_type, ())
    if not allowed:
        raise invalid_type(param, f"`{key}` ({definition.value_type}) cannot be filtered.")
    operator = operator or ("equal" if "equal" in allowed else "contains")
    if operator not in allowed:
        raise invalid_type(param, f"`{key}` supports: {', '.join(allowed)}.")
    if definition.parent_field_key is not None or key == PIPELINE_KEY:  # resolved with the others (27)
        return Filter(param, operator, negated, text, field=definition, raw=text)
    return Filter(param, operator, negated, _operand(definition, param, text), field=definition)


def _operand(definition: FieldDefinition, param: str, text: str) -> Any:
    value_type = definition.value_type
    if value_type in ("NUMBER", "CURRENCY"):
        try:
            return float(text)
        except ValueError:
            raise invalid_type(param, f"`{text}` is not a number.") from None
    if value_type == "DATETIME":
        moment = parse_filter_datetime(text)
        if moment is None:
            raise invalid_type(param, f"`{text}` is not an ISO 8601 date-time.")
        return moment
    if value_type == "CHECKBOX":
        if text.lower() not in ("true", "false"):
            raise invalid_type(param, "Use true or false.")
        return text.lower() == "true"
    if value_type == "SINGLE_SELECT":
        return resolve_option(definition, text, param)
    return text.casefold()


def _field_matches(definition: FieldDefinition, operator: str, stored: Any, operand: Any) -> bool:
    value_type = definition.value_type
    if value_type == "CHECKBOX":
        return bool(stored) == operand
    if stored is None:
        return False
    if value_type in ("NUMBER", "CURRENCY"):
        return _compare(operator, float(stored), operand)
    if value_type == "DATETIME":
        return _compare(operator, datetime.fromisoformat(stored), operand)
    if value_type == "SINGLE_SELECT":
        return stored == operand
    if value_type in ("EMAIL", "TELEPHONE", "URL"):
        items = stored if isinstance(stored, list) else [stored]
        if value_type == "TELEPHONE" and any(ch.isdigit() for ch in operand):
            digits = re.sub(r"\D", "", operand)
            return any(digits in re.sub(r"\D", "", item) for item in items)
        return any(operand in item.casefold() for item in items)
    candidates = _text_candidates(value_type, stored, operator)
    return any(_text_matches(operator, candidate.casefold(), operand) for candidate in candidates)


def _text_candidates(value_type: str, stored: Any, operator: str) -> list[str]:
    if value_type == "FULL_NAME":
        parts = [stored[k] for k in FULL_NAME_KEYS if stored.get(k)]
        full = " ".join(parts)
        return [full] if operator == "equal" else [full, *parts]
    if value_type == "ADDRESS":
        return [str(stored[k]) for k in ADDRESS_TEXT_KEYS if stored.get(k)]
    return [str(stored)]


def _text_matches(operator: str, candidate: str, operand: str) -> bool:
    return candidate == operand if operator == "equal" else candidate.startswith(operand)


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "equal": eq,
    "greaterThan": gt,
    "greaterThanOrEqual": ge,
    "lessThan": lt,
    "lessThanOrEqual": le,
}


def _compare(name: str, left: Any, right: Any) -> bool:
    return COMPARISONS[name](left, right)
