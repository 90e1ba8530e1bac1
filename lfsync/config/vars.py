"""`vars:` in lfsync.yaml (the project's, and a workspace's own): what a variable's name and value
may be, and the variables one workspace sees (its own over the project's of the same name).

Values are scalars: text, a finite number or true/false. `--var NAME=VALUE` (plan, apply) overrides
a variable lfsync.yaml sets, for one run. Variables are not secret-aware: they
are written into plans and state like any declared value, so an API key never belongs here.
"""

from __future__ import annotations

import math
import re
from contextvars import ContextVar
from typing import Any, Mapping, Union

from lfsync.errors import LfsyncError
from lfsync.support.suggestions import did_you_mean

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


def workspace_variables(
    project: Variables, workspace: Variables | None = None, every_name: frozenset[str] = frozenset()
) -> VariableItems:
    """The variables a workspace sees: the project's, its own replacing those of the same name, and
    the command's --var values over both. `every_name`: the names lfsync.yaml sets anywhere (a --var
    may name one that only another workspace sets)."""
    merged = overridden({**project, **(workspace or {})}, command_line_overrides(), every_name)
    return tuple(sorted(merged.items()))


# `--var NAME=VALUE` of the command being run (plan, apply): over every other value of that name
_command_line: ContextVar[tuple[tuple[str, str], ...]] = ContextVar("lfsync_var_overrides", default=())


def parse_override(text: str) -> tuple[str, str]:
    """`NAME=VALUE` as given to --var (the value may hold '=' itself)."""
    name, equals, value = text.partition("=")
    if not equals:
        raise LfsyncError(f"--var {text}: write NAME=VALUE, like --var region=EU")
    if problem := name_problem(name):
        raise LfsyncError(f"--var {text}: {problem}")
    return name, value


def set_command_line(overrides: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Makes `overrides` the command's --var values; returns those they replace (to restore after it)."""
    previous = _command_line.get()
    _command_line.set(overrides)
    return previous


def command_line_overrides() -> tuple[tuple[str, str], ...]:
    return _command_line.get()


def overridden(
    variables: dict[str, Scalar], overrides: tuple[tuple[str, str], ...], every_name: frozenset[str] = frozenset()
) -> dict[str, Scalar]:
    """`variables` with --var values over them. A --var names a variable lfsync.yaml sets (for this
    workspace, or in `every_name`; a typo is refused, never a silent no-op) and takes its type: text
    stays text, a number must read as one, true/false as true or false (text where only another
    workspace sets it)."""
    result = dict(variables)
    for name, text in overrides:
        known = sorted(every_name | set(variables))
        if name not in known:
            raise LfsyncError(
                f"--var {name}={text}: lfsync.yaml sets no variable {name!r} (known: {', '.join(known) or 'none'})"
                + did_you_mean(name, known)
            )
        result[name] = _typed_like(variables[name], name, text) if name in variables else text
    return result


def _typed_like(original: Scalar, name: str, text: str) -> Scalar:
    if isinstance(original, bool):
        if text.strip().lower() in ("true", "false"):
            return text.strip().lower() == "true"
        raise LfsyncError(f"--var {name}={text}: {name!r} is true or false in lfsync.yaml; give true or false")
    if isinstance(original, (int, float)):
        try:
            number: int | float = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                number = math.nan
        if not math.isfinite(number):
            raise LfsyncError(f"--var {name}={text}: {name!r} is a number in lfsync.yaml; give a number")
        return number
    return text
