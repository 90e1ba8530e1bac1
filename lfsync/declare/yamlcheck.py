"""A loaded YAML declaration file -> its accounts, checked by the declaration rules (rules), each
problem at its file:line:col. How the loader's own problems name a place (`fields.tier of
account.acme`) is worded here too (DeclarationWording)."""

from __future__ import annotations

from typing import Any

from lfsync.declare import ignorechanges, jsonsafe, rules
from lfsync.declare.addresses import address_of, is_reference
from lfsync.declare.model import AccountDeclaration, ParsedAccount, Place, Reference
from lfsync.declare.rules import ACCOUNT_KEYS, FLAG_KEYS, NAME_FIELD, RECORD_KEYS, TOP_LEVEL_KEY, TOP_LEVEL_KEYS
from lfsync.declare.yamldocument import LoadedFile, PathWording
from lfsync.declare.yamlscalars import shown_key, yaml_type_name
from lfsync.errors import Problem, Problems, SourceLocation
from lfsync.kinds.catalogue import ACCOUNT, kind_declared_as
from lfsync.kinds.record_kind import RecordKind
from lfsync.support.suggestions import closest

ACCOUNTS_PATH = (TOP_LEVEL_KEY,)


class DeclarationWording(PathWording):
    """Paths inside an account named as users write them: `fields.tier of account.acme`; an
    account key written twice is an address declared twice."""

    def value(self, path: tuple, message: str) -> str:
        return f"{describe_path(path)}: {message}" if path else message

    def duplicate(self, path: tuple, first: SourceLocation, where: SourceLocation) -> str:
        kind = kind_declared_as(path[0]) if len(path) == 2 and isinstance(path[0], str) else None
        if kind is not None:
            return f"{address_of(shown_key(path[-1]), kind)} is declared twice: {first} and {where}"
        return super().duplicate(path, first, where)


DECLARATION_WORDING = DeclarationWording()


def describe_path(path: tuple) -> str:
    """How a message names the place of a value: `fields.tier of account.acme` inside an account."""
    kind = kind_declared_as(path[0]) if len(path) >= 3 and isinstance(path[0], str) else None
    if kind is not None and len(path) >= 4 and path[2] in ACCOUNT_KEYS and isinstance(path[1], str):
        return f"{path[2]}.{shown_key(path[3])} of {address_of(shown_key(path[1]), kind)}"
    if kind is not None and len(path) == 3 and path[2] in ACCOUNT_KEYS and isinstance(path[1], str):
        return f"'{path[2]}' of {address_of(shown_key(path[1]), kind)}"
    return ".".join(shown_key(step) for step in path)


def parse_file(loaded: LoadedFile, problems: Problems) -> list[ParsedAccount]:
    """The records of one loaded file (accounts first, then contacts, then opportunities); its
    problems (the loader's too) are appended to `problems`."""
    problems.extend(loaded.document.problems)
    sections = top_level_sections(loaded, problems)
    parsed = []
    for kind, records in sections:
        places = loaded.key_places((kind.declaration_key,))
        for key, body in records.items():
            key_location = SourceLocation(loaded.shown, *places[key])
            key_problem = rules.address_key_problem(key, key_location)
            if key_problem is not None:
                problems.append(key_problem)
                continue
            parsed.append(AccountParser(loaded, key, key_location, problems, kind).parse(body))
    return parsed


_NOT_A_DECLARATION_HINT = (
    "; if this file is not an lfsync declaration file, choose the files that are with "
    "`declarations:` globs in lfsync.yaml (e.g. ['accounts/**/*.yaml'])"
)


def top_level_sections(loaded: LoadedFile, problems: Problems) -> list[tuple[RecordKind, dict]]:
    """The `accounts`, `contacts` and `opportunities` mappings of a document, in that order, each
    with its kind (problems recorded for any other top-level key and for a section of no mapping)."""
    document = loaded.data
    if document is None:
        return []
    if not isinstance(document, dict):
        problems.append(
            Problem(
                "expected a mapping with a single key 'accounts' at the top of the file, "
                f"found {yaml_type_name(document)}",
                loaded.root_location(),
            )
        )
        return []
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            held = ", ".join(f"'{known}'" for known in RECORD_KEYS[:-1]) + f" and '{RECORD_KEYS[-1]}'"
            message = f"unknown top-level key {shown_key(key, quoted=True)}: a declaration file holds only {held} (and 'moved')"
            suggestion = closest(str(key), TOP_LEVEL_KEYS)
            problems.append(
                Problem(message, loaded.key_at((key,)), hint=f"did you mean {suggestion!r}?")
                if suggestion
                else Problem(message + _NOT_A_DECLARATION_HINT, loaded.key_at((key,)))
            )
            if not any(known in document for known in TOP_LEVEL_KEYS):
                break  # one message is enough for a file that is no declaration file at all
    sections = []
    for declaration_key in RECORD_KEYS:
        records = document.get(declaration_key)
        kind = kind_declared_as(declaration_key)
        if records is None or kind is None:
            continue
        if not isinstance(records, dict):
            problems.append(
                Problem(
                    f"'{declaration_key}' must be a mapping of address keys to {declaration_key}, "
                    f"found {yaml_type_name(records)}",
                    loaded.value_at((declaration_key,), records),
                )
            )
            continue
        sections.append((kind, records))
    return sections


class AccountParser:
    """Checks one account's plain data, recording every problem, and builds its declaration."""

    def __init__(
        self, loaded: LoadedFile, key: str, key_location: SourceLocation, problems: Problems, kind: RecordKind = ACCOUNT
    ):
        self.loaded = loaded
        self.key = key
        self.kind = kind
        self.path = (kind.declaration_key, key)
        self.address = address_of(key, kind)
        self.key_location = key_location
        self.problems = problems
        self.refused = loaded.refused_paths
        self.ok = True
        self.references: list[Reference] = []

    def problem(self, where: SourceLocation, message: str, hint: str | None = None) -> None:
        self.ok = False
        self.problems.append(Problem(message, where, hint))

    def value_problem(self, path: tuple, value: Any, message: str) -> None:
        """A problem with the value at `path`, unless the loader already refused that value (and said why)."""
        if path in self.refused:
            self.ok = False
            return
        self.problem(self.loaded.value_at(path, value), message)

    def parse(self, body: Any) -> ParsedAccount:
        if not isinstance(body, dict):
            self.value_problem(
                self.path,
                body,
                f"{self.address} must be a mapping with 'fields' (and optionally 'relationships' and "
                f"'skip_enrichment'), found {yaml_type_name(body)}",
            )
            return ParsedAccount(self.address, self.key_location, None)
        self.check_account_keys(body)
        fields, field_places = self.parse_fields(body)
        relationships, relationship_places = self.parse_relationships(body)
        self.check_required_relationships(body, relationships)
        skip_enrichment, protect = (self.parse_flag(body, key) for key in FLAG_KEYS)
        ignore_all, ignored_places = self.parse_ignore_changes(body)
        if any(path[: len(self.path)] == self.path for path in self.refused):
            self.ok = False  # a value in this account was refused by the loader
        declaration = None
        if self.ok:
            declaration = AccountDeclaration(
                key=self.key,
                address=self.address,
                fields=fields,
                relationships=relationships,
                skip_enrichment=skip_enrichment,
                protect=bool(protect),
                location=self.key_location,
                field_places=field_places,
                relationship_places=relationship_places,
                ignore_all=ignore_all,
                ignored_places=ignored_places,
            )
        return ParsedAccount(self.address, self.key_location, declaration, self.references)

    def check_account_keys(self, body: dict) -> None:
        for key in body:
            if key not in ACCOUNT_KEYS:
                suggestion = closest(str(key), ACCOUNT_KEYS)
                self.problem(
                    self.loaded.key_at(self.path + (key,)),
                    f"unknown key {shown_key(key, quoted=True)} in {self.address}; allowed: {', '.join(ACCOUNT_KEYS)}",
                    f"did you mean {suggestion!r}?" if suggestion else None,
                )

    def at(self, place: Place) -> SourceLocation:
        return SourceLocation(self.loaded.shown, *place)

    # fields

    def parse_fields(self, body: dict) -> tuple[dict[str, Any], dict[str, Place]]:
        if "fields" not in body:
            needed = " with at least $name" if NAME_FIELD in self.kind.required_fields else ""
            self.problem(self.key_location, f"{self.address} has no 'fields'; every {self.kind.name} needs fields{needed}")
            return {}, {}
        fields_node = body["fields"]
        fields_path = self.path + ("fields",)
        if not isinstance(fields_node, dict):
            self.value_problem(
                fields_path,
                fields_node,
                f"'fields' of {self.address} must be a mapping of field keys to values, "
                f"found {yaml_type_name(fields_node)}",
            )
            return {}, {}
        fields: dict[str, Any] = {}
        field_places: dict[str, Place] = {}
        places = self.loaded.key_places(fields_path)
        for key, value in fields_node.items():
            place = places[key]
            if not self.valid_field_key(key, place):
                continue
            problem = jsonsafe.unrepresentable(value)
            if problem:  # NaN, infinities, integers beyond the safe range: no JSON body carries them
                self.problem(self.at(place), f"fields.{key} of {self.address}: {problem}")
            fields[key] = value
            field_places[key] = place
        self.check_name(fields_node)
        return fields, field_places

    def valid_field_key(self, key: Any, place: Place) -> bool:
        if not isinstance(key, str) or key == "":
            self.problem(
                self.at(place),
                "field keys must be text ($-prefixed system fields or custom field slugs), "
                f"found {yaml_type_name(key)}",
            )
            return False
        read_only = rules.read_only_field_problem(key, self.kind)
        if read_only:
            self.problem(self.at(place), read_only)
            return False
        return True

    def check_name(self, fields_node: dict) -> None:
        """$name (text) where the kind requires it, and the kind's other required fields; a
        contact's $name is a FULL_NAME object, checked against the definitions."""
        for required in self.kind.required_fields:
            if required != NAME_FIELD and required not in fields_node:
                self.problem(
                    self.loaded.key_at(self.path + ("fields",)), rules.missing_field_problem(self.address, required, self.kind)
                )
        if NAME_FIELD not in self.kind.required_fields:
            return
        if NAME_FIELD not in fields_node:
            self.problem(self.loaded.key_at(self.path + ("fields",)), rules.missing_name_problem(self.address, self.kind))
            return
        name = fields_node[NAME_FIELD]
        problem = rules.name_problem(self.address, name)
        if problem:
            self.value_problem(self.path + ("fields", NAME_FIELD), name, problem)

    # relationships

    def parse_relationships(self, body: dict) -> tuple[dict[str, str | list[str]], dict[str, Place]]:
        node = body.get("relationships")
        if node is None:
            return {}, {}
        relationships_path = self.path + ("relationships",)
        if not isinstance(node, dict):
            self.value_problem(
                relationships_path,
                node,
                f"'relationships' of {self.address} must be a mapping of relationship keys to IDs or references, "
                f"found {yaml_type_name(node)}",
            )
            return {}, {}
        relationships: dict[str, str | list[str]] = {}
        relationship_places: dict[str, Place] = {}
        places = self.loaded.key_places(relationships_path)
        for key, value in node.items():
            place = places[key]
            if not self.valid_relationship_key(key, place):
                continue
            parsed = self.parse_relationship_value(relationships_path + (key,), key, value)
            if parsed is not None:
                relationships[key] = parsed
                relationship_places[key] = place
        return relationships, relationship_places

    def valid_relationship_key(self, key: Any, place: Place) -> bool:
        if not isinstance(key, str) or key == "":
            self.problem(
                self.at(place), f"relationship keys must be text like $owner or a custom slug, found {yaml_type_name(key)}"
            )
            return False
        read_only = rules.read_only_relationship_problem(key, self.kind)
        if read_only:
            self.problem(self.at(place), read_only)
            return False
        return True

    def parse_relationship_value(self, path: tuple, key: str, value: Any) -> str | list[str] | None:
        if isinstance(value, list):
            targets = [self.relationship_target(path + (index,), item, key) for index, item in enumerate(value)]
            return [str(t) for t in targets] if all(t is not None for t in targets) else None
        return self.relationship_target(path, value, key)

    def relationship_target(self, path: tuple, value: Any, key: str) -> str | None:
        if is_reference(value):  # most relationships of a project: asked first, they are matched once
            self.references.append((value, self.loaded.value_place(path), key))
            return value
        if rules.is_relationship_target(key, value):
            return str(value)
        self.value_problem(path, value, rules.relationship_target_problem(self.address, key, value))
        return None

    def check_required_relationships(self, body: dict, relationships: dict[str, str | list[str]]) -> None:
        """Relationships the kind requires (an opportunity's `$account`): written, and not empty."""
        node = body.get("relationships")
        for required in self.kind.required_relationships:
            if relationships.get(required):
                continue
            if isinstance(node, dict) and required in node:
                if required in relationships:  # written as [] (a refused value has its own problem)
                    self.problem(
                        self.loaded.key_at(self.path + ("relationships", required)),
                        rules.missing_relationship_problem(self.address, required, self.kind),
                    )
                continue
            where = self.loaded.key_at(self.path + ("relationships",)) if isinstance(node, dict) else self.key_location
            self.problem(where, rules.missing_relationship_problem(self.address, required, self.kind))

    # ignore_changes

    def parse_ignore_changes(self, body: dict) -> tuple[bool, dict[str, Place]]:
        """`all`, or each key named with where it is written (the first place of a key named twice)."""
        node = body.get(ignorechanges.IGNORE_CHANGES_KEY)
        path = self.path + (ignorechanges.IGNORE_CHANGES_KEY,)
        problem = ignorechanges.value_problem(self.address, node)
        if problem:
            self.value_problem(path, node, problem)
            return False, {}
        if not isinstance(node, list):
            return node == ignorechanges.EVERYTHING, {}
        places: dict[str, Place] = {}
        for index, name in enumerate(node):
            problem = ignorechanges.name_problem(self.address, name)
            if problem:
                self.value_problem(path + (index,), name, problem)
            elif name not in places:
                places[name] = self.loaded.value_place(path + (index,))
        return False, places

    # skip_enrichment, protect

    def parse_flag(self, body: dict, key: str) -> bool | None:
        if key not in body:
            return None
        value = body[key]
        if isinstance(value, bool):
            return value
        self.value_problem(self.path + (key,), value, rules.flag_problem(key, self.address, value))
        return None
