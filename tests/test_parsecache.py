"""The parse cache under .lfsync/parse-cache: used when the bytes are the same, invisible otherwise."""

from __future__ import annotations

import hashlib
import marshal
import shutil
from pathlib import Path

import pytest

import lfsync
from lfsync.declarations import Declarations, load_declarations
from lfsync.errors import DeclarationError
from lfsync.parsecache import CACHE_DIR, ParseCache, Uncached, loader_identity, user_secret
from lfsync.yamlload import LoaderSettings

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


def test_unchanged_files_are_not_parsed_again(project):
    first, cache = load_counting(project)
    assert (cache.hits, cache.misses) == (0, 2)
    second, cache = load_counting(project)
    assert (cache.hits, cache.misses) == (2, 0)
    assert second == first
    assert (project / CACHE_DIR / ".gitignore").read_text() == "*\n"


def test_edits_renames_deletions_and_restores_change_the_result_as_without_a_cache(project):
    before = assert_as_without_cache(project)

    (project / "acme.yaml").write_text(ACME.replace("enterprise", "smb"))
    edited = assert_as_without_cache(project)
    assert edited.accounts["account.acme"].fields["tier"] == "smb" and edited.digest != before.digest

    (project / "sub" / "globex.yaml").rename(project / "globex-renamed.yaml")
    renamed, cache = load_counting(project)
    assert cache.hits == 2  # same bytes under a new name: a hit that reports the new name
    assert renamed.accounts["account.globex"].location.file == "project/globex-renamed.yaml"
    assert_as_without_cache(project)

    (project / "acme.yaml").unlink()
    assert list(assert_as_without_cache(project).accounts) == ["account.globex"]

    (project / "acme.yaml").write_text(ACME)  # back to the first bytes: the old entry answers, correctly
    restored, cache = load_counting(project)
    assert cache.misses == 0
    assert restored.accounts["account.acme"] == before.accounts["account.acme"]
    assert_as_without_cache(project)


def test_an_upgrade_of_lfsync_or_other_limits_never_reuse_an_entry(project, monkeypatch):
    load_counting(project)
    monkeypatch.setattr(lfsync, "__version__", "99.0.0")
    loader_identity.cache_clear()
    _, cache = load_counting(project)
    assert (cache.hits, cache.misses) == (0, 2)
    other_limits = ParseCache.for_project(project, LoaderSettings(max_depth=10))
    load_declarations(project, cache=other_limits)
    assert (other_limits.hits, other_limits.misses) == (0, 2)


def test_bad_input_writes_no_cache_entry(project):
    (project / "sub" / "globex.yaml").write_text(GLOBEX + "  globex:\n    fields: {$name: Again}\n")
    with pytest.raises(DeclarationError, match="declared twice"):
        load_declarations(project)
    assert not (project / ".lfsync").exists()


def test_problems_from_a_cached_parse_name_the_file_as_it_is_now(project):
    (project / "sub" / "globex.yaml").write_text(GLOBEX + "  globex:\n    fields: {$name: Again}\n")
    cache = ParseCache.for_project(project)
    with pytest.raises(DeclarationError, match="project/sub/globex.yaml:5:3: account.globex is declared twice"):
        load_declarations(project, cache=cache)
    cache.save()  # as if an earlier, successful load had stored this file's parse
    (project / "sub" / "globex.yaml").rename(project / "moved.yaml")
    cache = ParseCache.for_project(project)
    with pytest.raises(DeclarationError, match="project/moved.yaml:5:3: account.globex is declared twice: project/moved.yaml:3:3"):
        load_declarations(project, cache=cache)
    assert cache.hits == 2


def entry_path(project: Path, data: bytes) -> Path:
    return project / CACHE_DIR / hashlib.sha256(loader_identity(LoaderSettings()) + data).hexdigest()


def test_a_forged_or_damaged_entry_is_ignored(project):
    load_declarations(project)
    entry = entry_path(project, ACME.encode())
    blob = entry.read_bytes()
    forged = marshal.dumps((1, {"accounts": {"evil": {"fields": {"$name": "Evil"}}}}, (1, 1, None), []))
    entry.write_bytes(blob[:32] + forged)  # a committed entry cannot carry our signature
    assert list(assert_as_without_cache(project).accounts) == ["account.acme", "account.globex"]

    entry.write_bytes(b"\x00" * 10)
    assert list(assert_as_without_cache(project).accounts) == ["account.acme", "account.globex"]


def test_an_entry_signed_by_another_user_is_ignored(project, tmp_path, monkeypatch):
    load_declarations(project)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    _, cache = load_counting(project)
    assert (cache.hits, cache.misses) == (0, 2)


def test_without_a_place_for_the_key_there_is_simply_no_cache(project, tmp_path, monkeypatch):
    (tmp_path / "not-a-dir").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "not-a-dir"))
    assert user_secret() is None
    assert list(load_declarations(project).accounts) == ["account.acme", "account.globex"]
    assert not (project / ".lfsync").exists()


def test_a_cache_folder_that_cannot_be_written_changes_nothing(project):
    (project / ".lfsync").write_text("a file where the folder would go")
    _, cache = load_counting(project)
    assert cache.misses == 2
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


def test_against_a_remote_target_the_cache_is_kept_only_where_lfsync_keeps_files_already(make_project, cli):
    root = make_project({"acme.yaml": ACME, "globex.yaml": GLOBEX})
    env = {"LIGHTFIELD_BASE_URL": "https://api.lightfield.example"}  # no API key: nothing else is written
    assert cli("plan", root, "--format", "json", env=env).exit_code == 0
    assert not (root / ".lfsync").exists()
    (root / ".lfsync").mkdir()
    assert cli("plan", root, "--format", "json", env=env).exit_code == 0
    assert len([entry for entry in (root / CACHE_DIR).iterdir() if not entry.name.startswith(".")]) == 2
