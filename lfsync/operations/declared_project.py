"""A project loaded and checked, as every workflow starts: lfsync.yaml and the declarations read
(through the parse cache), values checked against the organisation's definitions, the target's
access checked. Plan, apply, import, validate and export build on it."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from lfsync.api.client import ApiError, LightfieldClient, RetryPolicy
from lfsync.config.project import LOCAL_DIR, Project, load_project
from lfsync.config.vars import VariableItems
from lfsync.declare.csvspaces import spaced_cell_warnings
from lfsync.declare.declarations import load_declarations
from lfsync.declare.ignorechanges import NOTHING_IGNORED
from lfsync.declare.model import Declarations
from lfsync.declare.moves import redirected, renamed_addresses
from lfsync.declare.parsecache import ParseCache, Uncached
from lfsync.errors import DeclarationError, LfsyncError, Problems, problem_order
from lfsync.kinds.catalogue import ACCOUNT, DECLARABLE_KINDS, kind_of_address
from lfsync.kinds.record_kind import RecordKind
from lfsync.operations.connection import api_key_from
from lfsync.plan.links import with_both_sides
from lfsync.plan.resources import DesiredAccount
from lfsync.remote.linked_records import linked_account_problems
from lfsync.remote.organisation import fetch_organisation
from lfsync.state.records import ResourceState
from lfsync.support import collector
from lfsync.values.check import check_declarations_cached
from lfsync.values.ignored import (
    DECLARED_OR_RECORDED,
    IN_ORGANISATION,
    declared_and_recorded_keys,
    ignored_name_problems,
    keys_of_kind,
    names_anything,
    organisation_keys,
)
from lfsync.values.organisation import KnownOrganisation, Organisation, remember


@dataclass(frozen=True)
class DeclaredProject:
    """A project with its declarations loaded and resolved into desired accounts."""

    project: Project
    declarations: Declarations
    desired: dict[str, DesiredAccount]
    # What the values were checked against and canonicalised with; None: not checked (no definitions)
    organisation: KnownOrganisation | None = None
    # The scopes the API key has, as auth/validate names them; None: not asked, or not said
    scopes: frozenset[str] | None = None


# The declarations one run read, by the files that make them (its root, state folder and globs) and the
# variables substituted in them: the workspaces of one project share theirs, read once (load_declared's `shared`)
SharedDeclarations = dict[tuple[Path, Path, tuple[str, ...], VariableItems], "Declarations | DeclarationError"]


@collector.paused()
def load_declared(
    directory: Path,
    workspace: str | None = None,
    *,
    read_files: bool = True,
    values_checked_next: bool = False,
    shared: SharedDeclarations | None = None,
) -> DeclaredProject:
    """`read_files=False` (destroy): the project without its declarations, which destroy ignores,
    so a teardown never waits on files that no longer parse. `values_checked_next`: the caller
    passes the project to with_checked_values (plan, apply, validate against definitions), which
    reports references to undeclared accounts with the values' problems, in one run. `shared`:
    the declarations other workspaces of this run read (the same files are read and parsed once)."""
    project = load_project(directory, workspace=workspace)
    if not read_files:
        return DeclaredProject(project, Declarations(accounts={}, files=[], digest=""), {})
    files = (project.root, project.state_dir, project.declaration_globs, project.variables)
    if shared is not None and files in shared:
        known = shared[files]
        if isinstance(known, DeclarationError):
            raise known
        return DeclaredProject(project, known, desired_accounts(known, project))
    try:
        declarations = load_declarations(
            project.root, state_dir=project.state_dir, patterns=project.declaration_globs, cache=parse_cache_for(project),
            defer_references=values_checked_next, variables=dict(project.variables),
        )
    except DeclarationError as error:
        if shared is not None:
            shared[files] = error
        raise
    declarations.warnings.extend(spaced_cell_warnings(declarations.accounts.values()))
    if shared is not None:
        shared[files] = declarations
    return DeclaredProject(project, declarations, desired_accounts(declarations, project))


def parse_cache_for(project: Project) -> ParseCache | Uncached:
    """The parse cache lives in the project's .lfsync folder, but never creates it: a run that writes
    nothing else there (a remote target not yet read, e.g. a plan without an API key) leaves no trace."""
    if project.is_local or (project.root / LOCAL_DIR).is_dir():
        return ParseCache.for_project(project.root)
    return Uncached()


@collector.paused()
def with_checked_values(declared: DeclaredProject, known: KnownOrganisation | None) -> DeclaredProject:
    """Every value checked against the organisation and put in its canonical form; raises
    DeclarationError with every problem. Without definitions the declarations stay as written.
    Files checked against the same organisation before take their values from the parse cache.
    References to undeclared accounts that loading left (load_declared's values_checked_next) are
    reported here, with the values' problems."""
    unresolved = declared.declarations.unresolved
    if known is None:
        if unresolved:
            raise DeclarationError(unresolved)
        return declared
    # Only the kinds declared count: an accounts-only project checks and records what it always did.
    known = dataclasses.replace(known, organisation=known.organisation.narrowed_to(
        kind.name for kind in declared_kinds(declared.declarations)
    ))
    checked = check_declarations_cached(declared.declarations, known.organisation, parse_cache_for(declared.project))
    ignored = Problems()
    if names_anything(declared.declarations, declared.project.ignore_changes):
        ignored = ignored_name_problems(
            declared.declarations, declared.project.ignore_changes, organisation_keys(known.organisation), IN_ORGANISATION,
            known_of=keys_of_kind(known.organisation),
        )
    if unresolved or checked.problems or ignored:
        # the first in file order of every kind (each kept its first ones), the rest counted
        every = Problems(sorted([*unresolved, *checked.problems, *ignored], key=problem_order))
        every.omitted += unresolved.omitted + checked.problems.omitted + ignored.omitted
        raise DeclarationError(every)
    fields, relationships = checked.fields, checked.relationships
    renamed = renamed_addresses(declared.declarations.moves)
    desired = {
        # the constructor with the account's own attributes: dataclasses.replace costs 3x as much
        address: DesiredAccount(
            **{**vars(account), "fields": fields[address], "relationships": redirected(relationships[address], renamed)}
        )
        for address, account in declared.desired.items()
    }
    return dataclasses.replace(declared, desired=with_both_sides(desired), organisation=known)


def declared_kinds(declarations: Declarations) -> list[RecordKind]:
    """The kinds of the records declared, in catalogue order (accounts first)."""
    names = {address.partition(".")[0] for address in declarations.accounts}
    return [kind for kind in DECLARABLE_KINDS if kind.name in names]


def check_ignored_without_definitions(declared: DeclaredProject, resources: Mapping[str, ResourceState]) -> None:
    """Where no definitions checked the values (declared.organisation is None), the keys
    `ignore_changes:` names are checked against those declared and recorded in state."""
    project_wide = declared.project.ignore_changes
    if declared.organisation is not None or not names_anything(declared.declarations, project_wide):
        return
    known = declared_and_recorded_keys(declared.declarations, (resource.applied for resource in resources.values()))
    problems = ignored_name_problems(declared.declarations, project_wide, known, DECLARED_OR_RECORDED)
    if problems:
        raise DeclarationError(problems)


def can_ask_target(project: Project, env: Mapping[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    if project.api_key_env is not None:
        return project.is_local or bool(env.get(project.api_key_env))
    return project.is_local or bool(api_key_from(env))


async def learn_organisation(
    client: LightfieldClient, declared: DeclaredProject, organisation: Organisation | None = None
) -> DeclaredProject:
    """Read the live definitions and members (once per run), keep them under .lfsync/, check values."""
    organisation = organisation or await fetch_organisation(client, declared_kinds(declared.declarations))
    remember(declared.project, organisation)
    checked = with_checked_values(declared, KnownOrganisation(organisation, f"the definitions of {declared.project.target}, read now"))
    problems = await linked_account_problems(
        client, declared.declarations, dict.fromkeys([ACCOUNT, *declared_kinds(declared.declarations)])
    )
    if problems:
        raise DeclarationError(list(problems))
    return checked


def desired_accounts(declarations: Declarations, project: Project) -> dict[str, DesiredAccount]:
    """What each declared account should look like; lfsync.yaml's `ignore_changes:` joins each one's own.
    References to a moved record's old address (`moved:`) name its new one."""
    project_wide = NOTHING_IGNORED.with_names(setting.name for setting in project.ignore_changes)
    renamed = renamed_addresses(declarations.moves)
    return with_both_sides({
        address: DesiredAccount(
            address=address,
            fields=dict(account.fields),
            relationships=redirected(dict(account.relationships), renamed),
            skip_enrichment=kind_of_address(address).enriched and (
                project.skip_enrichment if account.skip_enrichment is None else account.skip_enrichment
            ),
            location=str(account.location),
            protect=account.protect,
            ignore_changes=(
                account.ignore_changes.with_names(project_wide.names)
                if account.ignore_all or account.ignored_places
                else project_wide
            ),
        )
        for address, account in declarations.accounts.items()
    })


# --- reading the target -------------------------------------------------------------------


async def checked_and_learned(client: LightfieldClient, declared: DeclaredProject) -> DeclaredProject:
    """check_access, then learn_organisation, with the organisation read while access is checked
    (a round trip saved per run); a refused key or an unreachable API is reported as such."""
    fetching = asyncio.ensure_future(fetch_organisation(client, declared_kinds(declared.declarations)))
    try:
        scopes = await check_access(client, declared.project)
    except BaseException:
        fetching.cancel()
        await asyncio.gather(fetching, return_exceptions=True)
        raise
    learned = await learn_organisation(client, declared, await fetching)
    return dataclasses.replace(learned, scopes=scopes)


# A wrong URL or a down API is said within seconds; a passing fault is still ridden out.
PREFLIGHT_RETRY = RetryPolicy(attempts=5, base_delay=0.25, max_delay=2.0)


async def check_access(client: LightfieldClient, project: Project) -> frozenset[str] | None:
    """Fail fast and clearly on a wrong URL or key, before anything is settled or sent; the key's
    scopes as auth/validate lists them. None where it lists none: the docs do not say that an empty
    list means no scope (the emulator answers it for a key with every scope), so none is assumed."""
    try:
        answer = await client.validate_auth(PREFLIGHT_RETRY)
    except ApiError as error:
        if error.status == 0:
            raise LfsyncError(f"cannot reach the Lightfield API at {project.target}: {error.message}") from None
        if error.status in (401, 403):
            raise LfsyncError(f"the API key was refused ({error.describe()}); check LIGHTFIELD_API_KEY") from None
        raise
    scopes = answer.get("scopes") if isinstance(answer, dict) else None
    if not isinstance(scopes, list) or not scopes:
        return None
    return frozenset(str(scope) for scope in scopes)
