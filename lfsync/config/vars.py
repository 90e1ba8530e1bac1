"""`vars:` in lfsync.yaml (the project's, and a workspace's own): what a variable's name and value
may be, and the variables one workspace sees (its own over the project's of the same name).

Values are scalars: text, a finite number or true/false. Variables are not secret-aware: they
are written into plans and state like any declared value, so an API key never belongs here.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping, Union

Scalar = Union[str, int, float, bool]
Variables = Mapping[str, Scalar]
# one workspace's variables as Project keeps them: sorted (name, value) pairs (hashable, ordered)
VariableItems = tuple[tuple[str, Scalar], ...]

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def name_problem(name: Any) -> str | None:
    """What is wrong with a variable's name (None: it is usable in `${vars.name}`)."""
    if isinstance(name, str) and NAME_PATTERN.fullmatch(name):
        return None
    return f"variable name {name!r} is not valid: letters, digits and '_', not starting with a digit (like region or owner_email)"


def value_problem(value: Any) -> str | None:
    """What is wrong with a variable's value (None: it is usable): text, a finite number or true/false."""
    if isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"a variable's number must be finite, not {value!r}"
    shown = "null" if value is None else "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else repr(value)
    return f"a variable holds text, a number or true/false, not {shown}"


def workspace_variables(project: Variables, workspace: Variables | None = None) -> VariableItems:
    """The variables a workspace sees: the project's, its own replacing those of the same name."""
    merged = {**project, **(workspace or {})}
    return tuple(sorted(merged.items()))
