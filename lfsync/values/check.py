"""Declarations against the organisation: every value checked as the API would check it, and put
in the canonical form the API stores (lfsync.values.types).

Anything the API would answer 400 or 422 to is a problem here, with its file:line:col, so a plan
that passes these checks is one apply can carry out.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

from lfsync.declare import csvfile as csvdecl
from lfsync.declare.addresses import is_lightfield_id, is_reference
from lfsync.declare.model import Declarations
from lfsync.declare.parsecache import ParseCache, Uncached
from lfsync.errors import Problem, Problems
from lfsync.kinds.catalogue import ACCOUNT, DECLARABLE_KINDS, MEMBER, kind_of_address
from lfsync.kinds.record_kind import RecordKind
from lfsync.support.suggestions import did_you_mean
from lfsync.values import kind_values, relative_dates
from lfsync.values import organisation as organisation_model
from lfsync.values import types as values
from lfsync.values.kind_values import fixed_choice, markdown_text
from lfsync.values.list_members import check_list
from lfsync.values.organisation import Organisation, RelationshipSpec
from lfsync.values.stages import PIPELINE_FIELD, STAGE_FIELD, canonical_stage
from lfsync.values.types import ValueProblem, canonical_value

ACCOUNT_OBJECT_TYPE = ACCOUNT.name
MEMBER_OBJECT_TYPE = MEMBER.name
MEMBER_ID_PREFIX = MEMBER.id_prefix or ""
MAX_RELATIONSHIP_IDS = 25  # relationship_write_limit_exceeded beyond this, counted over one body


@dataclass
class CheckedDeclarations:
    """Canonical fields and relationships per address, and every problem found (sorted)."""

    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    relationships: dict[str, dict[str, str | list[str]]] = field(default_factory=dict)
    problems: Problems = field(default_factory=Problems)


def check_declarations(declarations: Declarations, organisation: Organisation) -> CheckedDeclarations:
    checked = CheckedDeclarations()
    members_by_email = {email.casefold(): member_id for member_id, email in organisation.member_emails.items() if email}
    for address, account in declarations.accounts.items():
        kind = kind_of_address(address)
        of_kind = organisation.of_kind(kind.name)
        if of_kind is None:  # a snapshot pulled before the project declared this kind
            checked.problems.append(Problem(
                f"{address}: the definitions of {kind.declaration_key} were not read; run `lfsync definitions pull` again",
                account.location,
            ))
            continue
        field_specs, relationship_specs = of_kind.fields, of_kind.relationships
        fields: dict[str, Any] = {}
        for key, value in account.fields.items():
            spec = field_specs.get(key)
            try:
                if spec is None:
                    raise ValueProblem("no such field in this organisation" + did_you_mean(key, field_specs))
                if key == PIPELINE_FIELD:
                    _check_pipeline_hint(account.fields, spec)
                    continue  # a hint for $stage: not stored, so never compared
                if key == STAGE_FIELD and spec.parent_field_key:
                    fields[key] = canonical_stage(
                        spec, field_specs.get(spec.parent_field_key), value, account.fields.get(spec.parent_field_key)
                    )
                    continue
                if key in kind.markdown_fields:
                    fields[key] = markdown_text(value)
                    continue
                choices = kind.choices_of(key)
                fields[key] = canonical_value(spec, value if choices is None else fixed_choice(value, choices))
            except ValueProblem as problem:
                suffix = f" ({spec.value_type} field)" if spec is not None and spec.value_type else ""
                checked.problems.append(Problem(f"fields.{key} of {address}: {problem}{suffix}", account.field_location(key)))
        relationships: dict[str, str | list[str]] = {}
        for key, value in account.relationships.items():
            try:
                relationships[key] = _canonical_relationship(key, value, relationship_specs, organisation, members_by_email)
            except ValueProblem as problem:
                checked.problems.append(
                    Problem(f"relationships.{key} of {address}: {problem}", account.relationship_location(key))
                )
        linked = sum(len(v) if isinstance(v, list) else 1 for v in relationships.values())
        if linked > MAX_RELATIONSHIP_IDS:
            checked.problems.append(
                Problem(
                    f"{address} links {linked} records; the API takes at most {MAX_RELATIONSHIP_IDS} in one request",
                    account.location,
                )
            )
        checked.problems.extend(check_list(address, account, fields, relationships))
        checked.fields[address] = fields
        checked.relationships[address] = relationships
    checked.problems.sort()
    return checked


VALUES_LAYER = "values"


def check_declarations_cached(
    declarations: Declarations, organisation: Organisation, cache: ParseCache | Uncached
) -> CheckedDeclarations:
    """check_declarations, with each file's canonical values kept in the parse cache, keyed by the
    file's content key and the organisation's digest. Only a check without any problem is kept, so
    a file taken from the cache is one that had none; the others are checked as usual."""
    checked = CheckedDeclarations()
    unchecked: list[str] = []
    for content_key, addresses in declarations.file_accounts:
        entry = cache.read(VALUES_LAYER, values_entry_name(cache, content_key, organisation)) if addresses else None
        if isinstance(entry, list) and len(entry) == len(addresses):
            for address, (fields, relationships) in zip(addresses, entry):
                checked.fields[address], checked.relationships[address] = fields, relationships
        else:
            unchecked.extend(addresses)
    in_files = {address for _, addresses in declarations.file_accounts for address in addresses}
    unchecked.extend(address for address in declarations.accounts if address not in in_files)  # none when loaded from files
    if not unchecked:
        return checked
    fresh = check_declarations(
        declarations.with_accounts(unchecked),
        organisation,
    )
    checked.fields.update(fresh.fields)
    checked.relationships.update(fresh.relationships)
    checked.problems = fresh.problems
    if not checked.problems:
        checked_now = set(unchecked)
        for content_key, addresses in declarations.file_accounts:
            if addresses and checked_now.issuperset(addresses):
                entry = [(checked.fields[address], checked.relationships[address]) for address in addresses]
                cache.remember(values_entry_name(cache, content_key, organisation), entry)
        cache.save()
    return checked


def values_entry_name(cache: ParseCache | Uncached, content_key: str, organisation: Organisation) -> str:
    """Keyed also by the code the canonical values depend on: this module, the value rules, the organisation's model."""
    modules = (sys.modules[__name__], values, organisation_model, csvdecl, relative_dates, kind_values)
    return cache.entry_name(VALUES_LAYER, f"{organisation.digest}\0{content_key}".encode(), modules)


def check_against_definitions(declarations: Declarations, definitions: dict, members: list[dict] | None = None) -> Problems:
    """Every problem found against a definitions response (and members, if given), sorted by location."""
    return check_declarations(declarations, Organisation.from_wire(definitions, members)).problems


def _check_pipeline_hint(declared_fields: dict[str, Any], spec: Any) -> None:
    """`$pipeline` only picks the pipeline of `$stage`: without one, the API refuses it."""
    if STAGE_FIELD not in declared_fields:
        raise ValueProblem(f"{PIPELINE_FIELD} only says which pipeline {STAGE_FIELD} is in; declare {STAGE_FIELD} too")


def _canonical_relationship(
    key: str, value: str | list[str], specs: dict[str, RelationshipSpec], organisation: Organisation, members_by_email: dict[str, str]
) -> str | list[str]:
    spec = specs.get(key)
    if spec is None:
        raise ValueProblem("no such relationship in this organisation" + did_you_mean(key, specs))
    targets = value if isinstance(value, list) else [value]
    if spec.holds_one and len(targets) > 1:
        raise ValueProblem(f"this relationship holds one record, but {len(targets)} are given")
    resolved = [_target(target, spec, organisation, members_by_email) for target in targets]
    return resolved[0] if spec.holds_one and resolved else resolved


def _target(target: str, spec: RelationshipSpec, organisation: Organisation, members_by_email: dict[str, str]) -> str:
    if spec.object_type == MEMBER_OBJECT_TYPE:
        return _member(target, organisation, members_by_email)
    problem = target_type_problem(target, spec.object_type)
    if problem:
        raise ValueProblem(problem)
    return target


def _member(target: str, organisation: Organisation, members_by_email: dict[str, str]) -> str:
    """A member ID, or a member's email resolved to the ID (the API takes IDs only)."""
    if "@" not in target:
        problem = target_type_problem(target, MEMBER_OBJECT_TYPE)
        if problem:
            raise ValueProblem(problem)
    if organisation.members is None:  # members not known: only their shape is checked
        if "@" in target:
            raise ValueProblem(f"{target!r}: an owner's email needs the organisation's members to be resolved")
        return target
    known = organisation.member_emails
    if "@" in target:
        member_id = members_by_email.get(target.casefold())
        if member_id is None:
            raise ValueProblem(f"{target!r} is the email of no member of this organisation")
        return member_id
    if target not in known:
        raise ValueProblem(f"{target} is no member of this organisation (members: {', '.join(e or i for i, e in known.items())})")
    return target


def target_type_problem(target: str, object_type: str) -> str | None:
    """A target that is clearly of another object type than the relationship links to."""
    if not object_type:
        return None
    target_kind = _kind_of_target(target)
    if target_kind is ACCOUNT and object_type != ACCOUNT_OBJECT_TYPE:
        return f"{target} is an account, but this relationship links to {object_type} records"
    if object_type == MEMBER_OBJECT_TYPE and is_lightfield_id(target) and not target.startswith(MEMBER_ID_PREFIX):
        return f"{target} is not a member ID (mem_...), but this relationship links to members"
    declared = next((kind for kind in DECLARABLE_KINDS if kind.name == object_type), None)
    if declared is None or target_kind is declared:
        return None
    if target_kind is not None and declared is not ACCOUNT:
        return f"{target} is a {target_kind.name}, but this relationship links to {object_type} records"
    article = "an" if declared.name[0] in "aeiou" else "a"
    return (
        f"{target} is not {article} {declared.name} ID ({declared.id_prefix}...) or {article} {declared.name}.<key> "
        f"reference, but this relationship links to {declared.declaration_key}"
    )


def _kind_of_target(target: str) -> RecordKind | None:
    """The declarable kind a reference or an ID names (None for an ID of no declarable kind's prefix)."""
    if is_reference(target):
        return kind_of_address(target)
    if is_lightfield_id(target):
        return next((kind for kind in DECLARABLE_KINDS if kind.owns_id(target)), None)
    return None
