"""Values whose form a record kind fixes, beyond their definitions' value type: a field of a fixed
set of choices (a task's `$status`: TODO, IN_PROGRESS, COMPLETE, CANCELLED, in any case) and a
markdown field the docs say is written as text (a task's `$description`, a note's `$content`;
MARKDOWN is otherwise not writable). lfsync.kinds.record_kind names them per kind."""

from __future__ import annotations

from typing import Any

from lfsync.declare.yamlscalars import yaml_type_name
from lfsync.support.suggestions import did_you_mean
from lfsync.values.types import ValueProblem


def markdown_text(value: Any) -> str | None:
    """A markdown field's value (a note's `$content`): text as written, or None to clear it."""
    if value is None or isinstance(value, str):
        return value
    raise ValueProblem(f"expected markdown text, found {yaml_type_name(value)} (quote it to keep it as text)")


def fixed_choice(value: Any, choices: tuple[str, ...]) -> str:
    """`value` as one of `choices` (a task's `$status`: TODO, IN_PROGRESS, ...), matched in any case."""
    if isinstance(value, str):
        chosen = next((choice for choice in choices if choice.casefold() == value.strip().casefold()), None)
        if chosen is not None:
            return chosen
    shown = repr(value) if isinstance(value, str) else yaml_type_name(value)
    raise ValueProblem(f"{shown} is not one of {', '.join(choices)} (any case)" + did_you_mean(str(value).upper(), choices))
