"""What `lfsync apply` imports before and while it writes: a remote target's apply leaves the local
emulator, the web server, Faker, jsonschema and the renderers of formats nobody asked for
(markdown with its diagrams, JSON) unimported, since each import is start-up time before the
first write. Checked on the modules a real apply process holds at its end, not on timings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lfsync.emulator import EmulatorConfig
from lfsync.emulator.testing import serve_in_thread

API_KEY = "sk_lf_local_dev"

# Runs one lfsync command in this process as the `lfsync` program would, then writes its exit
# status and every module it imported to the file named first.
CHILD = """
import json, sys
from lfsync.cli import main
report, arguments = sys.argv[1], sys.argv[2:]
code = 0
try:
    main.main(arguments, prog_name="lfsync")
except SystemExit as ending:
    code = ending.code
with open(report, "w", encoding="utf-8") as handle:
    json.dump({"exit": code, "modules": sorted(sys.modules)}, handle)
"""

NOT_FOR_A_REMOTE_APPLY = (
    "lfsync.emulator", "uvicorn", "starlette", "fastapi", "faker", "jsonschema",
    "lfsync.ui.markdown", "lfsync.ui.planjson", "lfsync.ui.mermaid", "lfsync.ui.plandiagram", "lfsync.plan.picture",
)

DECLARATIONS = """\
accounts:
  acme:
    fields:
      $name: Acme Imports
      $website: [https://acme-imports.example]
contacts:
  ada:
    fields:
      $name: {firstName: Ada, lastName: Lovelace}
      $email: [ada@acme-imports.example]
    relationships:
      $account: account.acme
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> str:
    scratch = tmp_path_factory.mktemp("apply-imports")
    with serve_in_thread(EmulatorConfig(db_path=str(scratch / "emulator.db"))) as base_url:
        yield base_url


def remote_project(directory: Path, base_url: str) -> Path:
    directory.mkdir()
    (directory / "lfsync.yaml").write_text(f"target: {base_url}\nskip_enrichment: true\n", encoding="utf-8")
    (directory / "crm.yaml").write_text(DECLARATIONS, encoding="utf-8")
    return directory


def run_reporting_modules(tmp_path: Path, *arguments: str) -> tuple[int, set[str]]:
    report = tmp_path / "modules.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LIGHTFIELD_", "LFSYNC_"))}
    env |= {"LIGHTFIELD_API_KEY": API_KEY, "NO_COLOR": "1"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(report), *arguments], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, check=False, timeout=120)
    assert report.exists(), done.stderr
    answer = json.loads(report.read_text(encoding="utf-8"))
    return answer["exit"], set(answer["modules"])


def imported_of(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(module for module in modules if any(module == name or module.startswith(name + ".") for name in names))


def test_an_apply_to_a_remote_target_imports_no_emulator_faker_or_unasked_renderers(served, tmp_path):
    project = remote_project(tmp_path / "project", served)
    code, modules = run_reporting_modules(tmp_path, "apply", str(project), "--auto-approve")
    assert code == 0
    state = json.loads((project / "state" / "default.lfstate.json").read_text(encoding="utf-8"))
    assert sorted(state["resources"]) == ["account.acme", "contact.ada"]  # it did apply: the path was walked
    assert "lfsync.operations.applying" in modules and "lfsync.apply.applier" in modules
    assert imported_of(modules, NOT_FOR_A_REMOTE_APPLY) == []


def test_the_markdown_renderer_is_still_imported_where_markdown_is_asked(served, tmp_path):
    """The other side of the lazy import: `plan --format markdown` does load it (and the check above
    sees modules imported inside functions)."""
    project = remote_project(tmp_path / "project", served)
    code, modules = run_reporting_modules(tmp_path, "plan", str(project), "--format", "markdown")
    assert code == 0
    assert "lfsync.ui.markdown" in modules and "lfsync.emulator" not in modules
