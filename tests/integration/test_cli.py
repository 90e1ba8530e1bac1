"""The command-line shell: lazy command loading, and one mapping from errors to messages and exit codes."""

from __future__ import annotations

import gc
import importlib.abc
import subprocess
import sys

import pytest

from lfsync.errors import EXIT_BUG, EXIT_ERROR, EXIT_INTERRUPTED, describe_failure

SERVER_MODULES = ("starlette", "uvicorn", "lfsync.emulator")
# What `--version` and `--help` must not load (start-up time, issue 8): the emulator and every heavy library.
HEAVY_MODULES = (*SERVER_MODULES, "rich", "pydantic", "httpx", "ruamel", "deepdiff")


def imported_after(*args: str, watched: tuple[str, ...] = SERVER_MODULES) -> list[str]:
    """Run `lfsync ARGS` in a fresh interpreter; the `watched` modules (top-level names) it imported."""
    code = (
        "import sys\n"
        f"sys.argv = ['lfsync', *{list(args)!r}]\n"
        "from lfsync.__main__ import run\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "loaded = [m for m, module in sys.modules.items() if module is not None]\n"  # None: marked absent
        f"print(sorted(m for m in loaded if m.split('.')[0] in {watched!r} or m.startswith('lfsync.emulator')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return eval(result.stdout.strip().splitlines()[-1])


def test_version_and_help_do_not_import_the_emulator_or_any_heavy_library():
    assert imported_after("--version", watched=HEAVY_MODULES) == []
    assert imported_after("--help", watched=HEAVY_MODULES) == []


def test_help_lists_every_command_by_its_own_summary(cli):
    import click

    from lfsync.cli import LAZY_COMMANDS, main

    context = click.Context(main)
    for name, (_, _, summary) in LAZY_COMMANDS.items():
        command = main.get_command(context, name)
        assert command is not None and command.name == name
        assert summary == command.get_short_help_str(limit=1000), name


def test_the_emulator_command_loads_when_it_runs(cli):
    assert "serve" in cli("emulator", "--help").stdout
    from lfsync.cli import LAZY_COMMANDS
    from lfsync.emulator.cli import emulator

    summary = LAZY_COMMANDS["emulator"][2]  # shown by `lfsync --help` without importing the emulator
    assert summary == emulator.get_short_help_str() and summary in cli("--help").stdout


def test_ctrl_c_in_a_command_is_interrupted_and_exit_130(project, cli, monkeypatch):
    import lfsync.commands.plan

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(lfsync.commands.plan, "plan_project", interrupted)
    result = cli("plan", project)
    assert result.exit_code == EXIT_INTERRUPTED and "Error: Interrupted" in result.stderr


class _InterruptImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name == "lfsync.cli":
            raise KeyboardInterrupt
        return None


def test_ctrl_c_while_the_cli_is_imported_is_interrupted_and_exit_130(monkeypatch, capsys):
    from lfsync.__main__ import run
    from lfsync.support import collector, offload

    # run() sets this process up as a command's: undone after the test
    monkeypatch.setattr(collector, "_one_command_process", collector._one_command_process)
    monkeypatch.setattr(offload, "_enabled", offload._enabled)
    monkeypatch.delitem(sys.modules, "lfsync.cli", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_InterruptImport(), *sys.meta_path])
    thresholds = gc.get_threshold()
    try:
        with pytest.raises(SystemExit) as exited:
            run()
    finally:
        gc.set_threshold(*thresholds)
    assert exited.value.code == EXIT_INTERRUPTED
    assert capsys.readouterr().err == "Error: Interrupted\n"


def test_a_file_system_error_is_named_not_unexpected(project, cli):
    (project / "blocker").write_text("a file, not a folder")
    result = cli("plan", project, "--out", project / "blocker" / "release.lfplan")
    assert result.exit_code == EXIT_ERROR
    assert "release.lfplan: Not a directory" in result.stderr and "unexpected" not in result.stderr


def test_only_a_bug_is_unexpected():
    message, code = describe_failure(ZeroDivisionError("division by zero"))
    assert code == EXIT_BUG and message.startswith("unexpected ZeroDivisionError: division by zero (a bug in lfsync")
    assert describe_failure(PermissionError(13, "Permission denied", "/nope/state")) == (
        "/nope/state: Permission denied", EXIT_ERROR,
    )
