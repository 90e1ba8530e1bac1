"""A selection of another set's generated records, by place: `{select: account, every: 3, first: 10}`
in a `generate:` block gives the addresses of every third generated account, at most ten of them
(`[account.gen-acct-003, account.gen-acct-006, ...]`). A list's members are written this way:

```yaml
lists:
  key: "targets"
  fields: {$name: Target accounts, $objectType: $account}
  relationships:
    $accounts: {select: account, every: 3, first: 25}
```

Records are taken in the order their set generates them (by parent, then index), starting with the
`every`-th; so a selection depends on the counts alone, never on the seed or on Faker's version, and
a larger `count` only adds members at the end (until `first` is reached).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

SELECT_KEY = "select"
SELECT_OPTIONS = ("every", "first")


class SelectionContext(Protocol):
    def addresses_of(self, kind: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Selection:
    """The generated records of the set `kind` (a kind's name): every `every`-th, the first `first`."""

    kind: str
    every: int = 1
    first: int | None = None

    def evaluate(self, context: SelectionContext) -> list[str]:
        chosen = context.addresses_of(self.kind)[self.every - 1 :: self.every]
        return chosen if self.first is None else chosen[: self.first]


def is_selection(value: Any) -> bool:
    return isinstance(value, dict) and SELECT_KEY in value


def selected_kind(value: Any) -> str | None:
    """The kind a written selection names (before it is checked), else None."""
    return str(value[SELECT_KEY]) if is_selection(value) else None


def parse_selection(value: dict[str, Any]) -> Selection:
    """A written selection checked; raises ValueError saying what is wrong."""
    unknown = [str(key) for key in value if key != SELECT_KEY and key not in SELECT_OPTIONS]
    if unknown:
        raise ValueError(f"unknown option {unknown[0]!r} of select: allowed {', '.join(SELECT_OPTIONS)}")
    kind = value[SELECT_KEY]
    if not isinstance(kind, str) or not kind:
        raise ValueError("select: names the set to take records from by its kind, e.g. {select: account, every: 3}")
    every = _whole(value, "every", 1)
    first = _whole(value, "first", None)
    return Selection(kind, every if every is not None else 1, first)


def _whole(value: dict[str, Any], option: str, default: int | None) -> int | None:
    number = value.get(option, default)
    if number is None:
        return None
    if isinstance(number, bool) or not isinstance(number, int) or number < 1:
        raise ValueError(f"select's {option} must be a whole number of at least 1, found {number!r}")
    return number
