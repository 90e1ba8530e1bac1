"""Shared fixtures: projects in tmp_path, the CLI run in-process, served emulators."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lfsync.emulator.testing import API_MODES, DOCS_LITERAL


def pytest_sessionstart(session):
    """Byte-compile lfsync once: the tests start hundreds of `lfsync` processes, and where
    PYTHONDONTWRITEBYTECODE is set (CI runners, this project's machines) each would compile every
    module from source again (~0.15 s a process), as an installed lfsync never does."""
    import compileall

    import lfsync

    try:
        compileall.compile_dir(str(Path(lfsync.__file__).parent), quiet=1)
    except OSError:  # an installed lfsync in a read-only place: it came compiled
        pass


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="run the long variants (marked slow)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="long variant: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _no_backend_from_the_shell(monkeypatch):
    """State is local unless a test asks for the `backend` fixture's PostgreSQL."""
    monkeypatch.delenv("LFSYNC_BACKEND", raising=False)


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL server for the session (pgserver). In CI (CI set) a server that cannot start
    fails the tests that need it; elsewhere they skip, saying why."""
    try:
        from pgtesting import ThrowawayPostgres

        server = ThrowawayPostgres()
    except Exception as error:  # noqa: BLE001 - any failure to start is reported, with its cause
        reason = f"PostgreSQL (pgserver) cannot start here: {type(error).__name__}: {error}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres, monkeypatch) -> str:
    """A fresh database as the state backend (LFSYNC_BACKEND, which subprocesses inherit too)."""
    url = postgres.new_database()
    monkeypatch.setenv("LFSYNC_BACKEND", url)
    return url


BACKENDS = ("local", "postgres")


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Where state lives: local files, or a fresh PostgreSQL database. Tests that take it run on both."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_url")
    return request.param


@pytest.fixture(params=API_MODES)
def api_mode(request) -> str:
    """The emulator's API mode: its own choices where the docs are silent, or only the forms
    Lightfield's docs show (emulator decision 23). Tests that take it run in both."""
    return request.param


@pytest.fixture
def served_target(api_mode, cli, monkeypatch, tmp_path):
    """An emulator in `api_mode`, served on loopback in a thread, as the project's target
    (LIGHTFIELD_BASE_URL and the key set for the CLI and for helpers alike); yields its config,
    whose `clock` is a ShiftedClock (a test may move it)."""
    from lfsync.emulator import EmulatorConfig
    from lfsync.emulator.clock import ShiftedClock
    from lfsync.emulator.testing import serve_in_thread

    config = EmulatorConfig(
        db_path=str(tmp_path / "served.db"), docs_literal=api_mode == DOCS_LITERAL, clock=ShiftedClock()
    )
    with serve_in_thread(config) as url:
        monkeypatch.setenv("LIGHTFIELD_BASE_URL", url)
        monkeypatch.setenv("LIGHTFIELD_API_KEY", "sk_lf_local_dev")
        yield config


def write_files(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


@pytest.fixture
def make_project(tmp_path: Path):
    """A project directory with the given files; `lfsync.yaml` defaults to the local target."""

    def make(files: dict[str, str], settings: str = "target: local\n", name: str = "project") -> Path:
        root = tmp_path / name
        root.mkdir(parents=True, exist_ok=True)
        write_files(root, {"lfsync.yaml": settings, **files})
        return root

    return make


@pytest.fixture
def cli(monkeypatch):
    """Run `lfsync ARGS` in-process; returns click's Result (exit_code, stdout, stderr)."""
    from lfsync.cli import main

    for variable in ("LIGHTFIELD_BASE_URL", "LFSYNC_WORKSPACE", "LIGHTFIELD_API_KEY", "NO_COLOR"):
        monkeypatch.delenv(variable, raising=False)

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(main, [str(a) for a in args], input=input, env=env, catch_exceptions=False)

    return run


ACCOUNTS = """
accounts:
  acme:
    fields:
      $name: Acme Corp
      $website: [https://acme.example]
      $industry: [Software]
      $primaryAddress: {city: Oslo, country: NO}
      tier: enterprise
    relationships:
      $owner: mem_cadalovelace000000000
  acme-nordics:
    fields:
      $name: Acme Nordics
    relationships:
      parentAccount: account.acme
  globex:
    fields:
      $name: Globex
      icp-score: 42
"""


@pytest.fixture
def project(make_project) -> Path:
    return make_project({"accounts.yaml": ACCOUNTS})


def env_without_secrets() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("LIGHTFIELD_API_KEY", "LIGHTFIELD_BASE_URL")}


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
def state_of():
    """The state file of a project's workspace, as JSON."""

    def read(project: Path, workspace: str = "default") -> dict:
        if os.environ.get("LFSYNC_BACKEND"):  # the `backend` fixture's database: snapshot + journal
            from lfsync.config.project import load_project
            from lfsync.state.workspace import load_state

            shared = load_project(project, env={**os.environ, "LFSYNC_WORKSPACE": workspace})
            return load_state(shared).snapshot.model_dump(mode="json")
        return json.loads((project / "state" / f"{workspace}.lfstate.json").read_text())

    return read


@pytest.fixture
def server_accounts():
    """Every live account on a project's target, as the wire JSON a plain HTTP client reads (tests/wire.py)."""
    from wire import accounts_of

    return accounts_of
