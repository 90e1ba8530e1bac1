"""The parse cache under .lfsync/parse-cache: used when the bytes are the same, invisible otherwise."""

from __future__ import annotations

import ast
import importlib
import marshal
import shutil
from pathlib import Path

import pytest

import lfsync
from lfsync.declare import addresses, declarations
from lfsync.declare.declarations import load_declarations, validation_modules
from lfsync.declare.model import Declarations
from lfsync.declare.parsecache import (
    CACHE_DIR,
    ENTRY_FORMAT,
    ParseCache,
    Uncached,
    entry_name,
    loader_identity,
    user_secret,
)
from lfsync.declare.yamlload import LoaderSettings
from lfsync.errors import DeclarationError
from lfsync.operations import declared_project
from lfsync.operations.declared_project import load_declared, parse_cache_for, with_checked_values
from lfsync.values.check import check_declarations, values_entry_name
from lfsync.values.organisation import KnownOrganisation, Organisation

DECLARATIONS = "declarations"

ACME = "accounts:\n  acme:\n    fields:\n      $name: Acme\n      tier: enterprise\n    relationships: {parentAccount: account.globex}\n"
GLOBEX = "# globex\naccounts:\n  globex:\n    fields: {$name: Globex, icp-score: 7}\n"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    loader_identity.cache_clear()
    yield
    loader_identity.cache_clear()


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    (root / "sub").mkdir(parents=True)
    (root / "acme.yaml").write_text(ACME)
    (root / "sub" / "globex.yaml").write_text(GLOBEX)
    return root


def load_counting(project: Path) -> tuple[Declarations, ParseCache]:
    cache = ParseCache.for_project(project)
    return load_declarations(project, cache=cache), cache


def assert_as_without_cache(project: Path) -> Declarations:
    """A load through the cache gives exactly what a load that parses every file gives."""
    cached, _ = load_counting(project)
    assert cached == load_declarations(project, cache=Uncached())
    return cached


def test_unchanged_files_are_neither_parsed_nor_validated_again(project):
    first, cache = load_counting(project)
    assert (cache.hits, cache.misses) == ({}, {DECLARATIONS: 2})
    second, cache = load_counting(project)
    assert (cache.hits, cache.misses) == ({DECLARATIONS: 2}, {})
    assert second == first
    assert (project / CACHE_DIR / ".gitignore").read_text() == "*\n"


def test_edits_renames_deletions_and_restores_change_the_result_as_without_a_cache(project):
    before = assert_as_without_cache(project)

    (project / "acme.yaml").write_text(ACME.replace("enterprise", "smb"))
    edited = assert_as_without_cache(project)
    assert edited.accounts["account.acme"].fields["tier"] == "smb" and edited.digest != before.digest

    (project / "sub" / "globex.yaml").rename(project / "globex-renamed.yaml")
    renamed, cache = load_counting(project)
    assert cache.hits[DECLARATIONS] == 2  # same bytes under a new name: a hit that reports the new name
    globex = renamed.accounts["account.globex"]
    assert {globex.location.file} | {globex.field_location(key).file for key in globex.field_places} == {"project/globex-renamed.yaml"}
    assert_as_without_cache(project)

    (project / "acme.yaml").unlink()
    assert list(assert_as_without_cache(project).accounts) == ["account.globex"]

    (project / "acme.yaml").write_text(ACME)  # back to the first bytes: the old entry answers, correctly
    restored, cache = load_counting(project)
    assert not cache.misses
    assert restored.accounts["account.acme"] == before.accounts["account.acme"]
    assert_as_without_cache(project)


def test_an_upgrade_of_lfsync_or_other_limits_never_reuse_an_entry(project, monkeypatch):
    load_counting(project)
    monkeypatch.setattr(lfsync, "__version__", "99.0.0")
    loader_identity.cache_clear()
    _, cache = load_counting(project)
    assert (cache.hits, cache.misses) == ({}, {DECLARATIONS: 2})
    other_limits = ParseCache.for_project(project, LoaderSettings(max_depth=10))
    load_declarations(project, cache=other_limits)
    assert (other_limits.hits, other_limits.misses) == ({}, {DECLARATIONS: 2})


def test_bad_input_writes_no_cache_entry(project):
    (project / "sub" / "globex.yaml").write_text(GLOBEX + "  globex:\n    fields: {$name: Again}\n")
    with pytest.raises(DeclarationError, match="declared twice"):
        load_declarations(project)
    assert not (project / ".lfsync").exists()


def test_problems_beside_cached_files_name_each_file_as_it_is_now(project):
    (project / "sub" / "globex.yaml").write_text(GLOBEX + "  globex:\n    fields: {$name: Again}\n")
    cache = ParseCache.for_project(project)
    with pytest.raises(DeclarationError, match="project/sub/globex.yaml:5:3: account.globex is declared twice"):
        load_declarations(project, cache=cache)
    cache.save()  # as if forced: only the file without problems (acme) gets an entry
    (project / "sub" / "globex.yaml").rename(project / "moved.yaml")
    cache = ParseCache.for_project(project)
    with pytest.raises(DeclarationError, match="project/moved.yaml:5:3: account.globex is declared twice: project/moved.yaml:3:3"):
        load_declarations(project, cache=cache)
    # the file with problems has no entry: it is parsed and checked again
    assert (cache.hits, cache.misses) == ({DECLARATIONS: 1}, {DECLARATIONS: 1})


def entry_path(project: Path, data: bytes) -> Path:
    return project / CACHE_DIR / entry_name(LoaderSettings(), DECLARATIONS, data, validation_modules())


def test_a_forged_or_damaged_entry_is_ignored(project):
    load_declarations(project)
    entry = entry_path(project, ACME.encode())
    blob = entry.read_bytes()
    forged_accounts = [("evil", {"$name": "Evil"}, {}, None, False, (2, 3), {"$name": (4, 7)}, {}, [])]
    forged = marshal.dumps((ENTRY_FORMAT, forged_accounts))
    entry.write_bytes(blob[:32] + forged)  # a committed entry cannot carry our signature
    assert list(assert_as_without_cache(project).accounts) == ["account.acme", "account.globex"]

    entry.write_bytes(b"\x00" * 10)
    assert list(assert_as_without_cache(project).accounts) == ["account.acme", "account.globex"]


def test_changed_validation_code_never_reuses_a_validated_entry(project, monkeypatch):
    load_counting(project)
    monkeypatch.setattr(declarations, "validation_modules", lambda: (declarations, addresses))  # other code
    _, cache = load_counting(project)
    assert (cache.hits, cache.misses) == ({}, {DECLARATIONS: 2})
    assert_as_without_cache(project)


# Modules of lfsync.declare that the load imports but that shape no cached account: the loader's
# (signed by loader_identity), the cache itself, discovery, the checks across files (never cached).
NOT_VALIDATION = {"parsecache", "discovery", "crossfile", "yamlload", "yamldocument", "yamlscalars"}


def declare_modules_imported_by(module_name: str) -> set[str]:
    """The lfsync.declare modules `module_name` imports, directly or through each other."""
    found: set[str] = set()
    pending = [module_name]
    while pending:
        tree = ast.parse(Path(importlib.import_module(pending.pop()).__file__ or "").read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module == "lfsync.declare":
                names = [f"lfsync.declare.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lfsync.declare."):
                names = [node.module or ""]
            for name in names:
                if name not in found and name.rsplit(".", 1)[1] not in NOT_VALIDATION:
                    found.add(name)
                    pending.append(name)
    return found


def test_the_cache_is_signed_by_every_module_that_shapes_a_validated_account():
    listed = {module.__name__ for module in validation_modules()}
    assert declare_modules_imported_by(declarations.__name__) | {declarations.__name__} <= listed


def test_an_entry_signed_by_another_user_is_ignored(project, tmp_path, monkeypatch):
    load_declarations(project)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    _, cache = load_counting(project)
    assert (cache.hits, cache.misses) == ({}, {DECLARATIONS: 2})


def test_without_a_place_for_the_key_there_is_simply_no_cache(project, tmp_path, monkeypatch):
    (tmp_path / "not-a-dir").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-dir"))
    assert user_secret() is None
    assert list(load_declarations(project).accounts) == ["account.acme", "account.globex"]
    assert not (project / ".lfsync").exists()


def test_a_cache_folder_that_cannot_be_written_changes_nothing(project):
    (project / ".lfsync").write_text("a file where the folder would go")
    _, cache = load_counting(project)
    assert cache.misses[DECLARATIONS] == 2
    assert_as_without_cache(project)


def test_plan_output_is_the_same_cold_warm_and_after_the_cache_is_removed(make_project, cli):
    root = make_project({"acme.yaml": ACME, "globex.yaml": GLOBEX})
    cold = cli("plan", root, "--format", "json")
    assert cold.exit_code == 0 and (root / CACHE_DIR).is_dir()
    warm = cli("plan", root, "--format", "json")
    (root / "acme.yaml").write_text(ACME.replace("enterprise", "smb"))
    edited = cli("plan", root, "--format", "json")
    shutil.rmtree(root / CACHE_DIR)
    edited_cold = cli("plan", root, "--format", "json")
    assert warm.stdout == cold.stdout and edited.stdout == edited_cold.stdout and edited.stdout != cold.stdout
    assert '"smb"' in edited.stdout

    (root / "lfsync.yaml").write_text("target: local\nskip_enrichment: true\n")  # a setting the accounts depend on
    settings_warm = cli("plan", root, "--format", "json")
    shutil.rmtree(root / CACHE_DIR)
    settings_cold = cli("plan", root, "--format", "json")
    assert settings_warm.stdout == settings_cold.stdout != edited.stdout


def test_against_a_remote_target_the_cache_is_kept_only_where_lfsync_keeps_files_already(make_project, cli):
    root = make_project({"acme.yaml": ACME, "globex.yaml": GLOBEX})
    env = {"LIGHTFIELD_BASE_URL": "https://api.lightfield.example"}  # no API key: nothing else is written
    assert cli("plan", root, "--format", "json", env=env).exit_code == 0
    assert not (root / ".lfsync").exists()
    (root / ".lfsync").mkdir()
    assert cli("plan", root, "--format", "json", env=env).exit_code == 0
    assert len([entry for entry in (root / CACHE_DIR).iterdir() if not entry.name.startswith(".")]) == 2


# --- the values layer: canonical values per file and organisation ------------------------------

VALUES = "values"


def organisation_with(tier_option_id: str = "opt_enterprise") -> Organisation:
    definitions = {
        "fieldDefinitions": {
            "$name": {"valueType": "TEXT"},
            "icp-score": {"valueType": "NUMBER"},
            "tier": {"valueType": "SINGLE_SELECT", "typeConfiguration": {"options": [{"id": tier_option_id, "label": "Enterprise"}]}},
        },
        "relationshipDefinitions": {"parentAccount": {"cardinality": "HAS_ONE", "objectType": "account"}},
    }
    return Organisation.from_wire(definitions, None)


@pytest.fixture
def local_project(project) -> Path:
    (project / "lfsync.yaml").write_text("target: local\n")
    return project


def checked(project: Path, organisation: Organisation) -> tuple[dict, ParseCache]:
    """{address: (fields, relationships)} as with_checked_values gives them, and the cache it read."""
    caches: list[ParseCache] = []

    def counting_cache(declared_project):
        caches.append(parse_cache_for(declared_project))
        return caches[-1]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(declared_project, "parse_cache_for", counting_cache)
        declared = with_checked_values(load_declared(project), KnownOrganisation(organisation, "test"))
    return {address: (account.fields, account.relationships) for address, account in declared.desired.items()}, caches[-1]


def checked_without_cache(project: Path, organisation: Organisation) -> dict:
    result = check_declarations(load_declarations(project, cache=Uncached()), organisation)
    assert not result.problems
    return {address: (result.fields[address], result.relationships[address]) for address in result.fields}


def assert_checked_as_without_cache(project: Path, organisation: Organisation) -> tuple[dict, ParseCache]:
    values, cache = checked(project, organisation)
    assert values == checked_without_cache(project, organisation)
    return values, cache


def test_canonical_values_are_kept_per_file_and_organisation(local_project):
    organisation = organisation_with()
    first, cache = assert_checked_as_without_cache(local_project, organisation)
    assert first["account.acme"][0]["tier"] == "opt_enterprise"
    assert (cache.hits[VALUES], cache.misses[VALUES]) == (0, 2)
    again, cache = assert_checked_as_without_cache(local_project, organisation)
    assert (cache.hits[VALUES], cache.misses[VALUES]) == (2, 0) and again == first

    (local_project / "acme.yaml").write_text(ACME.replace("tier: enterprise", "tier: ENTERPRISE\n      icp-score: 3.50"))
    edited, cache = assert_checked_as_without_cache(local_project, organisation)
    assert (cache.hits[VALUES], cache.misses[VALUES]) == (1, 1)  # only the edited file is checked again
    assert edited["account.acme"][0]["icp-score"] == 3.5

    (local_project / "sub" / "globex.yaml").rename(local_project / "globex.yaml")
    _, cache = assert_checked_as_without_cache(local_project, organisation)
    assert cache.hits[VALUES] == 2


def test_another_organisation_never_reuses_canonical_values(local_project):
    before, _ = assert_checked_as_without_cache(local_project, organisation_with("opt_enterprise"))
    after, cache = assert_checked_as_without_cache(local_project, organisation_with("opt_renumbered"))
    assert (cache.hits[VALUES], cache.misses[VALUES]) == (0, 2)
    assert after["account.acme"][0]["tier"] == "opt_renumbered" != before["account.acme"][0]["tier"]


def test_values_with_problems_are_never_remembered_as_fine(local_project):
    (local_project / "acme.yaml").write_text(ACME.replace("tier: enterprise", "tier: platinum"))
    for _ in range(2):  # the second run finds the problem again: nothing was kept as fine
        with pytest.raises(DeclarationError, match="'platinum' is not an option"):
            checked(local_project, organisation_with())
    assert not any(
        (local_project / CACHE_DIR / values_entry_name(Uncached(), key, organisation_with())).exists()
        for key, _ in load_declarations(local_project, cache=Uncached()).file_accounts
    )


def test_a_forged_values_entry_is_ignored(local_project):
    organisation = organisation_with()
    checked(local_project, organisation)
    content_key = load_declarations(local_project, cache=Uncached()).file_accounts[0][0]
    entry = local_project / CACHE_DIR / values_entry_name(Uncached(), content_key, organisation)
    blob = entry.read_bytes()
    entry.write_bytes(blob[:32] + marshal.dumps((ENTRY_FORMAT, [({"$name": "Forged", "tier": "opt_forged"}, {})])))
    values, cache = assert_checked_as_without_cache(local_project, organisation)
    assert cache.misses[VALUES] == 1 and values["account.acme"][0]["tier"] == "opt_enterprise"


def test_values_from_a_csv_file_are_kept_and_answer_as_without_cache(local_project):
    (local_project / "accounts.csv").write_text("key,$name,tier,icp-score\ninitech,Initech,ENTERPRISE,4.5\n")
    organisation = organisation_with()
    first, cache = assert_checked_as_without_cache(local_project, organisation)
    assert first["account.initech"][0] == {"$name": "Initech", "tier": "opt_enterprise", "icp-score": 4.5}
    again, cache = assert_checked_as_without_cache(local_project, organisation)
    assert (cache.hits[VALUES], cache.misses[VALUES]) == (3, 0) and again == first
    (local_project / "accounts.csv").write_text("key,$name,tier,icp-score\ninitech,Initech,ENTERPRISE,5\n")
    edited, cache = assert_checked_as_without_cache(local_project, organisation)
    assert cache.misses[VALUES] == 1 and edited["account.initech"][0]["icp-score"] == 5
