"""Declared values as written, for plans that cannot put values in canonical form.

A plan with no API key and no definitions snapshot cannot turn `tier: mid-market` into the option
ID the API stores, nor `$owner: grace@example.com` into a member ID. Comparing such declarations
with the applied payloads (canonical) would plan an update of every label, email and scheme-less
URL. Instead state keeps, beside each applied payload, how the declaration spelled the values that
differ (`ResourceState.declared_as`), and such a plan compares declarations with declarations.
Pure: no I/O.
"""

from __future__ import annotations

from typing import Any, Mapping

from lfsync.plan.resources import resolve_references
from lfsync.state.records import Payload, ResourceState

SECTIONS = ("fields", "relationships")


def as_written(fields: Mapping[str, Any], relationships: Mapping[str, Any]) -> Payload:
    """A declaration's fields and relationships as it spells them (references stay `account.<key>`),
    in plain JSON types (a CSV cell is text)."""
    return {"fields": _plain(fields), "relationships": _plain(relationships)}


def declared_as(written: Payload, applied: Payload) -> Payload:
    """The values of `written` that `applied` holds in another form (or not at all), by section.
    `applied` keys are always among the declared ones (applied payloads are made from declarations),
    so laying these over `applied` gives `written` back (last_declared)."""
    return {
        section: {key: value for key, value in written[section].items() if applied.get(section, {}).get(key, _MISSING) != value}
        for section in SECTIONS
    }


def last_declared(resource: ResourceState) -> Payload | None:
    """The declaration last applied to `resource`, as written; None when state did not record it."""
    if resource.declared_as is None:
        return None
    return {
        section: {**resource.applied.get(section, {}), **resource.declared_as.get(section, {})} for section in SECTIONS
    }


def with_ids(payload: Payload, ids: Mapping[str, str]) -> Payload:
    """`payload` with references to accounts in state replaced by their IDs (unknown ones stay)."""
    return {"fields": payload["fields"], "relationships": resolve_references(payload["relationships"], ids)}


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


_MISSING = object()
