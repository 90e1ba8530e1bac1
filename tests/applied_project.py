"""A project that a module's tests share, applied on an emulator served on loopback: the CLI run
in-process on it (plan, apply, the clean re-plan) and its local state read back; and the
environment that points lfsync at that emulator for the module (`targeting`), and the marks that
run a test on the module's project in both API modes or the default one. Test modules
subclass `AppliedProject` to add what they hold beside it (an SDK, a clock, recorded requests)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lfsync.emulator.testing import API_MODES

from conftest import write_files

LOCAL_KEY = "sk_lf_local_dev"


def in_both_modes(fixture: str) -> pytest.MarkDecorator:
    """A test run on the module's shared `fixture` (indirect, module-scoped) in each API mode."""
    return pytest.mark.parametrize(fixture, API_MODES, indirect=True, scope="module")


def in_default_mode(fixture: str) -> pytest.MarkDecorator:
    """A test run on the module's shared `fixture` (indirect, module-scoped) in the default API mode only."""
    return pytest.mark.parametrize(fixture, [API_MODES[0]], indirect=True, scope="module")


@contextmanager
def targeting(url: str, key: str = LOCAL_KEY) -> Iterator[None]:
    """lfsync aimed at the emulator at `url` with `key` for the block: no workspace or backend
    taken from the shell, no colour in what it prints."""
    with pytest.MonkeyPatch.context() as env:
        for variable in ("LFSYNC_WORKSPACE", "LFSYNC_BACKEND"):
            env.delenv(variable, raising=False)
        env.setenv("LIGHTFIELD_BASE_URL", url)
        env.setenv("LIGHTFIELD_API_KEY", key)
        env.setenv("NO_COLOR", "1")
        yield


@dataclass
class AppliedProject:
    """A project directory with local state, and the lfsync commands the tests run on it."""

    project: Path

    def run(self, *args: object) -> Result:
        from lfsync.cli import main

        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    def plan(self, *options: object) -> Result:
        return self.run("plan", self.project, *options)

    def applied(self, *options: object, command: str = "apply") -> str:
        """`lfsync <command> <project> --auto-approve <options>`, which must succeed; its stdout."""
        result = self.run(command, self.project, "--auto-approve", *options)
        assert result.exit_code == 0, result.output
        return result.stdout

    def assert_clean(self) -> Result:
        """The plan has nothing to do (`--detailed-exitcode` exits 0); that plan's result."""
        clean = self.plan("--detailed-exitcode")
        assert clean.exit_code == 0, clean.output
        return clean

    def state(self) -> dict:
        """The whole local state document (resources, anchor, ...)."""
        return json.loads((self.project / "state" / "default.lfstate.json").read_text())

    def resources(self) -> dict:
        """address -> its resource in the local state."""
        return self.state()["resources"]

    def id_of(self, address: str) -> str:
        return self.resources()[address]["id"]

    def write(self, files: dict[str, str]) -> None:
        write_files(self.project, files)
