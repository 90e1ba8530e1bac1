"""Three organisations, each on an emulator served in a process of its own that knows only its own
key, and a project whose `workspaces:` names them (tests of --workspace, LFSYNC_WORKSPACE, fan-out)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest

from lfsync.emulator.testing import served_emulator

from conftest import ACCOUNTS

WORKSPACES = ("demo-eu", "demo-us", "demo-apac")
DEFAULT_FIXTURE = Path(__file__).resolve().parents[1] / "lfsync" / "emulator" / "default_org.yaml"


def key_of(name: str) -> str:
    return f"sk_lf_{name.replace('-', '_')}_only"


def fixture_with_key(tmp_path: Path, name: str) -> Path:
    """The default organisation, whose full-access key is this workspace's alone."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(DEFAULT_FIXTURE.read_text().replace("sk_lf_local_dev", key_of(name)))
    return path


def env_var(name: str) -> str:
    return f"LF_KEY_{name.replace('-', '_').upper()}"


@pytest.fixture
def three_organisations(tmp_path, make_project, monkeypatch):
    """A project with three workspaces, each on its own served emulator; yields (project, urls)."""
    with ExitStack() as stack:
        urls = {
            name: stack.enter_context(served_emulator(tmp_path / f"{name}.db", "--org", str(fixture_with_key(tmp_path, name))))
            for name in WORKSPACES
        }
        settings = "target: local\nworkspaces:\n" + "".join(
            f"  {name}: {{target: {url}, api_key_env: {env_var(name)}}}\n" for name, url in urls.items()
        )
        for name in WORKSPACES:
            monkeypatch.setenv(env_var(name), key_of(name))
        yield make_project({"accounts.yaml": ACCOUNTS}, settings=settings), urls
