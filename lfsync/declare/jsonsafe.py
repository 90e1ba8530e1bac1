"""Values JSON cannot carry to the API: NaN, infinities and integers beyond +/-(2**53 - 1).

Every declaration is checked for these whatever its field's type, definitions or not."""

from __future__ import annotations

import math
from typing import Any

from lfsync.declare.yamlscalars import yaml_type_name

MAX_SAFE_INTEGER = 2**53 - 1

_ALWAYS_REPRESENTABLE = frozenset({str, bool, type(None)})  # exact types: most values, checked first


def unrepresentable(value: Any) -> str | None:
    """Why a value (at any depth) cannot be sent at all, or None."""
    if type(value) in _ALWAYS_REPRESENTABLE:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{yaml_type_name(value)} cannot be sent to the API (JSON has no NaN or infinity)"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SAFE_INTEGER:
        return f"{short_number(value)} is beyond the range the API can hold (at most {MAX_SAFE_INTEGER} either way)"
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((problem for item in items if (problem := unrepresentable(item))), None)


def short_number(value: int | float) -> str:
    return str(value) if not isinstance(value, int) or abs(value) < 10**30 else f"a {len(str(abs(value)))}-digit number"
