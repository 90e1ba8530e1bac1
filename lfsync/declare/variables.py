"""`${vars.name}` in declaration values: finding the uses in one string and substituting them.

Pure text work, no files: the readers (lfsync.declare.substitution) walk a document's values and
turn what this module finds into problems at file:line:col.

The rules, as README's "Variables (`vars:`)" states them:
- a value that is exactly `${vars.name}` becomes the variable's value with its type (a number stays a
  number, true stays a boolean); inside a larger string a variable is written as text (numbers as
  written in JSON, booleans as `true`/`false`);
- `$${vars.` writes a literal `${vars.` (Terraform's `$${`), so `$${vars.x}` stays `${vars.x}`;
- any other `$` stays as it is: `$name`, `$5`, `${other}` and `$${other}` mean what they always did;
- `${vars.` not followed by a name and `}` is a problem (so is an unknown name), never left half-done.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from lfsync.config.vars import Scalar, Variables
from lfsync.support.suggestions import closest

OPENING = "${vars."
# left to right, without overlap: an escape, or an opening with (when well formed) its name
_USE = re.compile(r"\$\$\{vars\.|\$\{vars\.(?:([A-Za-z_][A-Za-z0-9_]*)\})?")
_MARKERS = (OPENING.encode(), b"\\")  # see may_use_variables


@dataclass(frozen=True)
class VariableProblem:
    """A use that cannot be substituted: `offset` is where its `${vars.` starts in the string."""

    offset: int
    message: str
    hint: str | None = None


def escaped(text: str) -> str:
    """`text` written so that substitution gives it back: each `${vars.` as `$${vars.`."""
    return text.replace(OPENING, "$" + OPENING)


def substitute(text: str, variables: Variables) -> tuple[Any, list[VariableProblem]]:
    """`text` with its variables substituted (the problems: unknown or malformed uses). Exactly
    `${vars.name}` gives the variable's value itself; a string without uses comes back unchanged."""
    if "${vars." not in text:
        return text, []
    problems: list[VariableProblem] = []
    parts: list[str] = []
    last = 0
    for use in _USE.finditer(text):
        parts.append(text[last:use.start()])
        last = use.end()
        matched = use.group(0)
        if matched.startswith("$$"):
            parts.append(OPENING)  # the escape: a literal `${vars.`
            continue
        name = use.group(1)
        if name is None:
            problems.append(VariableProblem(
                use.start(), f"{OPENING} must be followed by a variable name and '}}', like ${{vars.region}}",
                "write $${vars. for a literal ${vars.",
            ))
            continue
        if name not in variables:
            problems.append(unknown_variable(use.start(), name, variables))
            continue
        value = variables[name]
        if matched == text:
            return value, []
        parts.append(as_text(value))
    parts.append(text[last:])
    return "".join(parts), problems


def unknown_variable(offset: int, name: str, variables: Variables) -> VariableProblem:
    known = ", ".join(sorted(variables)) if variables else "none: lfsync.yaml sets no vars"
    suggestion = closest(name, sorted(variables))
    return VariableProblem(
        offset, f"unknown variable {name!r} (known: {known})", f"did you mean {suggestion!r}?" if suggestion else None
    )


def as_text(value: Scalar) -> str:
    """A variable's value inside a larger string: text as it is, numbers and booleans as JSON writes them."""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def may_use_variables(data: bytes) -> bool:
    """Whether a file's bytes may hold a use of a variable once read: `${vars.` written out, or a
    backslash (a double-quoted YAML string can spell `$` or `{` as an escape). False means the file
    reads the same whatever the variables are (its cache entries do not depend on them)."""
    return any(marker in data for marker in _MARKERS)


def variables_digest(variables: Variables) -> str:
    """SHA-256 over the variables' canonical JSON (names sorted; a value's type counts: 1 is not "1")."""
    canonical = json.dumps(dict(variables), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
