"""Query parameters shared by list endpoints: limit and offset."""

from __future__ import annotations

from collections.abc import Mapping

from . import decisions
from .errors import invalid_type


def int_param(query: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None) -> int:
    text = query.get(name)
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        raise invalid_type(name, f"`{name}` must be an integer.") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise invalid_type(name, f"`{name}` must be {bounds}.")
    return value


def page_params(query: Mapping[str, str]) -> tuple[int, int]:
    """(limit, offset) of a list request."""
    limit = int_param(query, "limit", decisions.LIST_DEFAULT_LIMIT, 1, decisions.LIST_MAX_LIMIT)
    offset = int_param(query, "offset", 0, 0, None)
    return limit, offset
