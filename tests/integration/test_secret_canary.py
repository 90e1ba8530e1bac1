"""The API key never leaves the process: a canary key (the only full-access key of the organisation
the emulator serves) goes through every command, its --debug output and its failure paths; then
every byte of their stdout and stderr, every file under the project (state, journal, backups, plans,
.lfsync) and the GitHub step summary are searched for it. Each CLI run is a process of its own, so
nothing written to the real stdout or stderr escapes the search."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from lfsync.emulator.testing import served_emulator

CANARY = "sk_lf_CANARY_d3b07384d113edec49eaa6238ad5ff00"
REFUSED_CANARY = "sk_lf_CANARY_REFUSED_c157a79031e1c40f85931829bc5fc552"
# a part that would survive a key shown shortened ("sk_lf_…ad5ff00")
CANARY_TAILS = (CANARY[-12:], REFUSED_CANARY[-12:])
DEFAULT_ORG = Path(__file__).resolve().parents[2] / "lfsync" / "emulator" / "default_org.yaml"

SETTINGS = "skip_enrichment: true\n"  # no target: LIGHTFIELD_BASE_URL names the served emulator
DECLARATIONS = """
accounts:
  acme:
    fields:
      $name: Acme Corp
      tier: enterprise
      icp-score: 42
  imported:
    fields:
      $name: Imported Co
"""


class Runs:
    """Runs `lfsync ARGS` in a process of its own and keeps every byte it printed."""

    def __init__(self, base_env: dict[str, str]):
        self.base_env = base_env
        self.printed: list[tuple[str, bytes]] = []

    def __call__(self, *args: str, expect: int | None = 0, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "lfsync", *map(str, args)], env={**self.base_env, **env},
            stdin=subprocess.DEVNULL, capture_output=True, timeout=300,
        )
        self.printed.append((" ".join(map(str, args)), result.stdout + result.stderr))
        output = (result.stdout + result.stderr).decode("utf-8", "replace")
        if expect is not None:
            assert result.returncode == expect, f"lfsync {' '.join(map(str, args))}: {output}"
        return output


def canary_org(tmp_path: Path) -> Path:
    """The shipped organisation, whose full-access key is the canary."""
    text = DEFAULT_ORG.read_text(encoding="utf-8")
    assert "key: sk_lf_local_dev" in text
    fixture = tmp_path / "canary_org.yaml"
    fixture.write_text(text.replace("key: sk_lf_local_dev", f"key: {CANARY}"), encoding="utf-8")
    return fixture


def create_unmanaged(url: str, name: str) -> str:
    headers = {"Authorization": f"Bearer {CANARY}", "Lightfield-Version": "2026-03-01"}
    response = httpx.post(f"{url}/v1/accounts", json={"fields": {"$name": name}}, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()["id"]


def leaks(places: list[tuple[str, bytes]]) -> list[str]:
    needles = [CANARY, REFUSED_CANARY, *CANARY_TAILS]
    return [where for where, data in places for needle in needles if needle.encode() in data]


def files_under(root: Path) -> list[tuple[str, bytes]]:
    return [(str(path), path.read_bytes()) for path in sorted(root.rglob("*")) if path.is_file() and not path.is_symlink()]


def canary_env(summary: Path, **key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_", "GITHUB_"))}
    return {**env, "NO_COLOR": "1", "GITHUB_STEP_SUMMARY": str(summary), **key}


def assert_no_leak(lfsync: Runs, *roots: Path) -> None:
    places = lfsync.printed + [place for root in roots for place in files_under(root)]
    assert not leaks(places)


def test_the_api_key_appears_in_no_output_and_no_file(make_project, tmp_path):
    project = make_project({"accounts.yaml": DECLARATIONS}, settings=SETTINGS)
    broken = make_project({"accounts.yaml": "accounts:\n  acme:\n    fields:\n      $name: [unclosed\n",
                           "unknown.yaml": "accounts:\n  x:\n    fields:\n      $name: X\n      no-such-field: 1\n"},
                          settings=SETTINGS, name="broken")
    summary = tmp_path / "github" / "step_summary.md"
    summary.parent.mkdir()
    env = canary_env(summary, LIGHTFIELD_API_KEY=CANARY)

    with served_emulator(tmp_path / "emulator.db", "--org", str(canary_org(tmp_path))) as url:
        lfsync = Runs({**env, "LIGHTFIELD_BASE_URL": url})
        imported_id = create_unmanaged(url, "Imported Co")
        create_unmanaged(url, "Exported Co")

        lfsync("validate", project)
        lfsync("definitions", "pull", project)
        lfsync("import", "account.imported", imported_id, "--dir", project)
        for output_format in ("text", "markdown", "json"):
            lfsync("plan", project, "--format", output_format)
        lfsync("plan", project, "--out", project / "changes.lfplan")
        assert "1 created" in lfsync("apply", project / "changes.lfplan", "--auto-approve")
        lfsync("plan", project, "--refresh", "--detailed-exitcode")
        lfsync("apply", project, "--refresh", "--auto-approve")
        lfsync("--debug", "plan", project, "--refresh", "--format", "markdown")
        lfsync("--debug", "apply", project, "--refresh", "--auto-approve")
        lfsync("state", "list", "--dir", project)
        lfsync("state", "show", "account.acme", "--dir", project)
        lfsync("export", project, "--file", "accounts/exported.yaml")
        assert "Exported Co" in (project / "accounts" / "exported.yaml").read_text()

        # failure paths: bad declarations (syntax, and a field the organisation lacks), a refused key
        lfsync("plan", broken, expect=1)
        lfsync("--debug", "apply", broken, "--auto-approve", expect=1)
        (broken / "accounts.yaml").unlink()
        lfsync("plan", broken, expect=1)
        lfsync("validate", broken, expect=1)
        refused = {"LIGHTFIELD_API_KEY": REFUSED_CANARY}
        assert "refused" in lfsync("apply", project, "--auto-approve", "--refresh", expect=1, **refused)
        lfsync("--debug", "plan", project, "--refresh", expect=1, **refused)
    # an unreachable target (retried a while before it is given up): a port bound here and never
    # listened on, so no other process can take it meanwhile
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        unreachable = {"LIGHTFIELD_BASE_URL": f"http://127.0.0.1:{closed.getsockname()[1]}"}
        assert "cannot reach" in lfsync("--debug", "apply", project, "--auto-approve", "--refresh", expect=1, **unreachable)

    assert "lfsync apply" in summary.read_text()
    assert (project / "state" / "default.lfstate.json").exists()
    assert_no_leak(lfsync, project, broken, summary.parent)


def test_a_key_from_the_key_file_appears_in_no_output_and_no_file(make_project, tmp_path):
    project = make_project({"accounts.yaml": DECLARATIONS}, settings=SETTINGS)
    key_file = tmp_path / "secrets" / "lightfield_key"
    key_file.parent.mkdir()
    key_file.write_text(CANARY + "\n", encoding="utf-8")
    summary = tmp_path / "github" / "step_summary.md"
    summary.parent.mkdir()
    env = canary_env(summary, LIGHTFIELD_API_KEY_FILE=str(key_file))

    with served_emulator(tmp_path / "emulator.db", "--org", str(canary_org(tmp_path))) as url:
        lfsync = Runs({**env, "LIGHTFIELD_BASE_URL": url})
        lfsync("--debug", "plan", project, "--refresh", "--out", project / "changes.lfplan")
        assert "2 created" in lfsync("--debug", "apply", project / "changes.lfplan", "--auto-approve")
        lfsync("plan", project, "--refresh", "--format", "json")
        key_file.write_text(REFUSED_CANARY + "\n", encoding="utf-8")
        assert "refused" in lfsync("--debug", "apply", project, "--auto-approve", "--refresh", expect=1)

    assert (project / "state" / "default.lfstate.json").exists()
    assert_no_leak(lfsync, project, summary.parent)
