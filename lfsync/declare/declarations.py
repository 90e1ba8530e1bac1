"""Declaration files -> validated account declarations that remember where each part came from.

All problems of all files are collected and raised together as one DeclarationError,
so a user fixes a project in one pass rather than one error at a time.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from lfsync.config.globs import DEFAULT_DECLARATION_GLOBS
from lfsync.config.project import DEFAULT_STATE_DIR
from lfsync.declare import addresses, jsonsafe
from lfsync.declare import csvfile as csvdecl
from lfsync.declare.addresses import (
    ADDRESS_PREFIX,
    OWNER_RELATIONSHIP,
    address_of,
    is_address_key,
    is_lightfield_id,
    is_member_email,
    is_reference,
    references_in,
)
from lfsync.declare.csvfile import parse_csv_file
from lfsync.declare.discovery import declarations_digest, find_declaration_files
from lfsync.declare.parsecache import ParseCache, Uncached, parse_bytes
from lfsync.declare.yamlload import LoadedFile, LoaderSettings, LoadProblem, read_declaration_bytes
from lfsync.declare.yamlscalars import excerpt, yaml_type_name
from lfsync.errors import DeclarationError, SourceLocation, display_path
from lfsync.support import offload
from lfsync.support.collector import paused
from lfsync.support.suggestions import closest, did_you_mean

READ_ONLY_FIELDS = {"$howTheyMakeMoney", "$accountStatus"}
READ_ONLY_RELATIONSHIPS = {"$opportunity", "$task", "$note", "$meeting"}

TOP_LEVEL_KEY = "accounts"
ACCOUNT_KEYS = ("fields", "relationships", "skip_enrichment", "protect")
NAME_FIELD = "$name"
CSV_SUFFIX = ".csv"

Problems = list[tuple[SourceLocation | None, str]]


Place = tuple[int, int]  # (line, column) in the file of the account it belongs to, 1-based


@dataclass(frozen=True, slots=True)
class AccountDeclaration:
    """One declared account. `location` is where its key was written; its fields and relationships
    keep only their places (a SourceLocation each is built for a message: 100,000 accounts hold
    about 700,000 of them)."""

    key: str
    address: str
    fields: dict[str, Any]
    relationships: dict[str, str | list[str]]
    skip_enrichment: bool | None
    location: SourceLocation
    protect: bool = False  # refuse to delete it, even with --prune
    field_places: dict[str, Place] = field(default_factory=dict)
    relationship_places: dict[str, Place] = field(default_factory=dict)

    def references(self) -> list[str]:
        return references_in(self.relationships)

    def field_location(self, key: str) -> SourceLocation:
        return SourceLocation(self.location.file, *self.field_places[key])

    def relationship_location(self, key: str) -> SourceLocation:
        return SourceLocation(self.location.file, *self.relationship_places[key])


@dataclass(frozen=True)
class Declarations:
    accounts: dict[str, AccountDeclaration]
    files: list[str]
    digest: str
    # (content key, addresses) per file: the key names the file's bytes and how they were read,
    # not its name, for caches of per-file results (definitions_check.check_declarations_cached)
    file_accounts: list[tuple[str, list[str]]] = field(default_factory=list)

    def with_accounts(self, addresses: list[str]) -> "Declarations":
        """The same declarations narrowed to these accounts."""
        return replace(self, accounts={address: self.accounts[address] for address in addresses})


# --- loading files ---------------------------------------------------------


def load_declarations(
    project_dir: Path,
    files: list[Path] | None = None,
    state_dir: Path | None = None,
    patterns: tuple[str, ...] = DEFAULT_DECLARATION_GLOBS,
    cache: ParseCache | Uncached | None = None,
) -> Declarations:
    """Load and validate every declaration file; raises DeclarationError listing all problems.

    `cache` keeps each file's validated accounts; by default the parse cache under the project's
    .lfsync folder. It is saved only when there is no problem: bad input writes nothing.
    """
    if files is None:
        files = find_declaration_files(project_dir, state_dir or project_dir / DEFAULT_STATE_DIR, patterns)
    if cache is None:
        cache = ParseCache.for_project(project_dir)
    problems: Problems = []
    contents: dict[Path, bytes] = {}
    shown_names: dict[Path, str] = {}
    parsed: list[ParsedAccount] = []
    file_accounts: list[tuple[str, list[str]]] = []
    with paused():
        for path in sorted(files):
            shown_names[path] = shown = shown_path(path, project_dir)
            try:
                contents[path] = read_declaration_bytes(path, shown, project_dir)
            except DeclarationError as error:
                problems.extend(error.problems)
        csv_files = {path for path in contents if path.suffix.lower() == CSV_SUFFIX}
        keys = {path: content_key(data, path in csv_files, cache) for path, data in contents.items()}
        to_parse = [
            (shown_names[path], data) for path, data in contents.items()
            if path not in csv_files and not cache.holds(keys[path])
        ]
        with offload.shared(to_parse, partial(validate_plain, settings=cache.settings)) as helper:
            for path, data in contents.items():
                shown, key = shown_names[path], keys[path]
                try:
                    if path in csv_files:
                        accounts_of_file = parse_csv_file(data, shown, problems)
                    else:
                        accounts_of_file = load_yaml_file(data, shown, key, cache, problems, helper.result(shown))
                except DeclarationError as error:
                    problems.extend(error.problems)
                    continue
                parsed.extend(accounts_of_file)
                file_accounts.append((key, [account.address for account in accounts_of_file]))
    accounts = index_by_address(parsed, problems)
    check_references(parsed, accounts, problems)
    if problems:
        raise DeclarationError(problems)
    cache.save()
    return Declarations(
        # without problems every account has its declaration
        accounts={address: declaration for address in sorted(accounts) if (declaration := accounts[address].declaration)},
        files=sorted(shown_names.values()),
        digest=declarations_digest(project_dir, contents),
        file_accounts=file_accounts,
    )


DECLARATIONS_LAYER = "declarations"
CSV_LAYER = "csv"


def validation_modules() -> tuple:
    """The code a file's validated accounts depend on besides the loader: changed, it misses."""
    return (sys.modules[__name__], addresses, csvdecl, jsonsafe)


def content_key(data: bytes, is_csv: bool, cache: ParseCache | Uncached) -> str:
    """Names the file's bytes and how they are read (not its name), for caches of per-file results."""
    return cache.entry_name(CSV_LAYER if is_csv else DECLARATIONS_LAYER, data, validation_modules())


def load_yaml_file(
    data: bytes, shown: str, key: str, cache: ParseCache | Uncached, problems: Problems, validated: list | None = None
) -> list[ParsedAccount]:
    """A YAML file's accounts. One validated before (same bytes, same code and settings) comes from
    the cache, or as `validated` (plain_account's data) from a helper process; one without
    problems is remembered for next time. Only the file's own checks are cached: those across
    files run on every load."""
    plain = cache.read(DECLARATIONS_LAYER, key)
    if plain is None and validated is not None:
        plain = validated
        cache.remember(key, validated)
    if plain is not None:
        accounts = accounts_from_plain(plain, shown)
        if accounts is not None:
            return accounts
    accounts, plain = parse_yaml_file(data, shown, cache.settings, problems)
    if plain is not None:
        cache.remember(key, plain)
    return accounts


def parse_yaml_file(
    data: bytes, shown: str, settings: LoaderSettings, problems: Problems
) -> tuple[list[ParsedAccount], list | None]:
    """A YAML file's accounts, parsed and validated, and for a file without problems their
    plain_account data (what the cache keeps); a fatal problem raises DeclarationError."""
    problems_before = len(problems)
    accounts = parse_file(LoadedFile(shown, parse_bytes(data, shown, settings)), problems)
    clean = len(problems) == problems_before and all(account.declaration is not None for account in accounts)
    return accounts, [plain_account(account) for account in accounts] if clean else None


def validate_plain(shown: str, data: bytes, settings: LoaderSettings) -> list | None:
    """parse_yaml_file's plain data, or None for a file with a problem (in a helper process: such a
    file is validated again where its problems are reported)."""
    try:
        return parse_yaml_file(data, shown, settings, [])[1]
    except DeclarationError:
        return None


def plain_account(account: ParsedAccount) -> tuple:
    """A validated account as marshal-able data; places are (line, column), the file's name is left out."""
    declaration = account.declaration
    assert declaration is not None
    return (
        declaration.key,
        declaration.fields,
        declaration.relationships,
        declaration.skip_enrichment,
        declaration.protect,
        (declaration.location.line, declaration.location.column),
        declaration.field_places,
        declaration.relationship_places,
        account.references,
    )


def accounts_from_plain(plain: list, shown: str) -> list[ParsedAccount] | None:
    """plain_account's data back as accounts of the file shown as `shown`; None if it does not fit
    (entries are signed by lfsync and named by its code, so only their shape is checked)."""
    try:
        accounts = []
        for key, fields, relationships, skip_enrichment, protect, (line, column), field_places, relationship_places, references in plain:
            location = SourceLocation(shown, line, column)
            address = address_of(key)
            declaration = AccountDeclaration(
                key, address, fields, relationships, skip_enrichment, location, protect, field_places, relationship_places
            )
            accounts.append(ParsedAccount(address, location, declaration, references))
        return accounts
    except (ValueError, TypeError):
        return None


def shown_path(path: Path, project_dir: Path) -> str:
    """A file's name for messages: its folder as display_path shows it, its own name as written,
    so that a symlink is named, never the place it points to."""
    return str(Path(display_path(path.parent, project_dir)) / path.name)


# --- one file --------------------------------------------------------------------------


@dataclass
class ParsedAccount:
    """An account as found in a file; `declaration` is None when the account has problems."""

    address: str
    location: SourceLocation
    declaration: AccountDeclaration | None
    references: list[tuple[str, Place, str]] = field(default_factory=list)  # (address, where, relationship)

    def location_of(self, place: Place) -> SourceLocation:
        return SourceLocation(self.location.file, *place)


ACCOUNTS_PATH = (TOP_LEVEL_KEY,)


def parse_file(loaded: LoadedFile, problems: Problems) -> list[ParsedAccount]:
    """The accounts of one loaded file; its problems are appended to `problems`."""
    problems.extend(describe_load_problem(loaded, problem) for problem in loaded.document.problems)
    accounts = top_level_accounts(loaded, problems)
    if accounts is None:
        return []
    parsed = []
    places = loaded.key_places(ACCOUNTS_PATH)
    for key, body in accounts.items():
        key_location = SourceLocation(loaded.shown, *places[key])
        if not valid_address_key(key, key_location, problems):
            continue
        parsed.append(AccountParser(loaded, key, key_location, problems).parse(body))
    return parsed


def describe_load_problem(loaded: LoadedFile, problem: LoadProblem) -> tuple[SourceLocation, str]:
    where = loaded.location_of(problem)
    if problem.kind == "duplicate":
        key = problem.path[-1]
        first = SourceLocation(loaded.shown, *problem.first) if problem.first else where
        if problem.path[:-1] == ACCOUNTS_PATH:
            return where, f"{address_of(shown_key(key))} is declared twice: {first} and {where}"
        return where, f"duplicate key {shown_key(key, quoted=True)}: it is already defined at {first}"
    return where, f"{describe_path(problem.path)}: {problem.message}" if problem.path else problem.message


def describe_path(path: tuple) -> str:
    """How a message names the place of a value: `fields.tier of account.acme` inside an account."""
    if len(path) >= 4 and path[0] == TOP_LEVEL_KEY and path[2] in ACCOUNT_KEYS and isinstance(path[1], str):
        return f"{path[2]}.{shown_key(path[3])} of {address_of(shown_key(path[1]))}"
    if len(path) == 3 and path[0] == TOP_LEVEL_KEY and path[2] in ACCOUNT_KEYS and isinstance(path[1], str):
        return f"'{path[2]}' of {address_of(shown_key(path[1]))}"
    return ".".join(shown_key(step) for step in path)


def shown_key(key: Any, quoted: bool = False) -> str:
    """A key as a message shows it: control characters escaped, long keys cut."""
    if isinstance(key, str):
        return excerpt(key) if quoted else excerpt(key, quote=False)
    return repr(key)


def top_level_accounts(loaded: LoadedFile, problems: Problems) -> dict | None:
    """The `accounts` mapping of a document, or None (with problems recorded) when there is none."""
    document = loaded.data
    if document is None:
        return None
    if not isinstance(document, dict):
        problems.append(
            (
                loaded.root_location(),
                "expected a mapping with a single key 'accounts' at the top of the file, "
                f"found {yaml_type_name(document)}",
            )
        )
        return None
    for key in document:
        if key != TOP_LEVEL_KEY:
            problems.append(
                (
                    loaded.key_at((key,)),
                    f"unknown top-level key {shown_key(key, quoted=True)}: a declaration file holds only 'accounts'"
                    + (did_you_mean(str(key), [TOP_LEVEL_KEY]) or _NOT_A_DECLARATION_HINT),
                )
            )
            if TOP_LEVEL_KEY not in document:
                break  # one message is enough for a file that is no declaration file at all
    accounts = document.get(TOP_LEVEL_KEY)
    if accounts is None:
        return None
    if not isinstance(accounts, dict):
        problems.append(
            (
                loaded.value_at(ACCOUNTS_PATH, accounts),
                f"'accounts' must be a mapping of address keys to accounts, found {yaml_type_name(accounts)}",
            )
        )
        return None
    return accounts


_NOT_A_DECLARATION_HINT = (
    "; if this file is not an lfsync declaration file, choose the files that are with "
    "`declarations:` globs in lfsync.yaml (e.g. ['accounts/**/*.yaml'])"
)


def valid_address_key(key: Any, where: SourceLocation, problems: Problems) -> bool:
    if is_address_key(key):
        return True
    if isinstance(key, str):
        problem = (
            f"invalid account key {shown_key(key, quoted=True)}: use lower-case letters, digits, '-' and '_', "
            "starting with a letter or digit"
        )
        suggestion = _suggest_address_key(key)
        if suggestion:
            problem += f" (for example {suggestion!r})"
    else:
        problem = (
            f"invalid account key: found {yaml_type_name(key)}; an account key is text like 'acme' "
            "(quote it if YAML reads it as something else)"
        )
    problems.append((where, problem))
    return False


def _suggest_address_key(key: str) -> str | None:
    suggestion = re.sub(r"[^a-z0-9_-]+", "-", key.strip().lower()).strip("-_")
    return suggestion if is_address_key(suggestion) and len(suggestion) <= 60 else None


class AccountParser:
    """Checks one account's plain data, recording every problem, and builds its declaration."""

    def __init__(self, loaded: LoadedFile, key: str, key_location: SourceLocation, problems: Problems):
        self.loaded = loaded
        self.key = key
        self.path = ACCOUNTS_PATH + (key,)
        self.address = address_of(key)
        self.key_location = key_location
        self.problems = problems
        self.refused = loaded.refused_paths
        self.ok = True
        self.references: list[tuple[str, Place, str]] = []

    def problem(self, where: SourceLocation, message: str) -> None:
        self.ok = False
        self.problems.append((where, message))

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
        skip_enrichment = self.parse_flag(body, "skip_enrichment")
        protect = self.parse_flag(body, "protect")
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
            )
        return ParsedAccount(self.address, self.key_location, declaration, self.references)

    def check_account_keys(self, body: dict) -> None:
        for key in body:
            if key not in ACCOUNT_KEYS:
                self.problem(
                    self.loaded.key_at(self.path + (key,)),
                    f"unknown key {shown_key(key, quoted=True)} in {self.address}; allowed: {', '.join(ACCOUNT_KEYS)}"
                    + did_you_mean(str(key), ACCOUNT_KEYS),
                )

    # fields

    def at(self, place: Place) -> SourceLocation:
        return SourceLocation(self.loaded.shown, *place)

    def parse_fields(self, body: dict) -> tuple[dict[str, Any], dict[str, Place]]:
        if "fields" not in body:
            self.problem(
                self.key_location, f"{self.address} has no 'fields'; every account needs fields with at least $name"
            )
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
        if key in READ_ONLY_FIELDS:
            self.problem(
                self.at(place), f"{key} is read-only in Lightfield (it is filled in by enrichment); remove it from 'fields'"
            )
            return False
        return True

    def check_name(self, fields_node: dict) -> None:
        if NAME_FIELD not in fields_node:
            self.problem(
                self.loaded.key_at(self.path + ("fields",)),
                f"{self.address} has no $name in 'fields'; every account needs a name",
            )
            return
        name = fields_node[NAME_FIELD]
        if not isinstance(name, str) or not name.strip():
            self.value_problem(
                self.path + ("fields", NAME_FIELD),
                name,
                f"$name of {self.address} must be non-empty text, found {yaml_type_name(name)}",
            )

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
        if key in READ_ONLY_RELATIONSHIPS:
            self.problem(
                self.at(place),
                f"relationship {shown_key(key)} is read-only in Lightfield and cannot be set from a declaration",
            )
            return False
        return True

    def parse_relationship_value(self, path: tuple, key: str, value: Any) -> str | list[str] | None:
        if isinstance(value, list):
            targets = [self.relationship_target(path + (index,), item, key) for index, item in enumerate(value)]
            return [str(t) for t in targets] if all(t is not None for t in targets) else None
        return self.relationship_target(path, value, key)

    def relationship_target(self, path: tuple, value: Any, key: str) -> str | None:
        if is_lightfield_id(value):
            return str(value)
        if is_reference(value):
            self.references.append((str(value), self.loaded.value_place(path), key))
            return str(value)
        if key == OWNER_RELATIONSHIP and is_member_email(value):
            return str(value)
        hint = " (use [] for none)" if value is None else ""
        self.value_problem(
            path,
            value,
            f"relationships.{shown_key(key)} of {self.address}: found {yaml_type_name(value)}{hint}; expected a "
            "Lightfield ID like mem_cm1abc123def456 or a reference to a declared account like account.acme, "
            "or a list of them",
        )
        return None

    # skip_enrichment, protect

    def parse_flag(self, body: dict, key: str) -> bool | None:
        if key not in body:
            return None
        value = body[key]
        if isinstance(value, bool):
            return value
        self.value_problem(
            self.path + (key,),
            value,
            f"{key} of {self.address} must be true or false, found {yaml_type_name(value)}",
        )
        return None


# --- across files ----------------------------------------------------------------------


def index_by_address(parsed: list[ParsedAccount], problems: Problems) -> dict[str, ParsedAccount]:
    """Accounts by address; an address seen again is a problem naming both places."""
    by_address: dict[str, ParsedAccount] = {}
    for account in parsed:
        first = by_address.get(account.address)
        if first is None:
            by_address[account.address] = account
        else:
            problems.append(
                (account.location, f"{account.address} is declared twice: {first.location} and {account.location}")
            )
    return by_address


def check_references(parsed: list[ParsedAccount], accounts: dict[str, ParsedAccount], problems: Problems) -> None:
    for account in parsed:
        for target, place, relationship in account.references:
            if target == account.address:
                problems.append((account.location_of(place), f"{account.address} refers to itself in relationships.{relationship}"))
            elif target not in accounts:
                problems.append(
                    (
                        account.location_of(place),
                        f"relationships.{relationship} of {account.address} refers to {target}, "
                        f"which is not declared in any file" + _did_you_mean_address(target, accounts),
                    )
                )


def _did_you_mean_address(target: str, addresses: Any) -> str:
    # Compare keys without the shared "account." prefix, which would make every address look alike.
    prefix_length = len(ADDRESS_PREFIX)
    match = closest(target[prefix_length:], [address[prefix_length:] for address in addresses])
    return f" (did you mean {address_of(match)}?)" if match else ""
