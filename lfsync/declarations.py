"""Declaration files -> validated pydantic models that remember where each part came from.

All problems of all files are collected and raised together as one DeclarationError,
so a user fixes a project in one pass rather than one error at a time.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic

from lfsync.addresses import (
    ADDRESS_PREFIX,
    OWNER_RELATIONSHIP,
    address_of,
    is_address_key,
    is_lightfield_id,
    is_member_email,
    is_reference,
    references_in,
)
from lfsync.csvdecl import parse_csv_file
from lfsync.discovery import declarations_digest, find_declaration_files
from lfsync.errors import DeclarationError, SourceLocation, display_path
from lfsync.globs import DEFAULT_DECLARATION_GLOBS
from lfsync.project import DEFAULT_STATE_DIR
from lfsync.yamlio import (
    DuplicateKey,
    DuplicateKeysError,
    UnsupportedValueError,
    decode_text,
    load_yaml_text,
    location,
    read_bytes,
    to_plain,
    value_location,
    yaml_type_name,
)

READ_ONLY_FIELDS = {"$howTheyMakeMoney", "$accountStatus"}
READ_ONLY_RELATIONSHIPS = {"$opportunity", "$task", "$note", "$meeting"}

TOP_LEVEL_KEY = "accounts"
ACCOUNT_KEYS = ("fields", "relationships", "skip_enrichment", "protect")
NAME_FIELD = "$name"
CSV_SUFFIX = ".csv"

Problems = list[tuple[SourceLocation | None, str]]


class AccountDeclaration(pydantic.BaseModel):
    """One declared account. Locations point at keys (file:line:col, 1-based)."""

    model_config = pydantic.ConfigDict(frozen=True)

    key: str
    address: str
    fields: dict[str, Any]
    relationships: dict[str, str | list[str]]
    skip_enrichment: bool | None
    location: SourceLocation
    protect: bool = False  # refuse to delete it, even with --prune
    field_locations: dict[str, SourceLocation]
    relationship_locations: dict[str, SourceLocation]

    def references(self) -> list[str]:
        return references_in(self.relationships)


class Declarations(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    accounts: dict[str, AccountDeclaration]
    files: list[str]
    digest: str


def closest(word: str, candidates: Any) -> str | None:
    matches = difflib.get_close_matches(word, [str(c) for c in candidates], n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Any) -> str:
    match = closest(word, candidates)
    return f" (did you mean {match!r}?)" if match else ""


# --- loading files ---------------------------------------------------------


def load_declarations(
    project_dir: Path,
    files: list[Path] | None = None,
    state_dir: Path | None = None,
    patterns: tuple[str, ...] = DEFAULT_DECLARATION_GLOBS,
) -> Declarations:
    """Load and validate every declaration file; raises DeclarationError listing all problems."""
    if files is None:
        files = find_declaration_files(project_dir, state_dir or project_dir / DEFAULT_STATE_DIR, patterns)
    problems: Problems = []
    contents: dict[Path, bytes] = {}
    parsed: list[ParsedAccount] = []
    for path in sorted(files):
        shown = display_path(path, project_dir)
        try:
            contents[path] = read_bytes(path, shown)
        except DeclarationError as error:
            problems.extend(error.problems)
            continue
        if path.suffix.lower() == CSV_SUFFIX:
            parsed.extend(parse_csv_file(contents[path], shown, problems))
        else:
            parsed.extend(parse_file(contents[path], shown, problems))
    accounts = index_by_address(parsed, problems)
    check_references(parsed, accounts, problems)
    if problems:
        raise DeclarationError(problems)
    return Declarations(
        accounts={address: accounts[address].declaration for address in sorted(accounts)},
        files=sorted(display_path(path, project_dir) for path in files),
        digest=declarations_digest(project_dir, contents),
    )


# --- one file --------------------------------------------------------------------------


@dataclass
class ParsedAccount:
    """An account as found in a file; `declaration` is None when the account has problems."""

    address: str
    location: SourceLocation
    declaration: AccountDeclaration | None
    references: list[tuple[str, SourceLocation, str]] = field(default_factory=list)  # (address, where, relationship)


def parse_file(data: bytes, shown: str, problems: Problems) -> list[ParsedAccount]:
    document = parse_document(data, shown, problems)
    if document is None:
        return []
    accounts_node = top_level_accounts(document, shown, problems)
    if accounts_node is None:
        return []
    parsed = []
    for key, body in accounts_node.items():
        key_location = location(shown, accounts_node, key=key)
        if not valid_address_key(key, key_location, problems):
            continue
        parsed.append(AccountParser(shown, key, key_location, problems).parse(body, accounts_node))
    return parsed


def parse_document(data: bytes, shown: str, problems: Problems) -> Any:
    try:
        text = decode_text(data, shown)
        return load_yaml_text(text, shown)
    except DuplicateKeysError as error:
        problems.extend(describe_duplicate(duplicate) for duplicate in error.duplicates)
        # Go on with the first of each duplicate so the rest of the file is checked too.
        return load_yaml_text(text, shown, allow_duplicate_keys=True)
    except DeclarationError as error:
        problems.extend(error.problems)
        return None


def describe_duplicate(duplicate: DuplicateKey) -> tuple[SourceLocation, str]:
    if duplicate.parents == (TOP_LEVEL_KEY,):
        message = (
            f"{address_of(str(duplicate.key))} is declared twice: {duplicate.first} and {duplicate.second}"
        )
    else:
        message = f"duplicate key {duplicate.key!r}: it is already defined at {duplicate.first}"
    return duplicate.second, message


def top_level_accounts(document: Any, shown: str, problems: Problems) -> dict | None:
    """The `accounts` mapping of a document, or None (with problems recorded) when there is none."""
    if not isinstance(document, dict):
        problems.append(
            (
                location(shown, document),
                "expected a mapping with a single key 'accounts' at the top of the file, "
                f"found {yaml_type_name(document)}",
            )
        )
        return None
    for key in document:
        if key != TOP_LEVEL_KEY:
            problems.append(
                (
                    location(shown, document, key=key),
                    f"unknown top-level key {key!r}: a declaration file holds only 'accounts'"
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
                value_location(shown, document, TOP_LEVEL_KEY),
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
            f"invalid account key {key!r}: use lower-case letters, digits, '-' and '_', "
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
    return suggestion if is_address_key(suggestion) else None


class AccountParser:
    """Checks one account's body, recording every problem, and builds its declaration."""

    def __init__(self, shown: str, key: str, key_location: SourceLocation, problems: Problems):
        self.shown = shown
        self.key = key
        self.address = address_of(key)
        self.key_location = key_location
        self.problems = problems
        self.ok = True
        self.references: list[tuple[str, SourceLocation, str]] = []

    def problem(self, where: SourceLocation, message: str) -> None:
        self.ok = False
        self.problems.append((where, message))

    def parse(self, body: Any, accounts_node: dict) -> ParsedAccount:
        if not isinstance(body, dict):
            self.problem(
                value_location(self.shown, accounts_node, self.key),
                f"{self.address} must be a mapping with 'fields' (and optionally 'relationships' and "
                f"'skip_enrichment'), found {yaml_type_name(body)}",
            )
            return ParsedAccount(self.address, self.key_location, None)
        self.check_account_keys(body)
        fields, field_locations = self.parse_fields(body)
        relationships, relationship_locations = self.parse_relationships(body)
        skip_enrichment = self.parse_flag(body, "skip_enrichment")
        protect = self.parse_flag(body, "protect")
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
                field_locations=field_locations,
                relationship_locations=relationship_locations,
            )
        return ParsedAccount(self.address, self.key_location, declaration, self.references)

    def check_account_keys(self, body: dict) -> None:
        for key in body:
            if key not in ACCOUNT_KEYS:
                self.problem(
                    location(self.shown, body, key=key),
                    f"unknown key {key!r} in {self.address}; allowed: {', '.join(ACCOUNT_KEYS)}"
                    + did_you_mean(str(key), ACCOUNT_KEYS),
                )

    # fields

    def parse_fields(self, body: dict) -> tuple[dict[str, Any], dict[str, SourceLocation]]:
        if "fields" not in body:
            self.problem(
                self.key_location, f"{self.address} has no 'fields'; every account needs fields with at least $name"
            )
            return {}, {}
        fields_node = body["fields"]
        if not isinstance(fields_node, dict):
            self.problem(
                value_location(self.shown, body, "fields"),
                f"'fields' of {self.address} must be a mapping of field keys to values, "
                f"found {yaml_type_name(fields_node)}",
            )
            return {}, {}
        fields: dict[str, Any] = {}
        field_locations: dict[str, SourceLocation] = {}
        for key, value in fields_node.items():
            where = location(self.shown, fields_node, key=key)
            if not self.valid_field_key(key, where):
                continue
            plain = self.plain_value(fields_node, key, value, f"fields.{key}")
            fields[key] = plain
            field_locations[key] = where
        self.check_name(body, fields_node)
        return fields, field_locations

    def valid_field_key(self, key: Any, where: SourceLocation) -> bool:
        if not isinstance(key, str) or key == "":
            self.problem(
                where,
                "field keys must be text ($-prefixed system fields or custom field slugs), "
                f"found {yaml_type_name(key)}",
            )
            return False
        if key in READ_ONLY_FIELDS:
            self.problem(
                where, f"{key} is read-only in Lightfield (it is filled in by enrichment); remove it from 'fields'"
            )
            return False
        return True

    def check_name(self, body: dict, fields_node: dict) -> None:
        if NAME_FIELD not in fields_node:
            self.problem(
                location(self.shown, body, key="fields"),
                f"{self.address} has no $name in 'fields'; every account needs a name",
            )
            return
        name = fields_node[NAME_FIELD]
        if not isinstance(name, str) or not name.strip():
            self.problem(
                value_location(self.shown, fields_node, NAME_FIELD),
                f"$name of {self.address} must be non-empty text, found {yaml_type_name(name)}",
            )

    def plain_value(self, node: dict, key: Any, value: Any, what: str) -> Any:
        try:
            return to_plain(value)
        except UnsupportedValueError as error:
            self.problem(value_location(self.shown, node, key), f"{what} of {self.address}: {error}")
            return None

    # relationships

    def parse_relationships(self, body: dict) -> tuple[dict[str, str | list[str]], dict[str, SourceLocation]]:
        node = body.get("relationships")
        if node is None:
            return {}, {}
        if not isinstance(node, dict):
            self.problem(
                value_location(self.shown, body, "relationships"),
                f"'relationships' of {self.address} must be a mapping of relationship keys to IDs or references, "
                f"found {yaml_type_name(node)}",
            )
            return {}, {}
        relationships: dict[str, str | list[str]] = {}
        locations: dict[str, SourceLocation] = {}
        for key, value in node.items():
            where = location(self.shown, node, key=key)
            if not self.valid_relationship_key(key, where):
                continue
            parsed = self.parse_relationship_value(node, key, value)
            if parsed is not None:
                relationships[key] = parsed
                locations[key] = where
        return relationships, locations

    def valid_relationship_key(self, key: Any, where: SourceLocation) -> bool:
        if not isinstance(key, str) or key == "":
            self.problem(
                where, f"relationship keys must be text like $owner or a custom slug, found {yaml_type_name(key)}"
            )
            return False
        if key in READ_ONLY_RELATIONSHIPS:
            self.problem(where, f"relationship {key} is read-only in Lightfield and cannot be set from a declaration")
            return False
        return True

    def parse_relationship_value(self, node: dict, key: str, value: Any) -> str | list[str] | None:
        if isinstance(value, list):
            targets = [
                self.relationship_target(item, location(self.shown, value, index=index), key)
                for index, item in enumerate(value)
            ]
            return [str(t) for t in targets] if all(t is not None for t in targets) else None
        return self.relationship_target(value, value_location(self.shown, node, key), key)

    def relationship_target(self, value: Any, where: SourceLocation, key: str) -> str | None:
        if is_lightfield_id(value):
            return str(value)
        if is_reference(value):
            self.references.append((str(value), where, key))
            return str(value)
        if key == OWNER_RELATIONSHIP and is_member_email(value):
            return str(value)
        hint = " (use [] for none)" if value is None else ""
        self.problem(
            where,
            f"relationships.{key} of {self.address}: found {yaml_type_name(value)}{hint}; expected a Lightfield ID "
            f"like mem_cm1abc123def456 or a reference to a declared account like account.acme, or a list of them",
        )
        return None

    # skip_enrichment, protect

    def parse_flag(self, body: dict, key: str) -> bool | None:
        if key not in body:
            return None
        value = body[key]
        if isinstance(value, bool):
            return value
        self.problem(
            value_location(self.shown, body, key),
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
        for target, where, relationship in account.references:
            if target == account.address:
                problems.append((where, f"{account.address} refers to itself in relationships.{relationship}"))
            elif target not in accounts:
                problems.append(
                    (
                        where,
                        f"relationships.{relationship} of {account.address} refers to {target}, "
                        f"which is not declared in any file" + _did_you_mean_address(target, accounts),
                    )
                )


def _did_you_mean_address(target: str, addresses: Any) -> str:
    # Compare keys without the shared "account." prefix, which would make every address look alike.
    prefix_length = len(ADDRESS_PREFIX)
    match = closest(target[prefix_length:], [address[prefix_length:] for address in addresses])
    return f" (did you mean {address_of(match)}?)" if match else ""
