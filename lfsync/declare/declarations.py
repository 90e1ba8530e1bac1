"""Declaration files -> validated account declarations: the load of a project's files.

Each file is read by its reader (YAML: yamlcheck, CSV: csvfile), a YAML file's accounts coming
from the parse cache (cachecodec) or a helper process when they can; then the checks across files
(crossfile). All problems of all files are collected and raised together as one DeclarationError,
so a user fixes a project in one pass rather than one error at a time.
"""

from __future__ import annotations

import hashlib
import sys
from functools import partial
from pathlib import Path
from types import ModuleType

from lfsync.config.globs import DEFAULT_DECLARATION_GLOBS
from lfsync.config.project import DEFAULT_STATE_DIR
from lfsync.declare import (
    addresses,
    cachecodec,
    csvfile,
    csvformulas,
    fakes,
    genblock,
    generate,
    genselect,
    gentemplates,
    ignorechanges,
    jsonsafe,
    model,
    moves,
    rules,
    substitution,
    yamlcheck,
)
from lfsync.declare import variables as variables_module
from lfsync.declare.cachecodec import PlainAccount, accounts_from_plain, plain_account
from lfsync.declare.crossfile import check_references, index_by_address
from lfsync.declare.csvfile import parse_csv_file
from lfsync.declare.discovery import declarations_digest, find_declaration_files
from lfsync.declare.genblock import GENERATE_KEY
from lfsync.declare.generate import (
    PlainGeneratedSet,
    generate_records,
    generated_from_plain,
    plain_generated,
)
from lfsync.declare.model import Declarations, GeneratedSet, MoveDeclaration, ParsedAccount
from lfsync.declare.moves import PlainMove, check_moves, moves_from_plain, parse_moves, plain_moves, redirect_references
from lfsync.declare.parsecache import ParseCache, Uncached, parse_bytes
from lfsync.declare.substitution import substitute_section, substitute_yaml
from lfsync.declare.variables import Variables
from lfsync.declare.yamlcheck import DECLARATION_WORDING, describe_path, parse_file
from lfsync.declare.yamldocument import LoadedFile
from lfsync.declare.yamlload import LoaderSettings, read_declaration_bytes
from lfsync.errors import DeclarationError, Problems, display_path
from lfsync.support import offload
from lfsync.support.collector import paused
from lfsync.support.textsafe import plain
from lfsync.support.utf8 import decode

CSV_SUFFIX = ".csv"


def load_declarations(
    project_dir: Path,
    files: list[Path] | None = None,
    state_dir: Path | None = None,
    patterns: tuple[str, ...] = DEFAULT_DECLARATION_GLOBS,
    cache: ParseCache | Uncached | None = None,
    defer_references: bool = False,
    variables: Variables | None = None,
) -> Declarations:
    """Load and validate every declaration file; raises DeclarationError listing all problems.

    `defer_references`: when references to undeclared accounts are the only problems, they are
    returned (Declarations.unresolved) for the caller to report with the values' problems, so a
    run names both kinds at once; the caller must raise them.

    `cache` keeps each file's validated accounts; by default the parse cache under the project's
    .lfsync folder. It is saved only when there is no problem: bad input writes nothing.

    `variables` (lfsync.yaml's `vars:` for the workspace) are substituted in the records' values
    before they are checked (lfsync.declare.substitution); they are part of the cache entries of
    the files that may use them and of the digest.
    """
    variables = variables or {}
    if files is None:
        files = find_declaration_files(project_dir, state_dir or project_dir / DEFAULT_STATE_DIR, patterns)
    if cache is None:
        cache = ParseCache.for_project(project_dir)
    problems = Problems()
    contents: dict[Path, bytes] = {}
    shown_names: dict[Path, str] = {}
    parsed: list[ParsedAccount] = []
    moved: list[MoveDeclaration] = []
    file_accounts: list[tuple[str, list[str]]] = []
    generated: list[GeneratedSet] = []
    with paused():
        for path in sorted(files):
            shown_names[path] = shown = shown_path(path, project_dir)
            try:
                contents[path] = read_declaration_bytes(path, shown, project_dir)
            except DeclarationError as error:
                problems.extend(error.problems)
        csv_files = {path for path in contents if path.suffix.lower() == CSV_SUFFIX}
        keys = {path: content_key(data, path in csv_files, cache, variables) for path, data in contents.items()}
        to_parse = [
            (shown_names[path], data) for path, data in contents.items()
            if path not in csv_files and not cache.holds(keys[path])
        ]
        with offload.shared(to_parse, partial(validate_plain, settings=cache.settings, variables=variables)) as helper:
            for path, data in contents.items():
                shown, key = shown_names[path], keys[path]
                try:
                    if path in csv_files:
                        accounts_of_file = parse_csv_file(data, shown, problems, variables)
                    else:
                        accounts_of_file, moves_of_file, generated_of_file = load_yaml_file(
                            data, shown, key, cache, problems, helper.result(shown), variables
                        )
                        moved.extend(moves_of_file)
                        generated.extend([generated_of_file] if generated_of_file is not None else [])
                except DeclarationError as error:
                    problems.extend(error.problems)
                    continue
                parsed.extend(accounts_of_file)
                file_accounts.append((key, [account.address for account in accounts_of_file]))
    accounts = index_by_address(parsed, problems)
    check_moves(moved, accounts.keys(), problems)
    redirect_references(parsed, moved)
    unresolved = Problems()
    check_references(parsed, accounts, unresolved)
    if problems or (unresolved and not defer_references):
        problems.extend(unresolved)
        raise DeclarationError(problems)
    cache.save()
    return Declarations(
        # without problems every account has its declaration
        accounts={address: declaration for address in sorted(accounts) if (declaration := accounts[address].declaration)},
        files=sorted(shown_names.values()),
        digest=with_variables(declarations_digest(project_dir, contents), variables),
        file_accounts=file_accounts,
        unresolved=unresolved,
        moves=moved,
        generated=generated,
    )


DECLARATIONS_LAYER = "declarations"
CSV_LAYER = "csv"


def validation_modules() -> tuple[ModuleType, ...]:
    """The code a file's validated accounts depend on besides the loader (yamlload, yamldocument, yamlscalars,
    which the cache signs anyway): changed, an entry misses. Every module that shapes a cached
    account: this load, the model, the rules and the YAML checks, the codec, the CSV reader and its
    formula unescaping (its content key names the values layer's entries), the address vocabulary,
    jsonsafe's limits, ignore_changes' rules, the `moved:` entries' reader, the `generate:` block's."""
    return (
        sys.modules[__name__], model, rules, yamlcheck, moves, cachecodec, csvfile, csvformulas, addresses, jsonsafe,
        ignorechanges, substitution, variables_module, genblock, generate, gentemplates, genselect,
        fakes,
    )


def content_key(data: bytes, is_csv: bool, cache: ParseCache | Uncached, variables: Variables | None = None) -> str:
    """Names the file's bytes and how they are read (not its name), for caches of per-file results:
    with the variables for a file that may use them (a file that cannot keeps one entry for all)."""
    layer = CSV_LAYER if is_csv else DECLARATIONS_LAYER
    if variables_module.may_use_variables(data):
        layer += f"+vars:{variables_module.variables_digest(variables or {})}"
    return cache.entry_name(layer, data, validation_modules())


def with_variables(digest: str, variables: Variables) -> str:
    """The declarations' digest, the variables folded in when there are any (a saved plan made with
    other values is stale); unchanged for a project without vars."""
    if not variables:
        return digest
    return hashlib.sha256(f"{digest}\0{variables_module.variables_digest(variables)}".encode()).hexdigest()


# A YAML file's validated content as the parse cache keeps it: its accounts and its `moved:` entries.
PlainFile = tuple[list[PlainAccount], list[PlainMove], PlainGeneratedSet | None]
FileContent = tuple[list[ParsedAccount], list[MoveDeclaration], GeneratedSet | None]


def load_yaml_file(
    data: bytes,
    shown: str,
    key: str,
    cache: ParseCache | Uncached,
    problems: Problems,
    validated: PlainFile | None = None,
    variables: Variables | None = None,
) -> FileContent:
    """A YAML file's records, moves and generated set. One validated before (same bytes, same code and settings)
    comes from the cache, or as `validated` (plain data) from a helper process; one without
    problems is remembered for next time. Only the file's own checks are cached: those across
    files run on every load."""
    plain = cache.read(DECLARATIONS_LAYER, key)
    if plain is None and validated is not None:
        plain = validated
        cache.remember(key, validated)
    if plain is not None:
        content = _from_plain(plain, shown)
        if content is not None:
            return content
    accounts, moved, generated, plain = parse_yaml_content(data, shown, cache.settings, problems, variables)
    if plain is not None:
        cache.remember(key, plain)
    return accounts, moved, generated


def _from_plain(plain: PlainFile, shown: str) -> FileContent | None:
    try:
        plain_accounts, plain_moved, plain_generated_set = plain
        generated = generated_from_plain(plain_generated_set, shown) if plain_generated_set is not None else None
    except (ValueError, TypeError):
        return None
    accounts, moved = accounts_from_plain(plain_accounts, shown), moves_from_plain(plain_moved, shown)
    return None if accounts is None or moved is None else (accounts, moved, generated)


def parse_yaml_content(
    data: bytes, shown: str, settings: LoaderSettings, problems: Problems, variables: Variables | None = None
) -> tuple[list[ParsedAccount], list[MoveDeclaration], GeneratedSet | None, PlainFile | None]:
    """A YAML file's records (declared, then generated), moves and generated set, parsed, its
    variables substituted, validated, and for a file without problems their plain data (what the
    cache keeps); a fatal problem raises DeclarationError."""
    problems_before = len(problems)
    loaded = LoadedFile(shown, parse_bytes(data, shown, settings, DECLARATION_WORDING))
    if variables_module.may_use_variables(data):
        substitute_yaml(loaded, decode(data, shown), variables or {}, describe_path, problems)
        substitute_section(loaded, decode(data, shown), variables or {}, describe_path, problems, GENERATE_KEY)
    accounts = parse_file(loaded, problems)
    generated_records, generated = generate_records(loaded, problems)
    accounts.extend(generated_records)
    moved = parse_moves(loaded, problems)
    clean = len(problems) == problems_before and all(account.declaration is not None for account in accounts)
    if not clean:
        return accounts, moved, generated, None
    return accounts, moved, generated, ([plain_account(account) for account in accounts], plain_moves(moved), plain_generated(generated))


def parse_yaml_file(
    data: bytes, shown: str, settings: LoaderSettings, problems: Problems, variables: Variables | None = None
) -> tuple[list[ParsedAccount], list[MoveDeclaration], PlainFile | None]:
    """parse_yaml_content without the generated set: the records (generated ones too), moves and plain data."""
    accounts, moved, _, plain = parse_yaml_content(data, shown, settings, problems, variables)
    return accounts, moved, plain


def validate_plain(shown: str, data: bytes, settings: LoaderSettings, variables: Variables | None = None) -> PlainFile | None:
    """parse_yaml_file's plain data, or None for a file with a problem (in a helper process: such a
    file is validated again where its problems are reported)."""
    try:
        return parse_yaml_content(data, shown, settings, Problems(limit=0), variables)[3]
    except DeclarationError:
        return None


def shown_path(path: Path, project_dir: Path) -> str:
    """A file's name for messages: its folder as display_path shows it, its own name as written,
    so that a symlink is named, never the place it points to; on one line, without controls (a name
    holding a newline and a ``` fence cannot start a line of an error, a plan or a PR comment)."""
    return plain(Path(display_path(path.parent, project_dir)) / path.name)


