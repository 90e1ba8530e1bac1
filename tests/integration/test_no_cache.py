"""LFSYNC_NO_CACHE=1: no parse cache is read or written and no helper process is forked; a value
that is neither on nor off is an error naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lfsync.config.switches import NO_CACHE_VARIABLE, no_cache, switch
from lfsync.declare.parsecache import CACHE_DIR
from lfsync.errors import EXIT_ERROR, LfsyncError

ACME = "accounts:\n  acme:\n    fields: {$name: Acme, tier: enterprise}\n"


@pytest.fixture(autouse=True)
def user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.delenv(NO_CACHE_VARIABLE, raising=False)


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " yes ", "on"])
def test_on(value):
    assert no_cache({NO_CACHE_VARIABLE: value}) is True


@pytest.mark.parametrize("value", ["0", "false", "False", "no", "off", ""])
def test_off(value):
    assert no_cache({NO_CACHE_VARIABLE: value}) is False


def test_unset_is_off():
    assert no_cache({}) is False


@pytest.mark.parametrize("value", ["2", "maybe", "enabled", "1 0"])
def test_anything_else_is_an_error_naming_the_variable(value):
    with pytest.raises(LfsyncError, match=f"^LFSYNC_NO_CACHE={value!r} is neither on") as raised:
        switch(NO_CACHE_VARIABLE, {NO_CACHE_VARIABLE: value})
    assert "1, true, yes, on" in str(raised.value) and "0, false, no, off" in str(raised.value)


def cache_entries(root) -> list[str]:
    folder = root / CACHE_DIR
    return sorted(entry.name for entry in folder.iterdir() if entry.name != ".gitignore") if folder.is_dir() else []


def test_no_cache_plans_the_same_and_writes_no_cache_entry(make_project, cli):
    root = make_project({"acme.yaml": ACME})
    uncached = cli("plan", root, "--format", "json", env={NO_CACHE_VARIABLE: "1"})
    assert uncached.exit_code == 0 and cache_entries(root) == []
    cached = cli("plan", root, "--format", "json")
    assert cached.exit_code == 0 and cache_entries(root) != []
    assert cached.stdout == uncached.stdout


def test_no_cache_reads_no_entry_either(make_project, cli, monkeypatch):
    from lfsync.declare.parsecache import ParseCache

    root = make_project({"acme.yaml": ACME})
    assert cli("plan", root, "--format", "json").exit_code == 0
    entries = cache_entries(root)
    before = {name: (root / CACHE_DIR / name).stat().st_mtime_ns for name in entries}
    reads: list[str] = []
    original = ParseCache._read

    def counted(self, name):
        reads.append(name)
        return original(self, name)

    monkeypatch.setattr(ParseCache, "_read", counted)
    assert cli("plan", root, "--format", "json", env={NO_CACHE_VARIABLE: "true"}).exit_code == 0
    assert reads == []
    assert cli("plan", root, "--format", "json").exit_code == 0
    assert reads != []  # the same run without the switch does read the cache
    assert {name: (root / CACHE_DIR / name).stat().st_mtime_ns for name in entries} == before


def test_an_invalid_value_fails_a_command_clearly(make_project, cli):
    root = make_project({"acme.yaml": ACME})
    result = cli("plan", root, env={NO_CACHE_VARIABLE: "sometimes"})
    assert result.exit_code == EXIT_ERROR
    assert result.stderr.startswith("Error: LFSYNC_NO_CACHE='sometimes' is neither on")


def helper_enabled_after(value: str | None, *args: str) -> tuple[int, str, str]:
    """Run `lfsync ARGS` in a fresh interpreter; (exit code, whether it allowed a helper process, stderr)."""
    code = (
        "import sys\n"
        f"sys.argv = ['lfsync', *{list(args)!r}]\n"
        "from lfsync.__main__ import run\n"
        "from lfsync.support import offload\n"
        "try:\n    run()\nexcept SystemExit as exited:\n    code = exited.code\n"
        "print(code, offload._enabled)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != NO_CACHE_VARIABLE}
    if value is not None:
        env[NO_CACHE_VARIABLE] = value
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    exit_code, enabled = result.stdout.split()[-2:]
    return int(exit_code), enabled, result.stderr


def test_the_helper_process_is_off_with_no_cache():
    assert helper_enabled_after(None, "--version")[:2] == (0, "True")
    assert helper_enabled_after("0", "--version")[:2] == (0, "True")
    assert helper_enabled_after("1", "--version")[:2] == (0, "False")


def test_the_console_script_refuses_an_invalid_value():
    code, enabled, stderr = helper_enabled_after("please", "--version")
    assert (code, enabled) == (EXIT_ERROR, "False")
    assert stderr == "Error: LFSYNC_NO_CACHE='please' is neither on (1, true, yes, on) nor off (0, false, no, off, or unset)\n"
