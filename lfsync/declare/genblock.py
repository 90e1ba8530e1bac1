"""A declaration file's `generate:` block, read and checked: its pin (`faker:`), seed, locale and one
record set per kind, each problem at its file:line:col. Nothing is generated here (lfsync.declare.generate).

```yaml
generate:
  faker: 40.63.0                 # the Faker version the records are generated with (required)
  seed: demo-2026                # what every value is drawn from (required)
  accounts:
    count: 50
    key: "gen-acct-{n:03}"
    fields: {$name: "{company}", $website: ["https://{domain}"], tier: {choice: [enterprise, smb]}}
  contacts:
    per: account                 # `count` contacts for each generated account
    count: 2
    key: "{account.key}-c{n}"
    fields: {$name: {firstName: "{first_name}", lastName: "{last_name}"}}
    relationships: {$account: "{account.address}"}
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lfsync.declare.fakes import DEFAULT_LOCALE, faker_version, locale_problem
from lfsync.declare.genselect import selected_kind
from lfsync.declare.gentemplates import INDEX, Parent, Placeholder, Template, compile_value, parse_template
from lfsync.declare.model import Place
from lfsync.declare.yamldocument import LoadedFile
from lfsync.declare.yamlscalars import shown_key, yaml_type_name
from lfsync.errors import Problem, Problems
from lfsync.kinds.catalogue import DECLARABLE_KINDS
from lfsync.kinds.record_kind import RecordKind
from lfsync.support.suggestions import closest

GENERATE_KEY = "generate"
BLOCK_KEYS = ("faker", "seed", "locale")  # besides one record set per kind (accounts, contacts, ...)
SET_KEYS = ("count", "per", "key", "fields", "relationships", "skip_enrichment", "protect", "ignore_changes")
PASSED_ON = ("skip_enrichment", "protect", "ignore_changes")  # copied into every record as written
MAX_GENERATED = 10_000  # records of one block: a plan of more is no plan anyone reads


@dataclass(frozen=True)
class RecordSet:
    """How to generate the records of one kind: `count` of them (for each record of `per`'s set)."""

    kind: RecordKind
    count: int
    per: RecordKind | None
    key: Template
    fields: dict[str, Any]  # compiled values (templates and specs parsed)
    relationships: dict[str, Any]
    passed_on: dict[str, Any]
    path: tuple[str, str]  # ("generate", "accounts"): where it is written


@dataclass(frozen=True)
class GenerateBlock:
    pinned: str  # the Faker version the block says its records are generated with
    pinned_place: Place
    seed: str
    locale: str
    sets: list[RecordSet]  # parents before the sets generated per their records


def read_block(loaded: LoadedFile, problems: Problems) -> GenerateBlock | None:
    """The file's `generate:` block, checked; None when it has none or has a problem (recorded)."""
    document = loaded.data
    if not isinstance(document, dict) or document.get(GENERATE_KEY) is None:
        return None
    return _BlockReader(loaded, problems).read(document[GENERATE_KEY])


class _BlockReader:
    def __init__(self, loaded: LoadedFile, problems: Problems):
        self.loaded = loaded
        self.problems = problems
        self.ok = True
        self.found = 0  # problems found so far
        self.generated: set[str] = set()  # the sets made before the one being read (what a selection may name)

    def problem(self, path: tuple, value: Any, message: str, hint: str | None = None, at_key: bool = False) -> None:
        self.ok = False
        self.found += 1
        if path in self.loaded.refused_paths:
            return  # refused by the load or a variable's substitution, which said why
        where = self.loaded.key_at(path) if at_key else self.loaded.value_at(path, value)
        self.problems.append(Problem(message, where, hint))

    def read(self, block: Any) -> GenerateBlock | None:
        path = (GENERATE_KEY,)
        if not isinstance(block, dict):
            self.problem(path, block, f"'generate' must be a mapping of record sets by kind (accounts, ...), found {yaml_type_name(block)}")
            return None
        set_keys = tuple(kind.declaration_key for kind in DECLARABLE_KINDS)
        for key in block:
            if key not in BLOCK_KEYS and key not in set_keys:
                suggestion = closest(str(key), (*BLOCK_KEYS, *set_keys))
                self.problem(
                    path + (key,), None, f"unknown key {shown_key(key, quoted=True)} in 'generate'; allowed: "
                    f"{', '.join((*BLOCK_KEYS, *set_keys))}", f"did you mean {suggestion!r}?" if suggestion else None, at_key=True,
                )
        pinned = self.text(block, "faker", f"write the Faker version they are generated with: faker: {faker_version()}")
        seed = self.text(block, "seed", "for example seed: demo-2026 (any text; another seed gives other records)")
        locale = block.get("locale", DEFAULT_LOCALE)
        if not isinstance(locale, str) or locale_problem(locale):
            self.problem(path + ("locale",), locale, locale_problem(str(locale)) or "")
        raw_sets = {kind: block[kind.declaration_key] for kind in DECLARABLE_KINDS if kind.declaration_key in block}
        sets = self.ordered_sets(raw_sets)
        if not self.ok or pinned is None or seed is None:
            return None
        total = self.total(sets)
        if total > MAX_GENERATED:
            self.problem(path, None, f"'generate' makes {total} records; at most {MAX_GENERATED} a block", at_key=True)
            return None
        return GenerateBlock(pinned, self.loaded.value_place(path + ("faker",)), seed, str(locale), sets)

    def text(self, block: dict, key: str, hint: str) -> str | None:
        value = block.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
            return str(value)
        if key in block:
            self.problem((GENERATE_KEY, key), value, f"generate.{key} must be text, found {yaml_type_name(value)}", hint)
        else:
            self.problem((GENERATE_KEY,), None, f"'generate' has no '{key}'", hint, at_key=True)
        return None

    def ordered_sets(self, raw_sets: dict[RecordKind, Any]) -> list[RecordSet]:
        """The sets, each after the set it is generated per (`per:`)."""
        sets: dict[RecordKind, RecordSet] = {}
        waiting = dict(raw_sets)
        while waiting:
            ready = [kind for kind in waiting if self.needed_sets(kind, waiting[kind], raw_sets) <= set(sets)]
            if not ready:
                for kind in waiting:
                    by_per = isinstance(waiting[kind], dict) and "per" in waiting[kind]
                    self.problem((GENERATE_KEY, kind.declaration_key, *(("per",) if by_per else ())), None,
                                 f"generate.{kind.declaration_key}: {'per' if by_per else 'select'!r} goes round in a circle; "
                                 "one set must be generated on its own", at_key=True)
                break
            for kind in ready:
                record_set = self.record_set(kind, waiting.pop(kind), sets)
                if record_set is not None:
                    sets[kind] = record_set
        return list(sets.values())

    def needed_sets(self, kind: RecordKind, body: Any, raw_sets: dict[RecordKind, Any]) -> set[RecordKind]:
        """The sets of this block that must be generated before `kind`'s: its `per:` and those it selects from."""
        needed = {parent} if (parent := self.parent_kind(kind, body, raw_sets)) is not None else set()
        selected = {name for value in _written_values(body) if (name := selected_kind(value)) is not None}
        return needed | {other for other in raw_sets if other.name in selected and other is not kind}

    def parent_kind(self, kind: RecordKind, body: Any, raw_sets: dict[RecordKind, Any]) -> RecordKind | None:
        per = body.get("per") if isinstance(body, dict) else None
        parent = next((other for other in raw_sets if other.name == per), None)
        return parent if parent is not kind else None

    def record_set(self, kind: RecordKind, body: Any, parents: dict[RecordKind, RecordSet]) -> RecordSet | None:
        path = (GENERATE_KEY, kind.declaration_key)
        if not isinstance(body, dict):
            self.problem(path, body, f"generate.{kind.declaration_key} must be a mapping with count, key and fields, "
                         f"found {yaml_type_name(body)}")
            return None
        found_before = self.found
        for key in body:
            if key not in SET_KEYS:
                suggestion = closest(str(key), SET_KEYS)
                self.problem(path + (key,), None, f"unknown key {shown_key(key, quoted=True)} in generate.{kind.declaration_key}; "
                             f"allowed: {', '.join(SET_KEYS)}", f"did you mean {suggestion!r}?" if suggestion else None, at_key=True)
        per = self.per(kind, body, path, parents)
        parent = Parent(per.name, frozenset((*parents[per].fields, *parents[per].relationships))) if per is not None else None
        self.generated = {other.name for other in parents if other is not kind}
        count = body.get("count", 1 if per is not None else None)
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_GENERATED:
            where = path + ("count",) if "count" in body else path
            self.problem(where, count, f"generate.{kind.declaration_key}.count must be a whole number from 0 to "
                         f"{MAX_GENERATED}, found {yaml_type_name(count) if count is not None else 'nothing'}", at_key="count" not in body)
            count = 0
        key = self.compiled(path + ("key",), body.get("key"), parent, template=True)
        fields = self.mapping(path, body, "fields", parent)
        relationships = self.mapping(path, body, "relationships", parent)
        if self.found > found_before:
            return None
        return RecordSet(kind, count, per, key, fields, relationships, {k: body[k] for k in PASSED_ON if k in body}, path)

    def per(self, kind: RecordKind, body: dict, path: tuple, parents: dict[RecordKind, RecordSet]) -> RecordKind | None:
        if body.get("per") is None:
            return None
        per = body["per"]
        parent = next((other for other in parents if other.name == per), None)
        if parent is None or parent is kind:
            names = [other.name for other in parents if other is not kind]
            self.problem(path + ("per",), per, f"generate.{kind.declaration_key}.per must name another set of this block "
                         f"by its kind ({', '.join(names) or 'none is generated'}), found {shown_key(per, quoted=True)}")
        return parent

    def mapping(self, path: tuple, body: dict, key: str, parent: Parent | None) -> dict[str, Any]:
        node = body.get(key)
        if node is None:
            if key == "fields":
                self.problem(path, None, f"generate.{path[1]} has no 'fields'", at_key=True)
            return {}
        if not isinstance(node, dict):
            self.problem(path + (key,), node, f"generate.{path[1]}.{key} must be a mapping, found {yaml_type_name(node)}")
            return {}
        compiled = {}
        for name, value in node.items():
            compiled[name] = self.compiled(path + (key, name), value, parent)
            if (selected := selected_kind(value)) is not None and selected not in self.generated:
                names = ", ".join(sorted(self.generated)) or "none is generated before it"
                self.problem(path + (key, name), value, f"generate.{path[1]}.{key}.{name}: select names {selected!r}, "
                             f"which is no other set of this block ({names})")
        return compiled

    def compiled(self, path: tuple, value: Any, parent: Parent | None, template: bool = False) -> Any:
        where = ".".join(shown_key(step) for step in path)
        if template and not isinstance(value, str):
            self.problem(path if value is not None else path[:-1], value, f"{where} must be a template like \"gen-{{n:03}}\", "
                         f"found {yaml_type_name(value) if value is not None else 'nothing'}", at_key=value is None)
            return None
        try:
            compiled = parse_template(value, parent) if template else compile_value(value, parent)
        except ValueError as error:
            self.problem(path, value, f"{where}: {error}")
            return None
        if template and (unstable := _unstable_placeholder(compiled)):
            self.problem(path, value, f"{where}: a key may use {{n}} and the parent's {{<kind>.key}} only, not {{{unstable}}}",
                         "a key made of fake values would change with the seed or Faker's version: every record a new one")
            return None
        return compiled

    def total(self, sets: list[RecordSet]) -> int:
        made: dict[RecordKind, int] = {}
        for record_set in sets:
            made[record_set.kind] = record_set.count * (made[record_set.per] if record_set.per is not None else 1)
        return sum(made.values())



def _written_values(body: Any) -> list[Any]:
    """A set's field and relationship values as written (where a selection may be)."""
    if not isinstance(body, dict):
        return []
    return [value for part in ("fields", "relationships") if isinstance(body.get(part), dict) for value in body[part].values()]


def _unstable_placeholder(template: Template) -> str | None:
    """A placeholder of a key template that depends on more than the record's place (its index, its parent's key)."""
    for part in template.parts:
        if isinstance(part, Placeholder) and (part.name, part.scope is None) not in ((INDEX, True), ("key", False)):
            return f"{part.scope}.{part.name}" if part.scope else part.name
    return None


def generate_json_schema() -> dict[str, Any]:
    """The `generate:` block for editors (lfsync.declare.schema); templates are checked when read."""
    record_set = {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "description": f"How many records (for each parent with `per`), 0 to {MAX_GENERATED}."},
            "per": {"type": "string", "description": "Generate `count` records for each record of this kind's set."},
            "key": {"type": "string", "description": "The address key template, e.g. \"gen-acct-{n:03}\"."},
            "fields": {"type": "object"},
            "relationships": {"type": "object"},
            **{key: {} for key in PASSED_ON},
        },
        "required": ["key", "fields"],
        "additionalProperties": False,
    }
    return {
        "description": "Records generated from a seed with Faker (see README: Generated records).",
        "type": ["object", "null"],
        "properties": {
            "faker": {"type": ["string", "number"], "description": "The Faker version the records are generated with."},
            "seed": {"type": ["string", "number"]},
            "locale": {"type": "string"},
            **{kind.declaration_key: record_set for kind in DECLARABLE_KINDS},
        },
        "required": ["faker", "seed"],
        "additionalProperties": False,
    }
