"""The values of a `generate:` block: templates (`"{first_name.lower}@{account.domain}"`) and value
specs (`{choice: [...]}`, `{cycle: [...]}`, `{between: [a, b]}`, a selection of another set's records:
`{select: account, every: 3}`, lfsync.declare.genselect), checked once and evaluated per record.

A template's placeholders name a fake value (lfsync.declare.fakes.VOCABULARY), the record's index `n`,
or the parent record of a `per:` set (`account.key`, `account.address`, `account.$name`,
`account.domain`), optionally followed by a filter (`.lower`, `.upper`, `.slug`) and a format spec
(`{n:03}`). Nothing else of Python's format language is honoured: a placeholder is a name, not an
expression. Every choice a spec makes comes from a hash of the block's seed and the value's place
(the set, the record, the field), so each value stands on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from string import Formatter
from typing import Any, Protocol

from lfsync.declare.fakes import VOCABULARY, slug
from lfsync.declare.genselect import Selection, is_selection, parse_selection

INDEX = "n"
PARENT_ATTRIBUTES = ("key", "address")  # besides the parent's fields and fake values
FILTERS = {"lower": str.lower, "upper": str.upper, "slug": slug, "title": str.title}
SPEC_KEYS = ("choice", "cycle", "between")


class RecordContext(Protocol):
    """What a template is evaluated in: one generated record and its parent."""

    index: int  # `n`: 1-based, within the parent's records for a `per:` set
    ordinal: int  # 0-based place in the whole set: what `cycle` goes by, so a per-parent set spreads too

    def fake(self, name: str) -> str: ...

    def parent_value(self, kind: str, name: str) -> Any: ...

    def seed_of(self, place: str) -> int: ...

    def addresses_of(self, kind: str) -> list[str]: ...  # another set's generated records (a selection)


@dataclass(frozen=True, slots=True)
class Parent:
    """The set a `per:` set's records belong to: its kind's name and the keys of its fields."""

    name: str  # `account`
    fields: frozenset[str]  # the keys of its fields and relationships (`{opportunity.$account}`)


@dataclass(frozen=True, slots=True)
class Placeholder:
    scope: str | None  # the parent's kind name (`account`), or None for the record itself
    name: str  # `n`, a fake value's name, or (of a parent) key, address, a field key
    filters: tuple[str, ...]
    spec: str  # the format spec after ':' ("" for none)


@dataclass(frozen=True, slots=True)
class Template:
    """A string with placeholders, parsed: literal text and placeholders in turn."""

    parts: tuple[str | Placeholder, ...]

    def render(self, context: RecordContext) -> Any:
        """The text; a template that is one placeholder of the index alone gives the number itself."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Placeholder) and self.parts[0] == _BARE_INDEX:
            return context.index
        return "".join(part if isinstance(part, str) else _value(part, context) for part in self.parts)


_BARE_INDEX = Placeholder(None, INDEX, (), "")


def _value(placeholder: Placeholder, context: RecordContext) -> str:
    value: Any
    if placeholder.scope is not None:
        value = context.parent_value(placeholder.scope, placeholder.name)
    elif placeholder.name == INDEX:
        value = context.index
    else:
        value = context.fake(placeholder.name)
    if placeholder.filters:
        value = str(value)
        for name in placeholder.filters:
            value = FILTERS[name](value)
    return format(value, placeholder.spec)


def parse_template(text: str, parent: Parent | None) -> Template:
    """`text` parsed; raises ValueError saying what is wrong (an unknown name, a bad brace)."""
    parts: list[str | Placeholder] = []
    try:
        pieces = list(Formatter().parse(text))
    except ValueError as error:
        raise ValueError(f"{error} in template {text!r} (write {{{{ and }}}} for literal braces)") from None
    for literal, field_name, spec, conversion in pieces:
        if literal:
            parts.append(literal)
        if field_name is None:
            continue
        if conversion:
            raise ValueError(f"'!{conversion}' is not supported in template placeholders")
        if spec and "{" in spec:
            raise ValueError(f"nested placeholders are not supported in {{{field_name}:{spec}}}")
        placeholder = _placeholder(field_name, spec or "", parent)
        try:
            format(1 if placeholder.name == INDEX and not placeholder.filters else "x", placeholder.spec)
        except ValueError:
            raise ValueError(f"bad format spec {spec!r} in {{{field_name}:{spec}}}") from None
        parts.append(placeholder)
    return Template(tuple(parts))


def _placeholder(field_name: str, spec: str, parent: Parent | None) -> Placeholder:
    if not field_name:
        raise ValueError("an empty placeholder {} names nothing; write {{}} for literal braces")
    words = field_name.split(".")
    filters: list[str] = []
    while len(words) > 1 and words[-1] in FILTERS:
        filters.insert(0, words.pop())
    if len(words) == 1:
        name = words[0]
        if name != INDEX and name not in VOCABULARY:
            raise ValueError(f"unknown name {{{field_name}}}: {_known(parent)}")
        return Placeholder(None, name, tuple(filters), spec)
    if parent is None:
        raise ValueError(f"unknown name {{{field_name}}}: only a set with 'per:' has a parent record to refer to")
    known = (*PARENT_ATTRIBUTES, *sorted(parent.fields), *sorted(VOCABULARY))
    if len(words) == 2 and words[0] == parent.name and words[1] in known:
        return Placeholder(parent.name, words[1], tuple(filters), spec)
    raise ValueError(f"unknown name {{{field_name}}}: the parent record is {parent.name!r}, with {', '.join(known)}")


def _known(parent: Parent | None) -> str:
    names = ", ".join(sorted([INDEX, *VOCABULARY]))
    return f"use one of {names}" + (f", or {parent.name}.<key|address|field|fake name>" if parent else "")


@dataclass(frozen=True, slots=True)
class Spec:
    """A value spec: `choice` (one of, by hash), `cycle` (in turn, through the whole set), `between`
    (an integer, by hash)."""

    kind: str
    options: tuple[Any, ...]

    def evaluate(self, context: RecordContext, place: str) -> Any:
        if self.kind == "cycle":
            return evaluate(self.options[context.ordinal % len(self.options)], context, place)
        if self.kind == "choice":
            return evaluate(self.options[context.seed_of(place) % len(self.options)], context, place)
        low, high = self.options
        return low + context.seed_of(place) % (high - low + 1)


def evaluate(value: Any, context: RecordContext, place: str) -> Any:
    """A checked value (compile_value's result) for one record; `place` names it (for its seed)."""
    if isinstance(value, (Template, Spec)):
        return value.render(context) if isinstance(value, Template) else value.evaluate(context, place)
    if isinstance(value, Selection):
        return value.evaluate(context)
    if isinstance(value, dict):
        return {key: evaluate(item, context, f"{place}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [evaluate(item, context, f"{place}.{index}") for index, item in enumerate(value)]
    return value


def compile_value(value: Any, parent: Parent | None) -> Any:
    """A value as written in a block, with its templates parsed and specs checked: raises ValueError."""
    if isinstance(value, str):
        template = parse_template(value, parent)
        literal = [part for part in template.parts if isinstance(part, str)]
        return "".join(literal) if len(literal) == len(template.parts) else template
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in SPEC_KEYS:
        (kind, options), = value.items()
        return _spec(kind, options, parent)
    if is_selection(value):
        return parse_selection(value)
    if isinstance(value, dict):
        return {key: compile_value(item, parent) for key, item in value.items()}
    if isinstance(value, list):
        return [compile_value(item, parent) for item in value]
    return value


def _spec(kind: str, options: Any, parent: Parent | None) -> Spec:
    if not isinstance(options, list) or not options:
        raise ValueError(f"{kind}: expects a non-empty list, e.g. {{{kind}: [a, b, c]}}")
    if kind == "between":
        if len(options) != 2 or not all(isinstance(o, int) and not isinstance(o, bool) for o in options) or options[0] > options[1]:
            raise ValueError("between: expects two integers, the lower first, e.g. {between: [5000, 90000]}")
        return Spec(kind, tuple(options))
    return Spec(kind, tuple(compile_value(option, parent) for option in options))

